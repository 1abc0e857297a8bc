//! The projection runner on EventStoreDB (the KurrentDB test server, or the
//! node `MARKAZ_ESDB_URL` names for the tests without fault injection): a
//! scripted history copied from SQLite with `migrate`, caught up, followed
//! live, behind a broken subscription (lag counted in events, not in the
//! server's byte positions), and restarted from its checkpoint.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kurrentdb_test_server::TestServer;
use markaz_domain::{Gender, Role};
use markaz_projections::{read_model_path, RunnerHandle, RunnerOptions};
use markaz_store::esdb::{EsdbOptions, EsdbStore};
use markaz_store::transfer::migrate::migrate;
use markaz_store::EventStore;
use support::*;

const PATIENCE: Duration = Duration::from_secs(20);

fn options() -> RunnerOptions {
    RunnerOptions {
        batch_size: 4,
        swap_check_every: Duration::from_millis(20),
        commit_spacing: 0,
    }
}

/// The rows of the read models, without the tables that hold positions
/// (checkpoints, and each status row's last position), which differ between
/// the stores by design; the status rows are counted instead.
fn rows(path: &std::path::Path) -> Vec<String> {
    let all = dump(path);
    let statuses = all
        .iter()
        .filter(|line| line.starts_with("complaint_status"))
        .count();
    all.into_iter()
        .filter(|line| {
            !line.starts_with("projection_checkpoints") && !line.starts_with("complaint_status")
        })
        .chain(std::iter::once(format!(
            "complaint_status rows: {statuses}"
        )))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_catches_up_follows_survives_drops_and_restarts_on_eventstoredb() {
    let mut s = Scenario::new();
    script(&mut s).await;
    let server = TestServer::start();
    let esdb: Arc<dyn EventStore> = Arc::new(
        EsdbStore::connect_with(
            &server.url(),
            EsdbOptions {
                retry_delay: Duration::from_millis(10),
                max_resubscribes: 2,
                ..EsdbOptions::default()
            },
        )
        .await
        .expect("connect"),
    );
    migrate(s.store.as_ref(), esdb.as_ref(), |_| {})
        .await
        .expect("copy the history");

    // Catch-up, into the same rows SQLite gives.
    let expected_dir = tempfile::tempdir().unwrap();
    let expected = read_model_path(expected_dir.path());
    let on_sqlite = RunnerHandle::start(s.dyn_store(), expected.clone(), options()).unwrap();
    on_sqlite
        .wait_for_position(s.last_position, PATIENCE)
        .await
        .unwrap();
    let live = read_model_path(s.data_dir());
    let runner = RunnerHandle::start(Arc::clone(&esdb), live.clone(), options()).unwrap();
    let head = esdb.head_position().await.unwrap();
    runner.wait_for_position(head, PATIENCE).await.unwrap();
    assert_same_rows(&rows(&live), &rows(&expected));
    assert_eq!(runner.status().await.unwrap().lag, 0);

    // Live: a complaint filed after the runner caught up.
    let desk = officer(A, Role::Desk);
    s.file(90, "KCH", "theft_report", Gender::Female, &desk, at(0))
        .await;
    migrate(s.store.as_ref(), esdb.as_ref(), |_| {})
        .await
        .expect("copy the new event");
    let head = esdb.head_position().await.unwrap();
    runner.wait_for_position(head, PATIENCE).await.unwrap();

    // A subscription dropped before every event: the runner cannot move, and
    // its lag is the number of events it misses, not a distance in bytes.
    server.faults().drop_subscriptions_after(Some(0));
    let before = s.last_position;
    s.file(91, "KCH", "theft_report", Gender::Male, &desk, at(10))
        .await;
    s.file(92, "QTA", "theft_report", Gender::Male, &desk, at(20))
        .await;
    let missed = s.last_position - before;
    migrate(s.store.as_ref(), esdb.as_ref(), |_| {})
        .await
        .expect("copy the new events");
    let status = runner.status().await.unwrap();
    assert_eq!(status.lag, missed, "{status:?}");
    assert!(
        status.projections.iter().all(|p| p.lag == missed),
        "{status:?}"
    );
    drop(runner);

    // Restart from the checkpoint once the server behaves again.
    server.faults().clear();
    on_sqlite
        .wait_for_position(s.last_position, PATIENCE)
        .await
        .unwrap();
    let runner = RunnerHandle::start(Arc::clone(&esdb), live.clone(), options()).unwrap();
    let head = esdb.head_position().await.unwrap();
    runner.wait_for_position(head, PATIENCE).await.unwrap();
    assert_eq!(runner.status().await.unwrap().lag, 0);
    assert_same_rows(&rows(&live), &rows(&expected));
}
