//! Append throughput of the embedded store under concurrency, next to a raw
//! rusqlite baseline measured in the same run.
//!
//! Each appender appends single-event appends to its own stream with an exact
//! expected version, as a command does; every append is durable (WAL,
//! `synchronous=FULL`) before it returns. The baseline inserts the same rows
//! (same schema, same pragmas, hash included) in transactions of 1000 rows,
//! the best case for SQLite: the ratio shows how much of it group commit
//! recovers for single-event appends. Event ids are time-ordered in both, as
//! the server makes them.
//!
//! `cargo bench -p markaz-store --bench append_throughput`; set
//! `MARKAZ_BENCH_SECONDS` to change the time per case and round (default 2) and
//! `MARKAZ_BENCH_DIR` to put the files on another disk.

use std::sync::Arc;
use std::time::{Duration, Instant};

use markaz_domain::metadata::{Actor, EventMetadata, OfficerId, Role};
use markaz_domain::time::Timestamp;
use markaz_store::hash_chain::{chain_hash, GENESIS_HASH};
use markaz_store::sqlite::apply_pragmas;
use markaz_store::{EventStore, ExpectedVersion, NewEvent, SqliteStore};
use uuid::Uuid;

const CONCURRENCY: [usize; 3] = [1, 16, 64];
const RAW_BATCH: usize = 1_000;
const RAW_STREAMS: usize = 64;
/// A payload the size of a typical complaint event.
const PAYLOAD_LEN: usize = 300;

/// An event id as the server makes them for commands without an idempotency
/// key: the current Unix milliseconds, then random bits (see `derived_id`).
fn time_ordered_id() -> Uuid {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64);
    let random = Uuid::new_v4();
    let mut bits = [0u8; 10];
    bits.copy_from_slice(&random.as_bytes()[..10]);
    uuid::Builder::from_unix_timestamp_millis(millis, &bits).into_uuid()
}

fn event(n: u64) -> NewEvent {
    NewEvent {
        event_type: "ComplaintAcknowledged".into(),
        schema_version: 1,
        payload: vec![(n % 251) as u8; PAYLOAD_LEN],
        metadata: EventMetadata {
            event_id: time_ordered_id(),
            occurred_at: Timestamp::from_micros(1_764_000_000_000_000 + n as i64),
            actor: Actor::Officer {
                id: OfficerId(Uuid::new_v4()),
                role: Role::Desk,
            },
            correlation_id: Uuid::new_v4(),
            causation_id: Uuid::new_v4(),
        },
    }
}

fn seconds_per_case() -> Duration {
    let seconds = std::env::var("MARKAZ_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0_f64)
        .clamp(0.5, 10.0);
    Duration::from_secs_f64(seconds)
}

fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("MARKAZ_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("create a directory for the benchmark files")
}

/// Appends per second with `appenders` concurrent single-event appenders.
async fn store_rate(appenders: usize, duration: Duration) -> f64 {
    let dir = bench_dir();
    let store = Arc::new(SqliteStore::open(dir.path().join("events.db")).expect("open store"));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for appender in 0..appenders {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let stream = format!("complaint-{appender}");
            let mut version = 0;
            while Instant::now() < deadline {
                let outcome = store
                    .append(
                        &stream,
                        ExpectedVersion::Exact(version),
                        vec![event(version)],
                    )
                    .await
                    .expect("append");
                version = outcome.version;
            }
            version
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("appender task");
    }
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(store.head_position().await.expect("head"), total);
    total as f64 / elapsed
}

/// Rows per second inserted by a plain rusqlite loop in batches of 1000.
fn raw_rate(duration: Duration) -> f64 {
    let dir = bench_dir();
    let path = dir.path().join("events.db");
    // The store creates the schema; the raw loop then owns the file alone.
    drop(SqliteStore::open(&path).expect("create the schema"));
    let mut conn = rusqlite::Connection::open(&path).expect("open raw");
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .expect("WAL");
    apply_pragmas(&conn).expect("pragmas");
    let start = Instant::now();
    let mut position = 0u64;
    // The same rows as the widest store case: events spread round-robin over
    // as many streams as it has appenders, each stream with its own chain.
    let streams: Vec<String> = (0..RAW_STREAMS).map(|s| format!("complaint-{s}")).collect();
    let mut tips = vec![(0u64, GENESIS_HASH); RAW_STREAMS];
    while start.elapsed() < duration {
        let tx = conn.transaction().expect("begin");
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (position, stream, version, event_id, event_type, \
                     schema_version, occurred_at, payload, metadata, hash) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .expect("prepare");
            for _ in 0..RAW_BATCH {
                position += 1;
                let event = event(position);
                let index = (position % RAW_STREAMS as u64) as usize;
                let (version, prev_hash) = &mut tips[index];
                *version += 1;
                let hash = chain_hash(prev_hash, &streams[index], *version, &event);
                let metadata = serde_json::json!({
                    "actor": event.metadata.actor,
                    "correlation_id": event.metadata.correlation_id,
                    "causation_id": event.metadata.causation_id,
                })
                .to_string();
                insert
                    .execute(rusqlite::params![
                        position as i64,
                        streams[index],
                        *version as i64,
                        event.metadata.event_id.as_bytes().as_slice(),
                        event.event_type,
                        event.schema_version,
                        event.metadata.occurred_at.as_micros(),
                        event.payload,
                        metadata,
                        hash.as_slice(),
                    ])
                    .expect("insert");
                *prev_hash = hash;
            }
        }
        tx.commit().expect("commit");
    }
    position as f64 / start.elapsed().as_secs_f64()
}

/// Rounds of every case; the median of each is reported, which keeps one
/// noisy moment on a shared machine from deciding the figure.
const ROUNDS: usize = 3;

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let duration = seconds_per_case();
    println!(
        "append throughput: {} rounds of {:.1} s per case, median shown, {} cores, \
         WAL + synchronous=FULL, {PAYLOAD_LEN}-byte payloads",
        ROUNDS,
        duration.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // Cases are interleaved round by round so that drift in the machine's
    // load affects the baseline and the store alike.
    let mut raw = Vec::new();
    let mut store: Vec<Vec<f64>> = vec![Vec::new(); CONCURRENCY.len()];
    for _ in 0..ROUNDS {
        raw.push(
            tokio::task::spawn_blocking(move || raw_rate(duration))
                .await
                .expect("raw baseline"),
        );
        for (case, appenders) in CONCURRENCY.into_iter().enumerate() {
            store[case].push(store_rate(appenders, duration).await);
        }
    }
    let raw = median(raw);
    println!(
        "{:<46} {:>10.0} rows/s",
        "raw rusqlite, batches of 1000, 64 streams", raw
    );
    for (case, appenders) in CONCURRENCY.into_iter().enumerate() {
        let rate = median(std::mem::take(&mut store[case]));
        println!(
            "{:<46} {:>10.0} appends/s   {:>5.2} x baseline",
            format!("store, {appenders} concurrent single-event appenders"),
            rate,
            rate / raw
        );
    }
}
