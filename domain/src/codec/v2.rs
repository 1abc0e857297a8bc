//! Version 2 of `ComplaintFiled`: FROZEN.
//!
//! Added over v1: the reasons for the gender-desk decision (so reports can
//! say why a case went there) and `non_cognizable` (so the catalogue entry's
//! classification at filing time is part of history). Never edit this struct;
//! add a v3 instead.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::{uuid_bytes, uuid_from, Decoding};
use super::v1::ComplainantV1;
use super::CodecError;
use crate::complaint::{ComplaintFiled, GenderDeskReasons};
use crate::time::Timestamp;
use crate::values::{
    CategoryCode, ComplaintId, Description, Language, MarkazCode, ShortText, TrackingCode,
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenderDeskReasonsV2 {
    pub requested: bool,
    pub complainant_gender: bool,
    pub sensitive_category: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFiledV2 {
    pub complaint_id: [u8; 16],
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub complainant: ComplainantV1,
    pub description: String,
    pub location: Option<String>,
    pub channel: u8,
    pub gender_desk: bool,
    pub gender_desk_reasons: GenderDeskReasonsV2,
    pub acknowledge_by: i64,
    pub resolve_by: i64,
    pub non_cognizable: bool,
}

impl ComplaintFiledV2 {
    pub fn from_domain(event: &ComplaintFiled) -> Self {
        let reasons = event.gender_desk_reasons;
        ComplaintFiledV2 {
            complaint_id: uuid_bytes(event.complaint_id.as_uuid()),
            tracking_code: event.tracking_code.as_str().to_owned(),
            markaz: event.markaz.as_str().to_owned(),
            category: event.category.as_str().to_owned(),
            complainant: ComplainantV1::from_domain(&event.complainant),
            description: event.description.as_str().to_owned(),
            location: event.location.as_ref().map(|l| l.as_str().to_owned()),
            channel: to_code(event.channel),
            gender_desk: event.gender_desk,
            gender_desk_reasons: GenderDeskReasonsV2 {
                requested: reasons.requested,
                complainant_gender: reasons.complainant_gender,
                sensitive_category: reasons.sensitive_category,
            },
            acknowledge_by: event.acknowledge_by.as_micros(),
            resolve_by: event.resolve_by.as_micros(),
            non_cognizable: event.non_cognizable,
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintFiled, CodecError> {
        let reasons = self.gender_desk_reasons;
        Ok(ComplaintFiled {
            complaint_id: ComplaintId::from_uuid(uuid_from(self.complaint_id)),
            tracking_code: TrackingCode::from_stored(self.tracking_code),
            markaz: MarkazCode::from_stored(self.markaz),
            category: CategoryCode::from_stored(self.category),
            complainant: self.complainant.into_domain(decoding)?,
            description: Description::from_stored(self.description),
            location: self.location.map(ShortText::from_stored),
            channel: decoding.code(self.channel)?,
            gender_desk: self.gender_desk,
            gender_desk_reasons: GenderDeskReasons {
                requested: reasons.requested,
                complainant_gender: reasons.complainant_gender,
                sensitive_category: reasons.sensitive_category,
            },
            acknowledge_by: Timestamp::from_micros(self.acknowledge_by),
            resolve_by: Timestamp::from_micros(self.resolve_by),
            non_cognizable: self.non_cognizable,
            // Before the working calendar: the deadlines were clock hours.
            deadline_terms: None,
            // Not asked before v4; messages in Urdu.
            contact: None,
            language: Language::Urdu,
        })
    }
}
