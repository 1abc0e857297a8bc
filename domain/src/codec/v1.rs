//! Version 1 of every event type: FROZEN.
//!
//! postcard has no field names, so the order and types of these fields ARE
//! the stored format. Never edit a struct here; add a new version instead
//! (see `v2.rs`) and upcast the old one on decode. Only stable encodings are
//! used: strings for validated text (re-validated on decode), `[u8; 16]` for
//! ids, `i64` microseconds for time, `u8` codes for enums (see `enums.rs`).

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::{uuid_bytes, uuid_from, Decoding};
use super::CodecError;
use crate::catalogue::Catalogue;
use crate::complaint::{
    Complainant, ComplaintAcknowledged, ComplaintFiled, ComplaintRated, ComplaintReferred,
    ComplaintReopened, ComplaintResolved, ComplaintWithdrawn, GenderDeskReasons,
};
use crate::metadata::OfficerId;
use crate::officer::{OfficerRegistered, OfficerRevoked};
use crate::time::Timestamp;
use crate::values::{
    CategoryCode, Cnic, ComplaintId, Description, Gender, MarkazCode, PersonName, Phone, Rating,
    ShortText, TrackingCode,
};

/// The complainant as stored in `ComplaintFiled` v1 and v2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplainantV1 {
    pub name: String,
    pub gender: u8,
    pub phone: String,
    pub cnic: Option<String>,
    pub address: Option<String>,
}

impl ComplainantV1 {
    pub fn from_domain(complainant: &Complainant) -> Self {
        ComplainantV1 {
            name: complainant.name.as_str().to_owned(),
            gender: to_code(complainant.gender),
            phone: complainant.phone.as_str().to_owned(),
            cnic: complainant.cnic.as_ref().map(|c| c.digits().to_owned()),
            address: complainant.address.as_ref().map(|a| a.as_str().to_owned()),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<Complainant, CodecError> {
        Ok(Complainant {
            name: decoding.value(PersonName::parse, &self.name)?,
            gender: decoding.code(self.gender)?,
            phone: decoding.value(Phone::parse, &self.phone)?,
            cnic: decoding.optional(Cnic::parse, &self.cnic)?,
            address: decoding.optional(ShortText::parse, &self.address)?,
        })
    }
}

/// `ComplaintFiled` as the first release wrote it: without `non_cognizable`
/// and without the gender-desk reasons. Upcast on decode (see `registry.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFiledV1 {
    pub complaint_id: [u8; 16],
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub complainant: ComplainantV1,
    pub description: String,
    pub location: Option<String>,
    pub channel: u8,
    pub gender_desk: bool,
    pub acknowledge_by: i64,
    pub resolve_by: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintAcknowledgedV1 {
    pub note: Option<String>,
}

impl ComplaintAcknowledgedV1 {
    pub fn from_domain(event: &ComplaintAcknowledged) -> Self {
        ComplaintAcknowledgedV1 {
            note: event.note.as_ref().map(|n| n.as_str().to_owned()),
        }
    }

    pub(crate) fn into_domain(
        self,
        decoding: Decoding,
    ) -> Result<ComplaintAcknowledged, CodecError> {
        Ok(ComplaintAcknowledged {
            note: decoding.optional(ShortText::parse, &self.note)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintReferredV1 {
    pub to: String,
    pub kind: u8,
    pub reason: String,
}

impl ComplaintReferredV1 {
    pub fn from_domain(event: &ComplaintReferred) -> Self {
        ComplaintReferredV1 {
            to: event.to.as_str().to_owned(),
            kind: to_code(event.kind),
            reason: event.reason.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintReferred, CodecError> {
        Ok(ComplaintReferred {
            to: decoding.value(ShortText::parse, &self.to)?,
            kind: decoding.code(self.kind)?,
            reason: decoding.value(ShortText::parse, &self.reason)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintResolvedV1 {
    pub outcome: u8,
    pub summary: String,
}

impl ComplaintResolvedV1 {
    pub fn from_domain(event: &ComplaintResolved) -> Self {
        ComplaintResolvedV1 {
            outcome: to_code(event.outcome),
            summary: event.summary.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintResolved, CodecError> {
        Ok(ComplaintResolved {
            outcome: decoding.code(self.outcome)?,
            summary: decoding.value(ShortText::parse, &self.summary)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintRatedV1 {
    pub stars: u8,
    pub comment: Option<String>,
}

impl ComplaintRatedV1 {
    pub fn from_domain(event: &ComplaintRated) -> Self {
        ComplaintRatedV1 {
            stars: event.stars.stars(),
            comment: event.comment.as_ref().map(|c| c.as_str().to_owned()),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintRated, CodecError> {
        let stars = Rating::new(self.stars).map_err(|source| CodecError::InvalidValue {
            event_type: decoding.event_type,
            version: decoding.version,
            source,
        })?;
        Ok(ComplaintRated {
            stars,
            comment: decoding.optional(ShortText::parse, &self.comment)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintReopenedV1 {
    pub reason: String,
}

impl ComplaintReopenedV1 {
    pub fn from_domain(event: &ComplaintReopened) -> Self {
        ComplaintReopenedV1 {
            reason: event.reason.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintReopened, CodecError> {
        Ok(ComplaintReopened {
            reason: decoding.value(ShortText::parse, &self.reason)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintWithdrawnV1 {
    pub reason: String,
}

impl ComplaintWithdrawnV1 {
    pub fn from_domain(event: &ComplaintWithdrawn) -> Self {
        ComplaintWithdrawnV1 {
            reason: event.reason.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintWithdrawn, CodecError> {
        Ok(ComplaintWithdrawn {
            reason: decoding.value(ShortText::parse, &self.reason)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRegisteredV1 {
    pub officer_id: [u8; 16],
    pub name: String,
    pub role: u8,
    pub markaz: Option<String>,
    pub token_hash: [u8; 32],
}

impl OfficerRegisteredV1 {
    pub fn from_domain(event: &OfficerRegistered) -> Self {
        OfficerRegisteredV1 {
            officer_id: uuid_bytes(event.officer_id.0),
            name: event.name.as_str().to_owned(),
            role: to_code(event.role),
            markaz: event.markaz.as_ref().map(|m| m.as_str().to_owned()),
            token_hash: event.token_hash,
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<OfficerRegistered, CodecError> {
        Ok(OfficerRegistered {
            officer_id: OfficerId(uuid_from(self.officer_id)),
            name: decoding.value(PersonName::parse, &self.name)?,
            role: decoding.code(self.role)?,
            markaz: decoding.optional(MarkazCode::parse, &self.markaz)?,
            token_hash: self.token_hash,
            // Version 1 had no expiry: such tokens do not expire.
            expires_at: None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRevokedV1 {
    pub reason: Option<String>,
}

impl OfficerRevokedV1 {
    pub fn from_domain(event: &OfficerRevoked) -> Self {
        OfficerRevokedV1 {
            reason: event.reason.as_ref().map(|r| r.as_str().to_owned()),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<OfficerRevoked, CodecError> {
        Ok(OfficerRevoked {
            reason: decoding.optional(ShortText::parse, &self.reason)?,
        })
    }
}

impl ComplaintFiledV1 {
    /// What the first release would have written for `event` (the fields it
    /// did not have are dropped). Kept to build test payloads of the old
    /// version; the codec itself always writes the latest version.
    pub fn from_domain(event: &ComplaintFiled) -> Self {
        ComplaintFiledV1 {
            complaint_id: uuid_bytes(event.complaint_id.as_uuid()),
            tracking_code: event.tracking_code.as_str().to_owned(),
            markaz: event.markaz.as_str().to_owned(),
            category: event.category.as_str().to_owned(),
            complainant: ComplainantV1::from_domain(&event.complainant),
            description: event.description.as_str().to_owned(),
            location: event.location.as_ref().map(|l| l.as_str().to_owned()),
            channel: to_code(event.channel),
            gender_desk: event.gender_desk,
            acknowledge_by: event.acknowledge_by.as_micros(),
            resolve_by: event.resolve_by.as_micros(),
        }
    }

    /// Upcasts to the current event. The fields v1 lacked are reconstructed
    /// from what it has: `non_cognizable` and the sensitive-category reason
    /// from the default catalogue (false for a category it does not know), the
    /// gender reason from the complainant's gender. Whether the complainant had
    /// asked for the gender desk was not recorded, so `requested` is false.
    pub(crate) fn upcast(self, decoding: Decoding) -> Result<ComplaintFiled, CodecError> {
        let category = decoding.value(CategoryCode::parse, &self.category)?;
        let complainant = self.complainant.into_domain(decoding)?;
        let entry = Catalogue::default().get(&category).cloned();
        let gender_desk_reasons = GenderDeskReasons {
            requested: false,
            complainant_gender: matches!(complainant.gender, Gender::Female | Gender::Transgender),
            sensitive_category: entry.as_ref().is_some_and(|c| c.gender_sensitive),
        };
        Ok(ComplaintFiled {
            complaint_id: ComplaintId::from_uuid(uuid_from(self.complaint_id)),
            tracking_code: decoding.value(TrackingCode::parse, &self.tracking_code)?,
            markaz: decoding.value(MarkazCode::parse, &self.markaz)?,
            category,
            complainant,
            description: decoding.value(Description::parse, &self.description)?,
            location: decoding.optional(ShortText::parse, &self.location)?,
            channel: decoding.code(self.channel)?,
            gender_desk: self.gender_desk,
            gender_desk_reasons,
            acknowledge_by: Timestamp::from_micros(self.acknowledge_by),
            resolve_by: Timestamp::from_micros(self.resolve_by),
            non_cognizable: entry.is_some_and(|c| c.non_cognizable),
        })
    }
}
