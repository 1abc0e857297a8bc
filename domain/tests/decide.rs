//! Given/when/then tests of the complaint lifecycle (the table in DESIGN.md).

mod common;

use common::*;
use markaz_domain::{
    decide, evolve, Actor, Catalogue, ComplaintAcknowledged, ComplaintAction, ComplaintEvent,
    ComplaintReopened, ComplaintState, ComplaintStatus, DomainError, Gender, Role, Timestamp,
};

fn status_after(history: &[ComplaintAction]) -> ComplaintStatus {
    given(history).0.status.unwrap()
}

fn rejected(history: &[ComplaintAction], action: ComplaintAction) -> DomainError {
    let (state, _) = given(history);
    match when(&state, action) {
        Ok(events) => panic!("expected a refusal, got {events:?}"),
        Err(error) => error,
    }
}

fn assert_invalid_transition(error: DomainError, action: &str, status: ComplaintStatus) {
    match &error {
        DomainError::InvalidTransition {
            action: a,
            status: s,
            reason,
        } => {
            assert_eq!((*a, *s), (action, status), "{error}");
            assert!(!reason.is_empty());
            assert_eq!(error.code(), "invalid_transition");
        }
        other => panic!("expected invalid transition for {action}, got {other:?}"),
    }
}

/// Histories that end in each status.
fn histories() -> Vec<(ComplaintStatus, Vec<ComplaintAction>)> {
    vec![
        (ComplaintStatus::Filed, vec![file()]),
        (ComplaintStatus::Acknowledged, vec![file(), acknowledge()]),
        (ComplaintStatus::Referred, vec![file(), refer()]),
        (ComplaintStatus::Resolved, vec![file(), resolve()]),
        (ComplaintStatus::Withdrawn, vec![file(), withdraw()]),
    ]
}

#[test]
fn the_lifecycle_table_holds_cell_by_cell() {
    use ComplaintStatus::*;
    // (from, action, Some(to) when allowed); `rate` keeps the status.
    let table: [(ComplaintStatus, [Option<ComplaintStatus>; 6]); 5] = [
        //            acknowledge         refer          resolve         reopen              rate            withdraw
        (
            Filed,
            [
                Some(Acknowledged),
                Some(Referred),
                Some(Resolved),
                None,
                None,
                Some(Withdrawn),
            ],
        ),
        (
            Acknowledged,
            [
                None,
                Some(Referred),
                Some(Resolved),
                None,
                None,
                Some(Withdrawn),
            ],
        ),
        (
            Referred,
            [
                None,
                Some(Referred),
                Some(Resolved),
                None,
                None,
                Some(Withdrawn),
            ],
        ),
        (
            Resolved,
            [None, None, None, Some(Acknowledged), Some(Resolved), None],
        ),
        (Withdrawn, [None, None, None, None, None, None]),
    ];
    let actions = [
        acknowledge(),
        refer(),
        resolve(),
        reopen(),
        rate(),
        withdraw(),
    ];
    for (from, history) in histories() {
        let row = table.iter().find(|(status, _)| *status == from).unwrap().1;
        for (action, expected) in actions.iter().zip(row) {
            let (state, _) = given(&history);
            let outcome = when(&state, action.clone());
            match (expected, outcome) {
                (Some(to), Ok(events)) => {
                    assert_eq!(events.len(), 1);
                    let next = evolve(state.clone(), &events[0], at_hours(9));
                    assert_eq!(next.status, Some(to), "{from} --{}-->", action.name());
                    assert_eq!(next.version, state.version + 1);
                }
                (None, Err(error)) => assert!(
                    matches!(error, DomainError::InvalidTransition { status, .. } if status == from),
                    "{from} --{}--> {error:?}",
                    action.name()
                ),
                (expected, outcome) => {
                    panic!(
                        "{from} --{}--> expected {expected:?}, got {outcome:?}",
                        action.name()
                    )
                }
            }
        }
    }
}

#[test]
fn filing_a_new_complaint_records_it() {
    let (state, events) = given(&[file()]);
    assert_eq!(events.len(), 1);
    let ComplaintEvent::Filed(filed) = &events[0] else {
        panic!("expected ComplaintFiled, got {:?}", events[0]);
    };
    assert_eq!(filed.category.as_str(), "theft_report");
    assert!(!filed.gender_desk);
    assert!(!filed.non_cognizable);
    assert_eq!(state.status, Some(ComplaintStatus::Filed));
    assert_eq!(state.id, Some(filed.complaint_id));
    assert_eq!(state.tracking_code.as_ref(), Some(&filed.tracking_code));
    assert_eq!(state.filed_at, Some(at_hours(0)));
    assert_eq!(state.version, 1);
}

#[test]
fn filing_twice_is_rejected() {
    assert_eq!(rejected(&[file()], file()), DomainError::AlreadyFiled);
    assert_eq!(
        rejected(&[file(), resolve()], file()),
        DomainError::AlreadyFiled
    );
}

#[test]
fn commands_on_a_complaint_never_filed_are_not_found() {
    for action in [
        acknowledge(),
        refer(),
        resolve(),
        reopen(),
        rate(),
        withdraw(),
    ] {
        let error = when(&ComplaintState::default(), action).unwrap_err();
        assert_eq!(error, DomainError::NotFound);
        assert_eq!(error.code(), "not_found");
    }
}

#[test]
fn acknowledge_from_filed() {
    let (state, _) = given(&[file()]);
    let events = when(
        &state,
        ComplaintAction::Acknowledge {
            note: Some(text("Called back")),
        },
    )
    .unwrap();
    assert_eq!(
        events,
        [ComplaintEvent::Acknowledged(ComplaintAcknowledged {
            note: Some(text("Called back"))
        })]
    );
}

#[test]
fn acknowledge_twice_says_already() {
    let error = rejected(&[file(), acknowledge()], acknowledge());
    assert!(
        error.to_string().contains("already acknowledged"),
        "{error}"
    );
    assert_invalid_transition(error, "acknowledge", ComplaintStatus::Acknowledged);
}

#[test]
fn acknowledge_after_referral_resolution_or_withdrawal_is_rejected() {
    assert_invalid_transition(
        rejected(&[file(), refer()], acknowledge()),
        "acknowledge",
        ComplaintStatus::Referred,
    );
    assert_invalid_transition(
        rejected(&[file(), resolve()], acknowledge()),
        "acknowledge",
        ComplaintStatus::Resolved,
    );
    assert_invalid_transition(
        rejected(&[file(), withdraw()], acknowledge()),
        "acknowledge",
        ComplaintStatus::Withdrawn,
    );
}

#[test]
fn refer_again_moves_the_case_to_the_new_unit() {
    let second = ComplaintAction::Refer {
        to: text("Judicial Magistrate Quetta"),
        kind: markaz_domain::ReferralKind::Magistrate,
        reason: text("Non-cognizable: s.155 CrPC permission"),
    };
    let (state, _) = given(&[file(), refer(), second]);
    assert_eq!(state.status, Some(ComplaintStatus::Referred));
    assert_eq!(
        state.current_unit.as_ref().map(|u| u.as_str()),
        Some("Judicial Magistrate Quetta")
    );
}

#[test]
fn refer_resolve_and_withdraw_are_rejected_once_closed() {
    for closing in [resolve(), withdraw()] {
        let history = [file(), closing];
        let closed = status_after(&history);
        assert_invalid_transition(rejected(&history, refer()), "refer", closed);
        assert_invalid_transition(rejected(&history, resolve()), "resolve", closed);
        assert_invalid_transition(rejected(&history, withdraw()), "withdraw", closed);
    }
}

#[test]
fn resolve_records_the_time_of_resolution() {
    let (state, _) = given(&[file(), acknowledge(), refer(), resolve()]);
    assert_eq!(state.status, Some(ComplaintStatus::Resolved));
    assert_eq!(state.resolved_at, Some(at_hours(3)));
}

#[test]
fn reopen_within_the_window_goes_back_to_acknowledged() {
    let (state, _) = given(&[file(), resolve(), reopen()]);
    assert_eq!(state.status, Some(ComplaintStatus::Acknowledged));
    assert_eq!(state.reopen_count, 1);
    assert_eq!(state.resolved_at, None);
    // and it can be worked and resolved again
    let (state, _) = given(&[file(), resolve(), reopen(), refer(), resolve(), reopen()]);
    assert_eq!(state.reopen_count, 2);
}

#[test]
fn reopen_is_rejected_before_resolution_and_after_withdrawal() {
    for history in [
        vec![file()],
        vec![file(), acknowledge()],
        vec![file(), refer()],
        vec![file(), withdraw()],
    ] {
        let status = status_after(&history);
        assert_invalid_transition(rejected(&history, reopen()), "reopen", status);
    }
}

#[test]
fn reopen_window_edge_is_inclusive_to_the_microsecond() {
    let (state, _) = given(&[file(), resolve()]);
    let resolved_at = state.resolved_at.unwrap();
    let limit = resolved_at.plus_days(30);
    let at_limit = command(reopen(), limit, desk());
    let events = decide(&state, &at_limit).unwrap();
    assert!(matches!(
        &events[..],
        [ComplaintEvent::Reopened(ComplaintReopened { .. })]
    ));

    let late = command(
        reopen(),
        Timestamp::from_micros(limit.as_micros() + 1),
        desk(),
    );
    let error = decide(&state, &late).unwrap_err();
    assert_eq!(
        error,
        DomainError::ReopenWindowClosed {
            resolved_at,
            window_days: 30
        }
    );
    assert_eq!(error.code(), "reopen_window_closed");
    assert!(error.to_string().contains("30 days"), "{error}");
}

#[test]
fn reopen_window_comes_from_the_command() {
    let (state, _) = given(&[file(), resolve()]);
    let eight_days_later = state.resolved_at.unwrap().plus_days(8);
    let action = |window_days| ComplaintAction::Reopen {
        reason: text("Not done"),
        window_days,
    };
    assert!(decide(&state, &command(action(7), eight_days_later, desk())).is_err());
    assert!(decide(&state, &command(action(8), eight_days_later, desk())).is_ok());
}

#[test]
fn rating_is_allowed_once_after_resolution() {
    let (state, _) = given(&[file(), resolve(), rate()]);
    assert!(state.rated);
    assert_eq!(state.status, Some(ComplaintStatus::Resolved));
    let error = when(&state, rate()).unwrap_err();
    assert_eq!(error, DomainError::AlreadyRated);
    assert_eq!(error.code(), "already_rated");
    // Still once, even after the case is reopened and resolved again.
    assert_eq!(
        rejected(&[file(), resolve(), rate(), reopen(), resolve()], rate()),
        DomainError::AlreadyRated
    );
}

#[test]
fn rating_before_resolution_or_after_withdrawal_is_rejected() {
    for history in [
        vec![file()],
        vec![file(), acknowledge()],
        vec![file(), refer()],
        vec![file(), withdraw()],
        vec![file(), resolve(), reopen()],
    ] {
        let status = status_after(&history);
        assert_invalid_transition(rejected(&history, rate()), "rate", status);
    }
}

#[test]
fn only_the_citizen_rates() {
    let (state, _) = given(&[file(), resolve()]);
    for actor in [desk(), officer(Role::Supervisor), Actor::System] {
        let error = decide(&state, &command(rate(), at_hours(5), actor)).unwrap_err();
        assert!(matches!(error, DomainError::NotAllowed { .. }), "{error:?}");
        assert_eq!(error.code(), "not_allowed");
    }
}

#[test]
fn only_acting_officers_change_a_complaint() {
    let (filed, _) = given(&[file()]);
    let (resolved, _) = given(&[file(), resolve()]);
    let cases = [
        (&ComplaintState::default(), file()),
        (&filed, acknowledge()),
        (&filed, refer()),
        (&filed, resolve()),
        (&filed, withdraw()),
        (&resolved, reopen()),
    ];
    for (state, action) in cases {
        for actor in [
            officer(Role::Auditor),
            officer(Role::Admin),
            Actor::Citizen,
            Actor::System,
        ] {
            let error =
                decide(state, &command(action.clone(), at_hours(5), actor.clone())).unwrap_err();
            assert!(
                matches!(error, DomainError::NotAllowed { .. }),
                "{actor:?} {}: {error:?}",
                action.name()
            );
        }
        for role in [Role::Desk, Role::GenderDesk, Role::Supervisor] {
            assert!(decide(state, &command(action.clone(), at_hours(5), officer(role))).is_ok());
        }
    }
}

#[test]
fn withdraw_from_every_open_status() {
    for history in [
        vec![file()],
        vec![file(), acknowledge()],
        vec![file(), refer()],
    ] {
        let mut history = history;
        history.push(withdraw());
        assert_eq!(status_after(&history), ComplaintStatus::Withdrawn);
    }
}

#[test]
fn withdrawn_is_final() {
    for action in [
        acknowledge(),
        refer(),
        resolve(),
        reopen(),
        rate(),
        withdraw(),
    ] {
        let name = action.name();
        assert_invalid_transition(
            rejected(&[file(), withdraw()], action),
            name,
            ComplaintStatus::Withdrawn,
        );
    }
}

fn filed_event(
    category_code: &str,
    gender: Gender,
    requested: bool,
) -> markaz_domain::ComplaintFiled {
    let action = ComplaintAction::File(file_with(category(category_code), gender, requested));
    match decide(&ComplaintState::default(), &command(action, T0, desk()))
        .unwrap()
        .remove(0)
    {
        ComplaintEvent::Filed(filed) => filed,
        other => panic!("expected ComplaintFiled, got {other:?}"),
    }
}

#[test]
fn gender_desk_when_asked() {
    let filed = filed_event("theft_report", Gender::Male, true);
    assert!(filed.gender_desk);
    assert!(filed.gender_desk_reasons.requested);
    assert!(
        !filed.gender_desk_reasons.complainant_gender
            && !filed.gender_desk_reasons.sensitive_category
    );
}

#[test]
fn gender_desk_for_female_complainants() {
    let filed = filed_event("theft_report", Gender::Female, false);
    assert!(filed.gender_desk && filed.gender_desk_reasons.complainant_gender);
    assert!(!filed.gender_desk_reasons.requested);
}

#[test]
fn gender_desk_for_transgender_complainants() {
    let filed = filed_event("property_dispute", Gender::Transgender, false);
    assert!(filed.gender_desk && filed.gender_desk_reasons.complainant_gender);
}

#[test]
fn gender_desk_for_sensitive_categories() {
    for code in ["harassment", "domestic_violence"] {
        let filed = filed_event(code, Gender::Male, false);
        assert!(
            filed.gender_desk && filed.gender_desk_reasons.sensitive_category,
            "{code}"
        );
    }
}

#[test]
fn no_gender_desk_without_a_reason() {
    for gender in [Gender::Male, Gender::Undisclosed] {
        let filed = filed_event("lost_documents", gender, false);
        assert!(!filed.gender_desk);
        assert_eq!(filed.gender_desk_reasons, Default::default());
    }
    let (state, _) = given(&[file()]);
    assert!(!state.gender_desk);
}

#[test]
fn a_referral_to_the_gender_desk_makes_it_a_gender_desk_case_for_good() {
    let to_gender_desk = ComplaintAction::Refer {
        to: text("Gender desk, Kuchlak"),
        kind: markaz_domain::values::ReferralKind::GenderDesk,
        reason: text("The complainant asked to speak to a woman officer"),
    };
    let (state, _) = given(&[file(), to_gender_desk, refer(), resolve()]);
    assert!(
        state.gender_desk,
        "later referrals elsewhere do not undo it"
    );
    let (state, _) = given(&[file(), refer()]);
    assert!(!state.gender_desk, "other referrals leave the flag alone");
}

#[test]
fn deadlines_come_from_the_category_in_force() {
    let dv = filed_event("domestic_violence", Gender::Female, false);
    assert_eq!(dv.acknowledge_by, at_hours(4));
    assert_eq!(dv.resolve_by, at_hours(72));
    assert!(!dv.non_cognizable);
    let misconduct = filed_event("police_misconduct", Gender::Male, false);
    assert_eq!(misconduct.acknowledge_by, at_hours(8));
    assert_eq!(misconduct.resolve_by, at_hours(24));
    assert!(misconduct.non_cognizable);
}

#[test]
fn a_catalogue_change_later_does_not_alter_recorded_deadlines() {
    let filed = filed_event("theft_report", Gender::Male, false);
    // The catalogue changes: theft must now be acknowledged within 2 hours.
    let changed = Catalogue::from_toml_str(
        &include_str!("../catalogue.example.toml").replace(
            "acknowledge_within_hours = 24\nresolve_within_hours = 336\n\n[[category]]\ncode = \"lost_documents\"",
            "acknowledge_within_hours = 2\nresolve_within_hours = 336\n\n[[category]]\ncode = \"lost_documents\"",
        ),
    )
    .unwrap();
    assert_eq!(
        changed
            .get(&filed.category)
            .unwrap()
            .acknowledge_within_hours,
        2
    );
    // The recorded event, stored and read back, keeps the deadline of its day.
    let stored = markaz_domain::encode(&ComplaintEvent::Filed(filed.clone()).into());
    let read =
        markaz_domain::decode(stored.event_type, stored.schema_version, &stored.payload).unwrap();
    let markaz_domain::DomainEvent::Complaint(ComplaintEvent::Filed(read)) = read else {
        panic!("expected ComplaintFiled");
    };
    assert_eq!(read.acknowledge_by, at_hours(24));
    // New complaints get the new deadline.
    let theft = changed.get(&filed.category).unwrap().clone();
    let action = ComplaintAction::File(file_with(theft, Gender::Male, false));
    let events = decide(&ComplaintState::default(), &command(action, T0, desk())).unwrap();
    let ComplaintEvent::Filed(new) = &events[0] else {
        panic!("expected ComplaintFiled")
    };
    assert_eq!(new.acknowledge_by, at_hours(2));
}

#[test]
fn errors_say_why_without_a_trailing_period() {
    let errors = [
        rejected(&[file(), acknowledge()], acknowledge()),
        rejected(&[file(), resolve(), rate()], rate()),
        rejected(&[file()], file()),
        DomainError::NotFound,
    ];
    for error in errors {
        let message = error.to_string();
        assert!(!message.ends_with('.'), "{message}");
        assert!(message.len() > 20, "{message}");
    }
}
