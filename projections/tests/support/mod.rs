//! A scripted complaint history, written through the real domain decider and
//! codec into a real embedded event store in a temporary directory.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use markaz_domain::codec::encode;
use markaz_domain::{
    decide, event_id_for, evolve, Actor, Catalogue, CategoryCode, Channel, Complainant,
    ComplaintAction, ComplaintCommand, ComplaintId, ComplaintState, Description, DomainEvent,
    EventMetadata, FileComplaint, Gender, MarkazCode, OfficerId, PersonName, Phone, Role,
    ShortText, Timestamp, TrackingCode,
};
use markaz_store::{EventStore, ExpectedVersion, NewEvent, SqliteStore};
use uuid::Uuid;

pub const HOUR: i64 = 3_600_000_000;
pub const MINUTE: i64 = 60_000_000;
pub const DAY: i64 = 24 * HOUR;

/// 2026-03-30T08:00:00Z: the history straddles the end of March.
pub fn t0() -> i64 {
    Utc.with_ymd_and_hms(2026, 3, 30, 8, 0, 0)
        .single()
        .map(|t| t.timestamp_micros())
        .unwrap_or_default()
}

pub fn at(offset: i64) -> Timestamp {
    Timestamp::from_micros(t0() + offset)
}

pub fn officer(n: u128, role: Role) -> Actor {
    Actor::Officer {
        id: OfficerId(Uuid::from_u128(0xA000 + n)),
        role,
    }
}

pub fn officer_key(n: u128) -> String {
    Uuid::from_u128(0xA000 + n).to_string()
}

pub fn text(value: &str) -> ShortText {
    ShortText::parse(value).unwrap()
}

pub struct Scenario {
    pub dir: tempfile::TempDir,
    pub store: Arc<SqliteStore>,
    states: HashMap<ComplaintId, ComplaintState>,
    commands: u128,
    pub last_position: u64,
}

impl Scenario {
    pub fn new() -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("events.sqlite")).unwrap());
        Scenario {
            dir,
            store,
            states: HashMap::new(),
            commands: 0,
            last_position: 0,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn dyn_store(&self) -> Arc<dyn EventStore> {
        self.store.clone()
    }

    /// Files complaint number `n` and returns its id.
    pub async fn file(
        &mut self,
        n: u128,
        markaz: &str,
        category: &str,
        gender: Gender,
        actor: &Actor,
        when: Timestamp,
    ) -> ComplaintId {
        self.file_with_code_of(n, n, markaz, category, gender, actor, when)
            .await
    }

    /// Files complaint number `n` with the tracking code complaint number
    /// `code_of` has: a collision only a test makes (codes are 64 random bits).
    #[allow(clippy::too_many_arguments)]
    pub async fn file_with_code_of(
        &mut self,
        n: u128,
        code_of: u128,
        markaz: &str,
        category: &str,
        gender: Gender,
        actor: &Actor,
        when: Timestamp,
    ) -> ComplaintId {
        let id = ComplaintId::from_uuid(Uuid::from_u128(0xC000 + n));
        let markaz = MarkazCode::parse(markaz).unwrap();
        let category = Catalogue::default()
            .get(&CategoryCode::parse(category).unwrap())
            .cloned()
            .unwrap();
        let file = FileComplaint {
            complaint_id: id,
            tracking_code: TrackingCode::from_random(&markaz, 0x1234_5678_9ABC + code_of as u64),
            markaz,
            category,
            calendar: markaz_domain::WorkingCalendar::pakistan(),
            complainant: Complainant {
                name: PersonName::parse(&format!("Complainant {n}")).unwrap(),
                gender,
                phone: Phone::parse("03001234567").unwrap(),
                cnic: None,
                address: Some(text("Kuchlak, Quetta")),
            },
            description: Description::parse("A complaint for the scripted history").unwrap(),
            location: None,
            channel: Channel::Counter,
            gender_desk_requested: false,
            contact: None,
            language: markaz_domain::Language::Urdu,
        };
        self.act(id, actor, when, ComplaintAction::File(file)).await;
        id
    }

    /// Decides `action` on complaint `id` with the real decider and appends the events.
    pub async fn act(
        &mut self,
        id: ComplaintId,
        actor: &Actor,
        when: Timestamp,
        action: ComplaintAction,
    ) -> u64 {
        self.commands += 1;
        let command = ComplaintCommand {
            command_id: Uuid::from_u128(0xD000 + self.commands),
            at: when,
            actor: actor.clone(),
            action,
        };
        let state = self.states.remove(&id).unwrap_or_default();
        let events = decide(&state, &command).unwrap();
        let expected = ExpectedVersion::Exact(state.version);
        let mut new_events = Vec::new();
        let mut state = state;
        for (index, event) in events.into_iter().enumerate() {
            state = evolve(state, &event, when);
            let encoded = encode(&DomainEvent::Complaint(event));
            new_events.push(NewEvent {
                event_type: encoded.event_type.to_owned(),
                schema_version: encoded.schema_version,
                payload: encoded.payload,
                metadata: EventMetadata {
                    event_id: event_id_for(command.command_id, index),
                    occurred_at: when,
                    actor: actor.clone(),
                    correlation_id: command.command_id,
                    causation_id: command.command_id,
                },
            });
        }
        self.states.insert(id, state);
        let outcome = self
            .store
            .append(&id.stream_name(), expected, new_events)
            .await
            .unwrap();
        self.last_position = outcome.position;
        outcome.position
    }
}

/// Every row of every read-model table, as sorted text: equal dumps mean equal read models.
pub fn dump(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut lines = Vec::new();
    for table in [
        "projection_checkpoints",
        "complaint_status",
        "public_tracking",
        "gender_desk_cases",
        "gender_desk_counts",
        "performance_cases",
        "performance_rollup",
        "performance_superseded",
        "performance_calendar",
    ] {
        let mut statement = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = statement.column_count();
        let mut rows: Vec<String> = statement
            .query_map([], |row| {
                let values: Vec<String> = (0..columns)
                    .map(|i| readable(row.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", values.join(" | ")))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        lines.extend(rows);
    }
    lines
}

/// A value as a person reads it: text as text, blobs in hex.
fn readable(value: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => "NULL".to_string(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(text) => format!("{:?}", String::from_utf8_lossy(text)),
        ValueRef::Blob(bytes) => {
            let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("x'{hex}'")
        }
    }
}

/// Fails with the rows only one of two dumps has, rather than both dumps whole.
#[track_caller]
pub fn assert_same_rows(actual: &[String], expected: &[String]) {
    if actual == expected {
        return;
    }
    let only_in = |these: &[String], those: &[String]| -> Vec<String> {
        these
            .iter()
            .filter(|row| !those.contains(row))
            .cloned()
            .collect()
    };
    panic!(
        "the read models differ\nonly in the actual file:\n  {}\nonly in the expected file:\n  {}",
        only_in(actual, expected).join("\n  "),
        only_in(expected, actual).join("\n  "),
    );
}

/// The complaints of the scripted history.
pub struct History {
    pub c1: ComplaintId,
    pub c2: ComplaintId,
    pub c3: ComplaintId,
    pub c4: ComplaintId,
    pub c5: ComplaintId,
}

pub const A: u128 = 1;
pub const B: u128 = 2;
pub const G: u128 = 3;
pub const Q: u128 = 4;

/// The history the figures in the tests were computed from by hand.
///
/// * C1 (KCH, theft_report, male) filed by A at t0, acknowledged by A at +30m,
///   referred by A to "PS Kuchlak" at +2h, referred by B to "Magistrate Quetta"
///   at +1d1h, resolved by B at +2d, rated 4 at +2d1h.
/// * C2 (KCH, harassment, female: gender desk) filed by G at +1h, acknowledged
///   by G at +10h (late: 8h allowed), resolved by G at +1d2h, rated 2 at
///   +1d3h, reopened by G at +2d.
/// * C3 (KCH, police_misconduct, male) filed by A at +3h, withdrawn by B at +5h.
/// * C4 (QTA, lost_documents, male) filed by Q at +1d, nothing since.
/// * C5 (KCH, harassment, male: gender desk by category) filed by A at +4d.
pub async fn script(s: &mut Scenario) -> History {
    use markaz_domain::{Outcome, Rating, ReferralKind};
    let (a, b, g, q) = (
        officer(A, Role::Desk),
        officer(B, Role::Desk),
        officer(G, Role::GenderDesk),
        officer(Q, Role::Desk),
    );
    let refer = |to: &str| ComplaintAction::Refer {
        to: text(to),
        kind: ReferralKind::PoliceStation,
        reason: text("needs the police station"),
    };
    let resolve = || ComplaintAction::Resolve {
        outcome: Outcome::Resolved,
        summary: text("settled"),
    };
    let rate = |stars: u8| ComplaintAction::Rate {
        stars: Rating::new(stars).unwrap(),
        comment: None,
    };
    let ack = || ComplaintAction::Acknowledge { note: None };

    let c1 = s
        .file(1, "KCH", "theft_report", Gender::Male, &a, at(0))
        .await;
    let c2 = s
        .file(2, "KCH", "harassment", Gender::Female, &g, at(HOUR))
        .await;
    s.act(c1, &a, at(30 * MINUTE), ack()).await;
    s.act(c1, &a, at(2 * HOUR), refer("PS Kuchlak")).await;
    let c3 = s
        .file(
            3,
            "KCH",
            "police_misconduct",
            Gender::Male,
            &a,
            at(3 * HOUR),
        )
        .await;
    s.act(
        c3,
        &b,
        at(5 * HOUR),
        ComplaintAction::Withdraw {
            reason: text("settled privately"),
        },
    )
    .await;
    s.act(c2, &g, at(10 * HOUR), ack()).await;
    let c4 = s
        .file(4, "QTA", "lost_documents", Gender::Male, &q, at(DAY))
        .await;
    s.act(c1, &b, at(DAY + HOUR), refer("Magistrate Quetta"))
        .await;
    s.act(c2, &g, at(DAY + 2 * HOUR), resolve()).await;
    s.act(c2, &Actor::Citizen, at(DAY + 3 * HOUR), rate(2))
        .await;
    s.act(c1, &b, at(2 * DAY), resolve()).await;
    s.act(
        c2,
        &g,
        at(2 * DAY),
        ComplaintAction::Reopen {
            reason: text("the harassment continued"),
            window_days: 30,
        },
    )
    .await;
    s.act(c1, &Actor::Citizen, at(2 * DAY + HOUR), rate(4))
        .await;
    let c5 = s
        .file(5, "KCH", "harassment", Gender::Male, &a, at(4 * DAY))
        .await;
    History { c1, c2, c3, c4, c5 }
}
