//! Who looked: reads of gender-desk cases and of unmasked personal data.
//!
//! Each answer that shows such cases appends one `CasesAccessed` event naming
//! every one of them (complaints and service requests, each with its kind) to
//! the reading officer's stream `access-officer-<officer uuid>`: a list of 500
//! rows is one event, not 500, and no case's stream is written by a read. The
//! record is appended before the answer leaves, so no one sees a case without
//! a trace of it. Reads that show neither a gender-desk case nor unmasked
//! personal data are not recorded.
//!
//! A case's history is read from the read models' index (`case_accesses`),
//! which holds these events and the older per-case `CaseAccessed` events
//! (stream `access-<case uuid>`). `list` scans the log instead, for the CLI,
//! which may run on a store without read models.

use markaz_domain::audit::officer_access_stream;
use markaz_domain::codec::{decode, encode, DomainEvent};
use markaz_domain::{
    AccessedView, Actor, AuditEvent, CaseKind, CaseRead, CaseRef, CasesAccessed, EventMetadata,
    ServiceRequestId, Timestamp,
};
use markaz_projections::CaseAccess;
use markaz_store::log_pages::LogPages;
use markaz_store::{EventStore, ExpectedVersion, NewEvent, StoreError};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::ids::{time_ordered_uuid, RandomnessError};
use crate::officers::{OfficerDirectory, Principal};

/// Why an access could not be recorded or listed.
#[derive(Debug, thiserror::Error)]
pub enum AccessLogError {
    #[error("the access could not be recorded, so the case is not shown: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    #[error("access log entry at position {position} ({stream}) cannot be read: {reason}")]
    Unreadable {
        stream: String,
        position: u64,
        reason: String,
    },
}

/// One case about to be shown to a caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseShown {
    pub case: CaseRef,
    pub gender_desk: bool,
    /// Phone, CNIC and address are shown unmasked.
    pub personal_data: bool,
}

impl CaseShown {
    /// Whether this read must be recorded.
    pub fn is_recorded(&self) -> bool {
        self.gender_desk || self.personal_data
    }
}

/// Records that `principal` is shown `case` through `what`, if the rules ask
/// for it. Returns the position of the record, if one was written.
pub async fn record(
    store: &dyn EventStore,
    principal: &Principal,
    what: AccessedView,
    case: CaseShown,
    at: Timestamp,
) -> Result<Option<u64>, AccessLogError> {
    record_all(store, principal, what, [case], at).await
}

/// Records every case shown in one answer that the rules ask to record, as
/// one event in one append (none when no case needs recording). Returns the
/// position of the record, if one was written.
pub async fn record_all(
    store: &dyn EventStore,
    principal: &Principal,
    what: AccessedView,
    cases: impl IntoIterator<Item = CaseShown>,
    at: Timestamp,
) -> Result<Option<u64>, AccessLogError> {
    let cases: Vec<CaseRead> = cases
        .into_iter()
        .filter(CaseShown::is_recorded)
        .map(|shown| CaseRead {
            case: shown.case,
            personal_data: shown.personal_data,
            gender_desk: shown.gender_desk,
        })
        .collect();
    if cases.is_empty() {
        return Ok(None);
    }
    let event = DomainEvent::Audit(AuditEvent::CasesAccessed(CasesAccessed {
        officer: principal.officer_id,
        role: principal.role,
        what,
        cases,
    }));
    let encoded = encode(&event);
    let event_id = time_ordered_uuid()?;
    let new = NewEvent {
        event_type: encoded.event_type.to_owned(),
        schema_version: encoded.schema_version,
        payload: encoded.payload,
        metadata: EventMetadata {
            event_id,
            occurred_at: at,
            actor: Actor::Officer {
                id: principal.officer_id,
                role: principal.role,
            },
            correlation_id: event_id,
            causation_id: event_id,
        },
    };
    // One officer's concurrent answers append to the same stream: no version check.
    let appended = store
        .append(
            &officer_access_stream(principal.officer_id),
            ExpectedVersion::Any,
            vec![new],
        )
        .await?;
    Ok(Some(appended.position))
}

/// Every recorded access to the case with this id, oldest first, found by
/// scanning the whole log (both the per-case `CaseAccessed` and the batched
/// `CasesAccessed` events). For the CLI, which may have no read models; the
/// API reads the index instead. Also returns the kind of the case: a service
/// request if the log holds one with this id.
pub async fn list(
    store: &dyn EventStore,
    id: Uuid,
) -> Result<(CaseRef, Vec<CaseAccess>), AccessLogError> {
    let request = ServiceRequestId::from_uuid(id);
    let kind = if store.stream_version(&request.stream_name()).await? > 0 {
        CaseKind::ServiceRequest
    } else {
        CaseKind::Complaint
    };
    let mut entries = Vec::new();
    let mut pages = LogPages::after(store, 0);
    while let Some(page) = pages.next_page().await? {
        for recorded in page {
            if !recorded.stream.starts_with("access-") {
                continue;
            }
            let unreadable = |reason: String| AccessLogError::Unreadable {
                stream: recorded.stream.clone(),
                position: recorded.position,
                reason,
            };
            let event = decode(
                &recorded.event_type,
                recorded.schema_version,
                &recorded.payload,
            )
            .map_err(|error| unreadable(error.to_string()))?;
            let found = match event {
                DomainEvent::Audit(AuditEvent::CaseAccessed(e)) => (e.complaint_id.as_uuid() == id)
                    .then_some((e.officer, e.role, e.what, e.personal_data, e.gender_desk)),
                DomainEvent::Audit(AuditEvent::CasesAccessed(e)) => e
                    .cases
                    .iter()
                    .filter(|read| read.case.uuid() == id)
                    .map(|read| (read.personal_data, read.gender_desk))
                    .reduce(|(p, g), (q, h)| (p || q, g || h))
                    .map(|(personal_data, gender_desk)| {
                        (e.officer, e.role, e.what, personal_data, gender_desk)
                    }),
                other => {
                    return Err(unreadable(format!(
                        "it is a {}, not an access record",
                        other.type_name()
                    )))
                }
            };
            if let Some((officer, role, what, personal_data, gender_desk)) = found {
                entries.push(CaseAccess {
                    position: recorded.position,
                    version: recorded.version,
                    at: recorded.metadata.occurred_at,
                    officer,
                    role,
                    what,
                    personal_data,
                    gender_desk,
                });
            }
        }
    }
    Ok((CaseRef::new(kind, id), entries))
}

/// The answer of `GET /audit/complaints/{id}/access`, of
/// `GET /audit/service-requests/{id}/access` and of `markaz audit access`.
/// `next_cursor` is the cursor of the following page (`None`: the last page,
/// or the whole history).
pub fn entries_json(
    case: CaseRef,
    entries: &[CaseAccess],
    next_cursor: Option<String>,
    officers: &OfficerDirectory,
) -> Value {
    let entries: Vec<Value> = entries
        .iter()
        .map(|entry| {
            json!({
                "version": entry.version,
                "position": entry.position,
                "at": entry.at.to_rfc3339(),
                "officer": {
                    "id": entry.officer.to_string(),
                    "name": officers.get(entry.officer).map(|o| o.name.as_str().to_owned()),
                },
                "role": entry.role.as_str(),
                "what": entry.what.as_str(),
                "personal_data": entry.personal_data,
                "gender_desk": entry.gender_desk,
            })
        })
        .collect();
    json!({
        "id": case.uuid().to_string(),
        "kind": case.kind().as_str(),
        "entries": entries,
        "next_cursor": next_cursor,
    })
}
