//! The service requests of a demo history: for each request, from its own
//! seeded random generator, the request at the counter and every later
//! step with the time it happens.
//!
//! The mix follows what the Punjab centres served in early 2025 (general
//! police verifications first, then character certificates and tenant
//! registrations); station verification takes days with a long tail; most
//! requests are issued, collected and many rated; some are refused (an
//! adverse station report, an applicant not found at the address,
//! documents incomplete) or withdrawn; a few documents are reissued with a
//! correction or revoked.

use chrono::{DateTime, Duration as Span, Utc};
use markaz_domain::service_request::RequestService;
use markaz_domain::{
    Applicant, Channel, Cnic, Description, DocumentNumber, FieldKind, FieldValue, MarkazCode,
    PersonName, Phone, Rating, Service, ServiceAction, ServiceCatalogue, ServiceRequestId,
    StationFinding, TrackingCode, WorkingCalendar,
};
use rand::rngs::StdRng;
use rand::RngExt;
use uuid::Uuid;

use super::planner::{case_rng, delay, office_time, text, time_ordered_uuid, weighted, By, Period};
use super::sample_texts::{pick, AREAS, FAMILY, FEMALE_FIRST, MALE_FIRST, POLICE_STATIONS};

/// Keeps the requests' random streams apart from the complaints'.
const SERVICE_STREAM: u64 = 0x5e72_71ce_0000_0017;

/// One planned command on a request.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ServiceStep {
    pub(super) command_id: Uuid,
    pub(super) at: DateTime<Utc>,
    pub(super) by: By,
    pub(super) action: ServiceAction,
}

/// A whole request: the request itself (the first step) and what follows.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ServicePlan {
    pub(super) id: ServiceRequestId,
    pub(super) markaz: MarkazCode,
    pub(super) steps: Vec<ServiceStep>,
}

/// How often each service is asked for (per 10,000 requests); services of
/// a custom catalogue that are not listed get a small share.
fn service_weight(code: &str) -> u32 {
    match code {
        "police_verification" => 4_700,
        "character_certificate" => 2_400,
        "tenant_registration" => 1_200,
        "fir_copy" => 480,
        "lost_document_report" => 250,
        "vehicle_verification" => 120,
        "employee_registration" => 90,
        _ => 100,
    }
}

const PURPOSES: [&str; 6] = [
    "Employment abroad",
    "Government job application",
    "Visa application",
    "Private employment",
    "Admission to university",
    "Arms licence application",
];
const EMPLOYERS: [&str; 5] = [
    "Quetta Electric Supply Company",
    "Habib Bank Limited",
    "Bolan Medical Complex",
    "Saindak Metals Limited",
    "University of Balochistan",
];
const LOST: [&str; 4] = [
    "CNIC",
    "Driving licence",
    "Vehicle registration book",
    "Matriculation certificate",
];

/// Plans request `number` of the history: a pure function of the inputs.
pub(super) fn plan_request(
    seed: u64,
    number: u32,
    catalogue: &ServiceCatalogue,
    markaz: &[MarkazCode],
    period: Period,
) -> Option<ServicePlan> {
    let rng = &mut case_rng(seed ^ SERVICE_STREAM, number);
    let requested_at = office_time(rng, period);
    let services: Vec<(u32, &Service)> = catalogue
        .iter()
        .map(|service| (service_weight(service.code.as_str()), service))
        .collect();
    if services.is_empty() || markaz.is_empty() {
        return None;
    }
    let service = weighted(rng, &services).clone();
    let markaz = markaz[rng.random_range(0..markaz.len())].clone();
    let female = rng.random_bool(0.2);
    let first = if female {
        pick(rng, &FEMALE_FIRST)
    } else {
        pick(rng, &MALE_FIRST)
    };
    let family = pick(rng, &FAMILY);
    let name = format!("{first} {family}");
    let father = format!("{} {family}", pick(rng, &MALE_FIRST));
    let area = pick(rng, &AREAS);
    let address = format!("House {}, {area}, Quetta", rng.random_range(1..400));
    let applicant = Applicant {
        name: PersonName::parse(&name).ok()?,
        phone: Phone::parse(&format!("03{:09}", rng.random_range(0..1_000_000_000u64))).ok()?,
        cnic: Cnic::parse(&cnic(rng)).ok()?,
        address: text_opt(&address),
    };
    let mut fields = Vec::new();
    for field in &service.fields {
        if !field.required && rng.random_bool(0.5) {
            continue;
        }
        let name = field.name.as_str();
        let raw = field_value(rng, name, field.kind, &father, &address, requested_at);
        if let Ok(value) = field.kind.canonical_value(&raw) {
            fields.push(FieldValue {
                name: name.to_owned(),
                kind: field.kind,
                value,
            });
        }
    }
    let id = ServiceRequestId::from_uuid(time_ordered_uuid(rng, requested_at));
    let request = RequestService {
        request_id: id,
        tracking_code: TrackingCode::from_random(&markaz, rng.random()),
        markaz: markaz.clone(),
        documents_checked: service.documents.clone(),
        channel: weighted(rng, &[(85, Channel::Counter), (15, Channel::Online)]),
        calendar: WorkingCalendar::pakistan(),
        applicant,
        fields,
        service: service.clone(),
    };
    let desk = By::Desk(rng.random_range(0..3));
    let mut steps = vec![(requested_at, desk, ServiceAction::Request(request))];
    later_steps(
        rng, &mut steps, &service, &markaz, &name, &father, area, desk,
    );
    let steps = steps
        .into_iter()
        .take_while(|(at, _, _)| *at <= period.until)
        .map(|(at, by, action)| ServiceStep {
            command_id: time_ordered_uuid(rng, at),
            at,
            by,
            action,
        })
        .collect();
    Some(ServicePlan { id, markaz, steps })
}

fn cnic(rng: &mut StdRng) -> String {
    format!(
        "54{:03}-{:07}-{}",
        rng.random_range(100..1000),
        rng.random_range(0..10_000_000),
        rng.random_range(1..10)
    )
}

fn text_opt(value: &str) -> Option<markaz_domain::ShortText> {
    markaz_domain::ShortText::parse(value).ok()
}

/// A plausible value of a field of the catalogue.
fn field_value(
    rng: &mut StdRng,
    name: &str,
    kind: FieldKind,
    father: &str,
    address: &str,
    at: DateTime<Utc>,
) -> String {
    match kind {
        FieldKind::Cnic => cnic(rng),
        FieldKind::Phone => format!("03{:09}", rng.random_range(0..1_000_000_000u64)),
        FieldKind::Date => (at - Span::days(rng.random_range(1..60)))
            .format("%Y-%m-%d")
            .to_string(),
        FieldKind::Address => address.to_owned(),
        FieldKind::VehicleRegistration => format!(
            "{}-{}",
            pick(rng, &["QA", "QAA", "LEA", "BE"]),
            rng.random_range(100..10_000)
        ),
        FieldKind::Text => match name {
            "father_name" => father.to_owned(),
            "purpose" => pick(rng, &PURPOSES).to_owned(),
            "employer" | "employer_name" => pick(rng, &EMPLOYERS).to_owned(),
            "landlord_name" => format!("{} {}", pick(rng, &MALE_FIRST), pick(rng, &FAMILY)),
            "document_lost" => pick(rng, &LOST).to_owned(),
            "fir_number" => format!("{}/{}", rng.random_range(1..400), at.format("%Y")),
            _ => "As stated at the counter".to_owned(),
        },
    }
}

/// The issued text, in English or (for a third of the documents) Urdu.
fn issued_text(
    rng: &mut StdRng,
    service: &Service,
    name: &str,
    father: &str,
    area: &str,
    station: Option<&str>,
) -> Description {
    let urdu = rng.random_bool(0.3);
    let text = match (urdu, station) {
        (false, Some(station)) => format!(
            "This is to certify that {name}, son/daughter of {father}, resident of {area}, \
             Quetta, was verified by {station}.\nNo criminal record was found against the \
             holder on the date of verification.\nThis {} is valid for six months from its \
             date of issue.",
            service.issues_en.to_lowercase()
        ),
        (false, None) => format!(
            "{} of {name}, son/daughter of {father}, resident of {area}, Quetta, recorded \
             at the Police Khidmat Markaz on the particulars given by the applicant.",
            service.issues_en
        ),
        (true, Some(_)) => format!(
            "تصدیق کی جاتی ہے کہ {name} ولد {father} ساکن {area} کوئٹہ کی پولیس تصدیق \
             متعلقہ تھانے سے کرائی گئی۔\nتصدیق کی تاریخ تک حامل کے خلاف کوئی مجرمانہ ریکارڈ \
             نہیں پایا گیا۔\nیہ {} تاریخ اجرا سے چھ ماہ تک کارآمد ہے۔",
            service.issues_ur
        ),
        (true, None) => format!(
            "{} برائے {name} ولد {father} ساکن {area} کوئٹہ، درخواست گزار کی فراہم کردہ \
             معلومات کے مطابق پولیس خدمت مرکز میں درج کیا گیا۔",
            service.issues_ur
        ),
    };
    Description::parse(&text).unwrap_or_else(|_| unreachable!("demo texts are valid"))
}

/// The steps after the request, in time order (possibly past the period's
/// end: the caller cuts them there).
#[allow(clippy::too_many_arguments)]
fn later_steps(
    rng: &mut StdRng,
    steps: &mut Vec<(DateTime<Utc>, By, ServiceAction)>,
    service: &Service,
    markaz: &MarkazCode,
    name: &str,
    father: &str,
    area: &str,
    desk: By,
) {
    let mut at = steps[0].0;
    if rng.random_bool(0.03) {
        at += delay(rng, 600.0, 1.2);
        steps.push((
            at,
            desk,
            ServiceAction::Withdraw {
                reason: text("The applicant no longer needs the document"),
            },
        ));
        return;
    }
    at += delay(rng, 25.0, 0.8);
    steps.push((at, desk, ServiceAction::Acknowledge { note: None }));
    let mut station = None;
    if service.station_verification {
        let to = pick(rng, &POLICE_STATIONS);
        station = Some(to);
        at += delay(rng, 120.0, 0.9);
        steps.push((
            at,
            desk,
            ServiceAction::SendForVerification { station: text(to) },
        ));
        // Stations take days; some take weeks.
        at += delay(rng, 3.0 * 24.0 * 60.0, 0.8);
        let finding = weighted(
            rng,
            &[
                (88, StationFinding::Clear),
                (7, StationFinding::Adverse),
                (5, StationFinding::NotFoundAtAddress),
            ],
        );
        let case_references = (finding == StationFinding::Adverse).then(|| {
            text(&format!(
                "FIR {}/{} {to}",
                rng.random_range(1..400),
                at.format("%Y")
            ))
        });
        steps.push((
            at,
            desk,
            ServiceAction::RecordStationAnswer {
                finding,
                case_references,
                remarks: None,
            },
        ));
        at += delay(rng, 8.0 * 60.0, 1.0);
        match finding {
            StationFinding::Clear => {}
            StationFinding::Adverse => {
                steps.push((
                    at,
                    desk,
                    ServiceAction::Refuse {
                        reason: text("The station reported a record against the applicant"),
                    },
                ));
                return;
            }
            StationFinding::NotFoundAtAddress => {
                steps.push((
                    at,
                    desk,
                    ServiceAction::Refuse {
                        reason: text(
                            "The applicant was not found at the given address: apply again \
                             with the current address",
                        ),
                    },
                ));
                return;
            }
        }
    } else {
        at += delay(rng, 20.0 * 60.0, 1.0);
        if rng.random_bool(0.05) {
            steps.push((
                at,
                desk,
                ServiceAction::Refuse {
                    reason: text("The documents were incomplete: bring the originals"),
                },
            ));
            return;
        }
    }
    steps.push((
        at,
        desk,
        ServiceAction::Issue {
            number: DocumentNumber::from_random(markaz, rng.random()),
            text: issued_text(rng, service, name, father, area, station),
        },
    ));
    if rng.random_bool(0.03) {
        at += delay(rng, 2.0 * 24.0 * 60.0, 1.0);
        steps.push((
            at,
            desk,
            ServiceAction::Reissue {
                number: DocumentNumber::from_random(markaz, rng.random()),
                text: issued_text(rng, service, name, father, area, station),
                reason: text("The father's name was misspelt"),
            },
        ));
    }
    if rng.random_bool(0.85) {
        at += delay(rng, 2.0 * 24.0 * 60.0, 1.0);
        steps.push((at, desk, ServiceAction::Collect { note: None }));
        if rng.random_bool(0.55) {
            at += delay(rng, 6.0 * 60.0, 1.5);
            let stars = weighted(rng, &[(40, 5u8), (30, 4), (15, 3), (8, 2), (7, 1)]);
            steps.push((
                at,
                By::Citizen,
                ServiceAction::Rate {
                    stars: Rating::new(stars)
                        .unwrap_or_else(|_| unreachable!("demo ratings are 1..=5")),
                    comment: None,
                },
            ));
        }
    }
    if rng.random_bool(0.01) {
        at += delay(rng, 10.0 * 24.0 * 60.0, 1.0);
        steps.push((
            at,
            By::Supervisor,
            ServiceAction::Revoke {
                reason: text("Issued on a forged CNIC copy"),
            },
        ));
    }
}
