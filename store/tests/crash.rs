//! Crash safety of the embedded store: a child process appends continuously
//! and reports every acknowledged append; the parent kills it with SIGKILL at
//! a random moment, several times over the same file, and then checks that
//! every acknowledged event is there, whole, with dense positions and intact
//! hash chains.
//!
//! The child is this same test binary, re-run with `--exact` on
//! `crash_child_appender` and an environment variable naming the event file.
//! Run normally, that test does nothing.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use markaz_store::hash_chain::verify_all;
use markaz_store::{EventStore, ExpectedVersion, NewEvent, SqliteStore};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use uuid::Uuid;

/// Set in the child: the event file to append to.
const CHILD_FILE_VAR: &str = "MARKAZ_CRASH_CHILD_FILE";
const ROUNDS: usize = 5;
const APPENDERS: usize = 8;
/// A child that was somehow not killed stops by itself after this long.
const CHILD_LIFETIME: Duration = Duration::from_secs(30);

/// One acknowledged event, as the child reports it.
#[derive(Debug)]
struct Ack {
    stream: String,
    version: u64,
    event_id: Uuid,
}

/// The payload of an event is derived from its id, so a torn or mixed-up
/// payload is detectable: the id's bytes repeated to a length set by the id.
fn payload_for(event_id: Uuid) -> Vec<u8> {
    let bytes = event_id.as_bytes();
    let len = 64 + usize::from(bytes[0]) * 16;
    bytes.iter().copied().cycle().take(len).collect()
}

fn new_event(n: u64) -> NewEvent {
    let event_id = Uuid::new_v4();
    NewEvent {
        event_type: "CrashChecked".into(),
        schema_version: 1,
        payload: payload_for(event_id),
        metadata: EventMetadata {
            event_id,
            occurred_at: Timestamp::from_micros(n as i64),
            actor: Actor::System,
            correlation_id: Uuid::new_v4(),
            causation_id: event_id,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_appender() {
    let Ok(path) = std::env::var(CHILD_FILE_VAR) else {
        return;
    };
    let store = Arc::new(SqliteStore::open(&path).expect("child: open the event file"));
    let mut appenders = Vec::new();
    for writer in 0..APPENDERS {
        let store = store.clone();
        appenders.push(tokio::spawn(async move {
            let stream = format!("complaint-crash-{writer}");
            let mut version = store.stream_version(&stream).await.expect("child: version");
            loop {
                let count = 1 + version % 3;
                let batch: Vec<NewEvent> = (0..count).map(|i| new_event(version + i)).collect();
                let ids: Vec<Uuid> = batch.iter().map(|e| e.metadata.event_id).collect();
                let outcome = store
                    .append(&stream, ExpectedVersion::Exact(version), batch)
                    .await
                    .expect("child: append");
                let mut lines = String::new();
                for (i, id) in ids.iter().enumerate() {
                    lines.push_str(&format!("ACK {stream} {} {id}\n", version + 1 + i as u64));
                }
                report(&lines);
                version = outcome.version;
            }
        }));
    }
    let _ = tokio::time::timeout(CHILD_LIFETIME, futures::future::join_all(appenders)).await;
}

/// Writes acknowledgement lines and flushes them before the next append.
fn report(lines: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(lines.as_bytes()).expect("child: write");
    out.flush().expect("child: flush");
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    let ack = Ack {
        stream: parts.next()?.to_owned(),
        version: parts.next()?.parse().ok()?,
        event_id: parts.next()?.parse().ok()?,
    };
    parts.next().is_none().then_some(ack)
}

/// Runs one child until a random moment after its first acknowledgement,
/// kills it, and returns every append it acknowledged.
async fn run_and_kill_child(path: &std::path::Path) -> Vec<Ack> {
    let exe = std::env::current_exe().expect("path of the test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "crash_child_appender",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_FILE_VAR, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut acks = Vec::new();
    let mut read_line = async |acks: &mut Vec<Ack>| -> bool {
        match lines.next_line().await.expect("read child output") {
            Some(line) => {
                if let Some(ack) = parse_ack(&line) {
                    acks.push(ack);
                }
                true
            }
            None => false,
        }
    };
    // Wait for the first acknowledgement, then let it run a random while.
    while acks.is_empty() {
        assert!(
            read_line(&mut acks).await,
            "the child exited before appending"
        );
    }
    let delay = tokio::time::sleep(Duration::from_millis(rand::random_range(50..600)));
    tokio::pin!(delay);
    loop {
        tokio::select! {
            _ = &mut delay => break,
            more = read_line(&mut acks) => assert!(more, "the child exited on its own"),
        }
    }
    child.start_kill().expect("SIGKILL the child");
    // Lines flushed before the kill are acknowledged appends too.
    while read_line(&mut acks).await {}
    let status = child.wait().await.expect("reap the child");
    assert!(!status.success(), "the child must have been killed");
    acks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_append_survives_sigkill() {
    if std::env::var(CHILD_FILE_VAR).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("events.db");
    let mut acks = Vec::new();
    for _ in 0..ROUNDS {
        acks.extend(run_and_kill_child(&path).await);
    }

    let store = SqliteStore::open(&path).expect("reopen after the crashes");
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_all(after, 1_000).await.expect("read the log");
        let Some(last) = page.last() else { break };
        after = last.position;
        stored.extend(page);
    }
    assert!(!stored.is_empty());
    for (index, event) in stored.iter().enumerate() {
        assert_eq!(event.position, index as u64 + 1, "positions must be dense");
        assert_eq!(
            event.payload,
            payload_for(event.metadata.event_id),
            "torn payload at position {}",
            event.position
        );
    }
    let by_id: HashMap<Uuid, (&str, u64)> = stored
        .iter()
        .map(|e| (e.metadata.event_id, (e.stream.as_str(), e.version)))
        .collect();
    for ack in &acks {
        assert_eq!(
            by_id.get(&ack.event_id).copied(),
            Some((ack.stream.as_str(), ack.version)),
            "acknowledged event {} is missing or misplaced",
            ack.event_id
        );
    }
    let report = verify_all(&store).await.expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events_checked, stored.len() as u64);

    let conn = rusqlite::Connection::open(&path).expect("open directly");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok");
    println!(
        "crash test: {} rounds, {} acknowledged events, {} stored",
        ROUNDS,
        acks.len(),
        stored.len()
    );
}
