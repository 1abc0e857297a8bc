//! What happened to a service request: the current shape of its events.
//!
//! Who acted and when is in the event metadata, not repeated here. The stored
//! encoding of each event lives in the codec (`codec/service_v1.rs`).

use serde::{Deserialize, Serialize};

use super::command::Applicant;
use super::field::FieldValue;
use super::id::{DocumentNumber, ServiceRequestId};
use crate::time::Timestamp;
use crate::values::{
    CategoryCode, Channel, Description, MarkazCode, Rating, ShortText, TrackingCode, ValueError,
};

#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceEvent {
    Requested(ServiceRequested),
    Acknowledged(ServiceAcknowledged),
    SentForVerification(ServiceSentForVerification),
    StationAnswered(StationAnswered),
    Issued(DocumentIssued),
    Refused(ServiceRefused),
    Collected(DocumentCollected),
    Rated(ServiceRated),
    Withdrawn(ServiceWithdrawn),
    Reissued(DocumentReissued),
    Revoked(DocumentRevoked),
}

impl ServiceEvent {
    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ServiceEvent::Requested(_) => "ServiceRequested",
            ServiceEvent::Acknowledged(_) => "ServiceAcknowledged",
            ServiceEvent::SentForVerification(_) => "ServiceSentForVerification",
            ServiceEvent::StationAnswered(_) => "ServiceStationAnswered",
            ServiceEvent::Issued(_) => "ServiceDocumentIssued",
            ServiceEvent::Refused(_) => "ServiceRefused",
            ServiceEvent::Collected(_) => "ServiceDocumentCollected",
            ServiceEvent::Rated(_) => "ServiceRated",
            ServiceEvent::Withdrawn(_) => "ServiceWithdrawn",
            ServiceEvent::Reissued(_) => "ServiceDocumentReissued",
            ServiceEvent::Revoked(_) => "ServiceDocumentRevoked",
        }
    }
}

/// A request taken at the counter (or online), with the promise of the
/// catalogue entry and calendar in force recorded in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRequested {
    pub request_id: ServiceRequestId,
    pub tracking_code: TrackingCode,
    pub markaz: MarkazCode,
    pub service: CategoryCode,
    /// The entry's names then, for receipts and documents.
    pub service_name_en: String,
    pub service_name_ur: String,
    pub applicant: Applicant,
    pub fields: Vec<FieldValue>,
    pub documents_checked: Vec<String>,
    pub channel: Channel,
    pub station_verification: bool,
    pub fee_rupees: u32,
    pub deadline_working_days: u32,
    /// When the document is promised: the end of the last working day.
    pub issue_by: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAcknowledged {
    pub note: Option<ShortText>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSentForVerification {
    pub station: ShortText,
}

/// What the police station found about the applicant at the given address.
///
/// The stored encoding is fixed in the codec, not by variant order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationFinding {
    /// No record against the applicant.
    Clear,
    /// A record: the case references say which.
    Adverse,
    /// Nobody of that name lives at the address.
    NotFoundAtAddress,
}

impl StationFinding {
    pub const ALL: &'static [StationFinding] = &[
        StationFinding::Clear,
        StationFinding::Adverse,
        StationFinding::NotFoundAtAddress,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StationFinding::Clear => "clear",
            StationFinding::Adverse => "adverse",
            StationFinding::NotFoundAtAddress => "not_found_at_address",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let wanted = input.trim();
        StationFinding::ALL
            .iter()
            .copied()
            .find(|finding| finding.as_str() == wanted)
            .ok_or_else(|| {
                ValueError::new(
                    "finding",
                    format!(
                        "`{wanted}` is not allowed: use one of clear, adverse, \
                         not_found_at_address"
                    ),
                )
            })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StationAnswered {
    pub station: ShortText,
    pub finding: StationFinding,
    /// The FIRs or cases an adverse finding rests on.
    pub case_references: Option<ShortText>,
    pub remarks: Option<ShortText>,
}

/// The document as issued: everything printed on it besides the markaz and
/// the date (the request's markaz and the event's time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentIssued {
    pub number: DocumentNumber,
    pub text: Description,
}

/// Why the request was refused; the citizen is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRefused {
    pub reason: ShortText,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentCollected {
    pub note: Option<ShortText>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRated {
    pub stars: Rating,
    pub comment: Option<ShortText>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceWithdrawn {
    pub reason: ShortText,
}

/// A corrected document: `number` supersedes `supersedes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentReissued {
    pub number: DocumentNumber,
    pub supersedes: DocumentNumber,
    pub text: Description,
    pub reason: ShortText,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRevoked {
    pub number: DocumentNumber,
    pub reason: ShortText,
}
