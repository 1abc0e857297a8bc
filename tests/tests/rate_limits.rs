//! Per-address rate limits of the public endpoints: a burst, then 429 with
//! `Retry-After` and a problem body; unknown tracking codes are throttled
//! much harder, so codes cannot be enumerated, while staff routes are not
//! behind the public limit (they have a per-token limit of their own, see
//! `resilience.rs`).

use markaz_domain::Role;
use markaz_tests::{spawn_app, theft_report};
use serde_json::json;

/// The default public burst (see `RateLimitPolicy::default`).
const PUBLIC_BURST: usize = 60;
/// The default number of unknown codes allowed at once.
const UNKNOWN_CODES: usize = 10;

#[tokio::test]
async fn public_requests_beyond_the_burst_get_429_with_retry_after() {
    let app = spawn_app().await;
    for n in 0..PUBLIC_BURST {
        let answer = app.get("/api/v1/categories", None).await;
        assert_eq!(answer.status, 200, "request {n} is within the burst");
    }
    let refused = app.get("/api/v1/categories", None).await;
    refused.expect_problem(429, "rate_limited");
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");

    // Staff endpoints are not behind the public limit.
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    app.file(&desk, &theft_report()).await;
    app.get("/api/v1/complaints", Some(&desk)).await.expect(200);
    app.get("/healthz", None).await.expect(200);
}

#[tokio::test]
async fn guessing_tracking_codes_is_stopped_after_a_few_misses() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let code = filed["tracking_code"].as_str().unwrap();
    let position = filed["position"].as_u64().unwrap();
    app.track(code, position).await.expect(200);

    for n in 0..UNKNOWN_CODES {
        let guess = format!("/api/v1/track/KCH-GUESS-{n:04}");
        app.get(&guess, None).await.expect_problem(404, "not_found");
    }
    // Now every tracking request from this address is refused, even for a
    // real code and even for a rating, so further guesses learn nothing.
    let refused = app.get("/api/v1/track/KCH-GUESS-9999", None).await;
    refused.expect_problem(429, "rate_limited");
    assert!(refused.json["detail"]
        .as_str()
        .unwrap()
        .contains("unknown tracking codes"));
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 30, "a guesser waits long: {retry_after}");
    app.get(&format!("/api/v1/track/{code}"), None)
        .await
        .expect_problem(429, "rate_limited");
    app.post(
        &format!("/api/v1/track/{code}/rating"),
        None,
        &json!({"stars": 5}),
    )
    .await
    .expect_problem(429, "rate_limited");
    // The rest of the public API still answers.
    app.get("/api/v1/categories", None).await.expect(200);

    // Operators see the guessing in the metrics.
    let metrics = app.admin_get("/metrics").await.text;
    for line in [
        "markaz_unknown_tracking_codes_total 10",
        "markaz_rate_limited_total{limit=\"unknown_codes\"} 3",
        "markaz_rate_limited_total{limit=\"public\"} 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in {metrics}"
        );
    }
}

#[tokio::test]
async fn the_limits_follow_the_configuration() {
    let app = markaz_tests::spawn_app_with(|config| {
        config.public_rate_limit = 3;
        config.unknown_code_limit = 1;
    })
    .await;
    for _ in 0..3 {
        app.get("/api/v1/categories", None).await.expect(200);
    }
    app.get("/api/v1/categories", None)
        .await
        .expect_problem(429, "rate_limited");

    let other = markaz_tests::spawn_app_with(|config| config.unknown_code_limit = 1).await;
    other
        .get("/api/v1/track/KCH-GUESS-0001", None)
        .await
        .expect_problem(404, "not_found");
    other
        .get("/api/v1/track/KCH-GUESS-0002", None)
        .await
        .expect_problem(429, "rate_limited");
}
