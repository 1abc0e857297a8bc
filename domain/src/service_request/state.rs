//! A service request as it stands after folding its events.

use serde::{Deserialize, Serialize};

use super::event::StationFinding;
use super::id::{DocumentNumber, ServiceRequestId};
use crate::time::Timestamp;
use crate::values::{CategoryCode, MarkazCode, ShortText, TrackingCode};

/// Where a request is in its lifecycle. Rating is an event, not a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    Requested,
    Acknowledged,
    /// Sent to the police station of the applicant's address.
    AtStation,
    /// The station has answered.
    Verified,
    Issued,
    Refused,
    Collected,
    Withdrawn,
    Revoked,
}

impl ServiceStatus {
    pub const ALL: [ServiceStatus; 9] = [
        ServiceStatus::Requested,
        ServiceStatus::Acknowledged,
        ServiceStatus::AtStation,
        ServiceStatus::Verified,
        ServiceStatus::Issued,
        ServiceStatus::Refused,
        ServiceStatus::Collected,
        ServiceStatus::Withdrawn,
        ServiceStatus::Revoked,
    ];

    /// The name used in the API and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Requested => "requested",
            ServiceStatus::Acknowledged => "acknowledged",
            ServiceStatus::AtStation => "at_station",
            ServiceStatus::Verified => "verified",
            ServiceStatus::Issued => "issued",
            ServiceStatus::Refused => "refused",
            ServiceStatus::Collected => "collected",
            ServiceStatus::Withdrawn => "withdrawn",
            ServiceStatus::Revoked => "revoked",
        }
    }

    pub fn parse(name: &str) -> Option<ServiceStatus> {
        ServiceStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
    }

    /// Whether the request still needs work from the centre.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ServiceStatus::Requested
                | ServiceStatus::Acknowledged
                | ServiceStatus::AtStation
                | ServiceStatus::Verified
        )
    }
}

impl std::fmt::Display for ServiceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decision-relevant state of one request. `Default` is "not requested".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceState {
    pub status: Option<ServiceStatus>,
    pub id: Option<ServiceRequestId>,
    pub tracking_code: Option<TrackingCode>,
    pub markaz: Option<MarkazCode>,
    pub service: Option<CategoryCode>,
    pub station_verification: bool,
    /// The station the request was last sent to, and its answer (cleared
    /// when it is sent again).
    pub station: Option<ShortText>,
    pub finding: Option<StationFinding>,
    /// The document in force, if one was issued.
    pub document: Option<DocumentNumber>,
    pub requested_at: Option<Timestamp>,
    pub rated: bool,
    /// Number of events folded: the stream's version.
    pub version: u64,
}

impl ServiceState {
    pub fn is_requested(&self) -> bool {
        self.status.is_some()
    }
}
