//! Behaviour of the embedded backend beyond the shared contract: the file
//! format, reopening, tamper detection.

use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use markaz_store::hash_chain::{verify_all, verify_stream};
use markaz_store::sqlite::SCHEMA_VERSION;
use markaz_store::{EventStore, ExpectedVersion, NewEvent, SqliteStore, StoreError};
use uuid::Uuid;

fn event(label: &str, n: u64) -> NewEvent {
    NewEvent {
        event_type: "BackendChecked".into(),
        schema_version: 1,
        payload: format!("{label}#{n}").into_bytes(),
        metadata: EventMetadata {
            event_id: Uuid::new_v4(),
            occurred_at: Timestamp::from_micros(1_764_000_000_000_000),
            actor: Actor::System,
            correlation_id: Uuid::new_v4(),
            causation_id: Uuid::new_v4(),
        },
    }
}

fn event_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("events.db");
    (dir, path)
}

#[tokio::test]
async fn reopening_keeps_events_and_continues_chains() {
    let (_dir, path) = event_file();
    {
        let store = SqliteStore::open(&path).expect("open");
        store
            .append(
                "complaint-a",
                ExpectedVersion::NoStream,
                vec![event("a", 1), event("a", 2)],
            )
            .await
            .expect("append");
    }
    let store = SqliteStore::open(&path).expect("reopen");
    assert_eq!(store.head_position().await.expect("head"), 2);
    let outcome = store
        .append(
            "complaint-a",
            ExpectedVersion::Exact(2),
            vec![event("a", 3)],
        )
        .await
        .expect("append after reopening");
    assert_eq!((outcome.version, outcome.position), (3, 3));
    let report = verify_all(&store).await.expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events_checked, 3);
    let heads = store.stream_heads().await.expect("heads");
    assert_eq!(heads.len(), 1);
    assert_eq!(heads[0].version, 3);
    let last = store.read_stream("complaint-a", 3, 1).await.expect("read");
    assert_eq!(heads[0].hash, last[0].hash);
}

#[tokio::test]
async fn an_edited_event_breaks_its_chain() {
    let (_dir, path) = event_file();
    let store = SqliteStore::open(&path).expect("open");
    for stream in ["complaint-a", "complaint-b"] {
        store
            .append(
                stream,
                ExpectedVersion::NoStream,
                (1..=3).map(|n| event(stream, n)).collect(),
            )
            .await
            .expect("append");
    }
    let tamper = rusqlite::Connection::open(&path).expect("open the file directly");
    tamper
        .execute(
            "UPDATE events SET payload = x'00' WHERE stream = 'complaint-b' AND version = 2",
            [],
        )
        .expect("edit a payload");
    let report = verify_all(&store).await.expect("verify");
    let broken = report.first_broken.expect("the edit must be found");
    assert_eq!((broken.stream.as_str(), broken.version), ("complaint-b", 2));
    assert!(verify_stream(&store, "complaint-a")
        .await
        .expect("verify a")
        .is_ok());

    tamper
        .execute(
            "DELETE FROM events WHERE stream = 'complaint-a' AND version = 2",
            [],
        )
        .expect("delete an event");
    let report = verify_stream(&store, "complaint-a")
        .await
        .expect("verify a");
    let broken = report.first_broken.expect("the gap must be found");
    assert_eq!(broken.version, 3);
    assert!(broken.what.contains("gap"), "{}", broken.what);
}

#[tokio::test]
async fn a_file_from_a_newer_version_is_refused() {
    let (_dir, path) = event_file();
    drop(SqliteStore::open(&path).expect("create"));
    let conn = rusqlite::Connection::open(&path).expect("open directly");
    conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .expect("bump the schema version");
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::Corrupt(message)) => {
            assert!(message.contains("newer"), "unclear message: {message}")
        }
        Err(other) => panic!("wrong error for a newer file: {other}"),
        Ok(_) => panic!("a file from a newer version must be refused"),
    }
}

#[tokio::test]
async fn a_rejected_append_does_not_fail_its_group() {
    let (_dir, path) = event_file();
    let store = std::sync::Arc::new(SqliteStore::open(&path).expect("open"));
    // Queued together, these share a commit group: the bad ones fail alone.
    let mut tasks = Vec::new();
    for n in 0..50u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let expected = if n % 2 == 0 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Exact(7)
            };
            let stream = format!("complaint-{n}");
            store
                .append(&stream, expected, vec![event(&stream, 1)])
                .await
        }));
    }
    for (n, task) in tasks.into_iter().enumerate() {
        let result = task.await.expect("task");
        assert_eq!(result.is_ok(), n % 2 == 0, "append {n}: {result:?}");
    }
    assert_eq!(store.head_position().await.expect("head"), 25);
    let feed = store.read_all(0, 100).await.expect("read");
    assert!(feed
        .iter()
        .enumerate()
        .all(|(i, e)| e.position == i as u64 + 1));
}

#[tokio::test]
async fn invalid_stream_names_are_rejected() {
    let (_dir, path) = event_file();
    let store = SqliteStore::open(&path).expect("open");
    let empty = store
        .append("", ExpectedVersion::Any, vec![event("x", 1)])
        .await;
    assert!(
        matches!(empty, Err(StoreError::InvalidRequest(_))),
        "{empty:?}"
    );
}

#[tokio::test]
async fn appends_from_another_process_are_noticed() {
    let (_dir, path) = event_file();
    // Two stores on one file stand for the server and a command-line tool.
    let server = SqliteStore::open(&path).expect("open as the server");
    let tool = SqliteStore::open(&path).expect("open as the tool");
    server
        .append(
            "complaint-a",
            ExpectedVersion::NoStream,
            vec![event("a", 1)],
        )
        .await
        .expect("server appends");
    let by_tool = tool
        .append(
            "complaint-a",
            ExpectedVersion::Exact(1),
            vec![event("a", 2)],
        )
        .await
        .expect("tool appends after the server");
    assert_eq!((by_tool.version, by_tool.position), (2, 2));
    let stale = server
        .append(
            "complaint-a",
            ExpectedVersion::Exact(1),
            vec![event("a", 3)],
        )
        .await;
    assert!(
        matches!(
            stale,
            Err(StoreError::WrongExpectedVersion { actual: 2, .. })
        ),
        "{stale:?}"
    );
    let next = server
        .append(
            "complaint-a",
            ExpectedVersion::Exact(2),
            vec![event("a", 3)],
        )
        .await
        .expect("server appends after the tool");
    assert_eq!((next.version, next.position), (3, 3));
    assert!(verify_all(&server).await.expect("verify").is_ok());
    tool.append(
        "complaint-b",
        ExpectedVersion::NoStream,
        vec![event("b", 1)],
    )
    .await
    .expect("tool appends again");
    assert_eq!(
        server.head_position().await.expect("head"),
        4,
        "the head counts the other process's commits"
    );
}

#[tokio::test]
async fn a_live_feed_sees_appends_from_another_process() {
    use futures::StreamExt;

    let (_dir, path) = event_file();
    let server = SqliteStore::open(&path).expect("open as the server");
    let tool = SqliteStore::open(&path).expect("open as the tool");
    let mut feed = server.subscribe_all(0).await.expect("subscribe");
    // The server's writer never hears of these appends: only the feed's own
    // look for foreign rows can find them.
    for n in 1..=3 {
        tool.append(
            &format!("officer-{n}"),
            ExpectedVersion::NoStream,
            vec![event("tool", n)],
        )
        .await
        .expect("tool appends");
    }
    for expected in 1..=3u64 {
        let seen = tokio::time::timeout(std::time::Duration::from_secs(10), feed.next())
            .await
            .expect("the feed notices a foreign append within seconds")
            .expect("the feed is open")
            .expect("the event reads");
        assert_eq!(seen.position, expected);
    }
}

#[tokio::test]
async fn an_open_read_transaction_does_not_block_appends() {
    let (_dir, path) = event_file();
    let store = SqliteStore::open(&path).expect("open");
    store
        .append(
            "complaint-a",
            ExpectedVersion::NoStream,
            vec![event("a", 1)],
        )
        .await
        .expect("append");
    let mut reader = rusqlite::Connection::open(&path).expect("open a reader");
    let snapshot = reader.transaction().expect("begin a read transaction");
    let seen: i64 = snapshot
        .query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
        .expect("read inside the transaction");
    assert_eq!(seen, 1);
    let appended = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        store.append(
            "complaint-a",
            ExpectedVersion::Exact(1),
            vec![event("a", 2)],
        ),
    )
    .await
    .expect("an append must not wait for a reader")
    .expect("append while a reader holds a snapshot");
    assert_eq!(appended.version, 2);
    let still: i64 = snapshot
        .query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
        .expect("read the same snapshot again");
    assert_eq!(still, 1, "the reader keeps its snapshot");
}

#[tokio::test]
async fn a_feed_delivers_what_was_committed_then_reports_the_closed_store() {
    use futures::StreamExt;

    let (_dir, path) = event_file();
    let store = SqliteStore::open(&path).expect("open");
    store
        .append(
            "complaint-a",
            ExpectedVersion::NoStream,
            vec![event("a", 1), event("a", 2)],
        )
        .await
        .expect("append");
    let mut feed = store.subscribe_all(0).await.expect("subscribe");
    drop(store);
    let mut positions = Vec::new();
    let ended = loop {
        match feed.next().await {
            Some(Ok(event)) => positions.push(event.position),
            Some(Err(error)) => break error,
            None => panic!("the feed must end with an error, not silently"),
        }
    };
    assert_eq!(positions, vec![1, 2]);
    assert!(matches!(ended, StoreError::Unavailable(_)), "{ended}");
    assert!(feed.next().await.is_none());
}

/// A server and a command started together on a new data directory both
/// find an empty file; only one may create the tables, and both must open it.
#[test]
fn processes_creating_the_same_new_file_at_once_all_open_it() {
    const OPENERS: usize = 4;
    for _round in 0..20 {
        let (_dir, path) = event_file();
        let start = std::sync::Barrier::new(OPENERS);
        let opened: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let openers: Vec<_> = (0..OPENERS)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        SqliteStore::open(&path)
                            .map(drop)
                            .map_err(|e| e.to_string())
                    })
                })
                .collect();
            openers
                .into_iter()
                .map(|opener| opener.join().expect("no panic"))
                .collect()
        });
        for result in opened {
            result.expect("every opener opens the new file");
        }
    }
}

#[tokio::test]
async fn a_file_that_is_not_an_event_file_is_refused() {
    let (_dir, path) = event_file();
    std::fs::write(&path, b"this is not a database, just some text in a file").expect("write");
    match SqliteStore::open(&path) {
        Err(StoreError::Corrupt(_)) => {}
        Err(other) => panic!("wrong error for a foreign file: {other}"),
        Ok(_) => panic!("a foreign file must be refused"),
    }
}

#[tokio::test]
async fn the_log_is_copied_into_the_event_file_while_the_store_runs() {
    let (_dir, path) = event_file();
    let store = SqliteStore::open(&path).expect("open");
    let empty_size = std::fs::metadata(&path).expect("event file").len();
    // About 3,000 WAL frames: past the checkpoint threshold (1,000 frames),
    // short of the writer's inline backstop (10,000).
    let big = |n: u64| NewEvent {
        payload: vec![b'x'; 4_000],
        ..event("big", n)
    };
    for batch in 0..30u64 {
        let expected = match batch {
            0 => ExpectedVersion::NoStream,
            _ => ExpectedVersion::Exact(batch * 50),
        };
        let events = (0..50).map(|n| big(batch * 50 + n)).collect();
        store
            .append("complaint-big", expected, events)
            .await
            .expect("append");
    }
    // Only a checkpoint writes the database file itself; the checkpoint
    // thread does it shortly after the threshold is passed. It signals
    // nothing a caller could await, so the file's size is polled until a
    // deadline. How much it has copied by then depends on timing (the last
    // frames stay in the log until 1,000 more arrive), so the bar is half of
    // what one wake-up copies: any checkpoint passes it, none leaves the file
    // at its empty size.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let size = std::fs::metadata(&path).expect("event file").len();
        if size > empty_size + 2_000_000 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint: the event file is still {size} bytes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A seal that no longer matches does not stop the walk: the rest of the log
/// is still checked, and the stale seal is what is reported when nothing more
/// precise is found.
#[tokio::test]
async fn a_stale_seal_does_not_stop_the_walk() {
    use markaz_store::seal::{make_seal, record_seal, verify_log, LogWalker, VerifyOptions};

    let (_dir, path) = event_file();
    let store = SqliteStore::open(&path).expect("open");
    for stream in ["complaint-a", "complaint-b"] {
        store
            .append(
                stream,
                ExpectedVersion::NoStream,
                (1..=3).map(|n| event(stream, n)).collect(),
            )
            .await
            .expect("append");
    }
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let seal = make_seal(
        &store,
        &mut LogWalker::default(),
        &key,
        Timestamp::from_micros(0),
    )
    .await
    .expect("seal");
    record_seal(&store, &seal, event("seal", 0).metadata)
        .await
        .expect("record");
    store
        .append(
            "complaint-c",
            ExpectedVersion::NoStream,
            (1..=4).map(|n| event("complaint-c", n)).collect(),
        )
        .await
        .expect("append after the seal");
    // The newest event of a stream before the seal disappears: every chain
    // still holds, only the seal notices.
    rusqlite::Connection::open(&path)
        .expect("open the file directly")
        .execute(
            "DELETE FROM events WHERE stream = 'complaint-a' AND version = 3",
            [],
        )
        .expect("delete an event");

    let report = verify_log(&store, VerifyOptions::default())
        .await
        .expect("verify");
    let broken = report.first_broken.clone().expect("the seal notices");
    assert_eq!(broken.stream, "seal-log");
    assert!(
        broken.what.contains("history before the seal was changed"),
        "{}",
        broken.what
    );
    // 5 sealed events left, the seal itself and the 4 events after it.
    assert_eq!(report.events_checked, 10, "{report:?}");
}
