//! Readiness while the EventStoreDB feed breaks and heals: the server says
//! it is not ready while its read models cannot follow the log, says why on
//! the admin listener, and becomes ready again by itself once the feed
//! works, with every event projected once.

use std::time::{Duration, Instant};

use markaz_domain::Role;
use markaz_tests::{spawn_app, theft_report, TestApp};
use serde_json::Value;

/// How long readiness may take to notice a change: a stall shows after 10 s
/// standing still, and a healed feed resubscribes within a few seconds.
const PATIENCE: Duration = Duration::from_secs(30);

/// Polls the detailed readiness until `wanted` holds (readiness has no event
/// to await), and returns that answer.
async fn readiness_until(app: &TestApp, what: &str, wanted: impl Fn(u16, &Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let answer = app.admin_get("/readyz").await;
        if wanted(answer.status.as_u16(), &answer.json) {
            return answer.json;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "readiness never showed {what}: last {} {}",
            answer.status,
            answer.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn readiness_follows_a_broken_feed_down_and_back_up() {
    let app = spawn_app().await;
    let Some(faults) = app.esdb_faults().cloned() else {
        println!("skipped: a real node cannot be told to fail (MARKAZ_ESDB_URL is set)");
        return;
    };
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let first = app.file(&desk, &theft_report()).await;
    let id = first["id"].as_str().unwrap().to_owned();
    app.status(&desk, &id, first["position"].as_u64().unwrap())
        .await
        .expect(200);
    readiness_until(&app, "ready", |status, _| status == 200).await;

    // Every subscription now breaks before it delivers anything; appends
    // still work, so a filing is durable but cannot be projected.
    faults.drop_subscriptions_after(Some(0));
    let during = app.file(&desk, &theft_report()).await;
    let down = readiness_until(&app, "not ready", |status, _| status == 503).await;
    assert_eq!(down["status"], "not ready", "{down}");
    let problems = down["problems"].to_string();
    assert!(problems.contains("the feed is stuck"), "{down}");
    assert!(
        down["projections"]["stalled_secs"].as_u64().unwrap() >= 10,
        "{down}"
    );
    // The public listener says only that it is not ready.
    let public = app.get("/readyz", None).await;
    assert_eq!(public.status, 503);
    assert!(!public.text.contains("subscription"), "{}", public.text);

    faults.clear();
    readiness_until(&app, "ready again", |status, _| status == 200).await;
    let during_id = during["id"].as_str().unwrap();
    let view = app
        .status(&desk, during_id, during["position"].as_u64().unwrap())
        .await;
    assert_eq!(view.expect(200)["status"], "filed");
    // Nothing was projected twice: the list holds each case once.
    let list = app
        .get("/api/v1/complaints?limit=10", Some(&desk))
        .await
        .expect(200)
        .clone();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    assert!(ids.contains(&id.as_str()) && ids.contains(&during_id));
}

#[tokio::test]
async fn a_feed_dropped_now_and_then_keeps_the_server_ready() {
    let app = spawn_app().await;
    let Some(faults) = app.esdb_faults().cloned() else {
        println!("skipped: a real node cannot be told to fail (MARKAZ_ESDB_URL is set)");
        return;
    };
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    readiness_until(&app, "ready", |status, _| status == 200).await;
    // Every subscription breaks after each event it delivers: a flaky link
    // that still makes progress.
    faults.drop_subscriptions_after(Some(1));
    let mut last = Value::Null;
    for _ in 0..10 {
        last = app.file(&desk, &theft_report()).await;
        let ready = app.admin_get("/readyz").await;
        assert_eq!(
            ready.status, 200,
            "a transient drop took readiness down: {}",
            ready.text
        );
    }
    // Every filing made it into the read models, through the drops.
    let id = last["id"].as_str().unwrap();
    app.status(&desk, id, last["position"].as_u64().unwrap())
        .await
        .expect(200);
    let ready = readiness_until(&app, "caught up", |status, json| {
        status == 200 && json["projections"]["lag"] == 0
    })
    .await;
    assert_eq!(ready["problems"], serde_json::json!([]));
}
