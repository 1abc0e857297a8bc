//! The shape every aggregate's rules take: an initial state, `decide` (what a
//! command produces in a state, or why it is refused) and `evolve` (how one
//! event changes the state). The command loop in `markaz-store` runs any
//! `Decider` whose events the codec can store (`codec::AggregateEvent`), so
//! the store knows no aggregate by name.
//!
//! Both functions are pure: time arrives in the command (for `decide`) and as
//! the event's recorded time (for `evolve`), so a replay folds the same state.

use crate::complaint::{self, ComplaintCommand, ComplaintEvent, ComplaintState, DomainError};
use crate::metadata::Actor;
use crate::notification::{
    decide_notification, evolve_notification, NotificationCommand, NotificationError,
    NotificationEvent, NotificationState,
};
use crate::officer::{
    decide_officer, evolve_officer, OfficerCommand, OfficerError, OfficerEvent, OfficerState,
};
use crate::time::Timestamp;

/// One command: who asks, when, and what. Time, ids and the actor come in
/// here so that `decide` stays a pure function; every aggregate's commands
/// have this shape and differ only in their actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command<A> {
    /// Unique per request; event ids derive from it so retries are recognised.
    pub command_id: uuid::Uuid,
    pub at: Timestamp,
    pub actor: Actor,
    pub action: A,
}

/// The rules of one kind of aggregate.
pub trait Decider {
    type State: Default;
    type Command;
    type Event;
    type Error: std::error::Error;

    /// The state of a stream with no events.
    fn initial() -> Self::State {
        Self::State::default()
    }

    /// The events `command` produces in `state`, or why it is refused.
    fn decide(
        state: &Self::State,
        command: &Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// Applies one stored event, recorded at `occurred_at`, to the state.
    fn evolve(state: Self::State, event: &Self::Event, occurred_at: Timestamp) -> Self::State;
}

/// One complaint, in stream `complaint-<uuid>`.
pub struct ComplaintDecider;

impl Decider for ComplaintDecider {
    type State = ComplaintState;
    type Command = ComplaintCommand;
    type Event = ComplaintEvent;
    type Error = DomainError;

    fn decide(
        state: &ComplaintState,
        command: &ComplaintCommand,
    ) -> Result<Vec<ComplaintEvent>, DomainError> {
        complaint::decide(state, command)
    }

    fn evolve(state: ComplaintState, event: &ComplaintEvent, at: Timestamp) -> ComplaintState {
        complaint::evolve(state, event, at)
    }
}

/// One officer, in stream `officer-<uuid>`.
pub struct NotificationDecider;

impl Decider for NotificationDecider {
    type State = NotificationState;
    type Command = NotificationCommand;
    type Event = NotificationEvent;
    type Error = NotificationError;

    fn decide(
        state: &NotificationState,
        command: &NotificationCommand,
    ) -> Result<Vec<NotificationEvent>, NotificationError> {
        decide_notification(state, command)
    }

    fn evolve(
        state: NotificationState,
        event: &NotificationEvent,
        at: Timestamp,
    ) -> NotificationState {
        evolve_notification(state, event, at)
    }
}

pub struct OfficerDecider;

impl Decider for OfficerDecider {
    type State = OfficerState;
    type Command = OfficerCommand;
    type Event = OfficerEvent;
    type Error = OfficerError;

    fn decide(
        state: &OfficerState,
        command: &OfficerCommand,
    ) -> Result<Vec<OfficerEvent>, OfficerError> {
        decide_officer(state, command)
    }

    fn evolve(state: OfficerState, event: &OfficerEvent, at: Timestamp) -> OfficerState {
        evolve_officer(state, event, at)
    }
}
