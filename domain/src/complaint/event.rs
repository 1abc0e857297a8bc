//! What happened to a complaint: the current shape of its events.
//!
//! Who acted and when is in the event metadata, not repeated here. The stored
//! encoding of each event lives in the codec, frozen per version.

use serde::{Deserialize, Serialize};

use crate::calendar::DeadlineTerms;
use crate::time::Timestamp;
use crate::values::{
    CategoryCode, Channel, ComplaintId, ContactPreference, Deadline, Description, EscalationLevel,
    Language, MarkazCode, Outcome, Rating, ReferralKind, ShortText, TrackingCode,
};

use super::command::Complainant;

// Filing carries the whole complaint and the rest a note; boxing it would
// complicate every construction and match for a few hundred bytes per value.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComplaintEvent {
    Filed(ComplaintFiled),
    Acknowledged(ComplaintAcknowledged),
    Referred(ComplaintReferred),
    Resolved(ComplaintResolved),
    Rated(ComplaintRated),
    Reopened(ComplaintReopened),
    Withdrawn(ComplaintWithdrawn),
    /// A deadline is near and the case has not met it.
    DeadlineReminder(DeadlineReminder),
    DeadlineMissed(DeadlineMissed),
    /// A missed deadline went up a level after its grace period.
    Escalated(CaseEscalated),
}

impl ComplaintEvent {
    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ComplaintEvent::Filed(_) => "ComplaintFiled",
            ComplaintEvent::Acknowledged(_) => "ComplaintAcknowledged",
            ComplaintEvent::Referred(_) => "ComplaintReferred",
            ComplaintEvent::Resolved(_) => "ComplaintResolved",
            ComplaintEvent::Rated(_) => "ComplaintRated",
            ComplaintEvent::Reopened(_) => "ComplaintReopened",
            ComplaintEvent::Withdrawn(_) => "ComplaintWithdrawn",
            ComplaintEvent::DeadlineReminder(_) => "DeadlineReminder",
            ComplaintEvent::DeadlineMissed(_) => "DeadlineMissed",
            ComplaintEvent::Escalated(_) => "CaseEscalated",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintFiled {
    pub complaint_id: ComplaintId,
    pub tracking_code: TrackingCode,
    pub markaz: MarkazCode,
    pub category: CategoryCode,
    pub complainant: Complainant,
    pub description: Description,
    pub location: Option<ShortText>,
    pub channel: Channel,
    /// Whether the case goes to the gender desk; `gender_desk_reasons` says why.
    pub gender_desk: bool,
    pub gender_desk_reasons: GenderDeskReasons,
    /// SLA deadlines computed from the catalogue in force at filing.
    pub acknowledge_by: Timestamp,
    pub resolve_by: Timestamp,
    pub non_cognizable: bool,
    /// How the deadlines were measured and the calendar they were counted
    /// on; `None` for filings recorded before the working calendar (their
    /// deadlines were clock hours).
    pub deadline_terms: Option<DeadlineTerms>,
    /// How the complainant agreed to be contacted, as chosen at filing;
    /// `None` when not asked (filings before v4 too). A gender-desk case is
    /// written to only if `Some(Sms)` was chosen.
    pub contact: Option<ContactPreference>,
    /// The language messages are written in.
    pub language: Language,
}

/// Why a case went (or did not go) to the gender desk. Any reason suffices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenderDeskReasons {
    /// The complainant asked for it.
    pub requested: bool,
    /// The complainant is female or transgender.
    pub complainant_gender: bool,
    /// The category is gender-sensitive.
    pub sensitive_category: bool,
}

impl GenderDeskReasons {
    pub fn any(&self) -> bool {
        self.requested || self.complainant_gender || self.sensitive_category
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintAcknowledged {
    pub note: Option<ShortText>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintReferred {
    pub to: ShortText,
    pub kind: ReferralKind,
    pub reason: ShortText,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintResolved {
    pub outcome: Outcome,
    pub summary: ShortText,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintRated {
    pub stars: Rating,
    pub comment: Option<ShortText>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintReopened {
    pub reason: ShortText,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintWithdrawn {
    pub reason: ShortText,
}

/// A reminder that a deadline is near: recorded by the escalation process at
/// `scheduled_at` (its true time, even when recorded late after a stop).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineReminder {
    pub deadline: Deadline,
    pub due_at: Timestamp,
    pub scheduled_at: Timestamp,
    /// The rule that fired, in words (e.g. "at 75% of the time to the deadline").
    pub rule: ShortText,
}

/// A deadline passed without the action it asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineMissed {
    pub deadline: Deadline,
    pub due_at: Timestamp,
    pub scheduled_at: Timestamp,
    pub rule: ShortText,
}

/// A case that missed a deadline, escalated to the next level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEscalated {
    pub deadline: Deadline,
    pub due_at: Timestamp,
    pub scheduled_at: Timestamp,
    pub level: EscalationLevel,
    pub rule: ShortText,
}
