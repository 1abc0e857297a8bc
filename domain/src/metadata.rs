//! Who did what, when and why: the metadata every stored event carries.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

/// An officer's identity (UUID).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfficerId(pub Uuid);

impl std::fmt::Display for OfficerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What an officer may do (see the role table in the API contract).
///
/// New roles go at the end: the variant index is part of stored events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Desk,
    GenderDesk,
    Supervisor,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Desk,
        Role::GenderDesk,
        Role::Supervisor,
        Role::Auditor,
        Role::Admin,
    ];

    /// The name used in the API, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::GenderDesk => "gender_desk",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Parses the API name of a role.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who caused an event.
///
/// New variants go at the end: the variant index is part of stored events.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A registered officer acting in a role.
    Officer { id: OfficerId, role: Role },
    /// A citizen using the public tracking code (rating).
    Citizen,
    /// The system itself (seals, imports, demo data, operator commands run on the CLI).
    System,
}

/// The metadata of one stored event. The store keeps it beside the payload and
/// covers it with the hash chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// Unique and deterministic for a command (derived from the command id), so
    /// that a retried append is recognised as the same event.
    pub event_id: Uuid,
    pub occurred_at: Timestamp,
    pub actor: Actor,
    /// The request or job this event belongs to.
    pub correlation_id: Uuid,
    /// The command (or event) that directly caused this event.
    pub causation_id: Uuid,
}

/// The deterministic id of the `index`-th event produced by command `command_id`.
///
/// A retry of the same command after an unknown outcome therefore produces the
/// same event ids, and the store recognises the append as already done.
pub fn event_id_for(command_id: Uuid, index: usize) -> Uuid {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0000_8000_0000_0000_0001);
    let mut name = [0u8; 24];
    name[..16].copy_from_slice(command_id.as_bytes());
    name[16..].copy_from_slice(&(index as u64).to_be_bytes());
    Uuid::new_v5(&NAMESPACE, &name)
}
