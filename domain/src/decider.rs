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

/// Declares an aggregate's decider: a unit type whose `Decider` impl hands
/// `decide` and `evolve` to the aggregate's own pure functions.
macro_rules! decider {
    ($(#[$doc:meta])* $name:ident: $state:ty, $command:ty, $event:ty, $error:ty, $decide:path, $evolve:path) => {
        $(#[$doc])*
        pub struct $name;

        impl $crate::decider::Decider for $name {
            type State = $state;
            type Command = $command;
            type Event = $event;
            type Error = $error;

            fn decide(state: &$state, command: &$command) -> Result<Vec<$event>, $error> {
                $decide(state, command)
            }

            fn evolve(state: $state, event: &$event, at: $crate::time::Timestamp) -> $state {
                $evolve(state, event, at)
            }
        }
    };
}
pub(crate) use decider;

decider!(
    /// One complaint, in stream `complaint-<uuid>`.
    ComplaintDecider: ComplaintState, ComplaintCommand, ComplaintEvent, DomainError,
    complaint::decide, complaint::evolve
);

decider!(
    /// One message to a complainant, in stream `notification-<uuid>`.
    NotificationDecider: NotificationState, NotificationCommand, NotificationEvent,
    NotificationError, decide_notification, evolve_notification
);

decider!(
    /// One officer, in stream `officer-<uuid>`.
    OfficerDecider: OfficerState, OfficerCommand, OfficerEvent, OfficerError,
    decide_officer, evolve_officer
);
