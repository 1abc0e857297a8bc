//! Fixtures shared by the domain tests: actors, a filing command, and the
//! given/when/then helpers.
#![allow(dead_code)]

pub mod arbitrary;

use markaz_domain::{
    decide, evolve, Actor, Catalogue, Category, CategoryCode, Channel, Complainant,
    ComplaintAction, ComplaintCommand, ComplaintEvent, ComplaintId, ComplaintState, Description,
    DomainError, FileComplaint, Gender, MarkazCode, OfficerId, Outcome, PersonName, Phone, Rating,
    ReferralKind, Role, ShortText, Timestamp, TrackingCode, WorkingCalendar,
};
use uuid::Uuid;

/// 2026-03-01T09:00:00Z.
pub const T0: Timestamp = Timestamp::from_micros(1_772_355_600_000_000);
pub const HOUR: i64 = 3_600_000_000;

pub fn at_hours(hours: i64) -> Timestamp {
    Timestamp::from_micros(T0.as_micros() + hours * HOUR)
}

pub fn desk() -> Actor {
    officer(Role::Desk)
}

pub fn officer(role: Role) -> Actor {
    Actor::Officer {
        id: OfficerId(Uuid::from_u128(0xD35C)),
        role,
    }
}

pub fn text(value: &str) -> ShortText {
    ShortText::parse(value).unwrap()
}

pub fn category(code: &str) -> Category {
    Catalogue::default()
        .get(&CategoryCode::parse(code).unwrap())
        .unwrap()
        .clone()
}

pub fn complainant(gender: Gender) -> Complainant {
    Complainant {
        name: PersonName::parse("Bibi Amina").unwrap(),
        gender,
        phone: Phone::parse("0300 1234567").unwrap(),
        cnic: None,
        address: Some(text("Kuchlak Bazaar, Quetta")),
    }
}

pub fn file_with(category: Category, gender: Gender, requested: bool) -> FileComplaint {
    let markaz = MarkazCode::parse("KCH").unwrap();
    FileComplaint {
        complaint_id: ComplaintId::from_uuid(Uuid::from_u128(0xC0FFEE)),
        tracking_code: TrackingCode::from_random(&markaz, 0x0123_4567_89AB_CDEF),
        markaz,
        category,
        calendar: WorkingCalendar::pakistan(),
        complainant: complainant(gender),
        description: Description::parse("My motorcycle was taken from outside the mosque.")
            .unwrap(),
        location: Some(text("Main Bazaar")),
        channel: Channel::Counter,
        gender_desk_requested: requested,
        contact: None,
        language: markaz_domain::Language::Urdu,
    }
}

pub fn command(action: ComplaintAction, at: Timestamp, actor: Actor) -> ComplaintCommand {
    ComplaintCommand {
        command_id: Uuid::from_u128(at.as_micros() as u128),
        at,
        actor,
        action,
    }
}

pub fn file() -> ComplaintAction {
    ComplaintAction::File(file_with(category("theft_report"), Gender::Male, false))
}

pub fn acknowledge() -> ComplaintAction {
    ComplaintAction::Acknowledge { note: None }
}

pub fn refer() -> ComplaintAction {
    ComplaintAction::Refer {
        to: text("Kuchlak police station"),
        kind: ReferralKind::PoliceStation,
        reason: text("Cognizable offence: FIR needed"),
    }
}

pub fn resolve() -> ComplaintAction {
    ComplaintAction::Resolve {
        outcome: Outcome::Resolved,
        summary: text("Motorcycle recovered and returned"),
    }
}

pub fn reopen() -> ComplaintAction {
    ComplaintAction::Reopen {
        reason: text("The motorcycle was taken again"),
        window_days: 30,
    }
}

pub fn rate() -> ComplaintAction {
    ComplaintAction::Rate {
        stars: Rating::new(4).unwrap(),
        comment: None,
    }
}

pub fn withdraw() -> ComplaintAction {
    ComplaintAction::Withdraw {
        reason: text("Settled between the families"),
    }
}

/// The actor who may perform `action`: the citizen rates, officers do the rest.
pub fn actor_for(action: &ComplaintAction) -> Actor {
    match action {
        ComplaintAction::Rate { .. } => Actor::Citizen,
        _ => desk(),
    }
}

/// Folds the events that `actions` produce, one hour apart, failing the test
/// if any of them is refused: the "given" of a test.
pub fn given(actions: &[ComplaintAction]) -> (ComplaintState, Vec<ComplaintEvent>) {
    let mut state = ComplaintState::default();
    let mut history = Vec::new();
    for (hour, action) in actions.iter().enumerate() {
        let at = at_hours(hour as i64);
        let events = decide(&state, &command(action.clone(), at, actor_for(action)))
            .unwrap_or_else(|error| {
                panic!("given step {hour} ({}) failed: {error}", action.name())
            });
        for event in events {
            state = evolve(state, &event, at);
            history.push(event);
        }
    }
    (state, history)
}

/// The "when": decide `action` one hour after the given history.
pub fn when(
    state: &ComplaintState,
    action: ComplaintAction,
) -> Result<Vec<ComplaintEvent>, DomainError> {
    let at = at_hours(state.version as i64);
    decide(state, &command(action.clone(), at, actor_for(&action)))
}
