//! The versioned event codec: how domain events become stored bytes and back.
//!
//! Payloads are postcard, which carries no field names, so every stored event
//! also carries its type name and schema version. Each (type, version) has a
//! frozen struct (`v1.rs`, `v2.rs`); `encode` always writes the latest
//! version, `decode` reads every version ever written and upcasts old ones to
//! the current domain event. The JSON view (`json.rs`) is built straight from
//! the domain event, never through postcard.

mod aggregate_event;
pub mod audit_v1;
pub mod deadline_v1;
mod enums;
mod error;
mod frozen;
mod json;
pub mod notification_v1;
pub mod officer_v2;
mod registry;
pub mod service_v1;
pub mod v1;
pub mod v2;
pub mod v3;
pub mod v4;

pub use aggregate_event::AggregateEvent;
pub use error::CodecError;
pub use json::to_json;
pub use registry::{decode, encode, known_types, latest_version};

use crate::audit::AuditEvent;
use crate::complaint::ComplaintEvent;
use crate::notification::NotificationEvent;
use crate::officer::OfficerEvent;
use crate::service_request::ServiceEvent;

/// Every event the store may hold, across aggregates.
///
/// New aggregates add variants at the end; marked non-exhaustive so that
/// other crates keep compiling when they do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainEvent {
    Complaint(ComplaintEvent),
    Officer(OfficerEvent),
    /// Seals and the access log (see `crate::audit`).
    Audit(AuditEvent),
    /// Messages to complainants (see `crate::notification`).
    Notification(NotificationEvent),
    /// Service requests (see `crate::service_request`).
    Service(ServiceEvent),
}

impl DomainEvent {
    /// The stored type name, e.g. `ComplaintFiled`.
    pub fn type_name(&self) -> &'static str {
        match self {
            DomainEvent::Complaint(event) => event.type_name(),
            DomainEvent::Officer(event) => event.type_name(),
            DomainEvent::Audit(event) => event.type_name(),
            DomainEvent::Notification(event) => event.type_name(),
            DomainEvent::Service(event) => event.type_name(),
        }
    }
}

impl From<ComplaintEvent> for DomainEvent {
    fn from(event: ComplaintEvent) -> Self {
        DomainEvent::Complaint(event)
    }
}

impl From<AuditEvent> for DomainEvent {
    fn from(event: AuditEvent) -> Self {
        DomainEvent::Audit(event)
    }
}

impl From<OfficerEvent> for DomainEvent {
    fn from(event: OfficerEvent) -> Self {
        DomainEvent::Officer(event)
    }
}

impl From<ServiceEvent> for DomainEvent {
    fn from(event: ServiceEvent) -> Self {
        DomainEvent::Service(event)
    }
}

/// An event ready to store: its type, schema version and postcard payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedEvent {
    pub event_type: &'static str,
    pub schema_version: u16,
    pub payload: Vec<u8>,
}
