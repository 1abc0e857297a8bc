//! The contract every event-store backend fulfils, and the records it deals in.
//!
//! Versions and positions:
//! * A stream's *version* is the number of events in it; its first event has
//!   version 1. An empty or missing stream has version 0.
//! * A *position* is an event's place in the global feed. Positions strictly
//!   increase along the feed; 0 means "before the first event". The embedded
//!   backend's positions are dense (1, 2, 3, ...); EventStoreDB's are commit
//!   positions with gaps. Reads and subscriptions take the position *after*
//!   which to start.

use async_trait::async_trait;
use futures::stream::BoxStream;
use markaz_domain::metadata::EventMetadata;

/// The concurrency check of an append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// The stream must not exist yet (same as `Exact(0)`).
    NoStream,
    /// The stream must have exactly this many events.
    Exact(u64),
    /// No check. Retries of an `Any` append are not guaranteed idempotent on every
    /// backend: prefer an exact version.
    Any,
}

/// An event about to be appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// The event type name, e.g. `ComplaintFiled`.
    pub event_type: String,
    /// The schema version of `payload` for this type.
    pub schema_version: u16,
    /// postcard bytes of the frozen struct of that type and version.
    pub payload: Vec<u8>,
    /// Event id, time, actor, correlation and causation.
    pub metadata: EventMetadata,
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedEvent {
    pub stream: String,
    /// 1-based place in its stream.
    pub version: u64,
    /// Place in the global feed.
    pub position: u64,
    pub event_type: String,
    pub schema_version: u16,
    pub payload: Vec<u8>,
    pub metadata: EventMetadata,
    /// SHA-256 chained to the previous event of the same stream (see `hash_chain`).
    pub hash: [u8; 32],
}

/// The outcome of a successful append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The stream's version after the append (its number of events).
    pub version: u64,
    /// The global position of the last event of the append.
    pub position: u64,
    /// The hash-chain value of the stream's last event after the append (the
    /// receipt of a filing); the genesis hash for a stream with no events.
    pub hash: [u8; 32],
}

/// The last event of a stream, as needed by seals and verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamHead {
    pub stream: String,
    pub version: u64,
    pub hash: [u8; 32],
}

/// What can go wrong when talking to an event store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream {stream} is at version {actual}, not the expected {expected:?}")]
    WrongExpectedVersion {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    #[error("event id {event_id} is already stored elsewhere ({detail})")]
    DuplicateEventId {
        event_id: uuid::Uuid,
        detail: String,
    },
    #[error("invalid request to the event store: {0}")]
    InvalidRequest(String),
    #[error("the event store is unavailable, try again: {0}")]
    Unavailable(String),
    #[error("stored data is corrupt or was written by an incompatible version: {0}")]
    Corrupt(String),
    #[error("event store failure: {0}")]
    Backend(String),
}

/// A live feed of events: catch-up first, then new events as they are committed.
pub type EventFeed = BoxStream<'static, Result<RecordedEvent, StoreError>>;

/// One event log, whatever the backend.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` to `stream` atomically if the stream is at `expected`.
    ///
    /// Retrying an append whose event ids are already stored at the same places
    /// of the stream succeeds with the original outcome and writes nothing.
    /// `Ok` means the events are durable.
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError>;

    /// Events of `stream` with version >= `from_version` (1-based), in order,
    /// at most `max_count` of them. A missing stream reads as empty.
    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Events of the global feed with position > `after`, in order, at most `max_count`.
    async fn read_all(
        &self,
        after: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Every event with position > `after`, then every new event as it is
    /// committed, in global order, with no gap and no duplicate at the seam.
    async fn subscribe_all(&self, after: u64) -> Result<EventFeed, StoreError>;

    /// The stream's current version (0 if it does not exist).
    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError>;

    /// The position of the last event in the global feed (0 if the log is empty).
    async fn head_position(&self) -> Result<u64, StoreError>;

    /// How many events of the global feed lie after `after` up to and
    /// including `up_to`, counting at most `limit`: a distance in events, which
    /// positions are not on every backend (EventStoreDB's are byte offsets).
    /// The default pages through the feed; a backend may count faster.
    async fn count_between(&self, after: u64, up_to: u64, limit: u64) -> Result<u64, StoreError> {
        let mut counted = 0u64;
        let mut after = after;
        while counted < limit && after < up_to {
            let page = self.read_all(after, COUNT_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.position;
            counted += page.iter().filter(|e| e.position <= up_to).count() as u64;
        }
        Ok(counted.min(limit))
    }

    /// A short name for logs and metrics: `sqlite` or `esdb`.
    fn backend_name(&self) -> &'static str;
}

/// Events read per page when `count_between` counts through the feed.
const COUNT_PAGE: usize = 1_000;
