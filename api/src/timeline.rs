//! How staff see a complaint's events: one timeline entry and one way of
//! naming who acted, shared by the timeline, the auditor's past states and
//! the event stream.

use markaz_domain::codec::{to_json, DomainEvent};
use markaz_domain::{Actor, ComplaintEvent};
use markaz_store::command_loop::DecodedEvent;
use serde_json::{json, Value};

use crate::officers::OfficerDirectory;

/// Who acted; with the officer's name when a directory is given (staff
/// views), without it where names are not shown (dashboards).
pub fn actor_json(actor: &Actor, officers: Option<&OfficerDirectory>) -> Value {
    match actor {
        Actor::Officer { id, role } => {
            let mut officer = json!({
                "kind": "officer",
                "id": id.to_string(),
                "role": role.as_str(),
            });
            if let Some(officers) = officers {
                officer["name"] = json!(officers
                    .get(*id)
                    .map(|officer| officer.name.as_str().to_owned()));
            }
            officer
        }
        Actor::Citizen => json!({ "kind": "citizen" }),
        Actor::System => json!({ "kind": "system" }),
    }
}

/// The event's recorded data as JSON, unmasked.
pub fn event_data(decoded: &DecodedEvent<ComplaintEvent>) -> Value {
    to_json(&DomainEvent::Complaint(decoded.event.clone()))
}

/// The data of a service-request event as JSON, unmasked.
pub fn service_event_data(decoded: &DecodedEvent<markaz_domain::ServiceEvent>) -> Value {
    to_json(&DomainEvent::Service(decoded.event.clone()))
}

/// One entry of a timeline, showing `data` (the event's data, masked or not
/// as the caller decided).
pub fn timeline_entry<E>(
    decoded: &DecodedEvent<E>,
    officers: &OfficerDirectory,
    data: Value,
) -> Value {
    let recorded = &decoded.recorded;
    json!({
        "version": recorded.version,
        "position": recorded.position,
        "type": recorded.event_type,
        "schema_version": recorded.schema_version,
        "occurred_at": recorded.metadata.occurred_at.to_rfc3339(),
        "actor": actor_json(&recorded.metadata.actor, Some(officers)),
        "data": data,
        "hash": hex::encode(recorded.hash),
    })
}
