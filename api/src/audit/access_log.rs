//! Who looked: reads of gender-desk cases and of unmasked personal data are
//! recorded as `CaseAccessed` events in the stream `access-<complaint uuid>`.
//!
//! The record is appended before the answer leaves, so no one sees a case
//! without a trace of it; reads of several cases (lists, queues) append
//! concurrently, and the embedded store commits them in one group. Reads that
//! show neither a gender-desk case nor unmasked personal data are not recorded.

use markaz_domain::audit::{access_stream, complaint_of_access_stream};
use markaz_domain::codec::{decode, encode, DomainEvent};
use markaz_domain::{
    AccessedView, Actor, AuditEvent, CaseAccessed, ComplaintId, EventMetadata, OfficerId, Role,
    Timestamp,
};
use markaz_store::{EventStore, ExpectedVersion, NewEvent, StoreError};
use serde_json::{json, Value};

use crate::ids::{time_ordered_uuid, RandomnessError};
use crate::officers::{OfficerDirectory, Principal};

/// How many entries are read per page when listing.
const PAGE: usize = 1_000;

/// Why an access could not be recorded or listed.
#[derive(Debug, thiserror::Error)]
pub enum AccessLogError {
    #[error("the access could not be recorded, so the case is not shown: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    #[error("access log entry {version} of complaint {complaint} cannot be read: {reason}")]
    Unreadable {
        complaint: ComplaintId,
        version: u64,
        reason: String,
    },
}

/// One case about to be shown to a caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseShown {
    pub complaint: ComplaintId,
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

/// Records that `principal` is shown `case` through `what`, if the rules ask for it.
pub async fn record(
    store: &dyn EventStore,
    principal: &Principal,
    what: AccessedView,
    case: CaseShown,
    at: Timestamp,
) -> Result<(), AccessLogError> {
    if !case.is_recorded() {
        return Ok(());
    }
    let event = DomainEvent::Audit(AuditEvent::CaseAccessed(CaseAccessed {
        complaint_id: case.complaint,
        officer: principal.officer_id,
        role: principal.role,
        what,
        personal_data: case.personal_data,
        gender_desk: case.gender_desk,
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
    // Concurrent readers of one case append to the same stream: no version check.
    store
        .append(
            &access_stream(case.complaint),
            ExpectedVersion::Any,
            vec![new],
        )
        .await?;
    Ok(())
}

/// Records several cases shown in one answer, concurrently.
pub async fn record_all(
    store: &dyn EventStore,
    principal: &Principal,
    what: AccessedView,
    cases: impl IntoIterator<Item = CaseShown>,
    at: Timestamp,
) -> Result<(), AccessLogError> {
    let appends = cases
        .into_iter()
        .filter(CaseShown::is_recorded)
        .map(|case| record(store, principal, what, case, at));
    futures::future::try_join_all(appends).await?;
    Ok(())
}

/// One recorded access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub version: u64,
    pub position: u64,
    pub at: Timestamp,
    pub officer: OfficerId,
    pub role: Role,
    pub what: AccessedView,
    pub personal_data: bool,
    pub gender_desk: bool,
}

/// Every recorded access to `complaint`, oldest first.
pub async fn list(
    store: &dyn EventStore,
    complaint: ComplaintId,
) -> Result<Vec<AccessEntry>, AccessLogError> {
    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let page = page(store, complaint, after, PAGE).await?;
        entries.extend(page.entries);
        match page.next_after {
            Some(next) => after = next,
            None => return Ok(entries),
        }
    }
}

/// One page of a case's access history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPage {
    pub entries: Vec<AccessEntry>,
    /// The version to continue after, when more entries may follow.
    pub next_after: Option<u64>,
}

/// Up to `limit` recorded accesses to `complaint` after entry `after`
/// (0: from the first), oldest first. A case read thousands of times is
/// answered a page at a time, never read whole for one request.
pub async fn page(
    store: &dyn EventStore,
    complaint: ComplaintId,
    after: u64,
    limit: usize,
) -> Result<AccessPage, AccessLogError> {
    let stream = access_stream(complaint);
    debug_assert_eq!(complaint_of_access_stream(&stream), Some(complaint));
    let limit = limit.max(1);
    let records = store
        .read_stream(&stream, after.saturating_add(1), limit)
        .await?;
    let full = records.len() == limit;
    let entries = records
        .into_iter()
        .map(|recorded| entry(complaint, recorded))
        .collect::<Result<Vec<_>, _>>()?;
    let next_after = full
        .then(|| entries.last().map(|last| last.version))
        .flatten();
    Ok(AccessPage {
        entries,
        next_after,
    })
}

/// Reads one stored `CaseAccessed` record.
fn entry(
    complaint: ComplaintId,
    recorded: markaz_store::RecordedEvent,
) -> Result<AccessEntry, AccessLogError> {
    let unreadable = |reason: String| AccessLogError::Unreadable {
        complaint,
        version: recorded.version,
        reason,
    };
    let accessed = match decode(
        &recorded.event_type,
        recorded.schema_version,
        &recorded.payload,
    ) {
        Ok(DomainEvent::Audit(AuditEvent::CaseAccessed(accessed))) => accessed,
        Ok(other) => return Err(unreadable(format!("it is a {}", other.type_name()))),
        Err(error) => return Err(unreadable(error.to_string())),
    };
    Ok(AccessEntry {
        version: recorded.version,
        position: recorded.position,
        at: recorded.metadata.occurred_at,
        officer: accessed.officer,
        role: accessed.role,
        what: accessed.what,
        personal_data: accessed.personal_data,
        gender_desk: accessed.gender_desk,
    })
}

/// The answer of `GET /audit/complaints/{id}/access` and `markaz audit access`.
/// `next_cursor` is the cursor of the following page (`None`: the last page,
/// or the whole history).
pub fn entries_json(
    complaint: ComplaintId,
    entries: &[AccessEntry],
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
    json!({ "id": complaint.to_string(), "entries": entries, "next_cursor": next_cursor })
}
