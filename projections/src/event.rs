//! Events as the projections see them: decoded once, with the metadata they need.

use markaz_domain::codec::{self, CodecError};
use markaz_domain::{
    AccessedView, Actor, AuditEvent, CaseRead, CaseRef, ComplaintEvent, ComplaintId, DomainEvent,
    OfficerId, Role, ServiceEvent, ServiceRequestId, Timestamp,
};
use markaz_store::RecordedEvent;

/// One decoded complaint event and where it sits in the log.
#[derive(Clone, Debug)]
pub struct ComplaintChange {
    pub complaint_id: ComplaintId,
    /// The complaint id as stored in the read models (hyphenated UUID).
    pub key: String,
    pub position: u64,
    pub version: u64,
    pub occurred_at: Timestamp,
    pub actor: Actor,
    pub event: ComplaintEvent,
}

/// One decoded service-request event and where it sits in the log.
#[derive(Clone, Debug)]
pub struct ServiceChange {
    pub request_id: ServiceRequestId,
    /// The request id as stored in the read models (hyphenated UUID).
    pub key: String,
    pub position: u64,
    pub version: u64,
    pub occurred_at: Timestamp,
    pub actor: Actor,
    /// The event's hash-chain value: the verification page shows the
    /// issuing event's.
    pub hash: [u8; 32],
    pub event: ServiceEvent,
}

/// One decoded access event (an officer was shown cases) and where it sits.
#[derive(Clone, Debug)]
pub struct AccessChange {
    pub position: u64,
    /// The event's version in its own stream.
    pub version: u64,
    pub occurred_at: Timestamp,
    pub officer: OfficerId,
    pub role: Role,
    pub what: AccessedView,
    pub cases: Vec<CaseRead>,
    /// A `CaseAccessed` of the per-case streams, written before the batched
    /// event: it named every case a complaint, service requests included.
    pub legacy: bool,
}

/// The stream prefix every access event is written under (per case before,
/// per officer now).
const ACCESS_STREAM_PREFIX: &str = "access-";

/// An event of the global feed, reduced to what the projections use.
#[derive(Clone, Debug)]
pub struct ProjectedEvent {
    pub position: u64,
    /// `None` for events no complaint projection reads (officer events,
    /// service requests and any other stream).
    pub change: Option<ComplaintChange>,
    /// The events of service-request streams.
    pub service: Option<ServiceChange>,
    /// The access events (who was shown which cases).
    pub access: Option<AccessChange>,
}

/// Why a stored event could not be turned into a projected event.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error(
        "event at position {position} ({event_type} v{schema_version} in {stream}) cannot be \
         decoded: {source}; the projections stop here until a build that reads it is deployed"
    )]
    Codec {
        position: u64,
        stream: String,
        event_type: String,
        schema_version: u16,
        #[source]
        source: CodecError,
    },
    #[error(
        "event at position {position} in {stream} is a {event_type}, which does not belong in \
         that stream; the log is inconsistent, check it with the audit verification"
    )]
    ForeignEvent {
        position: u64,
        stream: String,
        event_type: String,
    },
}

impl DecodeError {
    pub fn position(&self) -> u64 {
        match self {
            DecodeError::Codec { position, .. } | DecodeError::ForeignEvent { position, .. } => {
                *position
            }
        }
    }
}

/// Decodes the events of complaint streams; every other event is passed on
/// undecoded so it only advances the checkpoints.
pub fn project(recorded: RecordedEvent) -> Result<ProjectedEvent, DecodeError> {
    if let Some(request_id) = ServiceRequestId::from_stream_name(&recorded.stream) {
        return project_service(request_id, recorded);
    }
    if recorded.stream.starts_with(ACCESS_STREAM_PREFIX) {
        return project_access(recorded);
    }
    let Some(complaint_id) = ComplaintId::from_stream_name(&recorded.stream) else {
        return Ok(ProjectedEvent {
            position: recorded.position,
            change: None,
            service: None,
            access: None,
        });
    };
    let decoded = codec::decode(
        &recorded.event_type,
        recorded.schema_version,
        &recorded.payload,
    )
    .map_err(|source| DecodeError::Codec {
        position: recorded.position,
        stream: recorded.stream.clone(),
        event_type: recorded.event_type.clone(),
        schema_version: recorded.schema_version,
        source,
    })?;
    let event = match decoded {
        DomainEvent::Complaint(event) => event,
        other => {
            return Err(DecodeError::ForeignEvent {
                position: recorded.position,
                stream: recorded.stream,
                event_type: other.type_name().to_owned(),
            })
        }
    };
    Ok(ProjectedEvent {
        position: recorded.position,
        change: Some(ComplaintChange {
            key: complaint_id.to_string(),
            complaint_id,
            position: recorded.position,
            version: recorded.version,
            occurred_at: recorded.metadata.occurred_at,
            actor: recorded.metadata.actor,
            event,
        }),
        service: None,
        access: None,
    })
}

/// Decodes an event of a service-request stream.
fn project_service(
    request_id: ServiceRequestId,
    recorded: RecordedEvent,
) -> Result<ProjectedEvent, DecodeError> {
    let decoded = codec::decode(
        &recorded.event_type,
        recorded.schema_version,
        &recorded.payload,
    )
    .map_err(|source| DecodeError::Codec {
        position: recorded.position,
        stream: recorded.stream.clone(),
        event_type: recorded.event_type.clone(),
        schema_version: recorded.schema_version,
        source,
    })?;
    let DomainEvent::Service(event) = decoded else {
        return Err(DecodeError::ForeignEvent {
            position: recorded.position,
            stream: recorded.stream,
            event_type: decoded.type_name().to_owned(),
        });
    };
    Ok(ProjectedEvent {
        position: recorded.position,
        change: None,
        service: Some(ServiceChange {
            key: request_id.to_string(),
            request_id,
            position: recorded.position,
            version: recorded.version,
            occurred_at: recorded.metadata.occurred_at,
            actor: recorded.metadata.actor,
            hash: recorded.hash,
            event,
        }),
        access: None,
    })
}

/// Decodes an event of an access stream: a case's (`CaseAccessed`) or an
/// officer's (`CasesAccessed`).
fn project_access(recorded: RecordedEvent) -> Result<ProjectedEvent, DecodeError> {
    let decoded = codec::decode(
        &recorded.event_type,
        recorded.schema_version,
        &recorded.payload,
    )
    .map_err(|source| DecodeError::Codec {
        position: recorded.position,
        stream: recorded.stream.clone(),
        event_type: recorded.event_type.clone(),
        schema_version: recorded.schema_version,
        source,
    })?;
    let change = |officer, role, what, cases, legacy| AccessChange {
        position: recorded.position,
        version: recorded.version,
        occurred_at: recorded.metadata.occurred_at,
        officer,
        role,
        what,
        cases,
        legacy,
    };
    let access = match decoded {
        DomainEvent::Audit(AuditEvent::CaseAccessed(e)) => change(
            e.officer,
            e.role,
            e.what,
            vec![CaseRead {
                case: CaseRef::Complaint(e.complaint_id),
                personal_data: e.personal_data,
                gender_desk: e.gender_desk,
            }],
            true,
        ),
        DomainEvent::Audit(AuditEvent::CasesAccessed(e)) => {
            change(e.officer, e.role, e.what, e.cases, false)
        }
        other => {
            return Err(DecodeError::ForeignEvent {
                position: recorded.position,
                stream: recorded.stream,
                event_type: other.type_name().to_owned(),
            })
        }
    };
    Ok(ProjectedEvent {
        position: recorded.position,
        change: None,
        service: None,
        access: Some(access),
    })
}

/// The officer named in an actor, as stored in the performance rollups:
/// the officer's UUID, or `citizen` / `system`.
pub fn actor_key(actor: &Actor) -> String {
    match actor {
        Actor::Officer { id, .. } => id.to_string(),
        Actor::Citizen => "citizen".to_owned(),
        Actor::System => "system".to_owned(),
    }
}
