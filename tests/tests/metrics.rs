//! `GET /metrics`: Prometheus text with requests by route template and
//! status, latency histograms, appends and projection positions.

use markaz_domain::Role;
use markaz_tests::{spawn_app, theft_report, TestApp};

/// The value of the sample line starting with `prefix ` (name and labels).
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(prefix)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

async fn metrics(app: &TestApp) -> String {
    let answer = app.admin_get("/metrics").await;
    assert_eq!(answer.status, 200);
    assert!(answer.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    answer.text
}

#[tokio::test]
async fn requests_appends_and_projections_are_counted() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let first = app.file(&desk, &theft_report()).await;
    let second = app.file(&desk, &theft_report()).await;
    let id = first["id"].as_str().unwrap();
    let position = second["position"].as_u64().unwrap();
    app.status(&desk, id, position).await.expect(200);
    app.get("/api/v1/complaints/not-a-uuid", Some(&desk))
        .await
        .expect(404);
    app.get("/api/v1/nothing-here", None).await.expect(404);

    let text = metrics(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"markaz_http_requests_total{method="POST",route="/api/v1/complaints",status="201"}"#
        ),
        Some(2.0),
        "{text}"
    );
    // Ids never become labels: both lookups count under the template.
    assert_eq!(
        sample(
            &text,
            r#"markaz_http_requests_total{method="GET",route="/api/v1/complaints/{id}",status="200"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"markaz_http_requests_total{method="GET",route="/api/v1/complaints/{id}",status="404"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"markaz_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0)
    );
    assert!(!text.contains(id), "a complaint id leaked into the labels");
    assert_eq!(
        sample(
            &text,
            r#"markaz_http_request_duration_seconds_count{method="POST",route="/api/v1/complaints"}"#
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"markaz_http_request_duration_seconds_bucket{method="POST",route="/api/v1/complaints",le="+Inf"}"#
        ),
        Some(2.0)
    );
    // At least the officer's registration and the two filings went through
    // this process's store (reads of cases append access records too).
    let appends = sample(&text, r#"markaz_store_appends_total{result="ok"}"#).unwrap();
    assert!(appends >= 3.0, "{text}");
    assert!(sample(&text, "markaz_store_appended_events_total").unwrap() >= appends);
    let head = sample(&text, "markaz_store_head_position").unwrap();
    assert_eq!(head, app.running_head().await as f64);
    // The status lookup waited for the read models to reach `position`.
    for projection in text
        .lines()
        .filter(|line| line.starts_with("markaz_projection_position{"))
    {
        let value: f64 = projection.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(value >= position as f64, "{projection}");
    }
    assert!(text.contains("markaz_projection_lag_events{projection="));
    assert_eq!(sample(&text, "markaz_projections_running"), Some(1.0));
}

/// Every answer carries the request's id: the client's own when usable,
/// otherwise a fresh one per request; answered requests leave the in-flight
/// gauge (only the `/metrics` request itself is in flight while it renders).
#[tokio::test]
async fn request_ids_are_echoed_or_generated_and_in_flight_returns_to_one() {
    let app = spawn_app().await;
    let given = app
        .send(
            reqwest::Method::GET,
            "/api/v1/categories",
            None,
            &[("x-request-id", "counter-7f3a")],
            None,
        )
        .await;
    assert_eq!(given.headers["x-request-id"], "counter-7f3a");

    let first = app.get("/api/v1/categories", None).await;
    let second = app.get("/api/v1/nothing-here", None).await;
    let first_id = first.headers["x-request-id"].to_str().unwrap().to_owned();
    let second_id = second.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(first_id, second_id);
    assert!(uuid::Uuid::parse_str(&first_id).is_ok(), "{first_id}");

    let unusable = app
        .send(
            reqwest::Method::GET,
            "/api/v1/categories",
            None,
            &[("x-request-id", &"x".repeat(201))],
            None,
        )
        .await;
    assert_ne!(unusable.headers["x-request-id"], "x".repeat(201).as_str());

    let text = metrics(&app).await;
    assert_eq!(sample(&text, "markaz_http_requests_in_flight"), Some(1.0));
}
