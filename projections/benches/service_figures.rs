//! Query figures of the service read models: the performance per service,
//! computed at query time from the request rows of the range, over a year
//! of requests, beside an indexed point lookup of one request measured in
//! the same run.
//!
//! Populates a read-model file with 100,000 service requests over 2025
//! (about 270 a day, a busy markaz's year) by applying generated events
//! directly (no store, no codec): seven services, four of them verified by
//! one of twenty police stations, most issued, some refused or withdrawn,
//! half rated.
//!
//! Run: `cargo bench -p markaz-projections --bench service_figures`
//! (MARKAZ_BENCH_SERVICE_REQUESTS changes the size).

use std::time::Instant;

use markaz_domain::service_request::{
    DocumentIssued, ServiceRated, ServiceRefused, ServiceRequested, ServiceSentForVerification,
    ServiceWithdrawn, StationAnswered,
};
use markaz_domain::{
    Actor, Applicant, Channel, Cnic, Description, DocumentNumber, MarkazCode, OfficerId,
    PersonName, Phone, Rating, Role, ServiceCatalogue, ServiceEvent, ServiceRequestId, ShortText,
    StationFinding, Timestamp, TrackingCode,
};
use markaz_projections::event::{ProjectedEvent, ServiceChange};
use markaz_projections::status::PublicViews;
use markaz_projections::writer::ProjectionWriter;
use markaz_projections::ReadModels;
use uuid::Uuid;

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
/// 2025-01-01T00:00:00Z.
const START: i64 = 1_735_689_600_000_000;

/// A small deterministic generator (xorshift64*): the same data every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn text(value: &str) -> ShortText {
    ShortText::parse(value).expect("a valid text")
}

/// The events of request `n`, made at `at`, with their times.
fn lifecycle(
    n: u64,
    at: i64,
    rng: &mut Random,
    catalogue: &ServiceCatalogue,
) -> Vec<(i64, ServiceEvent)> {
    let markaz = MarkazCode::parse("KCH").expect("a code");
    let services: Vec<_> = catalogue.iter().collect();
    let service = services[rng.below(services.len() as u64) as usize];
    let mut events = vec![(
        at,
        ServiceEvent::Requested(ServiceRequested {
            request_id: ServiceRequestId::from_uuid(Uuid::from_u128(u128::from(n) + 1)),
            tracking_code: TrackingCode::from_random(&markaz, n.wrapping_mul(0x9E37_79B9)),
            markaz: markaz.clone(),
            service: service.code.clone(),
            service_name_en: service.name_en.clone(),
            service_name_ur: service.name_ur.clone(),
            applicant: Applicant {
                name: PersonName::parse("Applicant").expect("a name"),
                phone: Phone::parse("03001234567").expect("a phone"),
                cnic: Cnic::parse("54400-1234567-1").expect("a cnic"),
                address: None,
            },
            fields: Vec::new(),
            documents_checked: service.documents.clone(),
            channel: Channel::Counter,
            station_verification: service.station_verification,
            fee_rupees: service.fee_rupees,
            deadline_working_days: service.deadline_working_days,
            issue_by: Timestamp::from_micros(at + i64::from(service.deadline_working_days) * DAY),
        }),
    )];
    let mut now = at;
    let mut clear = true;
    if service.station_verification {
        let station = text(&format!("PS {}", rng.below(20) + 1));
        now += HOUR;
        events.push((
            now,
            ServiceEvent::SentForVerification(ServiceSentForVerification {
                station: station.clone(),
            }),
        ));
        now += (rng.below(10 * 24) as i64 + 2) * HOUR;
        clear = rng.below(10) > 0;
        let finding = if clear {
            StationFinding::Clear
        } else {
            StationFinding::Adverse
        };
        events.push((
            now,
            ServiceEvent::StationAnswered(StationAnswered {
                station,
                finding,
                case_references: (!clear).then(|| text("FIR 1/2025")),
                remarks: None,
            }),
        ));
    }
    now += (rng.below(48) as i64 + 1) * HOUR;
    let ended = match (clear, rng.below(20)) {
        (false, _) => ServiceEvent::Refused(ServiceRefused {
            reason: text("Adverse finding"),
        }),
        (true, 0) => ServiceEvent::Withdrawn(ServiceWithdrawn {
            reason: text("No longer needed"),
        }),
        _ => ServiceEvent::Issued(DocumentIssued {
            number: DocumentNumber::from_random(&markaz, n.wrapping_mul(0x5851_F42D)),
            text: Description::parse("Issued").expect("a text"),
        }),
    };
    let rateable = !matches!(ended, ServiceEvent::Withdrawn(_));
    events.push((now, ended));
    if rateable && rng.below(2) == 0 {
        events.push((
            now + HOUR,
            ServiceEvent::Rated(ServiceRated {
                stars: Rating::new(rng.below(5) as u8 + 1).expect("stars"),
                comment: None,
            }),
        ));
    }
    events
}

#[tokio::main]
async fn main() {
    let requests: u64 = std::env::var("MARKAZ_BENCH_SERVICE_REQUESTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("readmodels.sqlite");
    let catalogue = ServiceCatalogue::default();
    let started = Instant::now();
    {
        let conn = markaz_projections::database::open_writer(
            &path,
            markaz_projections::database::Durability::Bulk,
        )
        .expect("a fresh read-model file");
        let mut writer =
            ProjectionWriter::new(conn, PublicViews::EachBatch).expect("projections load");
        let mut rng = Random(0x0123_4567_89AB_CDEF);
        let actor = Actor::Officer {
            id: OfficerId(Uuid::from_u128(7)),
            role: Role::Desk,
        };
        let mut batch = Vec::with_capacity(20_000);
        let mut position = 0u64;
        for n in 0..requests {
            let at = START + (n as i64 * 365 * DAY) / requests as i64;
            let id = ServiceRequestId::from_uuid(Uuid::from_u128(u128::from(n) + 1));
            for (version, (occurred_at, event)) in lifecycle(n, at, &mut rng, &catalogue)
                .into_iter()
                .enumerate()
            {
                position += 1;
                batch.push(ProjectedEvent {
                    position,
                    change: None,
                    service: Some(ServiceChange {
                        request_id: id,
                        key: id.to_string(),
                        position,
                        version: version as u64 + 1,
                        occurred_at: Timestamp::from_micros(occurred_at),
                        actor: actor.clone(),
                        hash: [0; 32],
                        event,
                    }),
                    access: None,
                });
            }
            if batch.len() >= 20_000 {
                writer.apply_decoded(&batch).expect("the batch applies");
                batch.clear();
            }
        }
        writer.apply_decoded(&batch).expect("the batch applies");
        println!(
            "populated {requests} service requests ({position} events, applied directly) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let read_models = ReadModels::open(&path).expect("open read models");
    let now = Timestamp::from_micros(START + 366 * DAY);
    // Baseline in the same run: one indexed point lookup of a request.
    let lookups = 1_000u64;
    let started = Instant::now();
    for n in 0..lookups {
        let id = ServiceRequestId::from_uuid(Uuid::from_u128(u128::from(n * 97 % requests) + 1));
        read_models
            .service_request(id, now)
            .await
            .expect("lookup")
            .expect("the request exists");
    }
    let lookup_ms = started.elapsed().as_secs_f64() * 1000.0 / lookups as f64;
    println!("baseline service_request (point lookup): {lookup_ms:.3} ms per query");
    for (label, days) in [("one month", 31), ("one year", 365)] {
        let from = Timestamp::from_micros(START);
        let to = Timestamp::from_micros(START + days * DAY);
        let warm = read_models
            .service_performance(from, to, None)
            .await
            .expect("warm-up");
        let runs = 10;
        let started = Instant::now();
        for _ in 0..runs {
            read_models
                .service_performance(from, to, Some("KCH".to_owned()))
                .await
                .expect("query");
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        let counted: u64 = warm.services.iter().map(|row| row.requested).sum();
        println!(
            "service performance, {label} ({counted} requests, {} services): {ms:.1} ms ({:.0}x the lookup)",
            warm.services.len(),
            ms / lookup_ms
        );
    }
}
