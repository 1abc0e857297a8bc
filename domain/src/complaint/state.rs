//! A complaint as it stands after folding its events.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::values::{
    CategoryCode, ComplaintId, Deadline, EscalationLevel, MarkazCode, ShortText, TrackingCode,
};

/// Where a complaint is in its lifecycle. Rating and reopening are events,
/// not statuses: a rated complaint stays resolved, a reopened one is
/// acknowledged again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Filed,
    Acknowledged,
    Referred,
    Resolved,
    Withdrawn,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 5] = [
        ComplaintStatus::Filed,
        ComplaintStatus::Acknowledged,
        ComplaintStatus::Referred,
        ComplaintStatus::Resolved,
        ComplaintStatus::Withdrawn,
    ];

    /// The name used in the API and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Filed => "filed",
            ComplaintStatus::Acknowledged => "acknowledged",
            ComplaintStatus::Referred => "referred",
            ComplaintStatus::Resolved => "resolved",
            ComplaintStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(name: &str) -> Option<ComplaintStatus> {
        ComplaintStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
    }

    /// Whether the complaint still needs work from the centre.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ComplaintStatus::Filed | ComplaintStatus::Acknowledged | ComplaintStatus::Referred
        )
    }
}

impl std::fmt::Display for ComplaintStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decision-relevant state of one complaint. `Default` is "not filed".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComplaintState {
    /// `None` until the complaint is filed.
    pub status: Option<ComplaintStatus>,
    pub id: Option<ComplaintId>,
    pub tracking_code: Option<TrackingCode>,
    pub markaz: Option<MarkazCode>,
    pub category: Option<CategoryCode>,
    pub gender_desk: bool,
    pub filed_at: Option<Timestamp>,
    /// When it was last resolved (cleared on reopen).
    pub resolved_at: Option<Timestamp>,
    pub rated: bool,
    pub reopen_count: u32,
    /// Number of events folded: the stream's version.
    pub version: u64,
    /// Where the case was last referred to, if anywhere.
    pub current_unit: Option<ShortText>,
    /// The deadlines recorded at filing.
    pub acknowledge_by: Option<Timestamp>,
    pub resolve_by: Option<Timestamp>,
    /// When the case first left `filed` (acknowledged, referred, resolved
    /// or withdrawn): the moment its deadline to acknowledge was met.
    pub acknowledged_at: Option<Timestamp>,
    /// When the case was first resolved or withdrawn: the moment its
    /// deadline to resolve was met (a reopening does not move the deadline).
    pub closed_at: Option<Timestamp>,
    /// The deadline steps recorded so far, each at most once.
    pub deadline_steps: Vec<(Deadline, DeadlineStep)>,
    /// The highest level the case has been escalated to.
    pub escalated_to: Option<EscalationLevel>,
}

/// One step of the escalation of a deadline, in the order they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStep {
    Reminder,
    Missed,
    Escalated(EscalationLevel),
}

impl DeadlineStep {
    /// A stable name for ids, logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineStep::Reminder => "reminder",
            DeadlineStep::Missed => "missed",
            DeadlineStep::Escalated(EscalationLevel::Supervisor) => "escalated_supervisor",
            DeadlineStep::Escalated(EscalationLevel::District) => "escalated_district",
        }
    }
}

impl ComplaintState {
    pub fn is_filed(&self) -> bool {
        self.status.is_some()
    }

    /// When one of the deadlines falls due.
    pub fn due_at(&self, deadline: Deadline) -> Option<Timestamp> {
        match deadline {
            Deadline::Acknowledge => self.acknowledge_by,
            Deadline::Resolve => self.resolve_by,
        }
    }

    /// When the action a deadline asks for was first taken, if it was.
    pub fn met_at(&self, deadline: Deadline) -> Option<Timestamp> {
        match deadline {
            Deadline::Acknowledge => self.acknowledged_at,
            Deadline::Resolve => self.closed_at,
        }
    }

    pub fn has_step(&self, deadline: Deadline, step: DeadlineStep) -> bool {
        self.deadline_steps.contains(&(deadline, step))
    }
}
