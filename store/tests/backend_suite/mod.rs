//! The conformance suite every `EventStore` backend must pass.
//!
//! A live server keeps data from earlier runs, so each test works on streams
//! whose names carry a fresh random run id, filters global-feed assertions to
//! those streams, and starts reading at the head position seen when it began.
//! Stream names start with `complaint-` because backends may deliver only
//! Markaz streams on the global feed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use markaz_store::hash_chain::verify_all_matching;
use markaz_store::{EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError};
use tokio::sync::Barrier;
use uuid::Uuid;

/// An upper bound for anything a test awaits; a healthy backend needs far less.
const PATIENCE: Duration = Duration::from_secs(20);

/// Stream names unique to one test run.
pub struct Run {
    prefix: String,
}

impl Run {
    pub fn new() -> Self {
        Run {
            prefix: format!("complaint-conformance{}-", Uuid::new_v4().simple()),
        }
    }

    pub fn stream(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub fn owns(&self, stream: &str) -> bool {
        stream.starts_with(&self.prefix)
    }
}

/// A distinct event whose payload names its stream and number.
pub fn event(label: &str, n: u64) -> NewEvent {
    NewEvent {
        event_type: "ConformanceChecked".into(),
        schema_version: 1,
        payload: format!("{label}#{n}").into_bytes(),
        metadata: EventMetadata {
            event_id: Uuid::new_v4(),
            occurred_at: Timestamp::from_micros(1_764_000_000_000_000 + n as i64),
            actor: Actor::System,
            correlation_id: Uuid::new_v4(),
            causation_id: Uuid::new_v4(),
        },
    }
}

fn events(label: &str, count: u64) -> Vec<NewEvent> {
    (1..=count).map(|n| event(label, n)).collect()
}

/// The global feed after `after`, keeping only this run's events.
async fn read_run_feed(store: &dyn EventStore, run: &Run, after: u64) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut after = after;
    loop {
        let page = store
            .read_all(after, 500)
            .await
            .expect("read the global feed");
        let Some(last) = page.last() else {
            return out;
        };
        after = last.position;
        out.extend(page.into_iter().filter(|e| run.owns(&e.stream)));
    }
}

fn assert_wrong_version(result: Result<impl std::fmt::Debug, StoreError>, actual_version: u64) {
    match result {
        Err(StoreError::WrongExpectedVersion { actual, .. }) => assert_eq!(actual, actual_version),
        other => panic!("expected WrongExpectedVersion (actual {actual_version}), got {other:?}"),
    }
}

/// 64 tasks race to append each next version; exactly one wins each round.
pub async fn racing_appends_have_one_winner(store: Arc<dyn EventStore>) {
    const TASKS: usize = 64;
    const ROUNDS: u64 = 4;
    let run = Run::new();
    let stream = run.stream("race");
    for version in 1..=ROUNDS {
        let barrier = Arc::new(Barrier::new(TASKS));
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let (store, stream, barrier) = (store.clone(), stream.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                let candidate = event("race", version * 1_000 + task as u64);
                let id = candidate.metadata.event_id;
                barrier.wait().await;
                let result = store
                    .append(
                        &stream,
                        ExpectedVersion::Exact(version - 1),
                        vec![candidate],
                    )
                    .await;
                (id, result)
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            let (id, result) = task.await.expect("racing task");
            match result {
                Ok(outcome) => {
                    assert_eq!(outcome.version, version);
                    winners.push(id);
                }
                Err(error) => assert_wrong_version(Err::<(), _>(error), version),
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {version}: exactly one append may win"
        );
        let stored = store
            .read_stream(&stream, version, 10)
            .await
            .expect("read the raced stream");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].metadata.event_id, winners[0]);
    }
    assert_eq!(
        store.stream_version(&stream).await.expect("version"),
        ROUNDS
    );
}

/// A retried append with the same ids returns the original outcome and writes nothing.
pub async fn retried_append_is_idempotent(store: Arc<dyn EventStore>) {
    let run = Run::new();
    let stream = run.stream("retry");
    let start = store.head_position().await.expect("head");
    let batch = events("retry", 3);
    let first = store
        .append(&stream, ExpectedVersion::Exact(0), batch.clone())
        .await
        .expect("first append");
    assert_eq!(first.version, 3);
    let again = store
        .append(&stream, ExpectedVersion::Exact(0), batch.clone())
        .await
        .expect("retry with the same ids and expected version");
    assert_eq!(again, first);
    let as_no_stream = store
        .append(&stream, ExpectedVersion::NoStream, batch.clone())
        .await
        .expect("retry expressed as NoStream");
    assert_eq!(as_no_stream, first);

    // Later appends do not stop a late retry from being recognised.
    store
        .append(&stream, ExpectedVersion::Exact(3), events("retry-more", 2))
        .await
        .expect("append after the first");
    let late = store
        .append(&stream, ExpectedVersion::Exact(0), batch.clone())
        .await
        .expect("late retry");
    assert_eq!(late, first);

    // The same ids, only partly, are a different append.
    let mut partial = batch[..2].to_vec();
    partial.push(event("retry", 99));
    let partial_result = store
        .append(&stream, ExpectedVersion::Exact(0), partial)
        .await;
    assert!(
        partial_result.is_err(),
        "a partial match must fail: {partial_result:?}"
    );
    let feed = read_run_feed(store.as_ref(), &run, start).await;
    assert_eq!(feed.len(), 5, "nothing may be written twice");
    assert_eq!(store.stream_version(&stream).await.expect("version"), 5);

    // EventStoreDB compares ids only with the events at the expected place,
    // so ids reused elsewhere are refused by backends with a global id index.
    if !enforces_unique_event_ids(store.as_ref()) {
        return;
    }
    let shifted = store
        .append(&stream, ExpectedVersion::Exact(5), batch.clone())
        .await;
    assert!(
        shifted.is_err(),
        "ids stored at other versions must fail: {shifted:?}"
    );
    let other_stream = store
        .append(&run.stream("retry-other"), ExpectedVersion::NoStream, batch)
        .await;
    assert!(
        other_stream.is_err(),
        "ids stored in another stream must fail: {other_stream:?}"
    );
    let feed = read_run_feed(store.as_ref(), &run, start).await;
    assert_eq!(feed.len(), 5, "a refused append must write nothing");
    assert_eq!(
        store
            .stream_version(&run.stream("retry-other"))
            .await
            .expect("version"),
        0
    );
}

/// Whether the backend refuses an event id stored anywhere else in the log.
fn enforces_unique_event_ids(store: &dyn EventStore) -> bool {
    store.backend_name() == "sqlite"
}

/// The global feed holds every event once, in increasing positions, each
/// stream in version order.
pub async fn global_feed_is_ordered(store: Arc<dyn EventStore>) {
    const STREAMS: u64 = 8;
    const PER_STREAM: u64 = 12;
    let run = Run::new();
    let start = store.head_position().await.expect("head");
    let mut tasks = Vec::new();
    for s in 0..STREAMS {
        let (store, stream) = (store.clone(), run.stream(&format!("feed{s}")));
        tasks.push(tokio::spawn(async move {
            for n in 0..PER_STREAM {
                store
                    .append(&stream, ExpectedVersion::Exact(n), vec![event(&stream, n)])
                    .await
                    .expect("append to own stream");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer task");
    }
    let feed = read_run_feed(store.as_ref(), &run, start).await;
    assert_eq!(feed.len() as u64, STREAMS * PER_STREAM);
    assert_feed_in_order(&feed);
    let head = store.head_position().await.expect("head");
    assert!(feed
        .iter()
        .all(|e| e.position > start && e.position <= head));
}

/// Positions strictly increase and each stream's versions run 1, 2, 3, ...
fn assert_feed_in_order(feed: &[RecordedEvent]) {
    for pair in feed.windows(2) {
        assert!(
            pair[0].position < pair[1].position,
            "positions must strictly increase: {} then {}",
            pair[0].position,
            pair[1].position
        );
    }
    let mut versions: HashMap<&str, u64> = HashMap::new();
    for event in feed {
        let last = versions.entry(&event.stream).or_insert(0);
        assert_eq!(
            event.version,
            *last + 1,
            "stream {} out of order",
            event.stream
        );
        *last = event.version;
    }
}

/// A subscription delivers what was written before it started, then what
/// concurrent writers add, each event exactly once and in order.
pub async fn subscription_catches_up_then_follows(store: Arc<dyn EventStore>) {
    const WRITERS: u64 = 6;
    const BEFORE: u64 = 5;
    const DURING: u64 = 25;
    let run = Run::new();
    let start = store.head_position().await.expect("head");
    for w in 0..WRITERS {
        let stream = run.stream(&format!("sub{w}"));
        store
            .append(&stream, ExpectedVersion::NoStream, events(&stream, BEFORE))
            .await
            .expect("append before subscribing");
    }
    let mut feed = store.subscribe_all(start).await.expect("subscribe");
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (store, stream) = (store.clone(), run.stream(&format!("sub{w}")));
        writers.push(tokio::spawn(async move {
            for n in BEFORE..BEFORE + DURING {
                store
                    .append(&stream, ExpectedVersion::Exact(n), vec![event(&stream, n)])
                    .await
                    .expect("append while subscribed");
            }
        }));
    }
    let expected = WRITERS * (BEFORE + DURING);
    let mut seen = Vec::new();
    let mut ids = HashSet::new();
    tokio::time::timeout(PATIENCE, async {
        while (seen.len() as u64) < expected {
            let event = feed
                .next()
                .await
                .expect("the feed ended early")
                .expect("feed event");
            if run.owns(&event.stream) {
                assert!(ids.insert(event.metadata.event_id), "event delivered twice");
                seen.push(event);
            }
        }
    })
    .await
    .expect("the subscription did not deliver every event in time");
    for writer in writers {
        writer.await.expect("writer task");
    }
    assert_feed_in_order(&seen);
    assert_eq!(seen, read_run_feed(store.as_ref(), &run, start).await);
}

/// Reads can start in the middle of a stream and of the global feed.
pub async fn reads_start_in_the_middle(store: Arc<dyn EventStore>) {
    let run = Run::new();
    let stream = run.stream("middle");
    store
        .append(&stream, ExpectedVersion::NoStream, events("middle", 10))
        .await
        .expect("append ten");
    let versions =
        |events: Vec<RecordedEvent>| events.iter().map(|e| e.version).collect::<Vec<_>>();
    let page = store.read_stream(&stream, 4, 3).await.expect("read 4..=6");
    assert_eq!(versions(page), vec![4, 5, 6]);
    let tail = store.read_stream(&stream, 8, 100).await.expect("read 8..");
    assert_eq!(versions(tail), vec![8, 9, 10]);
    assert!(store
        .read_stream(&stream, 11, 10)
        .await
        .expect("read past the end")
        .is_empty());

    let all = store.read_stream(&stream, 1, 100).await.expect("read all");
    let fifth = all[4].position;
    let after_fifth = store
        .read_all(fifth, 100)
        .await
        .expect("read feed after the fifth");
    let ours: Vec<_> = after_fifth
        .into_iter()
        .filter(|e| e.stream == stream)
        .collect();
    assert_eq!(versions(ours), vec![6, 7, 8, 9, 10]);
    let limited = store.read_all(fifth, 2).await.expect("read two");
    assert_eq!(limited.len(), 2);
    assert!(limited[0].position > fifth);
}

/// One append of a thousand events is atomic and reads back whole.
pub async fn large_batch_is_atomic(store: Arc<dyn EventStore>) {
    let run = Run::new();
    let stream = run.stream("large");
    let start = store.head_position().await.expect("head");
    let batch = events("large", 1_000);
    let ids: Vec<Uuid> = batch.iter().map(|e| e.metadata.event_id).collect();
    let outcome = store
        .append(&stream, ExpectedVersion::NoStream, batch)
        .await
        .expect("append a thousand events");
    assert_eq!(outcome.version, 1_000);
    let stored = store
        .read_stream(&stream, 1, 5_000)
        .await
        .expect("read back");
    assert_eq!(
        stored
            .iter()
            .map(|e| e.metadata.event_id)
            .collect::<Vec<_>>(),
        ids
    );
    assert_eq!(stored.last().map(|e| e.position), Some(outcome.position));
    let feed = read_run_feed(store.as_ref(), &run, start).await;
    assert_eq!(feed, stored);
}

/// Missing streams read as empty, at version 0, and only accept a fresh start.
pub async fn missing_streams_are_empty(store: Arc<dyn EventStore>) {
    let run = Run::new();
    let stream = run.stream("missing");
    assert_eq!(store.stream_version(&stream).await.expect("version"), 0);
    assert!(store
        .read_stream(&stream, 1, 10)
        .await
        .expect("read")
        .is_empty());
    assert_wrong_version(
        store
            .append(
                &stream,
                ExpectedVersion::Exact(2),
                vec![event("missing", 1)],
            )
            .await,
        0,
    );
    assert_eq!(store.stream_version(&stream).await.expect("version"), 0);
    let created = store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            vec![event("missing", 1)],
        )
        .await
        .expect("create with NoStream");
    assert_eq!(created.version, 1);
    assert_wrong_version(
        store
            .append(
                &stream,
                ExpectedVersion::NoStream,
                vec![event("missing", 2)],
            )
            .await,
        1,
    );
    let any = store
        .append(&stream, ExpectedVersion::Any, vec![event("missing", 3)])
        .await
        .expect("append with Any");
    assert_eq!(any.version, 2);
    let head = store.head_position().await.expect("head");
    assert!(store
        .read_all(head, 10)
        .await
        .expect("read past the head")
        .is_empty());
}

/// Every chain written through the backend verifies.
pub async fn hash_chains_verify(store: Arc<dyn EventStore>) {
    let run = Run::new();
    for s in 0..3 {
        let stream = run.stream(&format!("chain{s}"));
        store
            .append(&stream, ExpectedVersion::NoStream, events(&stream, 4))
            .await
            .expect("first append");
        store
            .append(&stream, ExpectedVersion::Exact(4), events(&stream, 3))
            .await
            .expect("second append");
    }
    let report = verify_all_matching(store.as_ref(), |stream| run.owns(stream))
        .await
        .expect("verify");
    assert_eq!(report.first_broken, None);
    assert_eq!((report.streams_checked, report.events_checked), (3, 21));
}

/// A backend under test and whatever must live as long as it (a temporary
/// directory, a test server).
pub struct Backend {
    pub store: Arc<dyn EventStore>,
    pub _keep_alive: Option<Box<dyn std::any::Any + Send>>,
}

/// Defines one `#[tokio::test]` per suite function for a backend. `$open` is an
/// async expression giving `Option<Backend>`; `None` skips.
#[macro_export]
macro_rules! conformance_tests {
    ($backend:ident, $open:expr) => {
        mod $backend {
            use super::backend_suite as suite;

            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                    async fn $name() {
                        if let Some(backend) = $open.await {
                            suite::$name(backend.store.clone()).await;
                        }
                    }
                };
            }

            case!(racing_appends_have_one_winner);
            case!(retried_append_is_idempotent);
            case!(global_feed_is_ordered);
            case!(subscription_catches_up_then_follows);
            case!(reads_start_in_the_middle);
            case!(large_batch_is_atomic);
            case!(missing_streams_are_empty);
            case!(hash_chains_verify);
        }
    };
}
