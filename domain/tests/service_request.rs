//! Given/when/then tests of the service-request decider: given events, when
//! a command, then events or the reason it is refused.

use chrono::NaiveDate;
use markaz_domain::calendar::Holiday;
use markaz_domain::service_request::{
    decide_service, evolve_service, RequestService, ServiceRequested,
};
use markaz_domain::{
    Actor, Applicant, CategoryCode, Channel, Cnic, Description, DocumentNumber, MarkazCode,
    OfficerId, PersonName, Phone, Rating, Role, ServiceAction, ServiceCatalogue, ServiceCommand,
    ServiceError, ServiceEvent, ServiceRequestId, ServiceState, ServiceStatus, ShortText,
    StationFinding, Timestamp, TrackingCode, WorkingCalendar,
};
use uuid::Uuid;

/// Monday 2 March 2026, 10:00 in Quetta (05:00 UTC).
const MONDAY_10AM: i64 = 1_772_427_600_000_000;

fn officer(role: Role) -> Actor {
    Actor::Officer {
        id: OfficerId(Uuid::from_u128(1)),
        role,
    }
}

fn text(value: &str) -> ShortText {
    ShortText::parse(value).unwrap()
}

fn number(random: u64) -> DocumentNumber {
    DocumentNumber::from_random(&MarkazCode::parse("KCH").unwrap(), random)
}

fn request(service: &str, calendar: WorkingCalendar) -> ServiceAction {
    let markaz = MarkazCode::parse("KCH").unwrap();
    let catalogue = ServiceCatalogue::default();
    ServiceAction::Request(RequestService {
        request_id: ServiceRequestId::from_uuid(Uuid::from_u128(7)),
        tracking_code: TrackingCode::from_random(&markaz, 42),
        markaz,
        service: catalogue
            .get(&CategoryCode::parse(service).unwrap())
            .unwrap()
            .clone(),
        calendar,
        applicant: Applicant {
            name: PersonName::parse("Imran Kakar").unwrap(),
            phone: Phone::parse("03127654321").unwrap(),
            cnic: Cnic::parse("54400-7654321-1").unwrap(),
            address: None,
        },
        fields: Vec::new(),
        documents_checked: vec!["Original CNIC of the applicant".into()],
        channel: Channel::Counter,
    })
}

fn command(actor: Actor, action: ServiceAction) -> ServiceCommand {
    ServiceCommand {
        command_id: Uuid::from_u128(99),
        at: Timestamp::from_micros(MONDAY_10AM),
        actor,
        action,
    }
}

/// Folds `actions` (each decided on the state so far) and returns the state.
fn given(actions: Vec<(Actor, ServiceAction)>) -> ServiceState {
    let mut state = ServiceState::default();
    for (actor, action) in actions {
        let events = decide_service(&state, &command(actor, action)).expect("given step");
        for event in &events {
            state = evolve_service(state, event, Timestamp::from_micros(MONDAY_10AM));
        }
    }
    state
}

fn desk() -> Actor {
    officer(Role::Desk)
}

fn issue(random: u64) -> ServiceAction {
    ServiceAction::Issue {
        number: number(random),
        text: Description::parse("No criminal record").unwrap(),
    }
}

fn certificate_verified(finding: StationFinding) -> ServiceState {
    given(vec![
        (
            desk(),
            request("character_certificate", WorkingCalendar::pakistan()),
        ),
        (
            desk(),
            ServiceAction::SendForVerification {
                station: text("PS Kuchlak"),
            },
        ),
        (
            desk(),
            ServiceAction::RecordStationAnswer {
                finding,
                case_references: (finding == StationFinding::Adverse).then(|| text("FIR 45/2024")),
                remarks: None,
            },
        ),
    ])
}

#[test]
fn a_request_records_its_promise_in_working_days() {
    // Seven working days after Monday 2 March 2026 (Mon-Sat week), with
    // Tuesday 3 March a holiday: Wed 4, Thu 5, Fri 6, Sat 7, Mon 9, Tue 10,
    // Wed 11; due at the start of Thursday 12 March, Quetta time (19:00 UTC
    // on the 11th).
    let calendar = WorkingCalendar::new(
        chrono_tz::Asia::Karachi,
        &WorkingCalendar::pakistan().working_days(),
        vec![Holiday {
            date: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            name_en: "A holiday".into(),
            name_ur: "چھٹی".into(),
        }],
    )
    .unwrap();
    let events = decide_service(
        &ServiceState::default(),
        &command(desk(), request("character_certificate", calendar)),
    )
    .unwrap();
    let [ServiceEvent::Requested(ServiceRequested {
        issue_by,
        station_verification,
        fee_rupees,
        ..
    })] = events.as_slice()
    else {
        panic!("{events:?}")
    };
    assert_eq!(
        issue_by.to_rfc3339(),
        "2026-03-11T19:00:00.000000Z",
        "seven working days skip Sunday and the holiday"
    );
    assert!(station_verification);
    assert_eq!(*fee_rupees, 500);
}

#[test]
fn a_certificate_is_issued_only_after_a_clear_station_answer() {
    let requested = given(vec![(
        desk(),
        request("character_certificate", WorkingCalendar::pakistan()),
    )]);
    let error = decide_service(&requested, &command(desk(), issue(1))).unwrap_err();
    assert!(error.to_string().contains("must verify first"), "{error}");

    let adverse = certificate_verified(StationFinding::Adverse);
    assert!(decide_service(&adverse, &command(desk(), issue(1))).is_err());

    let clear = certificate_verified(StationFinding::Clear);
    let events = decide_service(&clear, &command(desk(), issue(1))).unwrap();
    assert!(matches!(events.as_slice(), [ServiceEvent::Issued(_)]));
}

#[test]
fn an_adverse_answer_must_name_its_cases() {
    let at_station = given(vec![
        (
            desk(),
            request("character_certificate", WorkingCalendar::pakistan()),
        ),
        (
            desk(),
            ServiceAction::SendForVerification {
                station: text("PS Kuchlak"),
            },
        ),
    ]);
    let answer = ServiceAction::RecordStationAnswer {
        finding: StationFinding::Adverse,
        case_references: None,
        remarks: None,
    };
    let error = decide_service(&at_station, &command(desk(), answer)).unwrap_err();
    assert!(error.to_string().contains("case references"), "{error}");
}

#[test]
fn a_service_without_station_verification_is_issued_directly() {
    let requested = given(vec![(
        desk(),
        request("fir_copy", WorkingCalendar::pakistan()),
    )]);
    let send = ServiceAction::SendForVerification {
        station: text("PS Kuchlak"),
    };
    assert!(decide_service(&requested, &command(desk(), send)).is_err());
    assert!(decide_service(&requested, &command(desk(), issue(1))).is_ok());
}

#[test]
fn issued_documents_are_collected_rated_once_reissued_and_revoked() {
    let mut state = certificate_verified(StationFinding::Clear);
    for (actor, action) in [
        (desk(), issue(1)),
        (desk(), ServiceAction::Collect { note: None }),
        (
            Actor::Citizen,
            ServiceAction::Rate {
                stars: Rating::new(5).unwrap(),
                comment: None,
            },
        ),
    ] {
        let events = decide_service(&state, &command(actor, action)).unwrap();
        state = evolve_service(state, &events[0], Timestamp::from_micros(MONDAY_10AM));
    }
    assert_eq!(state.status, Some(ServiceStatus::Collected));
    let again = ServiceAction::Rate {
        stars: Rating::new(1).unwrap(),
        comment: None,
    };
    assert_eq!(
        decide_service(&state, &command(Actor::Citizen, again)),
        Err(ServiceError::AlreadyRated)
    );
    let reissue = ServiceAction::Reissue {
        number: number(2),
        text: Description::parse("Corrected").unwrap(),
        reason: text("Name misspelt"),
    };
    let events = decide_service(&state, &command(desk(), reissue)).unwrap();
    let ServiceEvent::Reissued(reissued) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(reissued.supersedes, number(1));
    state = evolve_service(state, &events[0], Timestamp::from_micros(MONDAY_10AM));
    let revoke = ServiceAction::Revoke {
        reason: text("Forged CNIC"),
    };
    let refused = decide_service(&state, &command(desk(), revoke.clone())).unwrap_err();
    assert!(
        matches!(refused, ServiceError::NotAllowed { .. }),
        "{refused}"
    );
    let events = decide_service(&state, &command(officer(Role::Supervisor), revoke)).unwrap();
    let ServiceEvent::Revoked(revoked) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        revoked.number,
        number(2),
        "the document in force is revoked"
    );
}

#[test]
fn a_refused_request_can_be_rated_but_not_issued_or_withdrawn() {
    let refused = given(vec![
        (desk(), request("fir_copy", WorkingCalendar::pakistan())),
        (
            desk(),
            ServiceAction::Refuse {
                reason: text("No FIR with this number"),
            },
        ),
    ]);
    assert_eq!(refused.status, Some(ServiceStatus::Refused));
    assert!(decide_service(&refused, &command(desk(), issue(1))).is_err());
    let withdraw = ServiceAction::Withdraw { reason: text("x") };
    assert!(decide_service(&refused, &command(desk(), withdraw)).is_err());
    let rate = ServiceAction::Rate {
        stars: Rating::new(2).unwrap(),
        comment: None,
    };
    assert!(decide_service(&refused, &command(Actor::Citizen, rate)).is_ok());
}

#[test]
fn only_officers_act_and_auditors_change_nothing() {
    let requested = given(vec![(
        desk(),
        request("fir_copy", WorkingCalendar::pakistan()),
    )]);
    let ack = ServiceAction::Acknowledge { note: None };
    assert!(decide_service(&requested, &command(officer(Role::Auditor), ack.clone())).is_err());
    assert!(decide_service(&requested, &command(Actor::Citizen, ack.clone())).is_err());
    assert_eq!(
        decide_service(&ServiceState::default(), &command(desk(), ack)),
        Err(ServiceError::NotFound)
    );
    assert_eq!(
        decide_service(
            &requested,
            &command(desk(), request("fir_copy", WorkingCalendar::pakistan()))
        ),
        Err(ServiceError::AlreadyRequested)
    );
}
