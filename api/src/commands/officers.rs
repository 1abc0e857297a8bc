//! Registering officers, revoking them and rotating their tokens: commands
//! on `officer-<uuid>` streams, through the store's command loop like any
//! other aggregate, at the command layer's time. The HTTP API (admins) goes
//! through `Commands`; `markaz officers` and the tests through the
//! `officers::registry` functions, which run the same code at the system's
//! time.

use markaz_domain::OfficerDecider;
use markaz_domain::{
    Actor, MarkazCode, OfficerAction, OfficerCommand, OfficerError, OfficerId, PersonName, Role,
    ShortText, Timestamp,
};
use markaz_store::command_loop::{handle_command, CommandError};
use markaz_store::EventStore;

use super::{command_meta, Clock, Commands};
use crate::ids::{random_uuid, time_ordered_uuid, RandomnessError};
use crate::officers::token::NewToken;

/// Who is to be registered.
#[derive(Clone, Debug)]
pub struct NewOfficer {
    pub name: PersonName,
    pub role: Role,
    pub markaz: Option<MarkazCode>,
}

/// A registered officer and their token, which is shown once and never stored.
#[derive(Debug)]
pub struct Registered {
    pub id: OfficerId,
    pub token: String,
    pub position: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Refused(OfficerError),
    #[error(transparent)]
    Command(CommandError<OfficerError>),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
}

impl From<CommandError<OfficerError>> for RegistryError {
    fn from(error: CommandError<OfficerError>) -> Self {
        match error {
            CommandError::Domain(refused) => RegistryError::Refused(refused),
            other => RegistryError::Command(other),
        }
    }
}

impl Commands {
    /// Registers a new officer with a fresh token that stops working at
    /// `expires_at` (never, if `None`).
    pub async fn register_officer(
        &self,
        officer: NewOfficer,
        expires_at: Option<Timestamp>,
        actor: Actor,
    ) -> Result<Registered, RegistryError> {
        register(
            self.store(),
            self.clock.as_ref(),
            officer,
            expires_at,
            actor,
        )
        .await
    }

    /// Revokes an officer's access for good; returns the event's position.
    pub async fn revoke_officer(
        &self,
        id: OfficerId,
        reason: Option<ShortText>,
        actor: Actor,
    ) -> Result<u64, RegistryError> {
        revoke(self.store(), self.clock.as_ref(), id, reason, actor).await
    }

    /// Gives officer `id` a fresh token (stopping at `expires_at`, if
    /// given); their old token stops working.
    pub async fn rotate_officer_token(
        &self,
        id: OfficerId,
        expires_at: Option<Timestamp>,
        actor: Actor,
    ) -> Result<Registered, RegistryError> {
        rotate(self.store(), self.clock.as_ref(), id, expires_at, actor).await
    }
}

/// Runs one officer command at `clock`'s time; returns the position.
async fn run(
    store: &dyn EventStore,
    clock: &dyn Clock,
    officer: OfficerId,
    actor: Actor,
    action: OfficerAction,
) -> Result<u64, RegistryError> {
    let command_id = time_ordered_uuid()?;
    let at = clock.now();
    let meta = command_meta(command_id, at, actor.clone());
    let command = OfficerCommand {
        command_id,
        at,
        actor,
        action,
    };
    let handled =
        handle_command::<OfficerDecider>(store, &officer.stream_name(), &command, &meta).await?;
    Ok(handled.position)
}

/// Registers a new officer with a fresh token.
pub(crate) async fn register(
    store: &dyn EventStore,
    clock: &dyn Clock,
    officer: NewOfficer,
    expires_at: Option<Timestamp>,
    actor: Actor,
) -> Result<Registered, RegistryError> {
    let id = OfficerId(random_uuid()?);
    with_new_token(store, clock, id, actor, |token_hash| {
        OfficerAction::Register {
            officer_id: id,
            name: officer.name,
            role: officer.role,
            markaz: officer.markaz,
            token_hash,
            expires_at,
        }
    })
    .await
}

/// Revokes an officer's access for good.
pub(crate) async fn revoke(
    store: &dyn EventStore,
    clock: &dyn Clock,
    id: OfficerId,
    reason: Option<ShortText>,
    actor: Actor,
) -> Result<u64, RegistryError> {
    run(store, clock, id, actor, OfficerAction::Revoke { reason }).await
}

/// Gives an officer a fresh token; the officer, their role and their
/// history stay as they are.
pub(crate) async fn rotate(
    store: &dyn EventStore,
    clock: &dyn Clock,
    id: OfficerId,
    expires_at: Option<Timestamp>,
    actor: Actor,
) -> Result<Registered, RegistryError> {
    with_new_token(store, clock, id, actor, |token_hash| {
        OfficerAction::RotateToken {
            token_hash,
            expires_at,
        }
    })
    .await
}

/// Runs the action `with_hash` makes from a fresh token's hash; the answer
/// carries the token itself, shown this once.
async fn with_new_token(
    store: &dyn EventStore,
    clock: &dyn Clock,
    id: OfficerId,
    actor: Actor,
    with_hash: impl FnOnce([u8; 32]) -> OfficerAction,
) -> Result<Registered, RegistryError> {
    let token = NewToken::generate()?;
    let position = run(store, clock, id, actor, with_hash(token.hash)).await?;
    Ok(Registered {
        id,
        token: token.text,
        position,
    })
}
