//! The domain's aggregates plugged into the command loop, and the loaders the
//! API needs for timelines and audits.

use markaz_domain::codec::{decode, encode, DomainEvent};
use markaz_domain::complaint::{
    self, ComplaintCommand, ComplaintEvent, ComplaintState, DomainError,
};
use markaz_domain::metadata::{EventMetadata, OfficerId};
use markaz_domain::officer::{
    decide_officer, evolve_officer, OfficerCommand, OfficerError, OfficerEvent, OfficerState,
};
use markaz_domain::values::ComplaintId;

use crate::command_loop::{load, Aggregate, CommandError, DecodeError, DecodedEvent};
use crate::contract::{EventStore, RecordedEvent};

/// One complaint, in stream `complaint-<uuid>`.
pub struct Complaint;

impl Aggregate for Complaint {
    type State = ComplaintState;
    type Command = ComplaintCommand;
    type Event = ComplaintEvent;
    type Error = DomainError;

    fn evolve(
        state: ComplaintState,
        event: &ComplaintEvent,
        metadata: &EventMetadata,
    ) -> ComplaintState {
        complaint::evolve(state, event, metadata.occurred_at)
    }

    fn decide(
        state: &ComplaintState,
        command: &ComplaintCommand,
    ) -> Result<Vec<ComplaintEvent>, DomainError> {
        complaint::decide(state, command)
    }

    fn encode(event: &ComplaintEvent) -> (String, u16, Vec<u8>) {
        let encoded = encode(&DomainEvent::Complaint(event.clone()));
        (
            encoded.event_type.to_owned(),
            encoded.schema_version,
            encoded.payload,
        )
    }

    fn decode(event: &RecordedEvent) -> Result<ComplaintEvent, DecodeError> {
        match decode(&event.event_type, event.schema_version, &event.payload)? {
            DomainEvent::Complaint(event) => Ok(event),
            _ => Err(DecodeError::WrongAggregate {
                event_type: event.event_type.clone(),
                aggregate: "complaint",
            }),
        }
    }
}

/// One officer, in stream `officer-<uuid>`.
pub struct Officer;

impl Aggregate for Officer {
    type State = OfficerState;
    type Command = OfficerCommand;
    type Event = OfficerEvent;
    type Error = OfficerError;

    fn evolve(state: OfficerState, event: &OfficerEvent, metadata: &EventMetadata) -> OfficerState {
        evolve_officer(state, event, metadata.occurred_at)
    }

    fn decide(
        state: &OfficerState,
        command: &OfficerCommand,
    ) -> Result<Vec<OfficerEvent>, OfficerError> {
        decide_officer(state, command)
    }

    fn encode(event: &OfficerEvent) -> (String, u16, Vec<u8>) {
        let encoded = encode(&DomainEvent::Officer(event.clone()));
        (
            encoded.event_type.to_owned(),
            encoded.schema_version,
            encoded.payload,
        )
    }

    fn decode(event: &RecordedEvent) -> Result<OfficerEvent, DecodeError> {
        match decode(&event.event_type, event.schema_version, &event.payload)? {
            DomainEvent::Officer(event) => Ok(event),
            _ => Err(DecodeError::WrongAggregate {
                event_type: event.event_type.clone(),
                aggregate: "officer",
            }),
        }
    }
}

/// A complaint's current state and every event of its stream, decoded and
/// with their stored metadata, version, position and hash (for timelines).
/// A complaint that was never filed loads as the default state with no events.
pub async fn load_complaint(
    store: &dyn EventStore,
    id: ComplaintId,
) -> Result<(ComplaintState, Vec<DecodedEvent<ComplaintEvent>>), CommandError<DomainError>> {
    let loaded = load::<Complaint>(store, &id.stream_name()).await?;
    Ok((loaded.state, loaded.events))
}

/// An officer's current state and the events of their stream.
pub async fn load_officer(
    store: &dyn EventStore,
    id: OfficerId,
) -> Result<(OfficerState, Vec<DecodedEvent<OfficerEvent>>), CommandError<OfficerError>> {
    let loaded = load::<Officer>(store, &id.stream_name()).await?;
    Ok((loaded.state, loaded.events))
}
