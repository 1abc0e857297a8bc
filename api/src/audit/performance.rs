//! Performance figures as they stood at the end of a past UTC day: the log
//! is replayed up to then into a temporary read-model file, which is deleted
//! afterwards. The live read models are never touched.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use markaz_domain::{MarkazCode, Timestamp};
use markaz_projections::{
    rebuild_into, DatabaseError, GroupBy, PerformanceQuery, PerformanceRow, QueryError, ReadModels,
    RebuildError,
};
use markaz_store::{EventStore, StoreError};
use serde::Serialize;

use crate::officers::token::{random_uuid, RandomnessError};

/// Why past figures could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum PastPerformanceError {
    #[error("`--from` ({from}) is after `--as-of` ({as_of}): give a range that ends on or after it starts")]
    EmptyRange { from: NaiveDate, as_of: NaiveDate },
    #[error("cannot create the scratch directory {path}: {source}")]
    Scratch {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("replaying the log failed: {0}")]
    Replay(#[from] RebuildError),
    #[error("reading the log failed: {0}")]
    Store(#[from] StoreError),
    #[error("opening the replayed read models failed: {0}")]
    Database(#[from] DatabaseError),
    #[error("querying the replayed read models failed: {0}")]
    Query(#[from] QueryError),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
}

/// The figures and what they were computed from.
#[derive(Clone, Debug, Serialize)]
pub struct PastPerformance {
    pub as_of: NaiveDate,
    /// The last instant replayed (the end of `as_of`, UTC).
    pub until: String,
    pub from: NaiveDate,
    pub group_by: GroupBy,
    /// Events replayed and the position of the last one.
    pub events_replayed: u64,
    pub position: u64,
    pub rows: Vec<PerformanceRow>,
}

/// The last microsecond of `day` (UTC).
pub fn end_of_day(day: NaiveDate) -> Timestamp {
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    Timestamp::from_micros(Timestamp::from_datetime(start).as_micros() + 86_400_000_000 - 1)
}

/// A directory removed with everything in it when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn create(parent: &Path) -> Result<Self, PastPerformanceError> {
        let path = parent.join(format!("markaz-audit-{}", random_uuid()?.simple()));
        std::fs::create_dir_all(&path).map_err(|source| PastPerformanceError::Scratch {
            path: path.clone(),
            source,
        })?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            tracing::warn!(path = %self.0.display(), %error, "could not remove a scratch directory");
        }
    }
}

/// Replays the log up to the end of `as_of` in a scratch directory under
/// `scratch_parent` and asks it for the figures of `from..=as_of` (`from`
/// defaults to the day of the first event). The open backlog is counted as
/// of the end of `as_of`.
pub async fn performance_as_of(
    store: &dyn EventStore,
    as_of: NaiveDate,
    from: Option<NaiveDate>,
    group_by: GroupBy,
    markaz: Option<MarkazCode>,
    scratch_parent: &Path,
) -> Result<PastPerformance, PastPerformanceError> {
    let from = match from {
        Some(day) => day,
        None => first_event_day(store).await?.unwrap_or(as_of).min(as_of),
    };
    if from > as_of {
        return Err(PastPerformanceError::EmptyRange { from, as_of });
    }
    let until = end_of_day(as_of);
    let scratch = ScratchDir::create(scratch_parent)?;
    let path = scratch.0.join("readmodels.sqlite");
    let summary = rebuild_into(store, &path, Some(until), |_, _| {}).await?;
    let read_models = ReadModels::open(&path)?;
    let rows = read_models
        .performance(
            PerformanceQuery {
                from,
                to: as_of,
                group_by,
                markaz,
            },
            until,
        )
        .await?;
    // Pooled connections must close before the directory goes.
    drop(read_models);
    drop(scratch);
    Ok(PastPerformance {
        as_of,
        until: until.to_rfc3339(),
        from,
        group_by,
        events_replayed: summary.events,
        position: summary.position,
        rows,
    })
}

async fn first_event_day(store: &dyn EventStore) -> Result<Option<NaiveDate>, StoreError> {
    let first = store.read_all(0, 1).await?;
    Ok(first
        .first()
        .map(|event| event.metadata.occurred_at.to_datetime().date_naive()))
}
