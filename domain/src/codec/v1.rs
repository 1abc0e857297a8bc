//! Version 1 of every event type: FROZEN.
//!
//! postcard has no field names, so the order and types of these fields ARE
//! the stored format. Never edit a struct here; add a new version instead
//! (see `v2.rs`) and upcast the old one on decode. Only stable encodings are
//! used: strings for validated text, `[u8; 16]` for ids, `i64` microseconds
//! for time, `u8` codes for enums (see `enums.rs`).
//!
//! Decoding trusts what was stored: texts, phones, codes and ratings are
//! taken back with their `from_stored` constructors, never re-parsed, because
//! validation belongs to the commands that wrote them. A rule tightened later
//! (a shorter text, a stricter phone format) therefore never makes history
//! unreadable. Only what this build cannot interpret at all (an unknown enum
//! code, a malformed payload) is refused.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::{uuid_bytes, uuid_from, Decoding};
use super::CodecError;
use crate::complaint::{
    Complainant, ComplaintAcknowledged, ComplaintFiled, ComplaintRated, ComplaintReferred,
    ComplaintReopened, ComplaintResolved, ComplaintWithdrawn, GenderDeskReasons,
};
use crate::metadata::OfficerId;
use crate::officer::{OfficerRegistered, OfficerRevoked};
use crate::time::Timestamp;
use crate::values::{
    CategoryCode, Cnic, ComplaintId, Description, Gender, Language, MarkazCode, PersonName, Phone,
    Rating, ShortText, TrackingCode,
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
            name: PersonName::from_stored(self.name),
            gender: decoding.code(self.gender)?,
            phone: Phone::from_stored(self.phone),
            cnic: self.cnic.map(Cnic::from_stored),
            address: self.address.map(ShortText::from_stored),
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
        _decoding: Decoding,
    ) -> Result<ComplaintAcknowledged, CodecError> {
        Ok(ComplaintAcknowledged {
            note: self.note.map(ShortText::from_stored),
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
            to: ShortText::from_stored(self.to),
            kind: decoding.code(self.kind)?,
            reason: ShortText::from_stored(self.reason),
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
            summary: ShortText::from_stored(self.summary),
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

    pub(crate) fn into_domain(self, _decoding: Decoding) -> Result<ComplaintRated, CodecError> {
        Ok(ComplaintRated {
            stars: Rating::from_stored(self.stars),
            comment: self.comment.map(ShortText::from_stored),
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

    pub(crate) fn into_domain(self, _decoding: Decoding) -> Result<ComplaintReopened, CodecError> {
        Ok(ComplaintReopened {
            reason: ShortText::from_stored(self.reason),
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

    pub(crate) fn into_domain(self, _decoding: Decoding) -> Result<ComplaintWithdrawn, CodecError> {
        Ok(ComplaintWithdrawn {
            reason: ShortText::from_stored(self.reason),
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
            name: PersonName::from_stored(self.name),
            role: decoding.code(self.role)?,
            markaz: self.markaz.map(MarkazCode::from_stored),
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

    pub(crate) fn into_domain(self, _decoding: Decoding) -> Result<OfficerRevoked, CodecError> {
        Ok(OfficerRevoked {
            reason: self.reason.map(ShortText::from_stored),
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
    /// from `V1_CATEGORIES`, the catalogue in force when v1 was written
    /// (false for a category it did not have), never from the catalogue of
    /// today or of this deployment; the gender reason from the complainant's
    /// gender. Whether the complainant had asked for the gender desk was not
    /// recorded, so `requested` is false.
    pub(crate) fn upcast(self, decoding: Decoding) -> Result<ComplaintFiled, CodecError> {
        let category = CategoryCode::from_stored(self.category);
        let complainant = self.complainant.into_domain(decoding)?;
        let entry = v1_category(category.as_str());
        let gender_desk_reasons = GenderDeskReasons {
            requested: false,
            complainant_gender: matches!(complainant.gender, Gender::Female | Gender::Transgender),
            sensitive_category: entry.is_some_and(|c| c.gender_sensitive),
        };
        Ok(ComplaintFiled {
            complaint_id: ComplaintId::from_uuid(uuid_from(self.complaint_id)),
            tracking_code: TrackingCode::from_stored(self.tracking_code),
            markaz: MarkazCode::from_stored(self.markaz),
            category,
            complainant,
            description: Description::from_stored(self.description),
            location: self.location.map(ShortText::from_stored),
            channel: decoding.code(self.channel)?,
            gender_desk: self.gender_desk,
            gender_desk_reasons,
            acknowledge_by: Timestamp::from_micros(self.acknowledge_by),
            resolve_by: Timestamp::from_micros(self.resolve_by),
            non_cognizable: entry.is_some_and(|c| c.non_cognizable),
            // Before the working calendar: the deadlines were clock hours.
            deadline_terms: None,
            // Not asked before v4; messages in Urdu.
            contact: None,
            language: Language::Urdu,
        })
    }
}

/// How the catalogue of the first release classified a category: what a v1
/// filing meant when it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V1Category {
    pub code: &'static str,
    pub non_cognizable: bool,
    pub gender_sensitive: bool,
}

/// The built-in categories as they stood while `ComplaintFiled` v1 was
/// written: FROZEN. The v1 upcast reads this table, not `Catalogue`, so that
/// editing the built-in catalogue or running with a `--catalogue` of one's
/// own never changes what old events mean. (v1 was written only with the
/// built-in catalogue: v2 came before catalogue files could be given.)
pub const V1_CATEGORIES: &[V1Category] = &[
    v1("harassment", true, true),
    v1("domestic_violence", false, true),
    v1("threats_intimidation", true, false),
    v1("theft_report", false, false),
    v1("lost_documents", true, false),
    v1("fraud_cheating", true, false),
    v1("property_dispute", true, false),
    v1("nuisance", true, false),
    v1("police_misconduct", true, false),
    v1("other", true, false),
];

const fn v1(code: &'static str, non_cognizable: bool, gender_sensitive: bool) -> V1Category {
    V1Category {
        code,
        non_cognizable,
        gender_sensitive,
    }
}

fn v1_category(code: &str) -> Option<&'static V1Category> {
    V1_CATEGORIES.iter().find(|entry| entry.code == code)
}
