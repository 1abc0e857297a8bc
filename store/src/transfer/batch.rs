//! Appending copied events in their original order, at their original
//! versions, grouping consecutive events of one stream into one append.

use crate::contract::{EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError};

/// A group stops growing at this many events...
const MAX_BATCH_EVENTS: usize = 500;
/// ...or this many payload bytes, well under EventStoreDB's 1 MiB append limit.
const MAX_BATCH_BYTES: usize = 512 * 1024;

/// An append of copied events that the target refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot append versions {first_version} to {last_version} of {stream} \
     (first event {first_event_id}) to the target: {source}"
)]
pub struct CopyAppendError {
    pub stream: String,
    pub first_version: u64,
    pub last_version: u64,
    pub first_event_id: uuid::Uuid,
    #[source]
    pub source: StoreError,
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
/// same order.
pub struct Appender<'a> {
    store: &'a dyn EventStore,
    pending: Option<Batch>,
    appended: u64,
}

impl<'a> Appender<'a> {
    pub fn new(store: &'a dyn EventStore) -> Self {
        Appender {
            store,
            pending: None,
            appended: 0,
        }
    }

    /// Queues `event` for its stream at its version, appending what was
    /// queued before when it cannot join the same append.
    pub async fn push(&mut self, event: RecordedEvent) -> Result<(), CopyAppendError> {
        let joins = self.pending.as_ref().is_some_and(|batch| {
            batch.stream == event.stream
                && batch.first_version + batch.events.len() as u64 == event.version
                && batch.events.len() < MAX_BATCH_EVENTS
                && batch.bytes + event.payload.len() <= MAX_BATCH_BYTES
        });
        if !joins {
            self.flush().await?;
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

    /// Appends whatever is queued.
    pub async fn flush(&mut self) -> Result<(), CopyAppendError> {
        let Some(batch) = self.pending.take() else {
            return Ok(());
        };
        let count = batch.events.len() as u64;
        let last_version = batch.first_version + count - 1;
        let first_event_id = batch.events[0].metadata.event_id;
        let expected = ExpectedVersion::Exact(batch.first_version - 1);
        let failed = |source: StoreError, stream: String| CopyAppendError {
            stream,
            first_version: batch.first_version,
            last_version,
            first_event_id,
            source,
        };
        match self
            .store
            .append(&batch.stream, expected, batch.events)
            .await
        {
            Ok(outcome) if outcome.version == last_version => {
                self.appended += count;
                Ok(())
            }
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

    /// How many events were appended (flushed) so far.
    pub fn appended(&self) -> u64 {
        self.appended
    }
}
