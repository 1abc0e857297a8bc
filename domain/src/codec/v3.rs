//! Version 3 of `ComplaintFiled`: FROZEN.
//!
//! Added over v2: how the two deadlines were measured (clock hours or working
//! days) and the working calendar they were counted on (time zone, working
//! week, the holidays between the filing and its last deadline), so a later
//! change of the calendar never rewrites an old case's promise. Never edit
//! this struct; add a v4 instead.

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::frozen::Decoding;
use super::v2::ComplaintFiledV2;
use super::CodecError;
use crate::calendar::{DeadlineRule, DeadlineTerms, RecordedCalendar};
use crate::complaint::ComplaintFiled;

/// A deadline rule: `unit` 0 is clock hours, 1 working days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRuleV3 {
    pub unit: u8,
    pub amount: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCalendarV3 {
    /// An IANA zone name, e.g. `Asia/Karachi`.
    pub time_zone: String,
    /// Bit `n` set: the `n`th day of the week (Monday is 0) is a working day.
    pub working_week: u8,
    /// Holidays as `YYYY-MM-DD`, in order.
    pub holidays: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineTermsV3 {
    pub acknowledge: DeadlineRuleV3,
    pub resolve: DeadlineRuleV3,
    pub calendar: RecordedCalendarV3,
}

/// Everything of v2, then the deadline terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFiledV3 {
    pub filed: ComplaintFiledV2,
    pub deadline_terms: Option<DeadlineTermsV3>,
}

impl DeadlineRuleV3 {
    fn from_domain(rule: DeadlineRule) -> Self {
        match rule {
            DeadlineRule::Hours(amount) => DeadlineRuleV3 { unit: 0, amount },
            DeadlineRule::WorkingDays(amount) => DeadlineRuleV3 { unit: 1, amount },
        }
    }

    fn into_domain(self, decoding: Decoding) -> Result<DeadlineRule, CodecError> {
        match self.unit {
            0 => Ok(DeadlineRule::Hours(self.amount)),
            1 => Ok(DeadlineRule::WorkingDays(self.amount)),
            code => Err(CodecError::UnknownEnumCode {
                event_type: decoding.event_type,
                version: decoding.version,
                field: "deadline unit",
                code,
            }),
        }
    }
}

impl ComplaintFiledV3 {
    pub fn from_domain(event: &ComplaintFiled) -> Self {
        ComplaintFiledV3 {
            filed: ComplaintFiledV2::from_domain(event),
            deadline_terms: event.deadline_terms.as_ref().map(|terms| DeadlineTermsV3 {
                acknowledge: DeadlineRuleV3::from_domain(terms.acknowledge),
                resolve: DeadlineRuleV3::from_domain(terms.resolve),
                calendar: RecordedCalendarV3 {
                    time_zone: terms.calendar.time_zone.clone(),
                    working_week: terms
                        .calendar
                        .working_days
                        .iter()
                        .fold(0, |mask, day| mask | 1 << day.num_days_from_monday()),
                    holidays: terms
                        .calendar
                        .holidays
                        .iter()
                        .map(|day| day.format("%Y-%m-%d").to_string())
                        .collect(),
                },
            }),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ComplaintFiled, CodecError> {
        let mut filed = self.filed.into_domain(decoding)?;
        filed.deadline_terms = match self.deadline_terms {
            None => None,
            Some(terms) => Some(DeadlineTerms {
                acknowledge: terms.acknowledge.into_domain(decoding)?,
                resolve: terms.resolve.into_domain(decoding)?,
                calendar: RecordedCalendar {
                    time_zone: terms.calendar.time_zone,
                    working_days: (0..7u8)
                        .filter(|day| terms.calendar.working_week & (1 << day) != 0)
                        .filter_map(|day| Weekday::try_from(day).ok())
                        .collect(),
                    holidays: terms
                        .calendar
                        .holidays
                        .iter()
                        .map(|text| {
                            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|error| {
                                CodecError::Malformed {
                                    event_type: decoding.event_type,
                                    version: decoding.version,
                                    reason: format!("holiday `{text}`: {error}"),
                                }
                            })
                        })
                        .collect::<Result<_, _>>()?,
                },
            }),
        };
        Ok(filed)
    }
}
