//! Behaviour of the EventStoreDB backend beyond the shared contract, on the
//! KurrentDB test server (or the node `MARKAZ_ESDB_URL` names, for the tests
//! that need no fault injection): deleted streams, lost answers, failing
//! nodes, and a subscription that keeps breaking.

use std::time::Duration;

use futures::StreamExt;
use kurrentdb::{DeleteStreamOptions, TombstoneStreamOptions};
use kurrentdb_test_server::{Config, Failure, Features, Target, TestServer};
use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use markaz_store::esdb::{EsdbOptions, EsdbStore};
use markaz_store::{EventStore, ExpectedVersion, NewEvent, StoreError};
use uuid::Uuid;

/// An upper bound for anything a test awaits; a healthy backend needs far less.
const PATIENCE: Duration = Duration::from_secs(20);

fn event(n: u64) -> NewEvent {
    NewEvent {
        event_type: "BackendChecked".into(),
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

fn stream() -> String {
    format!("complaint-esdb{}", Uuid::new_v4().simple())
}

/// Options that give up quickly, so a test of giving up stays short.
fn quick_options() -> EsdbOptions {
    EsdbOptions {
        retry_delay: Duration::from_millis(10),
        max_resubscribes: 3,
        ..EsdbOptions::default()
    }
}

async fn connect(url: &str) -> (EsdbStore, kurrentdb::Client) {
    let store = EsdbStore::connect_with(url, quick_options())
        .await
        .expect("connect the store");
    // The store installed the TLS crypto provider the client needs.
    let client = kurrentdb::Client::new(url.parse().expect("a valid connection string"))
        .expect("a raw client for what Markaz never does (deleting streams)");
    (store, client)
}

fn assert_deleted_error<T: std::fmt::Debug>(result: Result<T, StoreError>, stream: &str) {
    match result {
        Err(StoreError::Backend(message)) => {
            assert!(message.contains(stream), "{message}");
            assert!(message.contains("deleted"), "{message}");
        }
        other => panic!("expected a clear deleted-stream error for {stream}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_soft_deleted_stream_is_refused_not_restarted_at_version_one() {
    let target = Target::from_env();
    let (store, client) = connect(target.url()).await;
    let stream = stream();
    store
        .append(&stream, ExpectedVersion::NoStream, vec![event(1), event(2)])
        .await
        .expect("append");
    client
        .delete_stream(stream.as_str(), &DeleteStreamOptions::default())
        .await
        .expect("soft delete");

    assert_deleted_error(store.stream_version(&stream).await, &stream);
    assert_deleted_error(
        store
            .append(&stream, ExpectedVersion::NoStream, vec![event(3)])
            .await,
        &stream,
    );
    assert_deleted_error(
        store
            .append(&stream, ExpectedVersion::Any, vec![event(3)])
            .await,
        &stream,
    );
}

#[tokio::test]
async fn a_tombstoned_stream_is_refused_and_its_tombstone_is_not_an_event() {
    let target = Target::from_env();
    let (store, client) = connect(target.url()).await;
    let stream = stream();
    let before = store.head_position().await.expect("head");
    store
        .append(&stream, ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("append");
    client
        .tombstone_stream(stream.as_str(), &TombstoneStreamOptions::default())
        .await
        .expect("tombstone");

    assert_deleted_error(store.read_stream(&stream, 1, 10).await, &stream);
    assert_deleted_error(
        store
            .append(&stream, ExpectedVersion::Exact(1), vec![event(2)])
            .await,
        &stream,
    );
    let feed = store.read_all(before, 100).await.expect("read the feed");
    let ours: Vec<_> = feed.iter().filter(|e| e.stream == stream).collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
}

#[tokio::test]
async fn an_append_whose_answer_was_lost_is_repeated_and_stored_once() {
    let server = TestServer::start();
    let (store, _) = connect(&server.url()).await;
    let stream = stream();
    server.faults().lose_append_answers(1);
    let outcome = store
        .append(&stream, ExpectedVersion::NoStream, vec![event(1), event(2)])
        .await
        .expect("the repeat finds the events stored");
    assert_eq!(outcome.version, 2);
    let stored = store.read_stream(&stream, 1, 10).await.expect("read");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].hash, outcome.hash);
}

#[tokio::test]
async fn unavailable_slow_and_follower_nodes_are_ridden_out() {
    let server = TestServer::start();
    let (store, _) = connect(&server.url()).await;
    let stream = stream();
    for failure in [
        Failure::Unavailable,
        Failure::DeadlineExceeded,
        Failure::NotLeader,
    ] {
        server.faults().fail_next(failure, 2);
        let version = store.stream_version(&stream).await.expect("read");
        store
            .append(
                &stream,
                ExpectedVersion::Exact(version),
                vec![event(version + 1)],
            )
            .await
            .unwrap_or_else(|e| panic!("append through {failure:?}: {e}"));
    }
    assert_eq!(store.stream_version(&stream).await.expect("read"), 3);
}

#[tokio::test]
async fn a_node_that_stays_down_is_reported_unavailable() {
    let server = TestServer::start();
    let (store, _) = connect(&server.url()).await;
    server.faults().fail_next(Failure::Unavailable, u32::MAX);
    match store.stream_version(&stream()).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_without_server_features_is_served_with_defaults() {
    let server = TestServer::start_with(Config {
        features: Features::Unimplemented,
        ..Config::default()
    });
    let (store, _) = connect(&server.url()).await;
    let stream = stream();
    let outcome = store
        .append(&stream, ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("append");
    assert_eq!(outcome.version, 1);
}

/// A subscription that the server drops right after every resubscription
/// (before any event) must end the feed with an error after the configured
/// number of attempts, instead of resubscribing forever unseen.
#[tokio::test]
async fn a_feed_that_breaks_after_every_resubscription_reports_failure() {
    let server = TestServer::start();
    let (store, _) = connect(&server.url()).await;
    let stream = stream();
    store
        .append(&stream, ExpectedVersion::NoStream, vec![event(1), event(2)])
        .await
        .expect("append");
    server.faults().drop_subscriptions_after(Some(0));
    let mut feed = store.subscribe_all(0).await.expect("subscribe");
    let first = tokio::time::timeout(PATIENCE, feed.next())
        .await
        .expect("a stuck feed must be reported, not retried forever");
    match first {
        Some(Err(StoreError::Unavailable(message))) => {
            assert!(message.contains("subscription"), "{message}");
        }
        other => panic!("expected the feed to fail, got {other:?}"),
    }
    assert!(
        server
            .stats()
            .subscriptions
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 3
    );
}

/// Drops that each let some events through are progress, not a stuck feed:
/// the feed delivers everything, in order, without repeats.
#[tokio::test]
async fn a_feed_dropped_every_few_events_delivers_everything_once() {
    let server = TestServer::start();
    let (store, _) = connect(&server.url()).await;
    let stream = stream();
    let events: Vec<NewEvent> = (1..=10).map(event).collect();
    store
        .append(&stream, ExpectedVersion::NoStream, events)
        .await
        .expect("append");
    server.faults().drop_subscriptions_after(Some(3));
    let mut feed = store.subscribe_all(0).await.expect("subscribe");
    let mut versions = Vec::new();
    while versions.len() < 10 {
        let next = tokio::time::timeout(PATIENCE, feed.next())
            .await
            .expect("the feed moves on")
            .expect("the feed is open")
            .expect("an event");
        versions.push(next.version);
    }
    assert_eq!(versions, (1..=10).collect::<Vec<_>>());
}

/// The switch-over of docs/operations.md without seals: `migrate` from SQLite
/// to EventStoreDB, interrupted halfway by a node that stops answering,
/// resumed, and the whole new log verified (`audit verify --store`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_interrupted_halfway_resumes_and_the_new_log_verifies() {
    use markaz_store::seal::{verify_log, VerifyOptions};
    use markaz_store::transfer::migrate::migrate;
    use markaz_store::SqliteStore;

    let dir = tempfile::tempdir().expect("temporary directory");
    let source = SqliteStore::open(dir.path().join("events.sqlite")).expect("open");
    let streams = [stream(), stream(), stream()];
    for round in 0..5u64 {
        for name in &streams {
            let version = source.stream_version(name).await.expect("version");
            let batch = (1..=100).map(|n| event(round * 100 + n)).collect();
            source
                .append(name, ExpectedVersion::Exact(version), batch)
                .await
                .expect("fill the source");
        }
    }
    let total = 1_500;

    let server = TestServer::start();
    let (target, _) = connect(&server.url()).await;
    let faults = server.faults().clone();
    let interrupted = migrate(&source, &target, |_| {
        faults.fail_next(Failure::Unavailable, u32::MAX);
    })
    .await;
    assert!(interrupted.is_err(), "{interrupted:?}");
    server.faults().clear();
    let halfway = target.head_position().await.expect("head");
    assert!(
        halfway > 0,
        "the first page was copied before the interruption"
    );

    let report = migrate(&source, &target, |_| {}).await.expect("resume");
    assert!(report.already_present > 0, "{report:?}");
    assert_eq!(report.already_present + report.copied, total, "{report:?}");
    assert!(report.target.is_ok(), "{report:?}");

    let verified = verify_log(&target, VerifyOptions::default())
        .await
        .expect("verify");
    assert!(verified.is_ok(), "{verified:?}");
    assert_eq!(verified.events_checked, total);
}

/// Seals made on SQLite still verify after `migrate` to EventStoreDB, where
/// every position differs: a seal is checked once the walk has seen as many
/// events as it covers, not at its position in the store that wrote it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seals_made_on_sqlite_verify_after_the_move_to_eventstoredb() {
    use markaz_store::seal::{verify_log, LogWalker, VerifyOptions};
    use markaz_store::transfer::migrate::migrate;
    use markaz_store::SqliteStore;

    let dir = tempfile::tempdir().expect("temporary directory");
    let source = SqliteStore::open(dir.path().join("events.sqlite")).expect("open");
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let mut walker = LogWalker::default();
    let streams = [stream(), stream()];
    for round in 0..2u64 {
        append_then_seal(&source, &streams, round, 3, &key, &mut walker).await;
    }
    let trusted = [key.verifying_key()];
    let options = VerifyOptions {
        trusted_keys: &trusted,
        ..VerifyOptions::default()
    };
    let before = verify_log(&source, options).await.expect("verify");
    assert!(before.is_ok() && before.seals_checked == 2, "{before:?}");

    let target = Target::from_env();
    let (esdb, _) = connect(target.url()).await;
    migrate(&source, &esdb, |_| {}).await.expect("migrate");
    let after = verify_log(&esdb, options).await.expect("verify");
    assert!(after.is_ok(), "{after:?}");
    assert_eq!(after.seals_checked, 2);
    assert_eq!(after.events_checked, before.events_checked);

    // Someone with write access to the server appends a copy of an event with
    // an edited payload (its hash metadata copied along): still caught.
    let (_, client) = connect(target.url()).await;
    let original = esdb
        .read_stream(&streams[0], 6, 1)
        .await
        .expect("read")
        .remove(0);
    let mut read = client
        .read_stream(
            streams[0].as_str(),
            &kurrentdb::ReadStreamOptions::default()
                .position(kurrentdb::StreamPosition::End)
                .backwards()
                .max_count(1),
        )
        .await
        .expect("read raw");
    let raw = read.next().await.expect("read raw").expect("an event");
    let raw = raw.get_original_event();
    let forged = kurrentdb::EventData::binary(raw.event_type.clone(), b"edited".to_vec().into())
        .id(Uuid::new_v4())
        .metadata(raw.custom_metadata.clone());
    client
        .append_to_stream(
            streams[0].as_str(),
            &kurrentdb::AppendToStreamOptions::default()
                .stream_state(kurrentdb::StreamState::StreamRevision(original.version - 1)),
            forged,
        )
        .await
        .expect("forge an event");
    let tampered = verify_log(&esdb, options).await.expect("verify");
    let broken = tampered.first_broken.expect("the forged event is caught");
    assert_eq!(
        (broken.stream.as_str(), broken.version),
        (streams[0].as_str(), 7)
    );
}

/// Sealing on EventStoreDB itself: seals made there, at byte-offset
/// positions and with the seal events in the log they cover, verify there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seals_made_on_eventstoredb_verify_there() {
    use markaz_store::seal::{verify_log, LogWalker, VerifyOptions};

    let target = Target::from_env();
    let (esdb, _) = connect(target.url()).await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let mut walker = LogWalker::default();
    let name = stream();
    for round in 0..3u64 {
        append_then_seal(
            &esdb,
            std::slice::from_ref(&name),
            round,
            4,
            &key,
            &mut walker,
        )
        .await;
    }
    let trusted = [key.verifying_key()];
    let options = VerifyOptions {
        trusted_keys: &trusted,
        ..VerifyOptions::default()
    };
    let report = verify_log(&esdb, options).await.expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.seals_checked, 3);
}

/// A test server started again on its file has the same log: what the
/// backend wrote before reads back at the same versions, the feed delivers
/// it from the start, and appends go on from there.
#[tokio::test]
async fn a_test_server_started_again_on_its_file_keeps_the_log() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = Config {
        file: Some(dir.path().join("kurrentdb.jsonl")),
        ..Config::default()
    };
    let name = stream();
    let first_positions: Vec<u64> = {
        let server = TestServer::start_with(config.clone());
        let (store, _) = connect(&server.url()).await;
        store
            .append(&name, ExpectedVersion::NoStream, vec![event(1), event(2)])
            .await
            .expect("append");
        let read = store.read_stream(&name, 1, 10).await.expect("read");
        read.iter().map(|event| event.position).collect()
    };
    let server = TestServer::start_with(config);
    let (store, _) = connect(&server.url()).await;
    let read = store.read_stream(&name, 1, 10).await.expect("read again");
    assert_eq!(read.len(), 2);
    assert_eq!(
        read.iter().map(|event| event.position).collect::<Vec<_>>(),
        first_positions
    );
    let mut feed = store.subscribe_all(0).await.expect("subscribe");
    let first = tokio::time::timeout(PATIENCE, feed.next())
        .await
        .expect("the feed delivers the kept events")
        .expect("the feed is open")
        .expect("an event");
    assert_eq!((first.stream.as_str(), first.version), (name.as_str(), 1));
    let outcome = store
        .append(&name, ExpectedVersion::Exact(2), vec![event(3)])
        .await
        .expect("append after the restart");
    assert_eq!(outcome.version, 3);
}

/// One round of a sealed history: `per_stream` events appended to each of
/// `streams`, then a seal made and recorded in the log.
async fn append_then_seal(
    store: &dyn EventStore,
    streams: &[String],
    round: u64,
    per_stream: u64,
    key: &ed25519_dalek::SigningKey,
    walker: &mut markaz_store::seal::LogWalker,
) {
    use markaz_store::seal::{make_seal, record_seal};
    for name in streams {
        let version = store.stream_version(name).await.expect("version");
        let batch = (1..=per_stream)
            .map(|n| event(round * per_stream + n))
            .collect();
        store
            .append(name, ExpectedVersion::Exact(version), batch)
            .await
            .expect("append");
    }
    let seal = make_seal(store, walker, key, Timestamp::from_micros(0))
        .await
        .expect("seal");
    record_seal(store, &seal, event(99).metadata)
        .await
        .expect("record the seal");
}
