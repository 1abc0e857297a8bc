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
    derived_id(&NAMESPACE, command_id, &name)
}

/// An id derived from a command: the name-based (version 5) UUID of `name` in
/// `namespace`, so the same command always derives the same ids.
///
/// When the command id is time-ordered (version 7), the derived id takes its
/// 48-bit millisecond timestamp in place of its own first 48 bits (a version 8
/// UUID with 74 hash bits left). Ids derived from newer commands then sort
/// after older ones, and the indexes keyed by them (event ids, stream names,
/// complaint ids) grow at one end instead of dirtying a random page per insert.
/// Ids derived from other command ids (those made from an `Idempotency-Key`,
/// and all commands of earlier releases) are the plain version 5 UUID, as
/// before, so a retry still derives the ids of its first attempt.
pub fn derived_id(namespace: &Uuid, command_id: Uuid, name: &[u8]) -> Uuid {
    let hashed = Uuid::new_v5(namespace, name);
    if command_id.get_version_num() != 7 {
        return hashed;
    }
    let mut bytes = *hashed.as_bytes();
    bytes[..6].copy_from_slice(&command_id.as_bytes()[..6]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACE: Uuid = Uuid::from_u128(0x1234);

    fn time_ordered(millis: u64, random: u8) -> Uuid {
        uuid::Builder::from_unix_timestamp_millis(millis, &[random; 10]).into_uuid()
    }

    #[test]
    fn ids_derived_from_other_command_ids_are_the_plain_name_based_ones() {
        // Random and key-derived command ids of every release so far.
        for command_id in [Uuid::from_u128(0xC0FFEE), Uuid::new_v5(&NAMESPACE, b"key")] {
            assert_eq!(
                derived_id(&NAMESPACE, command_id, b"name"),
                Uuid::new_v5(&NAMESPACE, b"name")
            );
        }
    }

    #[test]
    fn ids_derived_from_a_time_ordered_command_keep_its_time_and_sort_with_it() {
        let earlier = time_ordered(1_764_000_000_000, 0xFF);
        let later = time_ordered(1_764_000_000_001, 0x00);
        let derived = derived_id(&NAMESPACE, earlier, b"name");
        assert_eq!(derived, derived_id(&NAMESPACE, earlier, b"name"));
        assert_eq!(derived.get_version_num(), 8);
        assert_eq!(derived.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(derived.as_bytes()[..6], earlier.as_bytes()[..6]);
        assert_ne!(derived, derived_id(&NAMESPACE, earlier, b"other"));
        for name in [b"a", b"b", b"c"] {
            let from_later = derived_id(&NAMESPACE, later, name);
            assert!(derived < from_later);
            assert!(derived.to_string() < from_later.to_string());
        }
    }

    #[test]
    fn each_event_of_a_command_has_its_own_stable_id() {
        let command_id = time_ordered(1_764_000_000_000, 7);
        let first = event_id_for(command_id, 0);
        assert_eq!(first, event_id_for(command_id, 0));
        assert_ne!(first, event_id_for(command_id, 1));
        assert_ne!(first, event_id_for(time_ordered(1_764_000_000_000, 8), 0));
    }
}
