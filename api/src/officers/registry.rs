//! Registering and revoking officers from where no `Commands` is at hand
//! (`markaz officers` on the command line, tests): the command layer's
//! officer commands (`commands::officers`) at the operating system's time.

use markaz_domain::{Actor, OfficerId, ShortText, Timestamp};
use markaz_store::EventStore;
use uuid::Uuid;

use crate::commands::officers as officer_commands;
use crate::commands::SystemClock;
pub use crate::commands::{NewOfficer, Registered, RegistryError};

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
    officer_commands::register(store, &SystemClock, officer, expires_at, actor).await
}

/// Revokes an officer's access for good; returns the event's position.
pub async fn revoke(
    store: &dyn EventStore,
    id: OfficerId,
    reason: Option<ShortText>,
    actor: Actor,
) -> Result<u64, RegistryError> {
    officer_commands::revoke(store, &SystemClock, id, reason, actor).await
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
    officer_commands::rotate(store, &SystemClock, id, expires_at, actor).await
}

/// Parses an officer id given on the command line or in a path.
pub fn parse_officer_id(text: &str) -> Option<OfficerId> {
    Uuid::parse_str(text.trim()).ok().map(OfficerId)
}
