//! Appending copied events in their original order, at their original
//! versions, grouping consecutive events of one stream into one append.
//!
//! Waiting for each append before sending the next would cost one disk sync
//! per append. On the embedded backend, appends are therefore pipelined: up
//! to `EMBEDDED_WINDOW` are in flight at once, so the writer commits them in
//! groups. That keeps the source's global order because the embedded store
//! queues appends in the order they are first polled (one FIFO channel to a
//! single writer) and `FuturesOrdered` first polls them in the order they
//! were pushed. Other backends promise no order between concurrent appends,
//! so they get one append at a time. Never are two appends of the same
//! stream in flight together: the second would depend on the first.

use std::collections::{HashMap, VecDeque};

use futures::future::BoxFuture;
use futures::stream::{FuturesOrdered, StreamExt};

use crate::contract::{EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError};

/// Appends in flight at once on the embedded backend.
const EMBEDDED_WINDOW: usize = 64;

/// A group stops growing at this many events...
const MAX_BATCH_EVENTS: usize = 500;
/// ...or this many payload bytes, well under EventStoreDB's 1 MiB append limit.
const MAX_BATCH_BYTES: usize = 512 * 1024;

/// An append of copied events that the target refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot append versions {first_version} to {last_version} of {stream} \
     (first event {first_event_id}) to the target: {cause}"
)]
pub struct CopyAppendError {
    pub stream: String,
    pub first_version: u64,
    pub last_version: u64,
    pub first_event_id: uuid::Uuid,
    pub cause: StoreError,
}

struct Batch {
    stream: String,
    first_version: u64,
    events: Vec<NewEvent>,
    bytes: usize,
}

/// Appends events one stream-run at a time, each with the exact expected
/// version its first event needs, so the target ends up with the same
/// versions and event ids and, when it is appended to by nobody else, the
/// same order (on the embedded backend; see the module doc).
pub struct Appender<'a> {
    store: &'a dyn EventStore,
    window: usize,
    pending: Option<Batch>,
    in_flight: FuturesOrdered<BoxFuture<'a, Result<u64, CopyAppendError>>>,
    /// The stream of each append in flight, in the order they were sent.
    in_flight_streams: VecDeque<String>,
    streams_in_flight: HashMap<String, usize>,
    appended: u64,
}

impl<'a> Appender<'a> {
    pub fn new(store: &'a dyn EventStore) -> Self {
        let window = if store.backend_name() == "sqlite" {
            EMBEDDED_WINDOW
        } else {
            1
        };
        Appender {
            store,
            window,
            pending: None,
            in_flight: FuturesOrdered::new(),
            in_flight_streams: VecDeque::new(),
            streams_in_flight: HashMap::new(),
            appended: 0,
        }
    }

    /// Queues `event` for its stream at its version, sending what was
    /// queued before when it cannot join the same append.
    pub async fn push(&mut self, event: RecordedEvent) -> Result<(), CopyAppendError> {
        let joins = self.pending.as_ref().is_some_and(|batch| {
            batch.stream == event.stream
                && batch.first_version + batch.events.len() as u64 == event.version
                && batch.events.len() < MAX_BATCH_EVENTS
                && batch.bytes + event.payload.len() <= MAX_BATCH_BYTES
        });
        if !joins {
            if let Some(batch) = self.pending.take() {
                self.send(batch).await?;
            }
        }
        let bytes = event.payload.len();
        let new_event = NewEvent {
            event_type: event.event_type,
            schema_version: event.schema_version,
            payload: event.payload,
            metadata: event.metadata,
        };
        match &mut self.pending {
            Some(batch) => {
                batch.events.push(new_event);
                batch.bytes += bytes;
            }
            None => {
                self.pending = Some(Batch {
                    stream: event.stream,
                    first_version: event.version,
                    events: vec![new_event],
                    bytes,
                });
            }
        }
        Ok(())
    }

    /// Sends whatever is queued and waits until every append is done.
    pub async fn finish(&mut self) -> Result<(), CopyAppendError> {
        if let Some(batch) = self.pending.take() {
            self.send(batch).await?;
        }
        while !self.in_flight.is_empty() {
            self.complete_one().await?;
        }
        Ok(())
    }

    /// How many events were appended (and acknowledged) so far.
    pub fn appended(&self) -> u64 {
        self.appended
    }

    async fn send(&mut self, batch: Batch) -> Result<(), CopyAppendError> {
        while self.in_flight.len() >= self.window
            || self.streams_in_flight.contains_key(&batch.stream)
        {
            self.complete_one().await?;
        }
        *self
            .streams_in_flight
            .entry(batch.stream.clone())
            .or_default() += 1;
        self.in_flight_streams.push_back(batch.stream.clone());
        self.in_flight
            .push_back(Box::pin(append_batch(self.store, batch)));
        Ok(())
    }

    /// Waits for the oldest append in flight.
    async fn complete_one(&mut self) -> Result<(), CopyAppendError> {
        let Some(result) = self.in_flight.next().await else {
            return Ok(());
        };
        if let Some(stream) = self.in_flight_streams.pop_front() {
            if let Some(count) = self.streams_in_flight.get_mut(&stream) {
                *count -= 1;
                if *count == 0 {
                    self.streams_in_flight.remove(&stream);
                }
            }
        }
        self.appended += result?;
        Ok(())
    }
}

/// Appends one batch at its versions; returns how many events it held.
async fn append_batch(store: &dyn EventStore, batch: Batch) -> Result<u64, CopyAppendError> {
    let count = batch.events.len() as u64;
    let last_version = batch.first_version + count - 1;
    let first_event_id = batch.events[0].metadata.event_id;
    let expected = ExpectedVersion::Exact(batch.first_version - 1);
    let failed = |cause: StoreError, stream: String| CopyAppendError {
        stream,
        first_version: batch.first_version,
        last_version,
        first_event_id,
        cause,
    };
    match store.append(&batch.stream, expected, batch.events).await {
        Ok(outcome) if outcome.version == last_version => Ok(count),
        Ok(outcome) => Err(failed(
            StoreError::Backend(format!(
                "the store reports version {} after the append",
                outcome.version
            )),
            batch.stream,
        )),
        Err(error) => Err(failed(error, batch.stream)),
    }
}
