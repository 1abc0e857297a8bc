//! The events of one aggregate, as the codec stores them: lets the command
//! loop encode and decode an aggregate's events without knowing which
//! aggregate it runs.

use super::{decode, encode, CodecError, DomainEvent, EncodedEvent};
use crate::complaint::ComplaintEvent;
use crate::notification::NotificationEvent;
use crate::officer::OfficerEvent;
use crate::service_request::ServiceEvent;

/// An event type that belongs to the streams of one aggregate.
pub trait AggregateEvent: Sized {
    /// The aggregate's name, for errors ("complaint", "officer").
    const AGGREGATE: &'static str;

    /// The stored form: type name, schema version, payload.
    fn encode(&self) -> EncodedEvent;

    /// Reads a stored event; `Ok(None)` when it is a valid event of another
    /// aggregate (which does not belong in this aggregate's stream).
    fn decode(
        event_type: &str,
        schema_version: u16,
        payload: &[u8],
    ) -> Result<Option<Self>, CodecError>;
}

impl AggregateEvent for ComplaintEvent {
    const AGGREGATE: &'static str = "complaint";

    fn encode(&self) -> EncodedEvent {
        encode(&DomainEvent::Complaint(self.clone()))
    }

    fn decode(
        event_type: &str,
        schema_version: u16,
        payload: &[u8],
    ) -> Result<Option<Self>, CodecError> {
        match decode(event_type, schema_version, payload)? {
            DomainEvent::Complaint(event) => Ok(Some(event)),
            _ => Ok(None),
        }
    }
}

impl AggregateEvent for OfficerEvent {
    const AGGREGATE: &'static str = "officer";

    fn encode(&self) -> EncodedEvent {
        encode(&DomainEvent::Officer(self.clone()))
    }

    fn decode(
        event_type: &str,
        schema_version: u16,
        payload: &[u8],
    ) -> Result<Option<Self>, CodecError> {
        match decode(event_type, schema_version, payload)? {
            DomainEvent::Officer(event) => Ok(Some(event)),
            _ => Ok(None),
        }
    }
}

impl AggregateEvent for NotificationEvent {
    const AGGREGATE: &'static str = "notification";

    fn encode(&self) -> EncodedEvent {
        encode(&DomainEvent::Notification(self.clone()))
    }

    fn decode(
        event_type: &str,
        schema_version: u16,
        payload: &[u8],
    ) -> Result<Option<Self>, CodecError> {
        match decode(event_type, schema_version, payload)? {
            DomainEvent::Notification(event) => Ok(Some(event)),
            _ => Ok(None),
        }
    }
}

impl AggregateEvent for ServiceEvent {
    const AGGREGATE: &'static str = "service request";

    fn encode(&self) -> EncodedEvent {
        encode(&DomainEvent::Service(self.clone()))
    }

    fn decode(
        event_type: &str,
        schema_version: u16,
        payload: &[u8],
    ) -> Result<Option<Self>, CodecError> {
        match decode(event_type, schema_version, payload)? {
            DomainEvent::Service(event) => Ok(Some(event)),
            _ => Ok(None),
        }
    }
}
