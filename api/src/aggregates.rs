//! The complaint and officer aggregates as the store's command loop needs
//! them: the domain's `decide`/`evolve` plus the versioned codec.

use markaz_domain::codec::{decode, encode, DomainEvent};
use markaz_domain::{
    decide, decide_officer, evolve, evolve_officer, ComplaintCommand, ComplaintEvent,
    ComplaintState, DomainError, EventMetadata, OfficerCommand, OfficerError, OfficerEvent,
    OfficerState,
};
use markaz_store::command_loop::{Aggregate, DecodeError};
use markaz_store::RecordedEvent;

/// One complaint, stream `complaint-<uuid>`.
pub struct ComplaintAggregate;

impl Aggregate for ComplaintAggregate {
    type State = ComplaintState;
    type Command = ComplaintCommand;
    type Event = ComplaintEvent;
    type Error = DomainError;

    fn evolve(
        state: ComplaintState,
        event: &ComplaintEvent,
        meta: &EventMetadata,
    ) -> ComplaintState {
        evolve(state, event, meta.occurred_at)
    }

    fn decide(
        state: &ComplaintState,
        command: &ComplaintCommand,
    ) -> Result<Vec<ComplaintEvent>, DomainError> {
        decide(state, command)
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

/// One officer, stream `officer-<uuid>`.
pub struct OfficerAggregate;

impl Aggregate for OfficerAggregate {
    type State = OfficerState;
    type Command = OfficerCommand;
    type Event = OfficerEvent;
    type Error = OfficerError;

    fn evolve(state: OfficerState, event: &OfficerEvent, meta: &EventMetadata) -> OfficerState {
        evolve_officer(state, event, meta.occurred_at)
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
