//! Time travel: a complaint as it stood at a past moment or version, folded
//! with the domain's own `evolve` from the events up to that point.

use markaz_domain::{ComplaintId, ComplaintState, Timestamp};
use markaz_store::command_loop::{load, CommandError, DecodedEvent};
use markaz_store::EventStore;
use serde_json::{json, Value};

use crate::officers::OfficerDirectory;
use crate::timeline::{event_data, timeline_entry};
use markaz_domain::ComplaintDecider;

/// Up to where history is replayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointInTime {
    /// Every event that occurred at or before this time.
    AsOf(Timestamp),
    /// The first N events of the stream.
    Version(u64),
    /// Everything recorded so far.
    Latest,
}

/// Why a past state could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("complaint {0} does not exist")]
    NotFound(ComplaintId),
    #[error("complaint {id} was not filed yet at {at} (it was filed at {filed_at})")]
    NotYetFiled {
        id: ComplaintId,
        at: Timestamp,
        filed_at: Timestamp,
    },
    #[error("complaint {id} has {current} events, so it never was at version {asked}: ask for 1 to {current}")]
    NoSuchVersion {
        id: ComplaintId,
        asked: u64,
        current: u64,
    },
    #[error("reading the complaint's history failed: {0}")]
    Load(#[from] CommandError<markaz_domain::DomainError>),
}

/// A complaint at a point of its history.
pub struct PastComplaint {
    pub id: ComplaintId,
    pub point: PointInTime,
    /// The fold of `events`.
    pub state: ComplaintState,
    /// The events up to the point, in order.
    pub events: Vec<DecodedEvent<markaz_domain::ComplaintEvent>>,
    /// How many events the stream holds today.
    pub current_version: u64,
    /// Whether the case is a gender-desk case today (it may not have been
    /// at the point asked for).
    pub gender_desk_now: bool,
}

/// Loads the complaint and folds its events up to `point`.
pub async fn complaint_at(
    store: &dyn EventStore,
    id: ComplaintId,
    point: PointInTime,
) -> Result<PastComplaint, HistoryError> {
    let loaded = load::<ComplaintDecider>(store, &id.stream_name()).await?;
    let current_version = loaded.version;
    let gender_desk_now = loaded.state.gender_desk;
    let Some(first) = loaded.events.first() else {
        return Err(HistoryError::NotFound(id));
    };
    let filed_at = first.recorded.metadata.occurred_at;
    let keep = |event: &DecodedEvent<_>| match point {
        PointInTime::AsOf(at) => event.recorded.metadata.occurred_at <= at,
        PointInTime::Version(version) => event.recorded.version <= version,
        PointInTime::Latest => true,
    };
    match point {
        PointInTime::Version(asked) if asked == 0 || asked > current_version => {
            return Err(HistoryError::NoSuchVersion {
                id,
                asked,
                current: current_version,
            })
        }
        PointInTime::AsOf(at) if at < filed_at => {
            return Err(HistoryError::NotYetFiled { id, at, filed_at })
        }
        _ => {}
    }
    // Events of a stream are recorded in time order, so the kept ones are a prefix.
    let events: Vec<_> = loaded.events.into_iter().take_while(keep).collect();
    let state = events
        .iter()
        .fold(ComplaintState::default(), |state, event| {
            markaz_domain::evolve(state, &event.event, event.recorded.metadata.occurred_at)
        });
    Ok(PastComplaint {
        id,
        point,
        state,
        events,
        current_version,
        gender_desk_now,
    })
}

/// The folded state as JSON: the fields `evolve` keeps.
pub fn state_json(state: &ComplaintState) -> Value {
    let time = |at: Option<Timestamp>| at.map(Timestamp::to_rfc3339);
    json!({
        "status": state.status.map(|status| status.as_str()),
        "tracking_code": state.tracking_code.as_ref().map(|code| code.as_str()),
        "markaz": state.markaz.as_ref().map(|markaz| markaz.as_str()),
        "category": state.category.as_ref().map(|category| category.as_str()),
        "gender_desk": state.gender_desk,
        "filed_at": time(state.filed_at),
        "resolved_at": time(state.resolved_at),
        "rated": state.rated,
        "reopen_count": state.reopen_count,
        "current_unit": state.current_unit.as_ref().map(|unit| unit.as_str()),
        "version": state.version,
    })
}

/// The point as JSON fields of the answer.
pub fn point_json(point: PointInTime) -> Value {
    match point {
        PointInTime::AsOf(at) => json!({ "as_of": at.to_rfc3339() }),
        PointInTime::Version(version) => json!({ "version": version }),
        PointInTime::Latest => json!({ "latest": true }),
    }
}

/// One event as the timeline shows it (`GET /complaints/{id}/timeline`),
/// unmasked: auditors see exactly what was recorded.
pub fn event_json(
    decoded: &DecodedEvent<markaz_domain::ComplaintEvent>,
    officers: &OfficerDirectory,
) -> Value {
    timeline_entry(decoded, officers, event_data(decoded))
}

/// The whole answer of `GET /audit/complaints/{id}` and `markaz audit show`.
pub fn past_complaint_json(past: &PastComplaint, officers: &OfficerDirectory) -> Value {
    let mut answer = json!({
        "id": past.id.to_string(),
        "version": past.state.version,
        "current_version": past.current_version,
        "state": state_json(&past.state),
        "events": past.events.iter().map(|e| event_json(e, officers)).collect::<Vec<_>>(),
    });
    answer["point"] = point_json(past.point);
    answer
}
