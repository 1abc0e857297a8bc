//! One path for every kind of case: an officer's step, the citizen's rating
//! and a command made in full by its caller run the same way on a complaint
//! and on a service request. A kind of case says only what differs (its
//! stream, its decider, how a command is put together, who may see it and
//! what its callers are answered), through `CaseId`, implemented by the id
//! types so a call names the kind by the id it passes.

use markaz_domain::{Actor, Command, Decider};
use markaz_store::command_loop::{handle_command, load, Aggregate, Handled, Loaded};
use uuid::Uuid;

use super::failure::CommandFailure;
use super::visibility::{Guarded, GuardedCommand};
use super::{command_meta, Commands};
use crate::officers::Principal;

/// The state a kind of case folds to.
pub type CaseState<I> = <<I as CaseId>::Decider as Decider>::State;
/// A command of a kind of case.
pub type CaseCommand<I> = Command<<I as CaseId>::Action>;

/// A case after a command: as the command left it (a repeated command gets
/// the first attempt's answer).
pub struct Acted<I: CaseId> {
    pub id: I,
    pub state: CaseState<I>,
    pub version: u64,
    pub position: u64,
    /// The events the command stands for: written now, or by an earlier
    /// attempt of the same command (0 when it decided nothing).
    pub events: usize,
}

impl<I: CaseId> Acted<I> {
    fn from_handled<A: Aggregate<State = CaseState<I>>>(id: I, handled: Handled<A>) -> Self {
        Acted {
            id,
            state: handled.state,
            version: handled.version,
            position: handled.position,
            events: handled.events.len(),
        }
    }

    /// The name of the case's status.
    pub fn status(&self) -> Option<&'static str> {
        I::status(&self.state)
    }

    /// Whether the citizen has rated the case.
    pub fn rated(&self) -> bool {
        I::rated(&self.state)
    }
}

/// The id of one kind of case, and with it what the command layer needs to
/// know of that kind.
pub trait CaseId: Copy + Send + Sync + 'static {
    /// The pure rules of the kind.
    type Decider: Aggregate<Command = Command<Self::Action>, Error: Into<CommandFailure>>;
    /// What an officer or citizen asks of the case (acknowledge, rate, ...).
    type Action: Send + Sync;

    /// The stream that holds the case.
    fn stream(self) -> String;

    /// Whether `principal` may see the case in `state` (a case that does not
    /// exist is not visible).
    fn visible(state: &CaseState<Self>, principal: &Principal) -> bool;

    /// The version of the case `state` was folded to.
    fn version(state: &CaseState<Self>) -> u64;

    /// The name of the case's status in `state`, if it exists.
    fn status(state: &CaseState<Self>) -> Option<&'static str>;

    /// Whether the citizen has rated the case in `state`.
    fn rated(state: &CaseState<Self>) -> bool;
}

impl Commands {
    /// An officer's step on a case the officer may see, optionally only if
    /// the case is still at version `if_match`. Visibility and `If-Match`
    /// are judged inside the decision, on the state the append builds on.
    pub async fn act<I: CaseId>(
        &self,
        officer: &Principal,
        id: I,
        action: I::Action,
        if_match: Option<u64>,
        command_id: Uuid,
    ) -> Result<Acted<I>, CommandFailure> {
        let (command, meta) = self.stamp(command_id, officer.actor(), |command_id, at, actor| {
            Command {
                command_id,
                at,
                actor,
                action,
            }
        });
        let guarded = GuardedCommand::<I> {
            command,
            principal: officer.clone(),
            if_match,
        };
        let handled =
            handle_command::<Guarded<I>>(self.store(), &id.stream(), &guarded, &meta).await?;
        Ok(Acted::from_handled(id, handled))
    }

    /// The case `officer` may see, as its stream tells it now (its state and
    /// the position of its last event); an unknown case and one the officer
    /// may not see are both `NotFound`.
    pub async fn visible_case<I: CaseId>(
        &self,
        officer: &Principal,
        id: I,
    ) -> Result<Loaded<I::Decider>, CommandFailure> {
        let case = load::<I::Decider>(self.store(), &id.stream()).await?;
        if I::visible(&case.state, officer) {
            Ok(case)
        } else {
            Err(CommandFailure::NotFound)
        }
    }

    /// The citizen's rating of case `id` (found by its tracking code).
    pub async fn rate<I: CaseId>(
        &self,
        id: I,
        action: I::Action,
        command_id: Uuid,
    ) -> Result<Acted<I>, CommandFailure> {
        let (command, meta) = self.stamp(command_id, Actor::Citizen, |command_id, at, actor| {
            Command {
                command_id,
                at,
                actor,
                action,
            }
        });
        let handled =
            handle_command::<I::Decider>(self.store(), &id.stream(), &command, &meta).await?;
        Ok(Acted::from_handled(id, handled))
    }

    /// A command its caller made in full, with its own time and actor: a
    /// planned history (`markaz demo`, tests of the figures) and commands of
    /// process managers that happen at the moment a deadline passed.
    /// Visibility is not applied: these callers act for the service, not
    /// for an officer.
    pub async fn submit<I: CaseId>(
        &self,
        id: I,
        command: &CaseCommand<I>,
    ) -> Result<Acted<I>, CommandFailure> {
        let meta = command_meta(command.command_id, command.at, command.actor.clone());
        let handled =
            handle_command::<I::Decider>(self.store(), &id.stream(), command, &meta).await?;
        Ok(Acted::from_handled(id, handled))
    }
}
