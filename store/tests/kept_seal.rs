//! A kept seal covers the log up to its position as a whole, not only the
//! stream heads it lists. On a backend whose positions have gaps (EventStoreDB
//! commit positions) an event can be slipped into a gap before the sealed
//! position without moving any other event; every listed head still matches,
//! and only the seal's digest over the whole log notices.

use std::sync::Arc;

use async_trait::async_trait;
use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use markaz_store::contract::{AppendOutcome, EventFeed};
use markaz_store::hash_chain::{recorded_hash, GENESIS_HASH};
use markaz_store::seal::{verify_log, LogWalker, Seal, VerifyOptions};
use markaz_store::{EventStore, ExpectedVersion, NewEvent, RecordedEvent, SqliteStore, StoreError};
use uuid::Uuid;

/// The embedded store seen with every position doubled (gaps between all
/// events, as commit positions have), plus events slipped into the gaps.
struct Sparse {
    inner: Arc<SqliteStore>,
    slipped: Vec<RecordedEvent>,
}

impl Sparse {
    fn spread(mut event: RecordedEvent) -> RecordedEvent {
        event.position *= 2;
        event
    }
}

#[async_trait]
impl EventStore for Sparse {
    async fn append(
        &self,
        _stream: &str,
        _expected: ExpectedVersion,
        _events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        Err(StoreError::InvalidRequest("read-only in this test".into()))
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events: Vec<RecordedEvent> = self
            .inner
            .read_stream(stream, from_version, max_count)
            .await?
            .into_iter()
            .map(Sparse::spread)
            .collect();
        events.extend(
            self.slipped
                .iter()
                .filter(|e| e.stream == stream && e.version >= from_version)
                .cloned(),
        );
        events.truncate(max_count);
        Ok(events)
    }

    async fn read_all(
        &self,
        after: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events: Vec<RecordedEvent> = self
            .inner
            .read_all(0, 10_000)
            .await?
            .into_iter()
            .map(Sparse::spread)
            .chain(self.slipped.iter().cloned())
            .filter(|e| e.position > after)
            .collect();
        events.sort_by_key(|e| e.position);
        events.truncate(max_count);
        Ok(events)
    }

    async fn subscribe_all(&self, _after: u64) -> Result<EventFeed, StoreError> {
        Err(StoreError::InvalidRequest("no feed in this test".into()))
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        self.inner.stream_version(stream).await
    }

    async fn head_position(&self) -> Result<u64, StoreError> {
        Ok(self.inner.head_position().await? * 2)
    }

    fn backend_name(&self) -> &'static str {
        "sparse test view"
    }
}

fn event(n: u64) -> NewEvent {
    NewEvent {
        event_type: "SealChecked".into(),
        schema_version: 1,
        payload: format!("event #{n}").into_bytes(),
        metadata: EventMetadata {
            event_id: Uuid::new_v4(),
            occurred_at: Timestamp::from_micros(1_764_000_000_000_000),
            actor: Actor::System,
            correlation_id: Uuid::new_v4(),
            causation_id: Uuid::new_v4(),
        },
    }
}

#[tokio::test]
async fn an_event_slipped_into_a_gap_before_a_kept_seal_is_caught() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let inner = Arc::new(SqliteStore::open(dir.path().join("events.db")).expect("open"));
    for (stream, events) in [
        ("complaint-a", 2u64),
        ("complaint-b", 1),
        ("complaint-a", 1),
    ] {
        let expected = ExpectedVersion::Any;
        let new = (0..events).map(event).collect();
        inner.append(stream, expected, new).await.expect("append");
    }
    let mut honest = Sparse {
        inner,
        slipped: Vec::new(),
    };
    let head = honest.head_position().await.expect("head");
    let mut walker = LogWalker::new();
    assert!(walker
        .advance_to(&honest, head)
        .await
        .expect("walk")
        .is_none());
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let seal = Seal::sign(walker.summary(), Timestamp::from_micros(1), &key);
    let options = |kept_seal| VerifyOptions {
        stream: None,
        kept_seal,
        trusted_keys: &[],
    };
    let intact = verify_log(&honest, options(Some(&seal)))
        .await
        .expect("verify");
    assert!(intact.is_ok(), "{intact:?}");

    // A complaint of its own, with a consistent chain, at an odd position
    // before the sealed end of the log.
    let mut forged = honest
        .read_stream("complaint-b", 1, 1)
        .await
        .expect("read")
        .remove(0);
    forged.stream = "complaint-forged".into();
    forged.position = 3;
    forged.metadata.event_id = Uuid::new_v4();
    forged.hash = recorded_hash(&GENESIS_HASH, &forged);
    honest.slipped.push(forged);
    let tampered = honest;

    let unsealed = verify_log(&tampered, options(None)).await.expect("verify");
    assert!(
        unsealed.is_ok(),
        "the chains alone cannot see it: {unsealed:?}"
    );
    let report = verify_log(&tampered, options(Some(&seal)))
        .await
        .expect("verify");
    let broken = report.first_broken.expect("the slipped event is caught");
    assert_eq!(
        (broken.stream.as_str(), broken.version),
        ("complaint-forged", 1)
    );
    assert!(
        broken.what.contains("does not list this stream"),
        "{}",
        broken.what
    );
}
