//! Durable idempotency records: the first answer to each (caller, key).
//!
//! Its own SQLite file in the data directory, `synchronous=FULL`, so that a
//! retry after a restart is still recognised. The record is written after the
//! command's events are durable; a crash in between is covered differently:
//! the command id is derived from (caller, key), so the retried command
//! finds its own events already in the stream (see `http::idempotency`).

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use markaz_store::sqlite::switch_to_wal;
use rusqlite::{params, Connection, OptionalExtension};

/// How long an answer is kept: long enough for any client's retries (across
/// restarts and outages), short enough that the file does not grow for ever.
pub const RETENTION_MICROS: i64 = 7 * 24 * 3_600 * 1_000_000;
/// How often expired answers are deleted.
const PURGE_EVERY_MICROS: i64 = 3_600 * 1_000_000;
/// Requests with the same (caller, key) run one at a time; unrelated keys
/// share one of this many locks.
const KEY_LOCKS: usize = 1024;

/// A stored answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    /// SHA-256 of the canonical request (method, path and body).
    pub request_digest: [u8; 32],
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("the idempotency file cannot be used: {0}; check the data directory's permissions and free space")]
    Sqlite(#[from] rusqlite::Error),
    #[error("an idempotency record is damaged: {0}")]
    Corrupt(String),
    #[error("the idempotency task failed: {0}")]
    Task(String),
}

/// The record file.
#[derive(Clone)]
pub struct IdempotencyStore {
    conn: Arc<Mutex<Connection>>,
    key_locks: Arc<[tokio::sync::Mutex<()>]>,
    last_purge_micros: Arc<AtomicI64>,
}

impl IdempotencyStore {
    pub fn open(path: &Path) -> Result<Self, IdempotencyError> {
        let conn = Connection::open(path)?;
        switch_to_wal(&conn, Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS idempotency (
                 caller TEXT NOT NULL,
                 key TEXT NOT NULL,
                 request_digest BLOB NOT NULL,
                 status INTEGER NOT NULL,
                 location TEXT,
                 body BLOB NOT NULL,
                 created_at INTEGER NOT NULL,
                 PRIMARY KEY (caller, key)
             ) WITHOUT ROWID;",
        )?;
        Ok(IdempotencyStore {
            conn: Arc::new(Mutex::new(conn)),
            key_locks: (0..KEY_LOCKS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            last_purge_micros: Arc::new(AtomicI64::new(i64::MIN)),
        })
    }

    /// Holds off other requests with the same (caller, key) until dropped, so
    /// that two copies of one request sent at once cannot both run: the second
    /// finds the first one's answer (or its different body: 422).
    pub async fn lock_key(&self, caller: &str, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (caller, key).hash(&mut hasher);
        let slot = (hasher.finish() % self.key_locks.len() as u64) as usize;
        self.key_locks[slot].lock().await
    }

    async fn run<T, F>(&self, work: F) -> Result<T, IdempotencyError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, IdempotencyError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&conn)
        })
        .await
        .map_err(|error| IdempotencyError::Task(error.to_string()))?
    }

    /// The answer recorded for (caller, key), if any.
    pub async fn find(
        &self,
        caller: String,
        key: String,
    ) -> Result<Option<StoredAnswer>, IdempotencyError> {
        self.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT request_digest, status, location, body FROM idempotency
                     WHERE caller = ?1 AND key = ?2",
                    params![caller, key],
                    |row| {
                        Ok((
                            row.get::<_, Vec<u8>>(0)?,
                            row.get::<_, u16>(1)?,
                            row.get::<_, Option<String>>(2)?,
                            row.get::<_, Vec<u8>>(3)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(digest, status, location, body)| {
                let request_digest = <[u8; 32]>::try_from(digest.as_slice()).map_err(|_| {
                    IdempotencyError::Corrupt("request digest is not 32 bytes".to_owned())
                })?;
                Ok(StoredAnswer {
                    request_digest,
                    status,
                    location,
                    body,
                })
            })
            .transpose()
        })
        .await
    }

    /// Records the first answer; a concurrent first answer for the same key
    /// wins. Now and then also deletes answers older than the retention.
    pub async fn record(
        &self,
        caller: String,
        key: String,
        answer: StoredAnswer,
        now_micros: i64,
    ) -> Result<(), IdempotencyError> {
        let last_purge = self.last_purge_micros.load(Ordering::Relaxed);
        let purge = now_micros.saturating_sub(last_purge) >= PURGE_EVERY_MICROS
            && self
                .last_purge_micros
                .compare_exchange(last_purge, now_micros, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        self.run(move |conn| {
            if purge {
                conn.execute(
                    "DELETE FROM idempotency WHERE created_at < ?1",
                    [now_micros.saturating_sub(RETENTION_MICROS)],
                )?;
            }
            conn.execute(
                "INSERT OR IGNORE INTO idempotency
                     (caller, key, request_digest, status, location, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    caller,
                    key,
                    answer.request_digest.as_slice(),
                    answer.status,
                    answer.location,
                    answer.body,
                    now_micros
                ],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_survive_reopening_and_the_first_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idempotency.sqlite");
        let answer = StoredAnswer {
            request_digest: [7; 32],
            status: 201,
            location: Some("/api/v1/complaints/x".to_owned()),
            body: b"{\"id\":\"x\"}".to_vec(),
        };
        {
            let store = IdempotencyStore::open(&path).unwrap();
            store
                .record("officer-a".into(), "k1".into(), answer.clone(), 1)
                .await
                .unwrap();
            let later = StoredAnswer {
                status: 409,
                ..answer.clone()
            };
            store
                .record("officer-a".into(), "k1".into(), later, 2)
                .await
                .unwrap();
        }
        let store = IdempotencyStore::open(&path).unwrap();
        let found = store.find("officer-a".into(), "k1".into()).await.unwrap();
        assert_eq!(found, Some(answer));
        let other_caller = store.find("officer-b".into(), "k1".into()).await.unwrap();
        assert_eq!(other_caller, None);
    }

    #[tokio::test]
    async fn answers_older_than_the_retention_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = IdempotencyStore::open(&dir.path().join("idempotency.sqlite")).unwrap();
        let answer = StoredAnswer {
            request_digest: [1; 32],
            status: 200,
            location: None,
            body: b"{}".to_vec(),
        };
        let day = 24 * 3_600 * 1_000_000;
        store
            .record("a".into(), "old".into(), answer.clone(), day)
            .await
            .unwrap();
        store
            .record("a".into(), "recent".into(), answer.clone(), 7 * day)
            .await
            .unwrap();
        // Eight days after the first answer: it has expired, the other has not.
        store
            .record("a".into(), "new".into(), answer, 9 * day)
            .await
            .unwrap();
        assert_eq!(store.find("a".into(), "old".into()).await.unwrap(), None);
        assert!(store
            .find("a".into(), "recent".into())
            .await
            .unwrap()
            .is_some());
        assert!(store
            .find("a".into(), "new".into())
            .await
            .unwrap()
            .is_some());
    }
}
