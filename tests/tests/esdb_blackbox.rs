//! The black-box suites that do not look inside the SQLite file, run again
//! with `markaz serve --store esdb://127.0.0.1:PORT?tls=false`: each app gets
//! its own KurrentDB test server (`spawn_app` picks it because this program's
//! name starts with `esdb_`), or the node `MARKAZ_ESDB_URL` names. `privacy`
//! runs the command loop with If-Match and receipt reprints there;
//! `access_log` the batched access events (each officer's `access-officer-`
//! stream appended with no expected version), their index and the old
//! per-case `access-` streams.

#[path = "access_log.rs"]
mod access_log;
#[path = "bad_input.rs"]
mod bad_input;
#[path = "escalation.rs"]
mod escalation;
#[path = "lifecycle.rs"]
mod lifecycle;
#[path = "notifications.rs"]
mod notifications;
#[path = "privacy.rs"]
mod privacy;
#[path = "roles.rs"]
mod roles;
#[path = "service_requests.rs"]
mod service_requests;
#[path = "service_requests_verification.rs"]
mod service_requests_verification;
#[path = "sse.rs"]
mod sse;

#[test]
fn this_program_runs_on_eventstoredb() {
    assert_eq!(markaz_tests::test_store(), markaz_tests::TestStore::Esdb);
}
