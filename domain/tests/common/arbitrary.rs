//! proptest strategies for every value and event type.

use chrono::{NaiveDate, Weekday};
use markaz_domain::{
    CaseEscalated, ContactPreference, Deadline, DeadlineMissed, DeadlineReminder, DeadlineRule,
    DeadlineTerms, EscalationLevel, Language, RecordedCalendar,
};
use markaz_domain::{
    CategoryCode, Channel, Cnic, Complainant, ComplaintAcknowledged, ComplaintEvent,
    ComplaintFiled, ComplaintId, ComplaintRated, ComplaintReferred, ComplaintReopened,
    ComplaintResolved, ComplaintWithdrawn, Description, DomainEvent, Gender, GenderDeskReasons,
    MarkazCode, OfficerEvent, OfficerId, OfficerRegistered, OfficerRevoked, OfficerTokenRotated,
    Outcome, PersonName, Phone, Rating, ReferralKind, Role, ShortText, Timestamp, TrackingCode,
};
use proptest::prelude::*;
use proptest::sample::select;
use uuid::Uuid;

pub fn short_text() -> impl Strategy<Value = ShortText> {
    "[^\\p{Cc}]{1,60}".prop_filter_map("blank", |s| ShortText::parse(&s).ok())
}

fn optional<T: std::fmt::Debug>(
    inner: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(inner)
}

pub fn person_name() -> impl Strategy<Value = PersonName> {
    "[^\\p{Cc}]{1,40}".prop_filter_map("blank", |s| PersonName::parse(&s).ok())
}

pub fn description() -> impl Strategy<Value = Description> {
    "([^\\p{Cc}]|\n|\t){1,200}".prop_filter_map("blank", |s| Description::parse(&s).ok())
}

pub fn phone() -> impl Strategy<Value = Phone> {
    "3[0-9]{9}".prop_map(|digits| Phone::parse(&format!("0{digits}")).unwrap())
}

pub fn cnic() -> impl Strategy<Value = Cnic> {
    "[0-9]{13}".prop_map(|digits| Cnic::parse(&digits).unwrap())
}

pub fn markaz() -> impl Strategy<Value = MarkazCode> {
    "[A-Z][A-Z0-9]{2,11}".prop_map(|code| MarkazCode::parse(&code).unwrap())
}

pub fn category_code() -> impl Strategy<Value = CategoryCode> {
    "[a-z][a-z0-9]{1,10}(_[a-z0-9]{1,8}){0,2}".prop_map(|code| CategoryCode::parse(&code).unwrap())
}

pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    any::<i64>().prop_map(Timestamp::from_micros)
}

pub fn complainant() -> impl Strategy<Value = Complainant> {
    (
        person_name(),
        select(Gender::ALL),
        phone(),
        optional(cnic()),
        optional(short_text()),
    )
        .prop_map(|(name, gender, phone, cnic, address)| Complainant {
            name,
            gender,
            phone,
            cnic,
            address,
        })
}

pub fn filed() -> impl Strategy<Value = ComplaintFiled> {
    (
        (
            any::<u128>(),
            markaz(),
            any::<u64>(),
            category_code(),
            complainant(),
        ),
        (description(), optional(short_text()), select(Channel::ALL)),
        (
            any::<[bool; 3]>(),
            timestamp(),
            timestamp(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            optional(deadline_terms()),
            optional(select(ContactPreference::ALL)),
            select(Language::ALL),
        ),
    )
        .prop_map(
            |(
                (id, markaz, random, category, complainant),
                (description, location, channel),
                ([requested, complainant_gender, sensitive_category], ack, resolve, desk, nc),
                (deadline_terms, contact, language),
            )| ComplaintFiled {
                complaint_id: ComplaintId::from_uuid(Uuid::from_u128(id)),
                tracking_code: TrackingCode::from_random(&markaz, random),
                markaz,
                category,
                complainant,
                description,
                location,
                channel,
                gender_desk: desk,
                gender_desk_reasons: GenderDeskReasons {
                    requested,
                    complainant_gender,
                    sensitive_category,
                },
                acknowledge_by: ack,
                resolve_by: resolve,
                non_cognizable: nc,
                deadline_terms,
                contact,
                language,
            },
        )
}

fn deadline_rule() -> impl Strategy<Value = DeadlineRule> {
    prop_oneof![
        any::<u32>().prop_map(DeadlineRule::Hours),
        any::<u32>().prop_map(DeadlineRule::WorkingDays),
    ]
}

pub fn deadline_terms() -> impl Strategy<Value = DeadlineTerms> {
    (
        deadline_rule(),
        deadline_rule(),
        select(vec!["Asia/Karachi", "Asia/Dubai", "UTC"]),
        1u8..128,
        prop::collection::btree_set(-100_000i32..100_000, 0..5),
    )
        .prop_map(|(acknowledge, resolve, zone, mask, days)| DeadlineTerms {
            acknowledge,
            resolve,
            calendar: RecordedCalendar {
                time_zone: zone.to_owned(),
                working_days: (0..7u8)
                    .filter(|day| mask & (1 << day) != 0)
                    .map(|day| Weekday::try_from(day).unwrap())
                    .collect(),
                holidays: days
                    .into_iter()
                    .map(|offset| {
                        NaiveDate::from_ymd_opt(2026, 1, 1)
                            .unwrap()
                            .checked_add_signed(chrono::TimeDelta::days(i64::from(offset)))
                            .unwrap()
                    })
                    .collect(),
            },
        })
}

pub fn complaint_event() -> impl Strategy<Value = ComplaintEvent> {
    prop_oneof![
        filed().prop_map(ComplaintEvent::Filed),
        optional(short_text())
            .prop_map(|note| ComplaintEvent::Acknowledged(ComplaintAcknowledged { note })),
        (short_text(), select(ReferralKind::ALL), short_text()).prop_map(|(to, kind, reason)| {
            ComplaintEvent::Referred(ComplaintReferred { to, kind, reason })
        }),
        (select(Outcome::ALL), short_text()).prop_map(|(outcome, summary)| {
            ComplaintEvent::Resolved(ComplaintResolved { outcome, summary })
        }),
        (1u8..=5, optional(short_text())).prop_map(|(stars, comment)| {
            ComplaintEvent::Rated(ComplaintRated {
                stars: Rating::new(stars).unwrap(),
                comment,
            })
        }),
        short_text().prop_map(|reason| ComplaintEvent::Reopened(ComplaintReopened { reason })),
        short_text().prop_map(|reason| ComplaintEvent::Withdrawn(ComplaintWithdrawn { reason })),
        (
            select(Deadline::ALL),
            timestamp(),
            timestamp(),
            short_text()
        )
            .prop_map(|(deadline, due_at, scheduled_at, rule)| {
                ComplaintEvent::DeadlineReminder(DeadlineReminder {
                    deadline,
                    due_at,
                    scheduled_at,
                    rule,
                })
            }),
        (
            select(Deadline::ALL),
            timestamp(),
            timestamp(),
            short_text()
        )
            .prop_map(|(deadline, due_at, scheduled_at, rule)| {
                ComplaintEvent::DeadlineMissed(DeadlineMissed {
                    deadline,
                    due_at,
                    scheduled_at,
                    rule,
                })
            }),
        (
            select(Deadline::ALL),
            timestamp(),
            timestamp(),
            select(EscalationLevel::ALL),
            short_text()
        )
            .prop_map(|(deadline, due_at, scheduled_at, level, rule)| {
                ComplaintEvent::Escalated(CaseEscalated {
                    deadline,
                    due_at,
                    scheduled_at,
                    level,
                    rule,
                })
            }),
    ]
}

pub fn officer_event() -> impl Strategy<Value = OfficerEvent> {
    prop_oneof![
        (
            any::<u128>(),
            person_name(),
            select(Role::ALL.to_vec()),
            optional(markaz()),
            any::<[u8; 32]>(),
            optional(any::<i64>())
        )
            .prop_map(|(id, name, role, markaz, token_hash, expires_at)| {
                OfficerEvent::Registered(OfficerRegistered {
                    officer_id: OfficerId(Uuid::from_u128(id)),
                    name,
                    role,
                    markaz,
                    token_hash,
                    expires_at: expires_at.map(Timestamp::from_micros),
                })
            }),
        optional(short_text()).prop_map(|reason| OfficerEvent::Revoked(OfficerRevoked { reason })),
        (any::<[u8; 32]>(), optional(any::<i64>())).prop_map(|(token_hash, expires_at)| {
            OfficerEvent::TokenRotated(OfficerTokenRotated {
                token_hash,
                expires_at: expires_at.map(Timestamp::from_micros),
            })
        }),
    ]
}

pub fn domain_event() -> impl Strategy<Value = DomainEvent> {
    prop_oneof![
        complaint_event().prop_map(DomainEvent::Complaint),
        officer_event().prop_map(DomainEvent::Officer),
    ]
}
