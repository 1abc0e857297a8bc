//! Version 1 of the deadline events (`DeadlineReminder`, `DeadlineMissed`,
//! `CaseEscalated`): FROZEN. Never edit these structs; add a new version.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::Decoding;
use super::CodecError;
use crate::complaint::{CaseEscalated, DeadlineMissed, DeadlineReminder};
use crate::time::Timestamp;
use crate::values::ShortText;

/// The fields a reminder and a missed deadline share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineStepV1 {
    pub deadline: u8,
    pub due_at: i64,
    pub scheduled_at: i64,
    pub rule: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEscalatedV1 {
    pub deadline: u8,
    pub due_at: i64,
    pub scheduled_at: i64,
    pub level: u8,
    pub rule: String,
}

impl DeadlineStepV1 {
    pub fn from_reminder(event: &DeadlineReminder) -> Self {
        DeadlineStepV1 {
            deadline: to_code(event.deadline),
            due_at: event.due_at.as_micros(),
            scheduled_at: event.scheduled_at.as_micros(),
            rule: event.rule.as_str().to_owned(),
        }
    }

    pub fn from_missed(event: &DeadlineMissed) -> Self {
        DeadlineStepV1 {
            deadline: to_code(event.deadline),
            due_at: event.due_at.as_micros(),
            scheduled_at: event.scheduled_at.as_micros(),
            rule: event.rule.as_str().to_owned(),
        }
    }

    pub(crate) fn into_reminder(self, decoding: Decoding) -> Result<DeadlineReminder, CodecError> {
        Ok(DeadlineReminder {
            deadline: decoding.code(self.deadline)?,
            due_at: Timestamp::from_micros(self.due_at),
            scheduled_at: Timestamp::from_micros(self.scheduled_at),
            rule: ShortText::from_stored(self.rule),
        })
    }

    pub(crate) fn into_missed(self, decoding: Decoding) -> Result<DeadlineMissed, CodecError> {
        Ok(DeadlineMissed {
            deadline: decoding.code(self.deadline)?,
            due_at: Timestamp::from_micros(self.due_at),
            scheduled_at: Timestamp::from_micros(self.scheduled_at),
            rule: ShortText::from_stored(self.rule),
        })
    }
}

impl CaseEscalatedV1 {
    pub fn from_domain(event: &CaseEscalated) -> Self {
        CaseEscalatedV1 {
            deadline: to_code(event.deadline),
            due_at: event.due_at.as_micros(),
            scheduled_at: event.scheduled_at.as_micros(),
            level: to_code(event.level),
            rule: event.rule.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<CaseEscalated, CodecError> {
        Ok(CaseEscalated {
            deadline: decoding.code(self.deadline)?,
            due_at: Timestamp::from_micros(self.due_at),
            scheduled_at: Timestamp::from_micros(self.scheduled_at),
            level: decoding.code(self.level)?,
            rule: ShortText::from_stored(self.rule),
        })
    }
}
