//! Golden files: the encoded bytes of one event of every (type, version) ever
//! written, committed under `tests/golden/`, decoded by every test run.
//!
//! NEVER REGENERATE OR EDIT A GOLDEN FILE, ONLY ADD NEW ONES. They stand for
//! events already stored in the field: if a change makes one of them fail to
//! decode into its expected event, the change breaks stored history and must
//! be undone (or become a new schema version with an upcast).
//!
//! A missing file is written only when `MARKAZ_WRITE_GOLDEN=1` is set, and the
//! test fails when a file is missing without it. Every file's SHA-256 digest
//! is committed in `tests/golden/MANIFEST.sha256`, and each run checks the
//! files against it: a file deleted and written again by a changed encoder
//! fails, and a new file counts only once its digest is added by hand. The
//! sample events below are frozen like the files: add new samples, do not
//! change old ones.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{NaiveDate, Weekday};
use markaz_domain::codec::latest_version;
use markaz_domain::codec::v1::{ComplaintFiledV1, OfficerRegisteredV1};
use markaz_domain::codec::v2::ComplaintFiledV2;
use markaz_domain::codec::v3::ComplaintFiledV3;
use markaz_domain::{
    decode, encode, known_types, AccessedView, AuditEvent, CaseAccessed, CaseRead, CaseRef,
    CasesAccessed, CategoryCode, Channel, Cnic, Complainant, ComplaintAcknowledged, ComplaintEvent,
    ComplaintFiled, ComplaintId, ComplaintRated, ComplaintReferred, ComplaintReopened,
    ComplaintResolved, ComplaintWithdrawn, Description, DomainEvent, Gender, GenderDeskReasons,
    LogSealed, MarkazCode, OfficerEvent, OfficerId, OfficerRegistered, OfficerRevoked,
    OfficerTokenRotated, Outcome, PersonName, Phone, Rating, ReferralKind, Role, ShortText,
    Timestamp, TrackingCode,
};
use markaz_domain::{
    Applicant, CaseEscalated, ContactPreference, Deadline, DeadlineMissed, DeadlineReminder,
    DeadlineRule, DeadlineTerms, DocumentNumber, EscalationLevel, FieldKind, FieldValue, Language,
    NotificationEvent, NotificationFailed, NotificationQueued, NotificationSent, RecordedCalendar,
    ServiceEvent, ServiceRequestId, StationFinding,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn text(value: &str) -> ShortText {
    ShortText::parse(value).unwrap()
}

fn sample_filed() -> ComplaintFiled {
    let markaz = MarkazCode::parse("KCH").unwrap();
    ComplaintFiled {
        complaint_id: ComplaintId::from_uuid(Uuid::from_u128(
            0x0192_f3a0_7c1e_7b2a_9d4e_3f5a_6b7c_8d9e,
        )),
        tracking_code: TrackingCode::from_random(&markaz, 0x0A5F_3C2D_1E0B_9876),
        markaz,
        category: CategoryCode::parse("harassment").unwrap(),
        complainant: Complainant {
            name: PersonName::parse("شازیہ بی بی").unwrap(),
            gender: Gender::Female,
            phone: Phone::parse("0333 1234567").unwrap(),
            cnic: Some(Cnic::parse("54400-1234567-2").unwrap()),
            address: Some(text("House 12, Kuchlak Road, Quetta")),
        },
        description: Description::parse("A man follows me from the bus stop\nand sends messages.")
            .unwrap(),
        location: Some(text("Kuchlak bus stop")),
        channel: Channel::Counter,
        gender_desk: true,
        gender_desk_reasons: GenderDeskReasons {
            requested: false,
            complainant_gender: true,
            sensitive_category: true,
        },
        acknowledge_by: Timestamp::from_micros(1_772_384_400_000_000),
        resolve_by: Timestamp::from_micros(1_772_614_800_000_000),
        non_cognizable: true,
        deadline_terms: None,
        contact: None,
        language: Language::Urdu,
    }
}

/// A filing of the working calendar: acknowledge within 8 hours, resolve
/// within 2 working days over Eid ul-Fitr 2026 (20 and 21 March).
fn sample_filed_with_terms() -> ComplaintFiled {
    ComplaintFiled {
        deadline_terms: Some(DeadlineTerms {
            acknowledge: DeadlineRule::Hours(8),
            resolve: DeadlineRule::WorkingDays(2),
            calendar: RecordedCalendar {
                time_zone: "Asia/Karachi".to_owned(),
                working_days: vec![
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                    Weekday::Sat,
                ],
                holidays: vec![
                    NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
                    NaiveDate::from_ymd_opt(2026, 3, 21).unwrap(),
                ],
            },
        }),
        ..sample_filed()
    }
}

fn sample_officer(expires_at: Option<Timestamp>) -> OfficerRegistered {
    OfficerRegistered {
        officer_id: OfficerId(Uuid::from_u128(0x0192_f3a0_0000_7000_8000_0000_0000_0042)),
        name: PersonName::parse("Inspector Rahila Kakar").unwrap(),
        role: Role::GenderDesk,
        markaz: Some(MarkazCode::parse("KCH").unwrap()),
        token_hash: core::array::from_fn(|i| (i as u8).wrapping_mul(37)),
        expires_at,
    }
}

/// The payload bytes to write for a missing golden file, and the event it
/// must decode into.
fn sample(event_type: &str, version: u16) -> Option<(Vec<u8>, DomainEvent)> {
    let complaint = |event| DomainEvent::Complaint(event);
    let latest = |event: DomainEvent| (encode(&event).payload, event);
    let sample = match (event_type, version) {
        ("ComplaintFiled", 1) => {
            let bytes =
                postcard::to_stdvec(&ComplaintFiledV1::from_domain(&sample_filed())).ok()?;
            // What v1 did not record is reconstructed on decode.
            let mut expected = sample_filed();
            expected.gender_desk_reasons.requested = false;
            (bytes, complaint(ComplaintEvent::Filed(expected)))
        }
        ("ComplaintFiled", 2) => {
            let bytes =
                postcard::to_stdvec(&ComplaintFiledV2::from_domain(&sample_filed())).ok()?;
            (bytes, complaint(ComplaintEvent::Filed(sample_filed())))
        }
        ("ComplaintFiled", 3) => {
            let bytes =
                postcard::to_stdvec(&ComplaintFiledV3::from_domain(&sample_filed_with_terms()))
                    .ok()?;
            (
                bytes,
                complaint(ComplaintEvent::Filed(sample_filed_with_terms())),
            )
        }
        ("ComplaintFiled", 4) => latest(complaint(ComplaintEvent::Filed(ComplaintFiled {
            contact: Some(ContactPreference::Sms),
            language: Language::English,
            ..sample_filed_with_terms()
        }))),
        ("DeadlineReminder", 1) => latest(complaint(ComplaintEvent::DeadlineReminder(
            DeadlineReminder {
                deadline: Deadline::Acknowledge,
                due_at: Timestamp::from_micros(1_772_384_400_000_000),
                scheduled_at: Timestamp::from_micros(1_772_377_200_000_000),
                rule: text("at 75% of the time to the deadline"),
            },
        ))),
        ("DeadlineMissed", 1) => {
            latest(complaint(ComplaintEvent::DeadlineMissed(DeadlineMissed {
                deadline: Deadline::Resolve,
                due_at: Timestamp::from_micros(1_772_614_800_000_000),
                scheduled_at: Timestamp::from_micros(1_772_614_800_000_000),
                rule: text("at the deadline"),
            })))
        }
        ("CaseEscalated", 1) => latest(complaint(ComplaintEvent::Escalated(CaseEscalated {
            deadline: Deadline::Resolve,
            due_at: Timestamp::from_micros(1_772_614_800_000_000),
            scheduled_at: Timestamp::from_micros(1_772_701_200_000_000),
            level: EscalationLevel::District,
            rule: text("to the district 24 hours after the deadline"),
        }))),
        ("ComplaintAcknowledged", 1) => latest(complaint(ComplaintEvent::Acknowledged(
            ComplaintAcknowledged {
                note: Some(text("Complainant called back, statement taken")),
            },
        ))),
        ("ComplaintReferred", 1) => {
            latest(complaint(ComplaintEvent::Referred(ComplaintReferred {
                to: text("Gender desk, PKM Kuchlak"),
                kind: ReferralKind::GenderDesk,
                reason: text("Harassment of a woman: gender desk officer to follow up"),
            })))
        }
        ("ComplaintResolved", 1) => {
            latest(complaint(ComplaintEvent::Resolved(ComplaintResolved {
                outcome: Outcome::FirRegistered,
                summary: text("FIR 112/2026 registered at PS Kuchlak"),
            })))
        }
        ("ComplaintRated", 1) => latest(complaint(ComplaintEvent::Rated(ComplaintRated {
            stars: Rating::new(5).unwrap(),
            comment: Some(text("شکریہ، بہت اچھا رویہ")),
        }))),
        ("ComplaintReopened", 1) => {
            latest(complaint(ComplaintEvent::Reopened(ComplaintReopened {
                reason: text("The messages started again"),
            })))
        }
        ("ComplaintWithdrawn", 1) => {
            latest(complaint(ComplaintEvent::Withdrawn(ComplaintWithdrawn {
                reason: text("Matter settled by the elders"),
            })))
        }
        ("OfficerRegistered", 1) => {
            let bytes =
                postcard::to_stdvec(&OfficerRegisteredV1::from_domain(&sample_officer(None)))
                    .ok()?;
            // Version 1 had no expiry: it decodes as a token that does not expire.
            (
                bytes,
                DomainEvent::Officer(OfficerEvent::Registered(sample_officer(None))),
            )
        }
        ("OfficerRegistered", 2) => latest(DomainEvent::Officer(OfficerEvent::Registered(
            sample_officer(Some(Timestamp::from_micros(1_767_225_600_000_000))),
        ))),
        ("OfficerTokenRotated", 1) => latest(DomainEvent::Officer(OfficerEvent::TokenRotated(
            OfficerTokenRotated {
                token_hash: core::array::from_fn(|i| (i as u8).wrapping_mul(41).wrapping_add(3)),
                expires_at: Some(Timestamp::from_micros(1_798_761_600_000_000)),
            },
        ))),
        ("OfficerRevoked", 1) => latest(DomainEvent::Officer(OfficerEvent::Revoked(
            OfficerRevoked {
                reason: Some(text("Transferred to Pishin")),
            },
        ))),
        ("LogSealed", 1) => latest(DomainEvent::Audit(AuditEvent::LogSealed(LogSealed {
            up_to_position: 1_234,
            events: 1_233,
            streams: 87,
            digest: core::array::from_fn(|i| (i as u8).wrapping_mul(11)),
            public_key: core::array::from_fn(|i| (i as u8).wrapping_mul(13).wrapping_add(1)),
            signature: core::array::from_fn(|i| (i as u8).wrapping_mul(17).wrapping_add(2)),
        }))),
        ("CaseAccessed", 1) => latest(DomainEvent::Audit(AuditEvent::CaseAccessed(CaseAccessed {
            complaint_id: sample_filed().complaint_id,
            officer: OfficerId(Uuid::from_u128(0x0192_f3a0_0000_7000_8000_0000_0000_0042)),
            role: Role::GenderDesk,
            what: AccessedView::CaseView,
            personal_data: true,
            gender_desk: true,
        }))),
        ("CasesAccessed", 1) => latest(DomainEvent::Audit(AuditEvent::CasesAccessed(
            CasesAccessed {
                officer: OfficerId(Uuid::from_u128(0x0192_f3a0_0000_7000_8000_0000_0000_0042)),
                role: Role::GenderDesk,
                what: AccessedView::Listing,
                cases: vec![
                    CaseRead {
                        case: CaseRef::Complaint(sample_filed().complaint_id),
                        personal_data: true,
                        gender_desk: true,
                    },
                    CaseRead {
                        case: CaseRef::ServiceRequest(ServiceRequestId::from_uuid(
                            Uuid::from_u128(0x0192_f3a0_7c1e_7b2a_9d4e_3f5a_6b7c_5e01),
                        )),
                        personal_data: true,
                        gender_desk: false,
                    },
                ],
            },
        ))),
        ("NotificationQueued", 1) => latest(DomainEvent::Notification(NotificationEvent::Queued(
            NotificationQueued {
                complaint_id: sample_filed().complaint_id,
                cause: Uuid::from_u128(0x0192_f3a0_7c1e_7b2a_9d4e_3f5a_6b7c_0001),
                template: "filed".to_owned(),
                language: Language::Urdu,
                to: Phone::parse("0333 1234567").unwrap(),
                text: "آپ کی شکایت KCH-28T5-CY4T-QKFF-X درج ہو گئی".to_owned(),
                parts: 1,
            },
        ))),
        ("NotificationSent", 1) => latest(DomainEvent::Notification(NotificationEvent::Sent(
            NotificationSent {
                attempt: 2,
                gateway: "http".to_owned(),
                answer: "200 accepted: msg-42".to_owned(),
            },
        ))),
        ("NotificationFailed", 1) => latest(DomainEvent::Notification(NotificationEvent::Failed(
            NotificationFailed {
                attempt: 1,
                gateway: "http".to_owned(),
                answer: "503 try later".to_owned(),
                retry_at: Some(Timestamp::from_micros(1_772_384_460_000_000)),
            },
        ))),
        ("NotificationRetried", 1) => latest(DomainEvent::Notification(NotificationEvent::Retried)),
        (service_type, 1) if service_type.starts_with("Service") => {
            latest(DomainEvent::Service(sample_service(service_type)?))
        }
        _ => return None,
    };
    Some(sample)
}

fn sample_document_number(random: u64) -> DocumentNumber {
    DocumentNumber::from_random(&MarkazCode::parse("KCH").unwrap(), random)
}

/// The frozen sample of each service event type (schema version 1).
fn sample_service(event_type: &str) -> Option<ServiceEvent> {
    use markaz_domain::service_request::{
        DocumentCollected, DocumentIssued, DocumentReissued, DocumentRevoked, ServiceAcknowledged,
        ServiceRated, ServiceRefused, ServiceRequested, ServiceSentForVerification,
        ServiceWithdrawn, StationAnswered,
    };
    let markaz = MarkazCode::parse("KCH").unwrap();
    let event = match event_type {
        "ServiceRequested" => ServiceEvent::Requested(ServiceRequested {
            request_id: ServiceRequestId::from_uuid(Uuid::from_u128(
                0x0193_0a00_7c1e_7b2a_9d4e_3f5a_6b7c_8d9f,
            )),
            tracking_code: TrackingCode::from_random(&markaz, 0x0B6E_4D3C_2F1A_8765),
            markaz,
            service: CategoryCode::parse("character_certificate").unwrap(),
            service_name_en: "Character certificate".into(),
            service_name_ur: "کریکٹر سرٹیفکیٹ".into(),
            applicant: Applicant {
                name: PersonName::parse("محمد عمران کاکڑ").unwrap(),
                phone: Phone::parse("0312 7654321").unwrap(),
                cnic: Cnic::parse("54400-7654321-1").unwrap(),
                address: Some(text("Killi Kotwal, Kuchlak, Quetta")),
            },
            fields: vec![
                FieldValue {
                    name: "father_name".into(),
                    kind: FieldKind::Text,
                    value: "عبدالرحمن کاکڑ".into(),
                },
                FieldValue {
                    name: "travel_date".into(),
                    kind: FieldKind::Date,
                    value: "2026-04-01".into(),
                },
            ],
            documents_checked: vec![
                "Original CNIC of the applicant".into(),
                "Two photographs".into(),
            ],
            channel: Channel::Counter,
            station_verification: true,
            fee_rupees: 500,
            deadline_working_days: 7,
            issue_by: Timestamp::from_micros(1_773_082_800_000_000),
        }),
        "ServiceAcknowledged" => ServiceEvent::Acknowledged(ServiceAcknowledged {
            note: Some(text("Photographs attested")),
        }),
        "ServiceSentForVerification" => {
            ServiceEvent::SentForVerification(ServiceSentForVerification {
                station: text("PS Kuchlak"),
            })
        }
        "ServiceStationAnswered" => ServiceEvent::StationAnswered(StationAnswered {
            station: text("PS Kuchlak"),
            finding: StationFinding::Adverse,
            case_references: Some(text("FIR 45/2024 PS Kuchlak, s.506 PPC")),
            remarks: None,
        }),
        "ServiceDocumentIssued" => ServiceEvent::Issued(DocumentIssued {
            number: sample_document_number(0x0123_4567_89AB_CDEF),
            text: Description::parse(
                "Certified that no criminal record exists against the holder\nat PS Kuchlak.",
            )
            .unwrap(),
        }),
        "ServiceRefused" => ServiceEvent::Refused(ServiceRefused {
            reason: text("Applicant not found at the address given"),
        }),
        "ServiceDocumentCollected" => ServiceEvent::Collected(DocumentCollected { note: None }),
        "ServiceRated" => ServiceEvent::Rated(ServiceRated {
            stars: Rating::new(4).unwrap(),
            comment: Some(text("جلدی ملا")),
        }),
        "ServiceWithdrawn" => ServiceEvent::Withdrawn(ServiceWithdrawn {
            reason: text("No longer needed"),
        }),
        "ServiceDocumentReissued" => ServiceEvent::Reissued(DocumentReissued {
            number: sample_document_number(0x0FED_CBA9_8765_4321),
            supersedes: sample_document_number(0x0123_4567_89AB_CDEF),
            text: Description::parse("Certified that no criminal record exists.").unwrap(),
            reason: text("Father's name misspelt"),
        }),
        "ServiceDocumentRevoked" => ServiceEvent::Revoked(DocumentRevoked {
            number: sample_document_number(0x0FED_CBA9_8765_4321),
            reason: text("Issued on a forged CNIC"),
        }),
        _ => return None,
    };
    Some(event)
}

fn golden_path(event_type: &str, version: u16) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{event_type}.v{version}.bin"))
}

/// Reads a golden file, writing it first only if it is missing and
/// `MARKAZ_WRITE_GOLDEN=1` (never overwriting one).
fn golden_bytes(event_type: &str, version: u16, fresh: &[u8]) -> Vec<u8> {
    let path = golden_path(event_type, version);
    if !path.exists() {
        if std::env::var("MARKAZ_WRITE_GOLDEN").as_deref() == Ok("1") {
            std::fs::write(&path, fresh).unwrap();
        } else {
            panic!(
                "golden file {} is missing: run the tests once with MARKAZ_WRITE_GOLDEN=1 to \
                 add it, then commit it",
                path.display()
            );
        }
    }
    std::fs::read(&path).unwrap()
}

fn all_golden() -> Vec<(&'static str, u16, Vec<u8>, DomainEvent)> {
    let mut all = Vec::new();
    for (event_type, versions) in known_types() {
        for &version in *versions {
            let (fresh, expected) = sample(event_type, version)
                .unwrap_or_else(|| panic!("add a golden sample for {event_type} v{version}"));
            let bytes = golden_bytes(event_type, version, &fresh);
            all.push((*event_type, version, bytes, expected));
        }
    }
    all
}

#[test]
fn every_known_type_and_version_has_a_golden_file() {
    for (event_type, versions) in known_types() {
        for &version in *versions {
            assert!(
                sample(event_type, version).is_some(),
                "no sample for {event_type} v{version}"
            );
        }
    }
    let golden = all_golden();
    assert_eq!(
        golden.len(),
        known_types().iter().map(|(_, v)| v.len()).sum::<usize>()
    );
    for (event_type, version, _, _) in &golden {
        assert!(golden_path(event_type, *version).exists());
    }
}

/// The committed digests: file name to lower-case hex SHA-256.
fn manifest() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/MANIFEST.sha256");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (digest, name) = line
                .split_once("  ")
                .unwrap_or_else(|| panic!("manifest line `{line}` is not `<sha256>  <file>`"));
            (name.trim().to_owned(), digest.trim().to_owned())
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[test]
fn every_golden_file_matches_its_committed_digest() {
    let manifest = manifest();
    let golden = all_golden();
    for (event_type, version, bytes, _) in &golden {
        let name = format!("{event_type}.v{version}.bin");
        let digest = sha256_hex(bytes);
        let Some(committed) = manifest.get(&name) else {
            panic!(
                "golden file {name} is not in tests/golden/MANIFEST.sha256: if it is new, add \
                 the line `{digest}  {name}` and commit both"
            );
        };
        assert_eq!(
            &digest, committed,
            "golden file {name} is not the one committed: golden files are never \
             regenerated; restore it from version control"
        );
    }
    // Every file the manifest names is still there and still checked.
    let checked: Vec<String> = golden
        .iter()
        .map(|(event_type, version, _, _)| format!("{event_type}.v{version}.bin"))
        .collect();
    for name in manifest.keys() {
        assert!(
            checked.contains(name),
            "{name} is in the manifest but no longer checked"
        );
    }
}

#[test]
fn a_regenerated_golden_file_is_told_apart_from_the_committed_one() {
    let manifest = manifest();
    let bytes = std::fs::read(golden_path("ComplaintResolved", 1)).unwrap();
    assert_eq!(
        manifest.get("ComplaintResolved.v1.bin"),
        Some(&sha256_hex(&bytes))
    );
    // One byte of difference, as a changed encoder would write, is caught.
    let mut changed = bytes.clone();
    changed.push(0);
    assert_ne!(
        manifest.get("ComplaintResolved.v1.bin"),
        Some(&sha256_hex(&changed))
    );
}

#[test]
fn every_golden_file_decodes_into_its_event() {
    for (event_type, version, bytes, expected) in all_golden() {
        let decoded = decode(event_type, version, &bytes)
            .unwrap_or_else(|error| panic!("{event_type} v{version}: {error}"));
        assert_eq!(decoded, expected, "{event_type} v{version}");
        // The latest version is what `encode` writes today: byte for byte.
        if latest_version(event_type) == Some(version) {
            let encoded = encode(&expected);
            assert_eq!(encoded.schema_version, version);
            assert_eq!(
                encoded.payload, bytes,
                "{event_type} v{version} encoding changed"
            );
        }
    }
}

#[test]
fn damaged_golden_payloads_never_panic_the_decoder() {
    for (event_type, version, bytes, expected) in all_golden() {
        for length in 0..bytes.len() {
            assert!(
                decode(event_type, version, &bytes[..length]).is_err(),
                "{event_type} v{version} truncated to {length} bytes decoded"
            );
        }
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[index] ^= 1 << bit;
                // A flip may still decode (inside a text, or a case flip that
                // the lenient tracking-code parser reads back); it must not panic.
                if let Ok(event) = decode(event_type, version, &flipped) {
                    assert_eq!(event.type_name(), expected.type_name());
                }
            }
        }
    }
}
