//! Performance per service, black-box over HTTP, on a planned history (the
//! commands carry their own times, as `markaz demo` plans them) whose
//! figures are computed by hand below.

use markaz_api::commands::Acted;
use markaz_domain::service_request::RequestService;
use markaz_domain::{
    Actor, Applicant, CategoryCode, Channel, Cnic, Description, DocumentNumber, MarkazCode,
    OfficerId, PersonName, Phone, Rating, Role, ServiceAction, ServiceCatalogue, ServiceCommand,
    ServiceRequestId, ShortText, StationFinding, Timestamp, TrackingCode, WorkingCalendar,
};
use markaz_tests::{spawn_app, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

/// Monday 2 March 2026, 10:00 in Quetta.
const T0: i64 = 1_772_427_600_000_000;
const HOUR: i64 = 3_600_000_000;

struct Planner<'a> {
    app: &'a TestApp,
    next: u128,
    last: Option<Acted<ServiceRequestId>>,
}

impl Planner<'_> {
    fn id(&mut self) -> u128 {
        self.next += 1;
        self.next
    }

    async fn at(
        &mut self,
        request: ServiceRequestId,
        hours: i64,
        actor: Actor,
        action: ServiceAction,
    ) {
        let command = ServiceCommand {
            command_id: Uuid::from_u128(0xC0DE_0000 + self.id()),
            at: Timestamp::from_micros(T0 + hours * HOUR),
            actor,
            action,
        };
        let acted = self
            .app
            .state()
            .commands
            .submit(request, &command)
            .await
            .expect("the planned command is accepted");
        self.last = Some(acted);
    }

    async fn request(&mut self, service: &str, hours: i64) -> ServiceRequestId {
        let n = self.id();
        let id = ServiceRequestId::from_uuid(Uuid::from_u128(n));
        let markaz = MarkazCode::parse("KCH").unwrap();
        let catalogue = ServiceCatalogue::default();
        let service = catalogue
            .get(&CategoryCode::parse(service).unwrap())
            .unwrap()
            .clone();
        let action = ServiceAction::Request(RequestService {
            request_id: id,
            tracking_code: TrackingCode::from_random(&markaz, n as u64 * 7919),
            markaz,
            documents_checked: service.documents.clone(),
            service,
            calendar: WorkingCalendar::pakistan(),
            applicant: Applicant {
                name: PersonName::parse("Applicant").unwrap(),
                phone: Phone::parse("03001234567").unwrap(),
                cnic: Cnic::parse("54400-1234567-1").unwrap(),
                address: None,
            },
            fields: Vec::new(),
            channel: Channel::Counter,
        });
        self.at(id, hours, desk(), action).await;
        id
    }
}

fn desk() -> Actor {
    Actor::Officer {
        id: OfficerId(Uuid::from_u128(42)),
        role: Role::Desk,
    }
}

fn text(value: &str) -> ShortText {
    ShortText::parse(value).unwrap()
}

fn send(station: &str) -> ServiceAction {
    ServiceAction::SendForVerification {
        station: text(station),
    }
}

fn answer(finding: StationFinding) -> ServiceAction {
    ServiceAction::RecordStationAnswer {
        finding,
        case_references: (finding == StationFinding::Adverse).then(|| text("FIR 45/2024")),
        remarks: None,
    }
}

fn issue(n: u64) -> ServiceAction {
    ServiceAction::Issue {
        number: DocumentNumber::from_random(&MarkazCode::parse("KCH").unwrap(), n),
        text: Description::parse("Issued").unwrap(),
    }
}

fn rate(stars: u8) -> ServiceAction {
    ServiceAction::Rate {
        stars: Rating::new(stars).unwrap(),
        comment: None,
    }
}

#[tokio::test]
async fn figures_per_service_match_the_hand_computed_ones() {
    let app = spawn_app().await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let mut plan = Planner {
        app: &app,
        next: 0,
        last: None,
    };
    // A: PS Kuchlak answers in 48 h; issued after 72 h (within the 7 working days); 5 stars.
    let a = plan.request("character_certificate", 0).await;
    plan.at(a, 1, desk(), send("PS Kuchlak")).await;
    plan.at(a, 49, desk(), answer(StationFinding::Clear)).await;
    plan.at(a, 72, desk(), issue(1)).await;
    plan.at(a, 80, Actor::Citizen, rate(5)).await;
    // B: PS Kuchlak answers in 24 h; issued after 480 h (20 days: late); 3 stars.
    let b = plan.request("character_certificate", 0).await;
    plan.at(b, 1, desk(), send("PS Kuchlak")).await;
    plan.at(b, 25, desk(), answer(StationFinding::Clear)).await;
    plan.at(b, 480, desk(), issue(2)).await;
    plan.at(b, 481, Actor::Citizen, rate(3)).await;
    // C: PS Saddar answers adverse in 96 h; refused; 1 star.
    let c = plan.request("character_certificate", 0).await;
    plan.at(c, 2, desk(), send("PS Saddar")).await;
    plan.at(c, 98, desk(), answer(StationFinding::Adverse))
        .await;
    plan.at(
        c,
        100,
        desk(),
        ServiceAction::Refuse {
            reason: text("Pending case"),
        },
    )
    .await;
    plan.at(c, 101, Actor::Citizen, rate(1)).await;
    // D: still open.
    let d = plan.request("character_certificate", 0).await;
    plan.at(d, 3, desk(), ServiceAction::Acknowledge { note: None })
        .await;
    // E: an FIR copy issued after 6 h.
    let e = plan.request("fir_copy", 0).await;
    plan.at(e, 6, desk(), issue(3)).await;
    // F: the next day, outside the range asked for.
    let f = plan.request("fir_copy", 24).await;
    plan.at(f, 30, desk(), issue(4)).await;
    let position = plan.last.as_ref().unwrap().position;

    let answer = app
        .get(
            &format!(
                "/api/v1/service-performance?from=2026-03-02&to=2026-03-02&min_position={position}"
            ),
            Some(&supervisor),
        )
        .await;
    let services = answer.expect(200)["services"].clone();
    assert_eq!(
        services[0],
        json!({
            "service": "character_certificate",
            "name_en": "Character certificate",
            "name_ur": "کریکٹر سرٹیفکیٹ",
            "requested": 4,
            "issued": 2,
            "refused": 1,
            "withdrawn": 0,
            "open": 1,
            // Nearest rank over [72, 480] hours.
            "issue_hours_p50": 72.0,
            "issue_hours_p90": 480.0,
            // A kept the promise, B did not.
            "issued_within_deadline_pct": 50.0,
            "rating_avg": 3.0,
            "ratings": [1, 0, 1, 0, 1],
            "stations": [
                {
                    "station": "PS Kuchlak", "sent": 2, "answered": 2, "adverse": 0,
                    "answer_hours_p50": 24.0, "answer_hours_p90": 48.0
                },
                {
                    "station": "PS Saddar", "sent": 1, "answered": 1, "adverse": 1,
                    "answer_hours_p50": 96.0, "answer_hours_p90": 96.0
                }
            ]
        }),
        "{}",
        answer.text
    );
    assert_eq!(
        services[1],
        json!({
            "service": "fir_copy",
            "name_en": "FIR copy",
            "name_ur": "ایف آئی آر کی نقل",
            "requested": 1,
            "issued": 1,
            "refused": 0,
            "withdrawn": 0,
            "open": 0,
            "issue_hours_p50": 6.0,
            "issue_hours_p90": 6.0,
            "issued_within_deadline_pct": 100.0,
            "rating_avg": Value::Null,
            "ratings": [0, 0, 0, 0, 0],
            "stations": []
        })
    );
    assert_eq!(services.as_array().unwrap().len(), 2);

    // Desk officers do not read figures; a range backwards is refused.
    let desk_token = app.officer(Role::Desk, Some("KCH")).await;
    app.get(
        "/api/v1/service-performance?from=2026-03-02&to=2026-03-02",
        Some(&desk_token),
    )
    .await
    .expect(403);
    app.get(
        "/api/v1/service-performance?from=2026-03-03&to=2026-03-02",
        Some(&supervisor),
    )
    .await
    .expect_problem(400, "invalid_query");
}
