//! Read connections: a small pool, used from blocking tasks so that async
//! callers never stall a runtime thread. In WAL mode readers see the last
//! committed state and never wait for the writer.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::rows::{EventRow, EVENT_COLUMNS};
use super::schema::open_reader;
use super::sql_error;
use crate::contract::{RecordedEvent, StoreError, StreamHead};

/// Reads running at once; further reads wait for a turn. More would only
/// compete for the same cores and open ever more connections under a burst.
const MAX_READERS: usize = 8;

pub struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    turns: Semaphore,
}

impl ReaderPool {
    pub fn new(path: PathBuf) -> Self {
        ReaderPool {
            path,
            idle: Mutex::new(Vec::new()),
            turns: Semaphore::new(MAX_READERS),
        }
    }

    /// Runs `query` on a pooled connection in a blocking task.
    pub async fn run<T, F>(self: &Arc<Self>, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let _turn = self
            .turns
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("the event store is closing".into()))?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let conn = pool.take()?;
            let result = query(&conn);
            pool.give_back(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("a read task failed: {e}")))?
    }

    fn take(&self) -> Result<Connection, StoreError> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match pooled {
            Some(conn) => Ok(conn),
            None => open_reader(&self.path),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_READERS {
                idle.push(conn);
            }
        }
    }
}

fn limit(max_count: usize) -> i64 {
    i64::try_from(max_count).unwrap_or(i64::MAX)
}

fn collect(rows: rusqlite::Result<Vec<EventRow>>) -> Result<Vec<RecordedEvent>, StoreError> {
    rows.map_err(sql_error)?
        .into_iter()
        .map(EventRow::into_recorded)
        .collect()
}

pub fn read_stream(
    conn: &Connection,
    stream: &str,
    from_version: u64,
    max_count: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut query = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE stream = ?1 AND version >= ?2 \
             ORDER BY version LIMIT ?3"
        ))
        .map_err(sql_error)?;
    let from = i64::try_from(from_version).unwrap_or(i64::MAX);
    let rows = query
        .query_map(
            rusqlite::params![stream, from, limit(max_count)],
            EventRow::from_row,
        )
        .and_then(|rows| rows.collect());
    collect(rows)
}

pub fn read_all(
    conn: &Connection,
    after: u64,
    max_count: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut query = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2"
        ))
        .map_err(sql_error)?;
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let rows = query
        .query_map(
            rusqlite::params![after, limit(max_count)],
            EventRow::from_row,
        )
        .and_then(|rows| rows.collect());
    collect(rows)
}

pub fn stream_version(conn: &Connection, stream: &str) -> Result<u64, StoreError> {
    conn.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")
        .and_then(|mut query| query.query_row([stream], |row| row.get::<_, i64>(0)))
        .map(|version| version as u64)
        .map_err(sql_error)
}

/// The last committed position, whichever process committed it.
pub fn head_position(conn: &Connection) -> Result<u64, StoreError> {
    conn.prepare_cached("SELECT COALESCE(MAX(position), 0) FROM events")
        .and_then(|mut query| query.query_row([], |row| row.get::<_, i64>(0)))
        .map(|position| position as u64)
        .map_err(sql_error)
}

/// The number of events with `after < position <= up_to`.
pub fn count_between(conn: &Connection, after: u64, up_to: u64) -> Result<u64, StoreError> {
    conn.prepare_cached("SELECT COUNT(*) FROM events WHERE position > ?1 AND position <= ?2")
        .and_then(|mut query| {
            query.query_row([after as i64, up_to as i64], |row| row.get::<_, i64>(0))
        })
        .map(|count| count as u64)
        .map_err(sql_error)
}

pub fn stream_heads(conn: &Connection) -> Result<Vec<StreamHead>, StoreError> {
    // SQLite takes the bare `hash` column from the row holding MAX(version).
    let mut query = conn
        .prepare_cached(
            "SELECT stream, MAX(version), hash FROM events GROUP BY stream ORDER BY stream",
        )
        .map_err(sql_error)?;
    let rows = query
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Vec<u8>>(2)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(sql_error)?;
    rows.into_iter()
        .map(|(stream, version, hash)| {
            let hash = hash.as_slice().try_into().map_err(|_| {
                StoreError::Corrupt(format!(
                    "the last event of stream {stream} has a malformed hash"
                ))
            })?;
            Ok(StreamHead {
                stream,
                version: version as u64,
                hash,
            })
        })
        .collect()
}
