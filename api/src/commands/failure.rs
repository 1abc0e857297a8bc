//! Why a command was not carried out, in the terms every caller needs: each
//! caller (HTTP, pages, CLI) turns these into its own kind of answer.

use markaz_domain::{DomainError, NotificationError};
use markaz_store::command_loop::CommandError;
use markaz_store::StoreError;

use super::visibility::GuardedError;

/// A refused or failed command.
#[derive(Debug, thiserror::Error)]
pub enum CommandFailure {
    /// No such case, or one the caller may not see (the two are not told apart).
    #[error("no complaint with this id is visible to you: check the id")]
    NotFound,
    /// The caller's role may not do this.
    #[error("{0}")]
    NotAllowed(String),
    /// `If-Match` named another version than the case's.
    #[error("the complaint is at version {actual}, not {expected}; reload it and try again")]
    Stale { expected: u64, actual: u64 },
    /// The lifecycle forbids the command in the case's state.
    #[error(transparent)]
    Refused(DomainError),
    /// The lifecycle forbids the command in the service request's state.
    #[error(transparent)]
    RefusedService(markaz_domain::ServiceError),
    /// Others kept changing the case; trying again later will do.
    #[error("the complaint is being changed by others right now: try again")]
    Contention,
    /// The event store cannot be reached; trying again later will do.
    #[error("the event store is unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a fault to log, not the caller's doing.
    #[error("{0}")]
    Internal(String),
}

impl From<DomainError> for CommandFailure {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::NotFound => CommandFailure::NotFound,
            DomainError::NotAllowed { reason } => CommandFailure::NotAllowed(reason),
            refused => CommandFailure::Refused(refused),
        }
    }
}

impl From<NotificationError> for CommandFailure {
    fn from(error: NotificationError) -> Self {
        match error {
            NotificationError::NotFound => CommandFailure::NotFound,
            refused => CommandFailure::NotAllowed(refused.to_string()),
        }
    }
}

impl<E> From<GuardedError<E>> for CommandFailure
where
    E: std::error::Error + Into<CommandFailure>,
{
    fn from(error: GuardedError<E>) -> Self {
        match error {
            GuardedError::NotVisible => CommandFailure::NotFound,
            GuardedError::Precondition { expected, actual } => {
                CommandFailure::Stale { expected, actual }
            }
            GuardedError::Domain(domain) => domain.into(),
        }
    }
}

impl<E> From<CommandError<E>> for CommandFailure
where
    E: std::error::Error + Into<CommandFailure> + 'static,
{
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Domain(refused) => refused.into(),
            CommandError::Contention { .. } => CommandFailure::Contention,
            CommandError::Store(StoreError::Unavailable(detail)) => {
                CommandFailure::Unavailable(detail)
            }
            other => CommandFailure::Internal(other.to_string()),
        }
    }
}
