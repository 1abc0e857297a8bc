//! Performance figures as they stood at the end of a past local day (in the
//! markaz's time zone, or the default zone for every markaz): the log is
//! replayed up to then into a temporary read-model file counted on the same
//! calendar as the live one, which is deleted afterwards. The live read
//! models are never touched. The figures are those `GET /performance` gave
//! at that moment for the same range.
//!
//! "Up to then" means every event that occurred by then, wherever it sits in
//! the log: a log is not always in time order (a backdated demo history, an
//! import), but each stream is, so every complaint is replayed up to its last
//! event of that day. `LogAsOf` gives the replay that view of the log.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use markaz_domain::{MarkazCode, Timestamp};
use markaz_projections::{
    rebuild_into, Calendar, DatabaseError, GroupBy, PerformanceQuery, PerformanceRow, QueryError,
    ReadModels, RebuildError,
};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use markaz_store::{
    AppendOutcome, EventFeed, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError,
};
use serde::Serialize;

use crate::ids::{random_uuid, RandomnessError};

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
    /// The last instant replayed (the end of `as_of` in `time_zone`), in UTC.
    pub until: String,
    /// The zone whose days `from` and `as_of` are.
    pub time_zone: String,
    /// Markaz counted in a zone of their own.
    pub time_zones: std::collections::BTreeMap<String, String>,
    pub from: NaiveDate,
    pub group_by: GroupBy,
    /// Events replayed and the position of the last one.
    pub events_replayed: u64,
    pub position: u64,
    pub rows: Vec<PerformanceRow>,
}

/// The last microsecond of `day` (UTC), for points in a complaint's history.
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

/// Replays the log up to the end of local day `as_of` in a scratch directory
/// under `scratch_parent`, counting days in `calendar`'s zones, and asks it
/// for the figures of `from..=as_of` (`from` defaults to the local day of the
/// first event). The open backlog is counted as of the end of `as_of`.
pub async fn performance_as_of(
    store: Arc<dyn EventStore>,
    as_of: NaiveDate,
    from: Option<NaiveDate>,
    group_by: GroupBy,
    markaz: Option<MarkazCode>,
    calendar: &Calendar,
    scratch_parent: &Path,
) -> Result<PastPerformance, PastPerformanceError> {
    if let Some(from) = from.filter(|from| *from > as_of) {
        return Err(PastPerformanceError::EmptyRange { from, as_of });
    }
    let zone = match &markaz {
        Some(markaz) => calendar.zone_of(markaz.as_str()),
        None => calendar.default_zone(),
    };
    let until = Timestamp::from_micros(Calendar::end_of_day(zone, as_of));
    let scratch = ScratchDir::create(scratch_parent)?;
    let path = scratch.0.join("readmodels.sqlite");
    let past = LogAsOf::new(store, until);
    let summary = rebuild_into(&past, &path, None, calendar, |_, _| {}).await?;
    let from = from.unwrap_or_else(|| {
        past.earliest()
            .map_or(as_of, |earliest| Calendar::today(zone, earliest))
    });
    let read_models = ReadModels::open(&path)?;
    let report = read_models
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
        time_zone: report.time_zone,
        time_zones: report.time_zones,
        from,
        group_by,
        events_replayed: summary.events,
        position: summary.position,
        rows: report.rows,
    })
}

/// A read-only view of a log holding only the events that occurred at or
/// before `until`. Pages skip the later events; a page is empty only at the
/// end of the log, as the contract requires.
pub struct LogAsOf {
    inner: Arc<dyn EventStore>,
    until: Timestamp,
    /// The earliest `occurred_at` read so far (microseconds), for the default range.
    earliest: AtomicI64,
}

impl LogAsOf {
    pub fn new(inner: Arc<dyn EventStore>, until: Timestamp) -> Self {
        LogAsOf {
            inner,
            until,
            earliest: AtomicI64::new(i64::MAX),
        }
    }

    /// The time of the earliest event read, if any was.
    pub fn earliest(&self) -> Option<Timestamp> {
        let micros = self.earliest.load(Ordering::Relaxed);
        (micros != i64::MAX).then(|| Timestamp::from_micros(micros))
    }

    fn read_only() -> StoreError {
        StoreError::InvalidRequest("a past view of the log is read-only".into())
    }
}

#[async_trait::async_trait]
impl EventStore for LogAsOf {
    async fn append(
        &self,
        _stream: &str,
        _expected: ExpectedVersion,
        _events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        Err(Self::read_only())
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut page = self
            .inner
            .read_stream(stream, from_version, max_count)
            .await?;
        // A stream is in time order: its past is a prefix.
        if let Some(late) = page
            .iter()
            .position(|e| e.metadata.occurred_at > self.until)
        {
            page.truncate(late);
        }
        Ok(page)
    }

    async fn read_all(
        &self,
        mut after: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        loop {
            let mut page = self.inner.read_all(after, max_count).await?;
            let Some(last) = page.last() else {
                return Ok(page);
            };
            after = last.position;
            page.retain(|event| event.metadata.occurred_at <= self.until);
            if let Some(earliest) = page
                .iter()
                .map(|e| e.metadata.occurred_at.as_micros())
                .min()
            {
                self.earliest.fetch_min(earliest, Ordering::Relaxed);
                return Ok(page);
            }
        }
    }

    async fn subscribe_all(&self, _after: u64) -> Result<EventFeed, StoreError> {
        Err(StoreError::InvalidRequest(
            "a past view of the log has no live feed".into(),
        ))
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        let mut version = 0;
        loop {
            let page = self.read_stream(stream, version + 1, 1_000).await?;
            match page.last() {
                Some(last) if page.len() == 1_000 => version = last.version,
                Some(last) => return Ok(last.version),
                None => return Ok(version),
            }
        }
    }

    async fn head_position(&self) -> Result<u64, StoreError> {
        self.inner.head_position().await
    }

    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
}
