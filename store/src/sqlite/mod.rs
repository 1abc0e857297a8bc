//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`.
//!
//! One writer thread owns the only writing connection and commits appends in
//! groups (see `writer`); reads go through a small pool of separate
//! connections (see `reader`) and never block the writer; subscriptions follow
//! the committed head (see `subscription`); checkpoints run on a thread of
//! their own (see `checkpointer`).

pub mod backup;
mod checkpointer;
mod reader;
mod rows;
mod schema;
mod subscription;
mod wal_mode;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot, watch};

use crate::contract::{
    AppendOutcome, EventFeed, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError,
    StreamHead,
};
use reader::ReaderPool;
use writer::{AppendRequest, Writer};

pub use schema::{apply_pragmas, SCHEMA_VERSION};
pub use wal_mode::switch_to_wal;

/// Appends queued for the writer before callers start to wait for room.
const QUEUE_DEPTH: usize = 4_096;

/// The embedded event store.
pub struct SqliteStore {
    path: PathBuf,
    requests: mpsc::Sender<AppendRequest>,
    readers: Arc<ReaderPool>,
    committed: watch::Receiver<u64>,
}

impl SqliteStore {
    /// Opens (creating if needed) the event file at `path` and starts its writer.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = schema::open_writer(&path)?;
        checkpointer::start(&path, &mut conn)?;
        let (head_sender, committed) = watch::channel(0);
        let writer = Writer::new(conn, head_sender)?;
        let (requests, queue) = mpsc::channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("markaz-store-writer".into())
            .spawn(move || writer.run(queue))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            readers: Arc::new(ReaderPool::new(path.clone())),
            path,
            requests,
            committed,
        })
    }

    /// The event file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last event of every stream, ordered by stream name.
    pub async fn stream_heads(&self) -> Result<Vec<StreamHead>, StoreError> {
        self.readers.run(reader::stream_heads).await
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let (reply, outcome) = oneshot::channel();
        let request = AppendRequest {
            stream: stream.to_owned(),
            expected,
            events,
            reply,
        };
        let stopped =
            || StoreError::Unavailable("the event store writer has stopped; restart Markaz".into());
        self.requests.send(request).await.map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream.to_owned();
        self.readers
            .run(move |conn| reader::read_stream(conn, &stream, from_version, max_count))
            .await
    }

    async fn read_all(
        &self,
        after: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.readers
            .run(move |conn| reader::read_all(conn, after, max_count))
            .await
    }

    async fn count_between(&self, after: u64, up_to: u64, limit: u64) -> Result<u64, StoreError> {
        let counted = self
            .readers
            .run(move |conn| reader::count_between(conn, after, up_to))
            .await?;
        Ok(counted.min(limit))
    }

    async fn subscribe_all(&self, after: u64) -> Result<EventFeed, StoreError> {
        Ok(subscription::feed(
            Arc::clone(&self.readers),
            self.committed.clone(),
            after,
        ))
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        let stream = stream.to_owned();
        self.readers
            .run(move |conn| reader::stream_version(conn, &stream))
            .await
    }

    async fn head_position(&self) -> Result<u64, StoreError> {
        // Not the writer's announced head: that one only counts this process's
        // commits, and `markaz officers add` or an import may write beside us.
        self.readers.run(reader::head_position).await
    }

    fn backend_name(&self) -> &'static str {
        "sqlite"
    }
}

/// Maps a SQLite failure: a busy or locked file is worth retrying, the rest is not.
fn sql_error(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(format!("the event file is busy: {error}"))
        }
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt(error.to_string())
        }
        _ => StoreError::Backend(error.to_string()),
    }
}
