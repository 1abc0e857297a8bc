//! Who may see (and so act on) which case: the rule every caller shares.
//!
//! Commands judge it inside the decision, on the state the append builds on
//! (see `Guarded`), so a case that changes hands between a check and
//! the append (say, referred to the gender desk) is judged as it now is. The
//! order is part of the contract: a case the caller may not see is refused as
//! unknown before anything else, so neither `If-Match` nor the lifecycle can
//! reveal that it exists.

use std::marker::PhantomData;

use markaz_domain::{ComplaintState, Decider, Role, ServiceState, Timestamp};

use super::case::{CaseCommand, CaseId, CaseState};
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

/// Whether `principal` may see the request in `state` (the complaint rule,
/// with no gender desk: a request is never a gender-desk case).
pub fn service_visible(state: &ServiceState, principal: &Principal) -> bool {
    match &state.markaz {
        Some(markaz) if state.is_requested() => may_see(principal, markaz.as_str(), false),
        _ => false,
    }
}

/// A command of a case together with who sends it and the version it expects.
pub struct GuardedCommand<I: CaseId> {
    pub command: CaseCommand<I>,
    pub principal: Principal,
    pub if_match: Option<u64>,
}

/// Why a guarded command was refused.
#[derive(Debug, thiserror::Error)]
pub enum GuardedError<E: std::error::Error> {
    #[error("no case with this id is visible to you: check the id")]
    NotVisible,
    #[error("the case is at version {actual}, not {expected}")]
    Precondition { expected: u64, actual: u64 },
    #[error(transparent)]
    Domain(E),
}

/// The decider of a kind of case, guarded by visibility and `If-Match` in
/// that order.
pub struct Guarded<I>(PhantomData<I>);

impl<I: CaseId> Decider for Guarded<I> {
    type State = CaseState<I>;
    type Command = GuardedCommand<I>;
    type Event = <I::Decider as Decider>::Event;
    type Error = GuardedError<<I::Decider as Decider>::Error>;

    fn evolve(state: Self::State, event: &Self::Event, at: Timestamp) -> Self::State {
        I::Decider::evolve(state, event, at)
    }

    fn decide(
        state: &Self::State,
        guarded: &GuardedCommand<I>,
    ) -> Result<Vec<Self::Event>, Self::Error> {
        if !I::visible(state, &guarded.principal) {
            return Err(GuardedError::NotVisible);
        }
        if let Some(expected) = guarded.if_match {
            let actual = I::version(state);
            if expected != actual {
                return Err(GuardedError::Precondition { expected, actual });
            }
        }
        I::Decider::decide(state, &guarded.command).map_err(GuardedError::Domain)
    }
}
