//! Version 4 of `ComplaintFiled`: FROZEN.
//!
//! Added over v3: how the complainant agreed, at filing, to be contacted
//! (SMS, a call only, not at all; or not asked) and the language to write in,
//! so messages about a case follow what the complainant chose then (for a
//! gender-desk case, the safe default is no message at all). Never edit this
//! struct; add a v5 instead.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::Decoding;
use super::v3::ComplaintFiledV3;
use super::CodecError;
use crate::complaint::ComplaintFiled;

/// Everything of v3, then the contact preference (`None`: not asked) and
/// the language, as frozen one-byte codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFiledV4 {
    pub filed: ComplaintFiledV3,
    pub contact: Option<u8>,
    pub language: u8,
}

impl ComplaintFiledV4 {
    pub fn from_domain(event: &ComplaintFiled) -> Self {
        ComplaintFiledV4 {
            filed: ComplaintFiledV3::from_domain(event),
            contact: event.contact.map(to_code),
            language: to_code(event.language),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintFiled, CodecError> {
        let mut filed = self.filed.into_domain(decoding)?;
        filed.contact = match self.contact {
            Some(code) => Some(decoding.code(code)?),
            None => None,
        };
        filed.language = decoding.code(self.language)?;
        Ok(filed)
    }
}
