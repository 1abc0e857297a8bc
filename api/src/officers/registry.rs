//! Registering and revoking officers: commands on `officer-<uuid>` streams,
//! through the store's command loop like any other aggregate. Used by both
//! the HTTP API (admins) and `markaz officers` on the command line.

use markaz_domain::OfficerDecider;
use markaz_domain::{
    Actor, MarkazCode, OfficerAction, OfficerCommand, OfficerError, OfficerId, PersonName, Role,
    ShortText, Timestamp,
};
use markaz_store::command_loop::{handle_command, CommandError};
use markaz_store::EventStore;
use uuid::Uuid;

use super::token::NewToken;
use crate::commands::{command_meta, Clock, SystemClock};
use crate::ids::{random_uuid, time_ordered_uuid, RandomnessError};

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

async fn run(
    store: &dyn EventStore,
    officer: OfficerId,
    actor: Actor,
    action: OfficerAction,
) -> Result<u64, RegistryError> {
    let command_id = time_ordered_uuid()?;
    let at = SystemClock.now();
    let meta = command_meta(command_id, at, actor.clone());
    let command = OfficerCommand {
        command_id,
        at,
        actor,
        action,
    };
    let handled =
        handle_command::<OfficerDecider>(store, &officer.stream_name(), &command, &meta, None)
            .await?;
    Ok(handled.position)
}

/// Registers a new officer with a fresh token that does not expire.
pub async fn register(
    store: &dyn EventStore,
    officer: NewOfficer,
    actor: Actor,
) -> Result<Registered, RegistryError> {
    register_with_expiry(store, officer, None, actor).await
}

/// Registers a new officer with a fresh token that stops working at
/// `expires_at` (never, if `None`).
pub async fn register_with_expiry(
    store: &dyn EventStore,
    officer: NewOfficer,
    expires_at: Option<Timestamp>,
    actor: Actor,
) -> Result<Registered, RegistryError> {
    let id = OfficerId(random_uuid()?);
    let token = NewToken::generate()?;
    let action = OfficerAction::Register {
        officer_id: id,
        name: officer.name,
        role: officer.role,
        markaz: officer.markaz,
        token_hash: token.hash,
        expires_at,
    };
    let position = run(store, id, actor, action).await?;
    Ok(Registered {
        id,
        token: token.text,
        position,
    })
}

/// Revokes an officer's access for good; returns the event's position.
pub async fn revoke(
    store: &dyn EventStore,
    id: OfficerId,
    reason: Option<ShortText>,
    actor: Actor,
) -> Result<u64, RegistryError> {
    run(store, id, actor, OfficerAction::Revoke { reason }).await
}

/// Gives officer `id` a fresh token (stopping at `expires_at`, if given);
/// their old token stops working. The officer, their role and their history
/// stay as they are.
pub async fn rotate(
    store: &dyn EventStore,
    id: OfficerId,
    expires_at: Option<Timestamp>,
    actor: Actor,
) -> Result<Registered, RegistryError> {
    let token = NewToken::generate()?;
    let action = OfficerAction::RotateToken {
        token_hash: token.hash,
        expires_at,
    };
    let position = run(store, id, actor, action).await?;
    Ok(Registered {
        id,
        token: token.text,
        position,
    })
}

/// Parses an officer id given on the command line or in a path.
pub fn parse_officer_id(text: &str) -> Option<OfficerId> {
    Uuid::parse_str(text.trim()).ok().map(OfficerId)
}
