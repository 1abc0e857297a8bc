//! Version 1 of the notification events: FROZEN. Never edit these structs;
//! add a new version.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::{uuid_bytes, uuid_from, Decoding};
use super::CodecError;
use crate::notification::{NotificationFailed, NotificationQueued, NotificationSent};
use crate::time::Timestamp;
use crate::values::{ComplaintId, Phone};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationQueuedV1 {
    pub complaint_id: [u8; 16],
    pub cause: [u8; 16],
    pub template: String,
    pub language: u8,
    pub to: String,
    pub text: String,
    pub parts: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSentV1 {
    pub attempt: u32,
    pub gateway: String,
    pub answer: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationFailedV1 {
    pub attempt: u32,
    pub gateway: String,
    pub answer: String,
    pub retry_at: Option<i64>,
}

/// `NotificationRetried` carries nothing: who and when are in the metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRetriedV1 {}

impl NotificationQueuedV1 {
    pub fn from_domain(event: &NotificationQueued) -> Self {
        NotificationQueuedV1 {
            complaint_id: uuid_bytes(event.complaint_id.as_uuid()),
            cause: uuid_bytes(event.cause),
            template: event.template.clone(),
            language: to_code(event.language),
            to: event.to.as_str().to_owned(),
            text: event.text.clone(),
            parts: event.parts,
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<NotificationQueued, CodecError> {
        Ok(NotificationQueued {
            complaint_id: ComplaintId::from_uuid(uuid_from(self.complaint_id)),
            cause: uuid_from(self.cause),
            template: self.template,
            language: decoding.code(self.language)?,
            to: Phone::from_stored(self.to),
            text: self.text,
            parts: self.parts,
        })
    }
}

impl NotificationSentV1 {
    pub fn from_domain(event: &NotificationSent) -> Self {
        NotificationSentV1 {
            attempt: event.attempt,
            gateway: event.gateway.clone(),
            answer: event.answer.clone(),
        }
    }

    pub(crate) fn into_domain(self) -> NotificationSent {
        NotificationSent {
            attempt: self.attempt,
            gateway: self.gateway,
            answer: self.answer,
        }
    }
}

impl NotificationFailedV1 {
    pub fn from_domain(event: &NotificationFailed) -> Self {
        NotificationFailedV1 {
            attempt: event.attempt,
            gateway: event.gateway.clone(),
            answer: event.answer.clone(),
            retry_at: event.retry_at.map(Timestamp::as_micros),
        }
    }

    pub(crate) fn into_domain(self) -> NotificationFailed {
        NotificationFailed {
            attempt: self.attempt,
            gateway: self.gateway,
            answer: self.answer,
            retry_at: self.retry_at.map(Timestamp::from_micros),
        }
    }
}
