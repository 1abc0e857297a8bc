//! The EventStoreDB / KurrentDB backend of the `EventStore` contract, through
//! the official `kurrentdb` gRPC client.
//!
//! # Stored form
//! Each event is written with our `metadata.event_id` as its id (deterministic,
//! derived from the command), the postcard payload as binary data, the type
//! name `<Type>.v<schema version>` (`ComplaintFiled.v2`) and JSON custom
//! metadata `{actor, correlation_id, causation_id, occurred_at,
//! occurred_at_micros, schema_version, hash}` so the server's UI stays
//! readable. `occurred_at_micros` is authoritative; `hash` is the per-stream
//! hash chain (see `hash_chain`), hex.
//!
//! # Versions and positions
//! Our stream version counts events (first event = 1); EventStoreDB revisions
//! start at 0, so version = revision + 1 and `Exact(n)` is revision `n - 1`
//! (`Exact(0)` and `NoStream` are "no stream"). A position is the event's
//! commit position in `$all`: strictly increasing along the feed but with
//! gaps (it is a byte offset in the server's log), so never count with it.
//! `read_all` and `subscribe_all` take the position *after* which to start;
//! 0 means the beginning. Only our streams (configurable prefixes, by default
//! `complaint-`, `officer-`, `access-`, `seal-`, `service-`) appear in the global feed;
//! system events never do; appends to other streams are refused, since their
//! events would never reach the feed. `head_position` is the position of our
//! last event.
//! Pass `read_all` and `subscribe_all` only 0 or a position this backend
//! returned: a start that is not on an event boundary of the server's log
//! is refused or misread by the server.
//!
//! # Idempotency and retries
//! Every append is sent with an exact expected revision, even for
//! `ExpectedVersion::Any` (which reads the stream's end, appends exactly there
//! and re-reads after losing a race, a bounded number of times). The previous
//! event is read first because its hash is chained into the new ones. When
//! the stream has already moved past an exact expected revision, the server
//! compares the ids stored after it with the ones sent (a durable check): the
//! same ids at the same places give success with nothing written, anything
//! else the wrong-version error with the real version. So a call whose outcome is
//! unknown (deadline exceeded, not leader, server error, unavailable) is
//! repeated a bounded number of times with the identical request, and a caller
//! may repeat a whole `append` with the same events after an `Unavailable`
//! error. Every call carries a deadline (reads are repeated the same way);
//! subscriptions do not, since they are meant to stay open. `subscribe_all`
//! wraps a catch-up subscription in a resubscribe loop that resumes after the
//! last delivered event and drops anything at or before it.
//!
//! Limits of the server, not papered over here: EventStoreDB does not index
//! event ids across streams, nor against earlier places of the same stream.
//! An append whose ids are already stored elsewhere is therefore written
//! (the embedded backend refuses it with `DuplicateEventId`); deterministic
//! ids still make the retry of the *same* append idempotent. A repeated `Any`
//! append is not idempotent either: use an exact version for commands.
//!
//! # Deleted streams
//! Markaz never deletes a stream. A soft-deleted one reads as not found while
//! the server continues its numbering after the deletion point, so it is
//! detected (its metadata's truncate-before) and refused with a clear error
//! before anything is written; a tombstoned one is refused likewise.
//!
//! # What is tested where
//! The unit tests here cover the pure parts (type names, metadata JSON, round
//! trips from `NewEvent` to `RecordedEvent`, expected versions and revisions,
//! error mapping, positions, the seam rule of the resubscribe loop, the retry
//! loop, connection strings) and the real client against a port where nothing
//! listens. Behaviour against a server (races, idempotent retries, ordering,
//! subscriptions, deleted streams, injected faults) is covered by the shared
//! conformance suite and `store/tests/esdb_backend.rs`, which run on the
//! in-memory KurrentDB test server (`testing/kurrentdb-test-server`), or on
//! the node `MARKAZ_ESDB_URL` names.

mod append;
mod connection;
mod mapping;
mod read;
mod retry;
mod subscription;

use std::sync::Arc;

use async_trait::async_trait;
use kurrentdb::Client;

pub use connection::{EsdbOptions, DEFAULT_STREAM_PREFIXES};

use crate::contract::{
    AppendOutcome, EventFeed, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError,
};

/// An event log kept in an EventStoreDB / KurrentDB node or cluster.
#[derive(Clone)]
pub struct EsdbStore {
    client: Client,
    options: Arc<EsdbOptions>,
}

impl EsdbStore {
    /// Connects with default options to `url` (`esdb://`, `kurrentdb://`,
    /// cluster lists and `+discover` forms; an insecure node needs `tls=false`).
    pub async fn connect(url: &str) -> Result<EsdbStore, StoreError> {
        EsdbStore::connect_with(url, EsdbOptions::default()).await
    }

    /// Connects to `url` with `options`, and checks that the server answers
    /// by reading the end of `$all`.
    pub async fn connect_with(url: &str, options: EsdbOptions) -> Result<EsdbStore, StoreError> {
        let settings = connection::parse_settings(url)?;
        let client = connection::create_client(settings)?;
        let store = EsdbStore {
            client,
            options: Arc::new(options),
        };
        store.head_position().await.map_err(|e| match e {
            StoreError::Unavailable(reason) => StoreError::Unavailable(format!(
                "cannot reach EventStoreDB: {reason}; check the host list, and add tls=false for a node running without TLS"
            )),
            other => other,
        })?;
        Ok(store)
    }

    /// The options this store runs with.
    pub fn options(&self) -> &EsdbOptions {
        &self.options
    }
}

#[async_trait]
impl EventStore for EsdbStore {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        append::append(&self.client, &self.options, stream, expected, &events).await
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        read::read_stream(&self.client, &self.options, stream, from_version, max_count).await
    }

    async fn read_all(
        &self,
        after: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        read::read_all(&self.client, &self.options, after, max_count).await
    }

    async fn subscribe_all(&self, after: u64) -> Result<EventFeed, StoreError> {
        Ok(subscription::subscribe(
            self.client.clone(),
            Arc::clone(&self.options),
            after,
        ))
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        read::stream_version(&self.client, &self.options, stream).await
    }

    async fn head_position(&self) -> Result<u64, StoreError> {
        read::head_position(&self.client, &self.options).await
    }

    fn backend_name(&self) -> &'static str {
        "esdb"
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Nothing listens on port 1: the real client must give up within its
    /// bounds and say what to check, instead of hanging or panicking.
    #[tokio::test]
    async fn an_unreachable_server_is_reported_as_unavailable() {
        let options = EsdbOptions {
            call_deadline: Duration::from_millis(500),
            max_attempts: 2,
            retry_delay: Duration::from_millis(10),
            ..EsdbOptions::default()
        };
        let url = "esdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=2&discoveryInterval=10";
        match EsdbStore::connect_with(url, options).await {
            Err(StoreError::Unavailable(message)) => {
                assert!(message.contains("tls=false"), "{message}");
            }
            Err(other) => panic!("expected Unavailable, got {other:?}"),
            Ok(_) => panic!("connected to a port where nothing listens"),
        }
    }

    #[tokio::test]
    async fn an_invalid_connection_string_is_an_invalid_request() {
        assert!(matches!(
            EsdbStore::connect("postgres://localhost/markaz").await,
            Err(StoreError::InvalidRequest(_))
        ));
    }
}
