//! `markaz demo` fills a store the server then serves, the same seed gives the
//! same cases, and `markaz bench http` runs its three phases end to end
//! (a smoke run with few requests: its figures are not judged here).

use chrono::{DateTime, Utc};
use markaz_api::cli::bench::{bench_http, HttpBenchArgs};
use markaz_api::cli::demo::{self, DemoArgs, DemoCommand};
use markaz_api::config::Config;
use markaz_domain::Role;
use markaz_store::{EventStore, SqliteStore};
use markaz_tests::spawn_app_with;
use serde_json::Value;

fn until() -> DateTime<Utc> {
    "2026-10-31T18:00:00Z".parse().unwrap()
}

async fn fill(dir: &std::path::Path, complaints: u32, seed: u64, concurrency: usize) {
    let args = DemoArgs {
        complaints,
        seed,
        markaz: vec!["KCH".to_owned()],
        months: 4,
        until: Some(until()),
        concurrency,
        service_requests: None,
    };
    demo::run(DemoCommand::Demo(args), &Config::with_data_dir(dir))
        .await
        .expect("the demo fills the store");
}

/// The complaint events of a store: stream, version, type, time and payload.
async fn complaint_events(dir: &std::path::Path) -> Vec<(String, u64, String, i64, Vec<u8>)> {
    let store = SqliteStore::open(dir.join("events.sqlite")).unwrap();
    let events = store.read_all(0, 100_000).await.unwrap();
    events
        .into_iter()
        .filter(|event| event.stream.starts_with("complaint-"))
        .map(|event| {
            (
                event.stream,
                event.version,
                event.event_type,
                event.metadata.occurred_at.as_micros(),
                event.payload,
            )
        })
        .collect()
}

#[tokio::test]
async fn the_demo_history_is_served_and_looks_like_a_centre() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 120, 42, 8).await;
    let data_dir = dir.path().to_owned();
    let app = spawn_app_with(move |config| config.data_dir = data_dir).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let head = app.running_head().await;

    let list = app
        .get(
            &format!("/api/v1/complaints?limit=500&min_position={head}"),
            Some(&supervisor),
        )
        .await;
    let items = list.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 120);
    let count = |status: &str| items.iter().filter(|c| c["status"] == status).count();
    assert!(count("resolved") > 40, "most cases end resolved");
    assert!(count("withdrawn") < 20);
    let open = count("filed") + count("acknowledged") + count("referred");
    assert!(open > 0, "the latest cases are still open");
    let first = items
        .iter()
        .map(|c| c["filed_at"].as_str().unwrap())
        .min()
        .unwrap();
    let last = items
        .iter()
        .map(|c| c["filed_at"].as_str().unwrap())
        .max()
        .unwrap();
    assert!(
        first < "2026-07-31" && last > "2026-10-01",
        "{first} .. {last}"
    );
    assert!(items.iter().any(|c| c["gender_desk"] == true));
    assert!(items
        .iter()
        .any(|c| c["sla"]["acknowledge_breached"] == true));
    assert!(items
        .iter()
        .any(|c| c["sla"]["acknowledge_breached"] == false));

    let performance = app
        .get(
            "/api/v1/performance?from=2026-06-01&to=2026-10-31&by=category",
            Some(&supervisor),
        )
        .await;
    let groups = performance.expect(200)["groups"]
        .as_array()
        .unwrap()
        .clone();
    assert!(groups.len() >= 6, "several categories: {groups:?}");
    let sum = |field: &str| {
        groups
            .iter()
            .map(|g| g[field].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    assert_eq!(sum("filed"), 120);
    assert!(sum("referred") > 10);
    let ratings: u64 = groups
        .iter()
        .flat_map(|g| g["ratings"].as_array().unwrap().iter().map(Value::as_u64))
        .map(Option::unwrap_or_default)
        .sum();
    assert!(ratings > 10, "citizens rated: {ratings}");

    let any = items[0]["id"].as_str().unwrap();
    let timeline = app
        .get(
            &format!("/api/v1/complaints/{any}/timeline"),
            Some(&supervisor),
        )
        .await;
    let events = timeline.expect(200)["events"].as_array().unwrap().clone();
    assert_eq!(events[0]["type"], "ComplaintFiled");
    assert_eq!(events[0]["actor"]["kind"], "officer");

    // Service requests too (half as many as complaints by default), at
    // every stage, in the service screens and the figures per service.
    let requests = app
        .get(
            &format!("/api/v1/service-requests?limit=500&min_position={head}"),
            Some(&supervisor),
        )
        .await;
    let requests = requests.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(requests.len(), 60);
    let count = |status: &str| requests.iter().filter(|r| r["status"] == status).count();
    assert!(
        count("collected") + count("issued") > 30,
        "most requests end issued"
    );
    assert!(count("refused") + count("withdrawn") > 0, "some do not");
    let services: std::collections::BTreeSet<&str> = requests
        .iter()
        .map(|r| r["service"].as_str().unwrap())
        .collect();
    assert!(services.len() >= 3, "a mix of services: {services:?}");
    let figures = app
        .get(
            "/api/v1/service-performance?from=2026-06-01&to=2026-10-31",
            Some(&supervisor),
        )
        .await;
    let figures = figures.expect(200)["services"].as_array().unwrap().clone();
    let requested: u64 = figures
        .iter()
        .map(|f| f["requested"].as_u64().unwrap_or(0))
        .sum();
    let issued: u64 = figures
        .iter()
        .map(|f| f["issued"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(requested, 60, "{figures:?}");
    assert!(issued > 30, "{figures:?}");
}

#[tokio::test]
async fn the_same_seed_writes_the_same_cases() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    fill(a.path(), 30, 7, 1).await;
    fill(b.path(), 30, 7, 1).await;
    fill(c.path(), 30, 8, 1).await;
    let (a, b, c) = (
        complaint_events(a.path()).await,
        complaint_events(b.path()).await,
        complaint_events(c.path()).await,
    );
    assert!(a.len() > 60, "{} events", a.len());
    assert_eq!(a, b, "same seed, same cases in the same order");
    assert_ne!(a, c);
}

#[tokio::test]
async fn bench_http_runs_its_three_phases() {
    let dir = tempfile::tempdir().unwrap();
    let args = HttpBenchArgs {
        connections: 4,
        requests: 40,
        duration: 60,
        url: None,
        token: None,
    };
    let report = bench_http(&args, &Config::with_data_dir(dir.path()))
        .await
        .expect("the bench runs");
    for phase in [&report.bare, &report.filings, &report.lookups] {
        assert_eq!(
            (phase.ok, phase.errors),
            (40, 0),
            "{}: {:?}",
            phase.name,
            phase.first_error
        );
        assert!(phase.p50 <= phase.p99 && phase.rate() > 0.0, "{phase:?}");
    }
    let printed = report.to_string();
    assert!(printed.contains("ratio to the bare route"), "{printed}");
}
