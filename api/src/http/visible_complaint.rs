//! Commands on an existing complaint, decided with the caller's visibility
//! and `If-Match` checked inside the command loop's decision.
//!
//! Checking them inside `decide` rather than before the command means one
//! read of the stream instead of two, and a case that changes hands between
//! a check and the append (say, referred to the gender desk) is judged on the
//! state the append builds on. The order is part of the contract: a case the
//! caller may not see is 404 before anything else, so neither `If-Match` (412)
//! nor the lifecycle (409) can reveal that it exists.

use markaz_domain::{ComplaintCommand, ComplaintEvent, ComplaintState, DomainError, EventMetadata};
use markaz_store::command_loop::{Aggregate, DecodeError};
use markaz_store::RecordedEvent;

use super::privacy::may_see;
use crate::aggregates::ComplaintAggregate;
use crate::officers::Principal;

/// A complaint command together with who sends it and the version it expects.
pub struct GuardedCommand {
    pub command: ComplaintCommand,
    pub principal: Principal,
    pub if_match: Option<u64>,
}

/// Why a guarded command was refused.
#[derive(Debug, thiserror::Error)]
pub enum GuardedError {
    #[error("no complaint with this id is visible to you: check the id")]
    NotVisible,
    #[error("the complaint is at version {actual}, not {expected}")]
    Precondition { expected: u64, actual: u64 },
    #[error(transparent)]
    Domain(DomainError),
}

/// The complaint aggregate, guarded by visibility and `If-Match`.
pub struct VisibleComplaint;

/// Whether `principal` may see the complaint in `state` (a complaint that
/// does not exist is not visible).
pub fn visible(state: &ComplaintState, principal: &Principal) -> bool {
    match &state.markaz {
        Some(markaz) if state.is_filed() => may_see(principal, markaz.as_str(), state.gender_desk),
        _ => false,
    }
}

impl Aggregate for VisibleComplaint {
    type State = ComplaintState;
    type Command = GuardedCommand;
    type Event = ComplaintEvent;
    type Error = GuardedError;

    fn evolve(
        state: ComplaintState,
        event: &ComplaintEvent,
        meta: &EventMetadata,
    ) -> ComplaintState {
        ComplaintAggregate::evolve(state, event, meta)
    }

    fn decide(
        state: &ComplaintState,
        guarded: &GuardedCommand,
    ) -> Result<Vec<ComplaintEvent>, GuardedError> {
        if !visible(state, &guarded.principal) {
            return Err(GuardedError::NotVisible);
        }
        if let Some(expected) = guarded.if_match {
            if expected != state.version {
                return Err(GuardedError::Precondition {
                    expected,
                    actual: state.version,
                });
            }
        }
        ComplaintAggregate::decide(state, &guarded.command).map_err(GuardedError::Domain)
    }

    fn encode(event: &ComplaintEvent) -> (String, u16, Vec<u8>) {
        ComplaintAggregate::encode(event)
    }

    fn decode(event: &RecordedEvent) -> Result<ComplaintEvent, DecodeError> {
        ComplaintAggregate::decode(event)
    }
}
