//! Aggregate identifiers and their stream names.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::metadata::OfficerId;

const COMPLAINT_STREAM_PREFIX: &str = "complaint-";
const OFFICER_STREAM_PREFIX: &str = "officer-";

/// The identity of one complaint. Ids arrive with commands: the domain has no
/// randomness of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComplaintId(Uuid);

impl ComplaintId {
    pub const fn from_uuid(id: Uuid) -> Self {
        ComplaintId(id)
    }

    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// The name of the event stream of this complaint: `complaint-<uuid>`.
    pub fn stream_name(&self) -> String {
        format!("{COMPLAINT_STREAM_PREFIX}{}", self.0.hyphenated())
    }

    /// The complaint whose stream is `name`, if `name` is a complaint stream.
    pub fn from_stream_name(name: &str) -> Option<Self> {
        let id = name.strip_prefix(COMPLAINT_STREAM_PREFIX)?;
        Uuid::try_parse(id).ok().map(ComplaintId)
    }
}

impl fmt::Display for ComplaintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl From<Uuid> for ComplaintId {
    fn from(id: Uuid) -> Self {
        ComplaintId(id)
    }
}

impl OfficerId {
    /// The name of the event stream of this officer: `officer-<uuid>`.
    pub fn stream_name(&self) -> String {
        format!("{OFFICER_STREAM_PREFIX}{}", self.0.hyphenated())
    }

    /// The officer whose stream is `name`, if `name` is an officer stream.
    pub fn from_stream_name(name: &str) -> Option<Self> {
        let id = name.strip_prefix(OFFICER_STREAM_PREFIX)?;
        Uuid::try_parse(id).ok().map(OfficerId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_round_trip() {
        let id = ComplaintId::from_uuid(Uuid::from_u128(7));
        assert_eq!(
            id.stream_name(),
            format!("complaint-{}", Uuid::from_u128(7))
        );
        assert_eq!(ComplaintId::from_stream_name(&id.stream_name()), Some(id));
        assert_eq!(ComplaintId::from_stream_name("officer-x"), None);
        let officer = OfficerId(Uuid::from_u128(9));
        assert_eq!(
            OfficerId::from_stream_name(&officer.stream_name()),
            Some(officer)
        );
        assert_eq!(ComplaintId::from_stream_name(&officer.stream_name()), None);
    }
}
