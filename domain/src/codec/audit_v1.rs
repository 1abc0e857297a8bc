//! Version 1 of the audit events (`LogSealed`, `CaseAccessed`,
//! `CasesAccessed`): FROZEN.
//!
//! Never edit these structs; add a new version instead. The 64-byte
//! signature is stored as its two 32-byte halves (R and s), since serde's
//! fixed-size arrays stop at 32 elements.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::{uuid_bytes, uuid_from, Decoding};
use super::CodecError;
use crate::audit::{CaseAccessed, CaseRead, CaseRef, CasesAccessed, LogSealed};
use crate::metadata::OfficerId;
use crate::values::ComplaintId;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSealedV1 {
    pub up_to_position: u64,
    pub events: u64,
    pub streams: u64,
    pub digest: [u8; 32],
    pub public_key: [u8; 32],
    pub signature_r: [u8; 32],
    pub signature_s: [u8; 32],
}

impl LogSealedV1 {
    pub fn from_domain(event: &LogSealed) -> Self {
        let mut signature_r = [0u8; 32];
        let mut signature_s = [0u8; 32];
        signature_r.copy_from_slice(&event.signature[..32]);
        signature_s.copy_from_slice(&event.signature[32..]);
        LogSealedV1 {
            up_to_position: event.up_to_position,
            events: event.events,
            streams: event.streams,
            digest: event.digest,
            public_key: event.public_key,
            signature_r,
            signature_s,
        }
    }

    pub(crate) fn into_domain(self, _decoding: Decoding) -> Result<LogSealed, CodecError> {
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&self.signature_r);
        signature[32..].copy_from_slice(&self.signature_s);
        Ok(LogSealed {
            up_to_position: self.up_to_position,
            events: self.events,
            streams: self.streams,
            digest: self.digest,
            public_key: self.public_key,
            signature,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseAccessedV1 {
    pub complaint_id: [u8; 16],
    pub officer: [u8; 16],
    pub role: u8,
    pub what: u8,
    pub personal_data: bool,
    pub gender_desk: bool,
}

impl CaseAccessedV1 {
    pub fn from_domain(event: &CaseAccessed) -> Self {
        CaseAccessedV1 {
            complaint_id: uuid_bytes(event.complaint_id.as_uuid()),
            officer: uuid_bytes(event.officer.0),
            role: to_code(event.role),
            what: to_code(event.what),
            personal_data: event.personal_data,
            gender_desk: event.gender_desk,
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<CaseAccessed, CodecError> {
        Ok(CaseAccessed {
            complaint_id: ComplaintId::from_uuid(uuid_from(self.complaint_id)),
            officer: OfficerId(uuid_from(self.officer)),
            role: decoding.code(self.role)?,
            what: decoding.code(self.what)?,
            personal_data: self.personal_data,
            gender_desk: self.gender_desk,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasesAccessedV1 {
    pub officer: [u8; 16],
    pub role: u8,
    pub what: u8,
    pub cases: Vec<CaseReadV1>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseReadV1 {
    /// The kind of case (`CaseKind`'s frozen code).
    pub kind: u8,
    pub id: [u8; 16],
    pub personal_data: bool,
    pub gender_desk: bool,
}

impl CasesAccessedV1 {
    pub fn from_domain(event: &CasesAccessed) -> Self {
        CasesAccessedV1 {
            officer: uuid_bytes(event.officer.0),
            role: to_code(event.role),
            what: to_code(event.what),
            cases: event
                .cases
                .iter()
                .map(|read| CaseReadV1 {
                    kind: to_code(read.case.kind()),
                    id: uuid_bytes(read.case.uuid()),
                    personal_data: read.personal_data,
                    gender_desk: read.gender_desk,
                })
                .collect(),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<CasesAccessed, CodecError> {
        let cases = self
            .cases
            .into_iter()
            .map(|read| {
                Ok(CaseRead {
                    case: CaseRef::new(decoding.code(read.kind)?, uuid_from(read.id)),
                    personal_data: read.personal_data,
                    gender_desk: read.gender_desk,
                })
            })
            .collect::<Result<Vec<_>, CodecError>>()?;
        Ok(CasesAccessed {
            officer: OfficerId(uuid_from(self.officer)),
            role: decoding.code(self.role)?,
            what: decoding.code(self.what)?,
            cases,
        })
    }
}
