//! Crashes, rebuilds and guards: the read models resume without loss or double
//! counting, rebuilds are deterministic, a rebuilt file is swapped in under a
//! running reader, and bad schema or bad events stop things with a clear error.

mod support;

use std::time::Duration;

use markaz_domain::{Actor, EventMetadata, Timestamp};
use markaz_projections::database::{open_writer, Durability};
use markaz_projections::migrations::{self, Migration, MigrationError};
use markaz_projections::status::PublicViews;
use markaz_projections::writer::ProjectionWriter;
use markaz_projections::{
    read_model_path, rebuild, rebuild_into, Calendar, DatabaseError, ReadModels, RunnerHandle,
    RunnerOptions, WaitError,
};
use markaz_store::{EventStore, ExpectedVersion, NewEvent};
use support::*;
use uuid::Uuid;

fn small_batches() -> RunnerOptions {
    RunnerOptions {
        batch_size: 3,
        swap_check_every: Duration::from_millis(20),
        commit_spacing: 0,
    }
}

#[tokio::test]
async fn a_transaction_failing_mid_run_resumes_without_loss_or_double_counting() {
    let mut s = Scenario::new();
    script(&mut s).await;
    let live = read_model_path(s.data_dir());
    drop(ReadModels::open(&live).unwrap());
    // Simulated crash: the performance write of the first April event aborts its
    // whole batch, after the status and gender-desk writes of that batch ran.
    let april_first = (t0() + 2 * DAY).div_euclid(DAY);
    let conn = rusqlite::Connection::open(&live).unwrap();
    conn.execute_batch(&format!(
        "CREATE TRIGGER crash BEFORE INSERT ON performance_rollup
         WHEN NEW.dimension = 4 AND NEW.grain = 0 AND NEW.period = {april_first}
         BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;"
    ))
    .unwrap();

    let runner = RunnerHandle::start(s.dyn_store(), live.clone(), small_batches()).unwrap();
    let stopped = runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await;
    let Err(WaitError::Stopped { reached, reason }) = stopped else {
        panic!("the runner should have stopped, got {stopped:?}");
    };
    assert!(reason.contains("simulated crash"), "{reason}");
    assert!(reached > 0 && reached < s.last_position);
    let status = runner.status().await.unwrap();
    assert_eq!(status.lag, s.last_position - reached);
    assert!(status.error.is_some());
    drop(runner);

    // Nothing of the failed batch is visible: every row is at or before the checkpoint.
    let newest: i64 = conn
        .query_row("SELECT MAX(position) FROM complaint_status", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(newest as u64 <= reached);

    conn.execute_batch("DROP TRIGGER crash").unwrap();
    run_to_the_head(&s, &live).await;
    assert_same_rows(&dump(&live), &fresh_rebuild_dump(&s).await);
}

/// Runs the projections on `live` until they have applied the whole log.
async fn run_to_the_head(s: &Scenario, live: &std::path::Path) {
    let runner = RunnerHandle::start(s.dyn_store(), live.to_path_buf(), small_batches()).unwrap();
    runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    runner.stop().await;
}

/// The read models of a fresh rebuild of the whole log, dumped.
async fn fresh_rebuild_dump(s: &Scenario) -> Vec<String> {
    let fresh = s.data_dir().join("fresh.sqlite");
    rebuild_into(
        s.store.as_ref(),
        &fresh,
        None,
        &Calendar::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    dump(&fresh)
}

#[tokio::test]
async fn a_runner_stopped_between_batches_resumes_where_it_stopped() {
    let mut s = Scenario::new();
    let history = script(&mut s).await;
    let live = read_model_path(s.data_dir());
    let runner = RunnerHandle::start(s.dyn_store(), live.clone(), small_batches()).unwrap();
    runner
        .wait_for_position(6, Duration::from_secs(10))
        .await
        .unwrap();
    runner.stop().await;

    // More history while no runner is running, then a new runner.
    s.act(
        history.c4,
        &officer(Q, markaz_domain::Role::Desk),
        at(4 * DAY + HOUR),
        markaz_domain::ComplaintAction::Acknowledge { note: None },
    )
    .await;
    let runner = RunnerHandle::start(s.dyn_store(), live.clone(), small_batches()).unwrap();
    runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    let status = runner.status().await.unwrap();
    assert_eq!(
        (status.position, status.lag, status.error),
        (s.last_position, 0, None)
    );
    runner.stop().await;
    assert_same_rows(&dump(&live), &fresh_rebuild_dump(&s).await);
}

/// Two writers on one file, the second loaded before the first committed:
/// what a runner stopped mid-batch and a new runner started at once looked
/// like, when the old batch committed after the new runner had read its
/// checkpoints. The second must skip what the first applied.
#[tokio::test]
async fn a_writer_with_stale_checkpoints_does_not_apply_events_twice() {
    let mut s = Scenario::new();
    script(&mut s).await;
    let live = read_model_path(s.data_dir());
    drop(ReadModels::open(&live).unwrap());
    let writer = || {
        let conn = open_writer(&live, Durability::Live).unwrap();
        ProjectionWriter::new(conn, PublicViews::EachBatch).unwrap()
    };
    let (mut first, mut stale) = (writer(), writer());
    let events = s.store.read_all(0, 1_000).await.unwrap();
    assert_eq!(events.len() as u64, s.last_position);

    first.apply_recorded(events.clone()).unwrap();
    stale.apply_recorded(events).unwrap();

    assert_eq!(stale.set.position(), s.last_position);
    assert_same_rows(&dump(&live), &fresh_rebuild_dump(&s).await);
}

#[tokio::test]
async fn a_file_from_before_the_public_tracking_table_gets_it_by_replaying_the_status_projection() {
    let mut s = Scenario::new();
    script(&mut s).await;
    // A file as the release before migration 0003 left it: the same rows,
    // no public_tracking table, tracking codes unique through an index.
    let live = read_model_path(s.data_dir());
    rebuild_into(
        s.store.as_ref(),
        &live,
        None,
        &Calendar::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    let conn = rusqlite::Connection::open(&live).unwrap();
    conn.execute_batch(
        "DROP TABLE public_tracking;
         CREATE UNIQUE INDEX complaint_status_tracking_code ON complaint_status (tracking_code);
         DELETE FROM schema_migrations WHERE name = '0003_public_tracking.sql';",
    )
    .unwrap();
    drop(conn);
    run_to_the_head(&s, &live).await;

    // Only the status projection replayed: nothing is counted twice, and every
    // complaint filed before the upgrade has its public view.
    let upgraded = dump(&live);
    assert!(upgraded
        .iter()
        .any(|line| line.starts_with("public_tracking: ")));
    assert_same_rows(&upgraded, &fresh_rebuild_dump(&s).await);
}

#[tokio::test]
async fn two_rebuilds_of_the_same_log_are_identical() {
    let mut s = Scenario::new();
    script(&mut s).await;
    let first = s.data_dir().join("first.sqlite");
    let second = s.data_dir().join("second.sqlite");
    let calls = std::sync::Mutex::new(Vec::new());
    let summary = rebuild_into(
        s.store.as_ref(),
        &first,
        None,
        &Calendar::default(),
        |done, total| {
            calls.lock().unwrap().push((done, total));
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (summary.events, summary.position),
        (s.last_position, s.last_position)
    );
    assert_eq!(
        calls.lock().unwrap().last(),
        Some(&(s.last_position, s.last_position))
    );
    rebuild_into(
        s.store.as_ref(),
        &second,
        None,
        &Calendar::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    let dumped = dump(&first);
    assert!(dumped.len() > 30);
    assert_same_rows(&dumped, &dump(&second));
    // The performance tables were filled in a side file: copied in, and the
    // side file gone.
    let left: Vec<String> = std::fs::read_dir(s.data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("performance-part"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(dumped
        .iter()
        .any(|row| row.starts_with("performance_rollup")));

    // The rebuild drops secondary indexes while it writes: they must all be back.
    let migrated = s.data_dir().join("migrated.sqlite");
    drop(ReadModels::open(&migrated).unwrap());
    let schema = |path: &std::path::Path| -> Vec<(String, Option<String>)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut statement = conn
            .prepare("SELECT name, sql FROM sqlite_master ORDER BY name")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(schema(&first), schema(&migrated));
    let mode: String = rusqlite::Connection::open(&first)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_rebuild_until_a_moment_leaves_out_what_happened_later() {
    let mut s = Scenario::new();
    let history = script(&mut s).await;
    let path = s.data_dir().join("as_of.sqlite");
    // The end of 31 March: C1 is not resolved yet, C2 is.
    let until = Timestamp::from_micros(t0() + 2 * DAY - 8 * HOUR - 1);
    let summary = rebuild_into(
        s.store.as_ref(),
        &path,
        Some(until),
        &Calendar::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(summary.position < s.last_position);
    let rm = ReadModels::open(&path).unwrap();
    let c1 = rm.status_by_id(history.c1, until).await.unwrap().unwrap();
    assert_eq!(c1.status, "referred");
    let c2 = rm.status_by_id(history.c2, until).await.unwrap().unwrap();
    assert_eq!((c2.status.as_str(), c2.rating), ("resolved", Some(2)));
    assert!(rm.status_by_id(history.c5, until).await.unwrap().is_none());
}

#[tokio::test]
async fn a_rebuild_is_swapped_in_under_running_readers_and_runner() {
    let mut s = Scenario::new();
    let history = script(&mut s).await;
    let live = read_model_path(s.data_dir());
    let runner = RunnerHandle::start(s.dyn_store(), live.clone(), small_batches()).unwrap();
    runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    let rm = ReadModels::open(&live).unwrap();
    let now = at(5 * DAY);
    assert!(rm.status_by_id(history.c1, now).await.unwrap().is_some());
    let before = dump(&live);

    let summary = rebuild(
        s.store.as_ref(),
        s.data_dir(),
        &Calendar::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.position, s.last_position);
    assert!(std::fs::symlink_metadata(&live)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_same_rows(&dump(&live), &before);
    // The open reader pool moves to the new file on its next checkout.
    assert!(rm.status_by_id(history.c1, now).await.unwrap().is_some());

    // The runner notices the swap and keeps the new file up to date.
    let c6 = s
        .file(
            6,
            "KCH",
            "nuisance",
            markaz_domain::Gender::Male,
            &officer(A, markaz_domain::Role::Desk),
            at(5 * DAY),
        )
        .await;
    runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(rm.status_by_id(c6, now).await.unwrap().is_some());

    // A rebuild refuses to run while another holds the lock.
    let lock = s.data_dir().join("readmodels.sqlite.rebuild-lock");
    std::fs::write(&lock, b"").unwrap();
    let refused = rebuild(
        s.store.as_ref(),
        s.data_dir(),
        &Calendar::default(),
        |_, _| {},
    )
    .await;
    assert!(matches!(
        refused,
        Err(markaz_projections::RebuildError::AlreadyRunning { .. })
    ));
    std::fs::remove_file(&lock).unwrap();

    // A second rebuild replaces the first generation; the data stays the same.
    let again = rebuild(
        s.store.as_ref(),
        s.data_dir(),
        &Calendar::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(again.position, s.last_position);
    assert!(!lock.exists(), "the lock is released after a rebuild");
    assert!(rm.status_by_id(c6, now).await.unwrap().is_some());
    runner.stop().await;
}

#[tokio::test]
async fn read_models_of_a_longer_log_are_refused_not_served() {
    let mut s = Scenario::new();
    script(&mut s).await;
    let live = read_model_path(s.data_dir());
    let runner = RunnerHandle::start(s.dyn_store(), live.clone(), small_batches()).unwrap();
    runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    runner.stop().await;

    // The log is "restored" to an older, shorter copy: here, an empty one.
    let restored_dir = tempfile::tempdir().unwrap();
    let restored: std::sync::Arc<dyn EventStore> = std::sync::Arc::new(
        markaz_store::SqliteStore::open(restored_dir.path().join("events.sqlite")).unwrap(),
    );
    let runner = RunnerHandle::start(restored, live, small_batches()).unwrap();
    let outcome = runner
        .wait_for_position(s.last_position + 1, Duration::from_secs(10))
        .await;
    let Err(WaitError::Stopped { reason, .. }) = outcome else {
        panic!("expected a refusal, got {outcome:?}");
    };
    assert!(reason.contains("projections rebuild"), "{reason}");
}

#[tokio::test]
async fn an_undecodable_event_stops_the_projections_in_front_of_it() {
    let mut s = Scenario::new();
    let history = script(&mut s).await;
    let good = s.last_position;
    let broken = NewEvent {
        event_type: "ComplaintAcknowledged".into(),
        schema_version: 1,
        payload: vec![0xFF, 0xFF, 0xFF],
        metadata: EventMetadata {
            event_id: Uuid::from_u128(0xBAD),
            occurred_at: at(6 * DAY),
            actor: Actor::System,
            correlation_id: Uuid::from_u128(0xBAD),
            causation_id: Uuid::from_u128(0xBAD),
        },
    };
    s.store
        .append(
            &history.c5.stream_name(),
            ExpectedVersion::Any,
            vec![broken],
        )
        .await
        .unwrap();
    let live = read_model_path(s.data_dir());
    let runner = RunnerHandle::start(s.dyn_store(), live, RunnerOptions::default()).unwrap();
    let outcome = runner
        .wait_for_position(good + 1, Duration::from_secs(10))
        .await;
    let Err(WaitError::Stopped { reached, reason }) = outcome else {
        panic!("expected a stop, got {outcome:?}");
    };
    assert_eq!(reached, good, "everything before the bad event is applied");
    assert!(
        reason.contains(&format!("position {}", good + 1)),
        "{reason}"
    );
    assert!(reason.contains("ComplaintAcknowledged"), "{reason}");
    assert!(runner.status().await.unwrap().error.is_some());
}

#[test]
fn a_tampered_checksum_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readmodels.sqlite");
    drop(ReadModels::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE schema_migrations SET checksum = 'ab12'", [])
        .unwrap();
    let error = ReadModels::open(&path).err().unwrap();
    let message = error.to_string();
    assert!(
        matches!(
            &error,
            DatabaseError::Migration {
                source: MigrationError::ChecksumMismatch { .. },
                ..
            }
        ),
        "{message}"
    );
    assert!(message.contains("0001_read_models.sql"), "{message}");
}

#[test]
fn a_changed_migration_file_is_refused_and_new_ones_apply() {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    let original = Migration {
        name: "0001_a.sql",
        sql: "CREATE TABLE a (x INTEGER);",
    };
    assert_eq!(migrations::apply(&mut conn, &[original]).unwrap(), 1);
    let added = Migration {
        name: "0002_b.sql",
        sql: "CREATE TABLE b (y INTEGER);",
    };
    assert_eq!(migrations::apply(&mut conn, &[original, added]).unwrap(), 1);
    assert_eq!(migrations::apply(&mut conn, &[original, added]).unwrap(), 0);
    let edited = Migration {
        name: "0001_a.sql",
        sql: "CREATE TABLE a (x INTEGER, z TEXT);",
    };
    let error = migrations::apply(&mut conn, &[edited, added]).unwrap_err();
    assert!(
        matches!(error, MigrationError::ChecksumMismatch { ref name, .. } if name == "0001_a.sql")
    );
    let error = migrations::apply(&mut conn, &[original]).unwrap_err();
    assert!(matches!(error, MigrationError::UnknownApplied { ref name } if name == "0002_b.sql"));
}

#[tokio::test]
async fn waiting_for_a_position_not_yet_written_times_out_with_where_it_stands() {
    let mut s = Scenario::new();
    script(&mut s).await;
    let live = read_model_path(s.data_dir());
    let runner = RunnerHandle::start(s.dyn_store(), live, RunnerOptions::default()).unwrap();
    runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    let outcome = runner
        .wait_for_position(s.last_position + 1, Duration::from_millis(50))
        .await;
    assert_eq!(
        outcome,
        Err(WaitError::Timeout {
            wanted: s.last_position + 1,
            reached: s.last_position
        })
    );
    assert!(runner.is_running());

    // A position written while waiting is seen without polling.
    let q = officer(Q, markaz_domain::Role::Desk);
    let waiter = runner.wait_for_position(s.last_position + 1, Duration::from_secs(10));
    let writer = s.file(
        7,
        "QTA",
        "nuisance",
        markaz_domain::Gender::Male,
        &q,
        at(6 * DAY),
    );
    let (waited, _) = tokio::join!(waiter, writer);
    assert_eq!(waited, Ok(()));
}

#[tokio::test]
async fn officer_events_only_move_the_checkpoints() {
    use markaz_domain::codec::encode;
    use markaz_domain::{DomainEvent, OfficerEvent, OfficerId, OfficerRegistered, PersonName};
    let mut s = Scenario::new();
    script(&mut s).await;
    let live = read_model_path(s.data_dir());
    let runner =
        RunnerHandle::start(s.dyn_store(), live.clone(), RunnerOptions::default()).unwrap();
    runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    let before = dump(&live);

    let officer_id = OfficerId(Uuid::from_u128(0xABCD));
    let encoded = encode(&DomainEvent::Officer(OfficerEvent::Registered(
        OfficerRegistered {
            officer_id,
            name: PersonName::parse("Saadia Baloch").unwrap(),
            role: markaz_domain::Role::GenderDesk,
            markaz: Some(markaz_domain::MarkazCode::parse("KCH").unwrap()),
            token_hash: [7; 32],
            expires_at: None,
        },
    )));
    let outcome = s
        .store
        .append(
            &officer_id.stream_name(),
            ExpectedVersion::NoStream,
            vec![NewEvent {
                event_type: encoded.event_type.to_owned(),
                schema_version: encoded.schema_version,
                payload: encoded.payload,
                metadata: EventMetadata {
                    event_id: Uuid::from_u128(0xABCE),
                    occurred_at: at(6 * DAY),
                    actor: Actor::System,
                    correlation_id: Uuid::from_u128(0xABCE),
                    causation_id: Uuid::from_u128(0xABCE),
                },
            }],
        )
        .await
        .unwrap();
    runner
        .wait_for_position(outcome.position, Duration::from_secs(10))
        .await
        .unwrap();
    let after = dump(&live);
    let read_models_only = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|line| !line.starts_with("projection_checkpoints"))
            .cloned()
            .collect()
    };
    assert_eq!(read_models_only(&before), read_models_only(&after));
    let status = runner.status().await.unwrap();
    assert!(status
        .projections
        .iter()
        .all(|p| p.checkpoint == outcome.position));
}

#[tokio::test]
async fn a_tracking_code_held_by_another_complaint_stops_the_runner() {
    let mut s = Scenario::new();
    let desk = officer(1, markaz_domain::Role::Desk);
    let male = markaz_domain::Gender::Male;
    s.file(1, "QTA", "nuisance", male, &desk, at(0)).await;
    s.file_with_code_of(2, 1, "QTA", "nuisance", male, &desk, at(HOUR))
        .await;
    let runner = RunnerHandle::start(
        s.dyn_store(),
        read_model_path(s.data_dir()),
        small_batches(),
    )
    .unwrap();
    let stopped = runner
        .wait_for_position(s.last_position, Duration::from_secs(10))
        .await;
    let Err(WaitError::Stopped { reached, reason }) = stopped else {
        panic!("the runner should have stopped, got {stopped:?}");
    };
    assert!(reason.contains("belongs to another complaint"), "{reason}");
    // Both filings are in the first batch (3 events), which is not applied.
    assert_eq!(reached, 0);
}
