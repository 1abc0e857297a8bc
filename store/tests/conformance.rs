//! Runs the backend conformance suite against the embedded store and against
//! EventStoreDB: the server `MARKAZ_ESDB_URL` names, or else a fresh in-memory
//! KurrentDB test server per test.

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
        _keep_alive: Some(Box::new(dir)),
    })
}

/// The EventStoreDB server named by `MARKAZ_ESDB_URL`, or a fresh test server.
async fn open_esdb() -> Option<Backend> {
    let target = kurrentdb_test_server::Target::from_env();
    let store = markaz_store::esdb::EsdbStore::connect(target.url())
        .await
        .unwrap_or_else(|e| panic!("connect to EventStoreDB at {}: {e}", target.url()));
    Some(Backend {
        store: Arc::new(store),
        _keep_alive: Some(Box::new(target)),
    })
}

conformance_tests!(sqlite, super::open_sqlite());
conformance_tests!(esdb, super::open_esdb());
