//! The single writer: group commit of queued appends.
//!
//! Appends arrive on a channel. The writer applies everything queued, and
//! whatever arrives meanwhile, in one transaction (a failing append is rolled
//! back alone and does not fail its neighbours), commits once — one fsync for
//! the whole group — and only then answers each caller and publishes the new
//! committed head. While it waits for the disk,
//! new appends queue up and form the next group, so throughput under
//! concurrency is not bounded by fsync latency.

use std::collections::HashMap;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use super::rows::metadata_column;
use super::sql_error;
use crate::contract::{AppendOutcome, ExpectedVersion, NewEvent, StoreError};
use crate::hash_chain::{chain_hash, GENESIS_HASH};

/// At most this many appends share one transaction.
const MAX_GROUP_APPENDS: usize = 1_024;
/// A group stops growing once it holds this many events.
const MAX_GROUP_EVENTS: usize = 20_000;
/// Stream tips remembered between groups; the cache is dropped when it grows
/// past this many streams (it only saves a lookup per append).
const MAX_CACHED_TIPS: usize = 50_000;
/// Longest accepted stream name, in bytes.
const MAX_STREAM_NAME: usize = 512;

/// One append waiting for the writer.
pub struct AppendRequest {
    pub stream: String,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    pub reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

/// Why one append of a group did not go through.
enum ApplyError {
    /// Fails this append only.
    Rejected(StoreError),
    /// An event id is already stored: maybe a retry of an earlier append.
    DuplicateId(Uuid),
    /// The database failed: the whole group is abandoned.
    Fatal(StoreError),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(error: rusqlite::Error) -> Self {
        ApplyError::Fatal(sql_error(error))
    }
}

/// The last event of a stream, as the next append needs it.
#[derive(Clone, Copy)]
struct StreamTip {
    version: u64,
    hash: [u8; 32],
    position: u64,
}

/// Owns the writing connection; runs on its own thread.
pub struct Writer {
    conn: Connection,
    /// Position of the last event written, committed or not.
    head: u64,
    committed: watch::Sender<u64>,
    /// Tips of streams as committed.
    tips: HashMap<String, StreamTip>,
    /// Tips written by the current group, not yet committed.
    group_tips: HashMap<String, StreamTip>,
    /// SQLite's `data_version` when this writer last committed: a different
    /// value means another process wrote to the file, and the caches are stale.
    data_version: i64,
}

impl Writer {
    /// Prepares a writer whose committed head is published on `committed`.
    pub fn new(conn: Connection, committed: watch::Sender<u64>) -> Result<Self, StoreError> {
        // `data_version` first: should another process commit between the
        // two reads, the head read is already the newer one, and the first
        // group sees a changed `data_version` and reads it again. The other
        // order would keep a stale head, and every append would then clash
        // with a position already taken.
        let data_version = data_version(&conn).map_err(sql_error)?;
        let head = last_position(&conn).map_err(sql_error)?;
        committed.send_replace(head);
        Ok(Writer {
            conn,
            head,
            committed,
            tips: HashMap::new(),
            group_tips: HashMap::new(),
            data_version,
        })
    }

    /// Serves appends until every sender is gone.
    pub fn run(mut self, mut requests: mpsc::Receiver<AppendRequest>) {
        while let Some(first) = requests.blocking_recv() {
            self.commit_group(first, &mut requests);
        }
    }

    fn commit_group(&mut self, first: AppendRequest, requests: &mut mpsc::Receiver<AppendRequest>) {
        let mut group = vec![first];
        match self.write_group(&mut group, requests) {
            Ok(results) => {
                if self.tips.len() + self.group_tips.len() > MAX_CACHED_TIPS {
                    self.tips.clear();
                }
                self.tips.extend(self.group_tips.drain());
                self.committed.send_replace(self.head);
                for (request, result) in group.into_iter().zip(results) {
                    // A caller that gave up waiting is no reason to fail the others.
                    let _ = request.reply.send(result);
                }
            }
            Err(error) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.tips.clear();
                self.group_tips.clear();
                if let Ok(head) = last_position(&self.conn) {
                    self.head = head;
                }
                tracing::error!(%error, "event store group commit failed");
                for request in group {
                    let _ = request.reply.send(Err(StoreError::Unavailable(format!(
                        "the append may not have been written ({error}); retry it with the same \
                         event ids"
                    ))));
                }
            }
        }
    }

    /// Writes a group in one transaction; `Err` means nothing was committed.
    ///
    /// Appends that arrive while the group is being written join it: the
    /// queue is drained again after each append and the commit starts only
    /// once it is empty (or the group is full), so callers woken by the last
    /// commit that were slow to send their next append still share this one.
    fn write_group(
        &mut self,
        group: &mut Vec<AppendRequest>,
        requests: &mut mpsc::Receiver<AppendRequest>,
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
        self.run_cached("BEGIN IMMEDIATE")?;
        self.notice_other_writers()?;
        let mut results = Vec::with_capacity(group.len());
        let mut events = 0;
        while let Some(request) = group.get(results.len()) {
            events += request.events.len();
            results.push(self.append_in_savepoint(request)?);
            if results.len() == group.len()
                && group.len() < MAX_GROUP_APPENDS
                && events < MAX_GROUP_EVENTS
            {
                if let Ok(next) = requests.try_recv() {
                    group.push(next);
                }
            }
        }
        self.run_cached("COMMIT")?;
        Ok(results)
    }

    /// Drops what this writer remembers if another connection has committed
    /// since (e.g. a command-line tool appending while the server runs).
    /// Called inside the write transaction, so nobody else can write meanwhile.
    fn notice_other_writers(&mut self) -> Result<(), StoreError> {
        let version = data_version(&self.conn).map_err(sql_error)?;
        if version != self.data_version {
            self.tips.clear();
            self.head = last_position(&self.conn).map_err(sql_error)?;
            // Only now: had reading the head failed, the next group must try again.
            self.data_version = version;
        }
        Ok(())
    }

    /// The tip of `stream`, from this group, the cache or the file.
    fn stream_tip(&self, stream: &str) -> Result<StreamTip, ApplyError> {
        if let Some(tip) = self
            .group_tips
            .get(stream)
            .or_else(|| self.tips.get(stream))
        {
            return Ok(*tip);
        }
        stream_tip(&self.conn, stream)
    }

    /// Runs a statement without parameters, prepared once per connection.
    fn run_cached(&self, sql: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute([]))
            .map(|_| ())
            .map_err(sql_error)
    }

    fn append_in_savepoint(
        &mut self,
        request: &AppendRequest,
    ) -> Result<Result<AppendOutcome, StoreError>, StoreError> {
        let head_before = self.head;
        // A single INSERT that fails is undone by SQLite itself, so only
        // multi-event appends pay for a savepoint.
        let savepoint = request.events.len() > 1;
        if savepoint {
            self.run_cached("SAVEPOINT append")?;
        }
        let applied = self.apply(request);
        if savepoint {
            if applied.is_ok() {
                self.run_cached("RELEASE append")?;
            } else {
                self.run_cached("ROLLBACK TO append")?;
                self.run_cached("RELEASE append")?;
            }
        }
        if applied.is_err() {
            self.head = head_before;
        }
        match applied {
            Ok(outcome) => Ok(Ok(outcome)),
            Err(ApplyError::Rejected(error)) => Ok(Err(error)),
            Err(ApplyError::Fatal(error)) => Err(error),
            Err(ApplyError::DuplicateId(event_id)) => match self.already_stored(request) {
                Ok(Some(outcome)) => Ok(Ok(outcome)),
                Ok(None) => Ok(Err(StoreError::DuplicateEventId {
                    event_id,
                    detail: "it is part of another append".into(),
                })),
                Err(ApplyError::Rejected(error)) => Ok(Err(error)),
                Err(ApplyError::Fatal(error)) => Err(error),
                Err(ApplyError::DuplicateId(event_id)) => Ok(Err(StoreError::DuplicateEventId {
                    event_id,
                    detail: "it is part of another append".into(),
                })),
            },
        }
    }

    fn apply(&mut self, request: &AppendRequest) -> Result<AppendOutcome, ApplyError> {
        validate_stream(&request.stream).map_err(ApplyError::Rejected)?;
        let tip = self.stream_tip(&request.stream)?;
        let (current, mut prev_hash) = (tip.version, tip.hash);
        let matches = match request.expected {
            ExpectedVersion::NoStream => current == 0,
            ExpectedVersion::Exact(version) => current == version,
            ExpectedVersion::Any => true,
        };
        if !matches {
            return match self.already_stored(request)? {
                Some(outcome) => Ok(outcome),
                None => Err(ApplyError::Rejected(StoreError::WrongExpectedVersion {
                    stream: request.stream.clone(),
                    expected: request.expected,
                    actual: current,
                })),
            };
        }
        if request.events.is_empty() {
            return Ok(AppendOutcome {
                version: current,
                position: tip.position,
                hash: tip.hash,
            });
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO events (position, stream, version, event_id, event_type, schema_version, \
             occurred_at, payload, metadata, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut version = current;
        for event in &request.events {
            version += 1;
            let position = self.head + 1;
            let hash = chain_hash(&prev_hash, &request.stream, version, event);
            let metadata = metadata_column(&event.metadata).map_err(ApplyError::Rejected)?;
            let inserted = insert.execute(params![
                to_sql_int(position)?,
                request.stream,
                to_sql_int(version)?,
                event.metadata.event_id.as_bytes().as_slice(),
                event.event_type,
                event.schema_version,
                event.metadata.occurred_at.as_micros(),
                event.payload,
                metadata,
                hash.as_slice(),
            ]);
            match inserted {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(failure, _))
                    if failure.code == ErrorCode::ConstraintViolation =>
                {
                    return Err(ApplyError::DuplicateId(event.metadata.event_id));
                }
                Err(error) => return Err(error.into()),
            }
            self.head = position;
            prev_hash = hash;
        }
        self.group_tips.insert(
            request.stream.clone(),
            StreamTip {
                version,
                hash: prev_hash,
                position: self.head,
            },
        );
        Ok(AppendOutcome {
            version,
            position: self.head,
            hash: prev_hash,
        })
    }

    /// The original outcome if every event of `request` is already stored, in
    /// order, at the places this append would have put them; `None` if none is
    /// stored; an error if only some are, or elsewhere.
    fn already_stored(&self, request: &AppendRequest) -> Result<Option<AppendOutcome>, ApplyError> {
        let mut lookup = self.conn.prepare_cached(
            "SELECT stream, version, position, hash FROM events WHERE event_id = ?1",
        )?;
        let mut found = Vec::with_capacity(request.events.len());
        for event in &request.events {
            let place: Option<(String, i64, i64, Vec<u8>)> = lookup
                .query_row([event.metadata.event_id.as_bytes().as_slice()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .optional()?;
            found.push((event.metadata.event_id, place));
        }
        let Some(first_stored) = found.iter().find(|(_, place)| place.is_some()) else {
            return Ok(None);
        };
        let first_stored_id = first_stored.0;
        let elsewhere = |detail: String| {
            Err(ApplyError::Rejected(StoreError::DuplicateEventId {
                event_id: first_stored_id,
                detail,
            }))
        };
        let mut places = Vec::with_capacity(found.len());
        for (event_id, place) in found {
            match place {
                Some(place) => places.push(place),
                None => {
                    return elsewhere(format!(
                        "some events of this append are stored and {event_id} is not; \
                         an append is stored whole or not at all, so this is a different append"
                    ))
                }
            }
        }
        let first_version = places[0].1;
        let consecutive = places
            .iter()
            .enumerate()
            .all(|(i, (stream, version, _, _))| {
                *stream == request.stream && *version == first_version + i as i64
            });
        let expected_start = match request.expected {
            ExpectedVersion::NoStream => Some(1),
            ExpectedVersion::Exact(version) => Some(version as i64 + 1),
            ExpectedVersion::Any => None,
        };
        if !consecutive || expected_start.is_some_and(|start| start != first_version) {
            let (stream, version, _, _) = &places[0];
            return elsewhere(format!(
                "it is stored as version {version} of stream {stream}, not where this append puts it"
            ));
        }
        let (_, last_version, last_position, last_hash) = &places[places.len() - 1];
        let hash = last_hash.as_slice().try_into().map_err(|_| {
            ApplyError::Rejected(StoreError::Backend(format!(
                "the stored hash of version {last_version} of {} is not 32 bytes: the event file \
                 is damaged, run `markaz audit verify`",
                request.stream
            )))
        })?;
        Ok(Some(AppendOutcome {
            version: *last_version as u64,
            position: *last_position as u64,
            hash,
        }))
    }
}

fn validate_stream(stream: &str) -> Result<(), StoreError> {
    if stream.is_empty() || stream.len() > MAX_STREAM_NAME {
        return Err(StoreError::InvalidRequest(format!(
            "stream name must be 1 to {MAX_STREAM_NAME} bytes long, got {} bytes",
            stream.len()
        )));
    }
    Ok(())
}

fn to_sql_int(value: u64) -> Result<i64, ApplyError> {
    i64::try_from(value).map_err(|_| {
        ApplyError::Rejected(StoreError::InvalidRequest(format!(
            "{value} is beyond the largest version or position the store can hold"
        )))
    })
}

/// The last event of `stream` as stored (version 0 and the genesis hash if none).
fn stream_tip(conn: &Connection, stream: &str) -> Result<StreamTip, ApplyError> {
    let mut query = conn.prepare_cached(
        "SELECT version, hash, position FROM events WHERE stream = ?1 ORDER BY version DESC LIMIT 1",
    )?;
    let row: Option<(i64, Vec<u8>, i64)> = query
        .query_row([stream], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    match row {
        None => Ok(StreamTip {
            version: 0,
            hash: GENESIS_HASH,
            position: 0,
        }),
        Some((version, hash, position)) => {
            let hash: [u8; 32] = hash.as_slice().try_into().map_err(|_| {
                ApplyError::Fatal(StoreError::Corrupt(format!(
                    "event {version} of stream {stream} has a malformed hash"
                )))
            })?;
            Ok(StreamTip {
                version: version as u64,
                hash,
                position: position as u64,
            })
        }
    }
}

/// Asked at the start of every group, so the statement is kept prepared.
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))
}

fn last_position(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|position| position as u64)
}
