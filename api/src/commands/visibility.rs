//! Who may see (and so act on) which case: the rule every caller shares.
//!
//! Commands judge it inside the decision, on the state the append builds on
//! (see `GuardedComplaint`), so a case that changes hands between a check and
//! the append (say, referred to the gender desk) is judged as it now is. The
//! order is part of the contract: a case the caller may not see is refused as
//! unknown before anything else, so neither `If-Match` nor the lifecycle can
//! reveal that it exists.

use markaz_domain::{
    ComplaintCommand, ComplaintDecider, ComplaintEvent, ComplaintState, Decider, DomainError, Role,
    Timestamp,
};

use crate::officers::Principal;

/// Whether `principal` may see a case of `markaz` with this gender-desk flag.
pub fn may_see(principal: &Principal, markaz: &str, gender_desk: bool) -> bool {
    let own_markaz = principal
        .markaz
        .as_ref()
        .is_some_and(|own| own.as_str() == markaz);
    match principal.role {
        Role::Auditor => true,
        Role::Supervisor | Role::GenderDesk => own_markaz,
        Role::Desk => own_markaz && !gender_desk,
        Role::Admin => false,
    }
}

/// Whether `principal` may see the complaint in `state` (a complaint that
/// does not exist is not visible).
pub fn visible(state: &ComplaintState, principal: &Principal) -> bool {
    match &state.markaz {
        Some(markaz) if state.is_filed() => may_see(principal, markaz.as_str(), state.gender_desk),
        _ => false,
    }
}

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

/// The complaint decider, guarded by visibility and `If-Match`.
pub struct GuardedComplaint;

impl Decider for GuardedComplaint {
    type State = ComplaintState;
    type Command = GuardedCommand;
    type Event = ComplaintEvent;
    type Error = GuardedError;

    fn evolve(state: ComplaintState, event: &ComplaintEvent, at: Timestamp) -> ComplaintState {
        ComplaintDecider::evolve(state, event, at)
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
        ComplaintDecider::decide(state, &guarded.command).map_err(GuardedError::Domain)
    }
}
