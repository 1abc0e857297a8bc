//! Token expiry and rotation: `OfficerRegistered` version 2 and
//! `OfficerTokenRotated` version 1. FROZEN: never edit these structs; add a
//! new version instead.
//!
//! `OfficerRegistered` v2 adds over v1 the token's expiry (microseconds
//! since the Unix epoch, or none); a v1 registration decodes as a token that
//! does not expire.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::{uuid_bytes, uuid_from, Decoding};
use super::CodecError;
use crate::metadata::OfficerId;
use crate::officer::{OfficerRegistered, OfficerTokenRotated};
use crate::time::Timestamp;
use crate::values::{MarkazCode, PersonName};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRegisteredV2 {
    pub officer_id: [u8; 16],
    pub name: String,
    pub role: u8,
    pub markaz: Option<String>,
    pub token_hash: [u8; 32],
    pub expires_at: Option<i64>,
}

impl OfficerRegisteredV2 {
    pub fn from_domain(event: &OfficerRegistered) -> Self {
        OfficerRegisteredV2 {
            officer_id: uuid_bytes(event.officer_id.0),
            name: event.name.as_str().to_owned(),
            role: to_code(event.role),
            markaz: event.markaz.as_ref().map(|m| m.as_str().to_owned()),
            token_hash: event.token_hash,
            expires_at: event.expires_at.map(Timestamp::as_micros),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<OfficerRegistered, CodecError> {
        Ok(OfficerRegistered {
            officer_id: OfficerId(uuid_from(self.officer_id)),
            name: PersonName::from_stored(self.name),
            role: decoding.code(self.role)?,
            markaz: self.markaz.map(MarkazCode::from_stored),
            token_hash: self.token_hash,
            expires_at: self.expires_at.map(Timestamp::from_micros),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerTokenRotatedV1 {
    pub token_hash: [u8; 32],
    pub expires_at: Option<i64>,
}

impl OfficerTokenRotatedV1 {
    pub fn from_domain(event: &OfficerTokenRotated) -> Self {
        OfficerTokenRotatedV1 {
            token_hash: event.token_hash,
            expires_at: event.expires_at.map(Timestamp::as_micros),
        }
    }

    pub(crate) fn into_domain(self) -> OfficerTokenRotated {
        OfficerTokenRotated {
            token_hash: self.token_hash,
            expires_at: self.expires_at.map(Timestamp::from_micros),
        }
    }
}
