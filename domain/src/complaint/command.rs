//! What may be asked of a complaint.

use serde::{Deserialize, Serialize};

use crate::calendar::WorkingCalendar;
use crate::catalogue::Category;
use crate::time::Timestamp;
use crate::values::{
    Channel, Cnic, ComplaintId, ContactPreference, Deadline, Description, Gender, Language,
    MarkazCode, Outcome, PersonName, Phone, Rating, ReferralKind, ShortText, TrackingCode,
};

use super::state::DeadlineStep;

/// A command on this aggregate (see `Command`).
pub type ComplaintCommand = crate::decider::Command<ComplaintAction>;

// Filing carries the whole complaint and the rest a note; boxing it would
// complicate every construction and match for a few hundred bytes per value.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComplaintAction {
    File(FileComplaint),
    Acknowledge {
        note: Option<ShortText>,
    },
    Refer {
        to: ShortText,
        kind: ReferralKind,
        reason: ShortText,
    },
    Resolve {
        outcome: Outcome,
        summary: ShortText,
    },
    /// `window_days` comes from configuration (default 30): how long after
    /// resolution a complaint may be reopened.
    Reopen {
        reason: ShortText,
        window_days: u32,
    },
    Rate {
        stars: Rating,
        comment: Option<ShortText>,
    },
    Withdraw {
        reason: ShortText,
    },
    /// A step of a deadline's escalation, sent by the escalation process
    /// (actor `system`) with the step's true time as the command's time.
    Deadline(DeadlineAction),
}

/// One step of a deadline's escalation: which deadline, when it falls due
/// (it must be the case's own), which step and the rule that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineAction {
    pub deadline: Deadline,
    pub due_at: Timestamp,
    pub step: DeadlineStep,
    pub rule: ShortText,
}

impl ComplaintAction {
    /// A stable name for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            ComplaintAction::File(_) => "file",
            ComplaintAction::Acknowledge { .. } => "acknowledge",
            ComplaintAction::Refer { .. } => "refer",
            ComplaintAction::Resolve { .. } => "resolve",
            ComplaintAction::Reopen { .. } => "reopen",
            ComplaintAction::Rate { .. } => "rate",
            ComplaintAction::Withdraw { .. } => "withdraw",
            ComplaintAction::Deadline(_) => "record a deadline step on",
        }
    }
}

/// The person who complains. Personal data: shown only to roles that need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complainant {
    pub name: PersonName,
    pub gender: Gender,
    pub phone: Phone,
    pub cnic: Option<Cnic>,
    pub address: Option<ShortText>,
}

/// A new complaint, with its ids already chosen by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileComplaint {
    pub complaint_id: ComplaintId,
    pub tracking_code: TrackingCode,
    pub markaz: MarkazCode,
    /// The catalogue entry in force: its deadlines are copied into the event.
    pub category: Category,
    /// The working calendar in force, which working-day deadlines are
    /// counted on (and which the event records).
    pub calendar: WorkingCalendar,
    pub complainant: Complainant,
    pub description: Description,
    pub location: Option<ShortText>,
    pub channel: Channel,
    pub gender_desk_requested: bool,
    /// How the complainant agreed to be contacted; `None` if not asked (see
    /// `ComplaintFiled::contact`).
    pub contact: Option<ContactPreference>,
    pub language: Language,
}
