//! Runs the backend conformance suite against the embedded store always and
//! against EventStoreDB when `MARKAZ_ESDB_URL` names a server.

mod backend_suite;

use std::sync::Arc;

use backend_suite::Backend;
use markaz_store::SqliteStore;

/// A fresh embedded store in its own temporary directory.
async fn open_sqlite() -> Option<Backend> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("events.db")).expect("open the event file");
    Some(Backend {
        store: Arc::new(store),
        _keep_alive: Some(dir),
    })
}

/// The EventStoreDB server named by `MARKAZ_ESDB_URL`, or `None` (skip).
async fn open_esdb() -> Option<Backend> {
    let Ok(url) = std::env::var("MARKAZ_ESDB_URL") else {
        // Written to stderr directly, not through the test harness's captured
        // `println!`, so that every test run shows plainly what it skipped.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped EventStoreDB backend: MARKAZ_ESDB_URL is not set"
        );
        return None;
    };
    Some(Backend {
        store: connect_esdb(&url).await,
        _keep_alive: None,
    })
}

async fn connect_esdb(url: &str) -> Arc<dyn markaz_store::EventStore> {
    let store = markaz_store::esdb::EsdbStore::connect(url)
        .await
        .expect("connect to the EventStoreDB server named by MARKAZ_ESDB_URL");
    Arc::new(store)
}

conformance_tests!(sqlite, super::open_sqlite());
conformance_tests!(esdb, super::open_esdb());
