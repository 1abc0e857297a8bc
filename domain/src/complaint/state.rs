//! A complaint as it stands after folding its events.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::values::{CategoryCode, ComplaintId, MarkazCode, ShortText, TrackingCode};

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
}

impl ComplaintState {
    pub fn is_filed(&self) -> bool {
        self.status.is_some()
    }
}
