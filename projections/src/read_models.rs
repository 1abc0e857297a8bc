//! The query side of the read models, as the HTTP API calls it.
//!
//! Every query takes a pooled connection (following the live file across
//! rebuilds). Point lookups by a unique key (one indexed row, a few
//! microseconds) run on the calling task: a hop to the blocking pool would cost
//! more than the lookup. Lists, queues and performance figures, whose cost
//! grows with the data, run on the blocking thread pool so that they never
//! stall the async workers. Times that decide SLA breaches and backlog ages
//! are passed in as `now`, which keeps answers reproducible in tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use markaz_domain::{ComplaintId, MarkazCode, Timestamp, TrackingCode};
use rusqlite::Connection;
use serde::Serialize;

use crate::database::{open_writer, DatabaseError, Durability, ReaderPool};
use crate::gender_desk::{self, GenderDeskQueue};
use crate::performance::{self, Calendar, GroupBy, PerformanceReport};
use crate::status::{
    self, ComplaintFilter, ComplaintList, ComplaintView, CursorError, ListError, TrackingJson,
};

/// Why a query could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    InvalidCursor(#[from] CursorError),
    #[error("the date range is empty: `from` ({from}) is after `to` ({to})")]
    EmptyRange { from: NaiveDate, to: NaiveDate },
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("the query task stopped before answering: {0}")]
    Task(String),
    #[error(
        "the read models hold an unreadable row in {table}: {detail}; rebuild the read models"
    )]
    BadRow { table: &'static str, detail: String },
}

impl From<rusqlite::Error> for QueryError {
    fn from(error: rusqlite::Error) -> Self {
        QueryError::Database(DatabaseError::Sql(error))
    }
}

impl From<ListError> for QueryError {
    fn from(error: ListError) -> Self {
        match error {
            ListError::Cursor(cursor) => QueryError::InvalidCursor(cursor),
            ListError::Sql(sql) => sql.into(),
        }
    }
}

/// A performance question: a range of local days (inclusive, in each
/// markaz's time zone), a grouping and an optional markaz.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerformanceQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: GroupBy,
    pub markaz: Option<MarkazCode>,
}

/// Where a projection stands, as committed in the read-model file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredCheckpoint {
    pub projection: String,
    pub position: u64,
}

/// The read models of one data directory, for queries.
#[derive(Clone)]
pub struct ReadModels {
    pool: Arc<ReaderPool>,
}

impl ReadModels {
    /// Opens the read-model file at `path`, creating it and bringing its schema
    /// up to date if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DatabaseError> {
        let path = path.as_ref().to_path_buf();
        drop(open_writer(&path, Durability::Live)?);
        Ok(ReadModels {
            pool: ReaderPool::new(path),
        })
    }

    /// The live read-model file.
    pub fn path(&self) -> &Path {
        self.pool.path()
    }

    pub(crate) async fn run<T, F>(&self, query: F) -> Result<T, QueryError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, QueryError> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || {
            let conn = pool.checkout()?;
            query(&conn)
        })
        .await
        .map_err(|e| QueryError::Task(e.to_string()))?
    }

    /// Runs a point lookup (one row by a unique index) on the calling task.
    ///
    /// Readers of a WAL file never wait for the projection writer, so the
    /// lookup is bounded by one short B-tree descent.
    pub(crate) fn run_point<T>(
        &self,
        query: impl FnOnce(&Connection) -> Result<T, QueryError>,
    ) -> Result<T, QueryError> {
        let conn = self.pool.checkout()?;
        query(&conn)
    }

    /// The staff view of a complaint.
    pub async fn status_by_id(
        &self,
        id: ComplaintId,
        now: Timestamp,
    ) -> Result<Option<ComplaintView>, QueryError> {
        self.run_point(|conn| {
            let mut id_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            let id_text = id.as_uuid().hyphenated().encode_lower(&mut id_text);
            let row = status::status_by_id(conn, id_text)?;
            Ok(row.map(|row| ComplaintView::from_row(&row, now)))
        })
    }

    /// The complaint with this tracking code, in the staff view; see
    /// [`ReadModels::tracking_by_code`] for the public view.
    pub async fn status_by_tracking_code(
        &self,
        code: &TrackingCode,
        now: Timestamp,
    ) -> Result<Option<ComplaintView>, QueryError> {
        self.run_point(|conn| {
            let row = status::status_by_tracking_code(conn, code.as_str())?;
            Ok(row.map(|row| ComplaintView::from_row(&row, now)))
        })
    }

    /// The public view of the complaint with this tracking code, as the JSON
    /// the projection stored (see `status::public`).
    pub async fn tracking_by_code(
        &self,
        code: &TrackingCode,
    ) -> Result<Option<TrackingJson>, QueryError> {
        self.run_point(|conn| Ok(status::tracking_by_code(conn, code.as_str())?))
    }

    /// A page of complaints matching `filter`, newest first. `limit` is
    /// clamped to 1..=500; `cursor` is the `next_cursor` of the previous page.
    pub async fn list_complaints(
        &self,
        filter: ComplaintFilter,
        limit: usize,
        cursor: Option<String>,
        now: Timestamp,
    ) -> Result<ComplaintList, QueryError> {
        self.run(move |conn| {
            Ok(status::list_complaints(
                conn,
                &filter,
                limit,
                cursor.as_deref(),
                now,
            )?)
        })
        .await
    }

    /// The open gender-desk cases of `markaz` (all markaz when `None`), oldest
    /// first, at most `limit` (1..=1000), with counts by status.
    pub async fn gender_desk_queue(
        &self,
        markaz: Option<MarkazCode>,
        limit: usize,
        now: Timestamp,
    ) -> Result<GenderDeskQueue, QueryError> {
        self.run(move |conn| {
            let markaz = markaz.as_ref().map(|m| m.as_str());
            Ok(gender_desk::gender_desk_queue(conn, markaz, limit, now)?)
        })
        .await
    }

    /// The time zones the performance figures are counted in.
    pub async fn calendar(&self) -> Result<Calendar, QueryError> {
        self.run(|conn| Ok(Calendar::read(conn)?)).await
    }

    /// Performance figures per group over a range of local days, with the
    /// open backlog as of `now`, and the zone they were counted in.
    pub async fn performance(
        &self,
        query: PerformanceQuery,
        now: Timestamp,
    ) -> Result<PerformanceReport, QueryError> {
        if query.from > query.to {
            return Err(QueryError::EmptyRange {
                from: query.from,
                to: query.to,
            });
        }
        self.run(move |conn| {
            let markaz = query.markaz.as_ref().map(|m| m.as_str());
            Ok(performance::performance(
                conn,
                query.from,
                query.to,
                query.group_by,
                markaz,
                now,
            )?)
        })
        .await
    }

    /// The checkpoints committed in the file (see the runner for live lag and errors).
    pub async fn stored_checkpoints(&self) -> Result<Vec<StoredCheckpoint>, QueryError> {
        self.run(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT projection, position FROM projection_checkpoints ORDER BY projection",
            )?;
            let rows = statement
                .query_map([], |row| {
                    Ok(StoredCheckpoint {
                        projection: row.get(0)?,
                        position: row.get::<_, i64>(1)?.max(0) as u64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}

/// The live read-model path of a data directory.
pub fn read_model_path(data_dir: &Path) -> PathBuf {
    data_dir.join(crate::database::READ_MODEL_FILE)
}
