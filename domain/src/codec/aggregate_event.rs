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

/// Each aggregate's events are one variant of `DomainEvent`: the impl is the
/// same for every aggregate but for its name and variant.
macro_rules! aggregate_event {
    ($event:ty, $name:literal, $variant:ident) => {
        impl AggregateEvent for $event {
            const AGGREGATE: &'static str = $name;

            fn encode(&self) -> EncodedEvent {
                encode(&DomainEvent::$variant(self.clone()))
            }

            fn decode(
                event_type: &str,
                schema_version: u16,
                payload: &[u8],
            ) -> Result<Option<Self>, CodecError> {
                match decode(event_type, schema_version, payload)? {
                    DomainEvent::$variant(event) => Ok(Some(event)),
                    _ => Ok(None),
                }
            }
        }
    };
}

aggregate_event!(ComplaintEvent, "complaint", Complaint);
aggregate_event!(OfficerEvent, "officer", Officer);
aggregate_event!(NotificationEvent, "notification", Notification);
aggregate_event!(ServiceEvent, "service request", Service);
