//! Filings per second through the HTTP API with `serve --store esdb://` on the
//! in-memory KurrentDB test server, beside the same run on the embedded SQLite
//! store. The test server answers from memory on loopback, so this measures
//! the Markaz side of the EventStoreDB path (client, gRPC, the backend's reads
//! before each append), not what a real EventStoreDB node or cluster sustains.
//!
//! `cargo run -p markaz-tests --example esdb_filings [FILINGS] [CONCURRENCY]`

use std::sync::Arc;
use std::time::Instant;

use markaz_domain::Role;
use markaz_tests::{spawn_app, test_store, theft_report, TestStore};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let filings: usize = args
        .next()
        .map_or(400, |a| a.parse().expect("FILINGS is a number"));
    let concurrency: usize = args
        .next()
        .map_or(16, |a| a.parse().expect("CONCURRENCY is a number"));
    println!("{filings} filings, {concurrency} at a time, each store in a fresh app");
    for store in ["sqlite", "esdb"] {
        // spawn_app reads it when it starts the app; the previous app is gone.
        std::env::set_var("MARKAZ_TEST_STORE", store);
        let app = Arc::new(spawn_app().await);
        let expected = if store == "esdb" {
            TestStore::Esdb
        } else {
            TestStore::Sqlite
        };
        assert_eq!(test_store(), expected);
        let desk = Arc::new(app.officer(Role::Desk, Some("KCH")).await);
        for _ in 0..concurrency {
            app.file(&desk, &theft_report()).await;
        }
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..concurrency {
            let app = Arc::clone(&app);
            let desk = Arc::clone(&desk);
            let share = filings / concurrency + usize::from(worker < filings % concurrency);
            tasks.push(tokio::spawn(async move {
                for _ in 0..share {
                    app.file(&desk, &theft_report()).await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("a filing worker");
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{store:>6}: {:>8.1} filings/s ({seconds:.2} s)",
            filings as f64 / seconds
        );
    }
}
