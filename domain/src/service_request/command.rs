//! What may be asked of a service request.

use serde::{Deserialize, Serialize};

use super::event::StationFinding;
use super::field::FieldValue;
use super::id::{DocumentNumber, ServiceRequestId};
use crate::calendar::WorkingCalendar;
use crate::service_catalogue::Service;
use crate::values::{
    Channel, Cnic, Description, MarkazCode, PersonName, Phone, Rating, ShortText, TrackingCode,
};

/// A command on this aggregate (see `Command`).
pub type ServiceCommand = crate::decider::Command<ServiceAction>;

// The request carries the catalogue entry and the calendar, the rest a note;
// boxing it would complicate every construction and match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceAction {
    Request(RequestService),
    Acknowledge {
        note: Option<ShortText>,
    },
    /// Sends the request to the police station of the applicant's address.
    SendForVerification {
        station: ShortText,
    },
    /// The station's answer to the referral.
    RecordStationAnswer {
        finding: StationFinding,
        case_references: Option<ShortText>,
        remarks: Option<ShortText>,
    },
    /// `number` is chosen by the caller (the domain has no randomness).
    Issue {
        number: DocumentNumber,
        text: Description,
    },
    Refuse {
        reason: ShortText,
    },
    Collect {
        note: Option<ShortText>,
    },
    Rate {
        stars: Rating,
        comment: Option<ShortText>,
    },
    Withdraw {
        reason: ShortText,
    },
    /// A corrected document that supersedes the current one.
    Reissue {
        number: DocumentNumber,
        text: Description,
        reason: ShortText,
    },
    Revoke {
        reason: ShortText,
    },
}

impl ServiceAction {
    /// A stable name for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            ServiceAction::Request(_) => "request",
            ServiceAction::Acknowledge { .. } => "acknowledge",
            ServiceAction::SendForVerification { .. } => "send for verification",
            ServiceAction::RecordStationAnswer { .. } => "record the station's answer to",
            ServiceAction::Issue { .. } => "issue",
            ServiceAction::Refuse { .. } => "refuse",
            ServiceAction::Collect { .. } => "mark as collected",
            ServiceAction::Rate { .. } => "rate",
            ServiceAction::Withdraw { .. } => "withdraw",
            ServiceAction::Reissue { .. } => "reissue",
            ServiceAction::Revoke { .. } => "revoke",
        }
    }
}

/// The person who asks for the service. Personal data: shown only to roles
/// that need it. The name and CNIC are printed on the issued document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: PersonName,
    pub phone: Phone,
    pub cnic: Cnic,
    pub address: Option<ShortText>,
}

/// A new request, with its ids already chosen by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestService {
    pub request_id: ServiceRequestId,
    pub tracking_code: TrackingCode,
    pub markaz: MarkazCode,
    /// The catalogue entry in force: its promise is copied into the event.
    pub service: Service,
    /// The working calendar in force, on which the deadline is counted.
    pub calendar: WorkingCalendar,
    pub applicant: Applicant,
    /// Validated against the entry's fields by the caller.
    pub fields: Vec<FieldValue>,
    /// The documents the counter saw (the entry's list, checked off).
    pub documents_checked: Vec<String>,
    pub channel: Channel,
}
