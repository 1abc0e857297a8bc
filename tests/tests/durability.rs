//! Idempotent retries (also across a restart), read-your-writes with
//! `min_position`, and a restart that keeps every case and read model.

use markaz_domain::Role;
use std::time::Duration;

use markaz_tests::{harassment_report, spawn_app, spawn_app_with, theft_report, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn file_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    body: &Value,
) -> markaz_tests::Answer {
    app.send(
        Method::POST,
        "/api/v1/complaints",
        Some(token),
        &[("idempotency-key", key)],
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_retried_filing_returns_the_first_answer_even_after_a_restart() {
    let mut app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let first = file_with_key(&app, &desk, "filing-1", &theft_report()).await;
    let first_body = first.expect(201).clone();
    let location = first.headers["location"].to_str().unwrap().to_owned();

    let retry = file_with_key(&app, &desk, "filing-1", &theft_report()).await;
    assert_eq!(retry.expect(201), &first_body);
    assert_eq!(retry.headers["location"], location.as_str());
    assert_eq!(retry.headers["idempotent-replayed"], "true");

    let other_body = file_with_key(&app, &desk, "filing-1", &harassment_report()).await;
    other_body.expect_problem(422, "idempotency_key_reused");

    app.restart().await;
    let after_restart = file_with_key(&app, &desk, "filing-1", &theft_report()).await;
    assert_eq!(after_restart.expect(201), &first_body);

    // Another officer's key space is separate.
    let other_desk = app.officer(Role::Desk, Some("KCH")).await;
    let theirs = file_with_key(&app, &other_desk, "filing-1", &theft_report()).await;
    assert_ne!(theirs.expect(201)["id"], first_body["id"]);

    let head = app.running_head().await;
    let list = app
        .get(
            &format!("/api/v1/complaints?min_position={head}"),
            Some(&desk),
        )
        .await;
    assert_eq!(list.expect(200)["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_retried_command_is_applied_once() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let refer = format!(
        "/api/v1/complaints/{}/referrals",
        filed["id"].as_str().unwrap()
    );
    let body = json!({"to": "PS Kuchlak", "kind": "police_station", "reason": "FIR"});
    let send = |key: &'static str, body: Value| {
        let refer = refer.clone();
        let desk = desk.clone();
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &refer,
                Some(&desk),
                &[("idempotency-key", key)],
                Some(&body),
            )
            .await
        }
    };
    let first = send("refer-1", body.clone()).await;
    assert_eq!(first.expect(200)["version"], 2);
    // A second referral is allowed by the lifecycle, so only the key stops a duplicate.
    let retry = send("refer-1", body.clone()).await;
    assert_eq!(retry.expect(200), &first.json);
    let second = send("refer-2", body.clone()).await;
    assert_eq!(second.expect(200)["version"], 3);
    let timeline = app
        .get(
            &format!(
                "/api/v1/complaints/{}/timeline",
                filed["id"].as_str().unwrap()
            ),
            Some(&desk),
        )
        .await;
    assert_eq!(timeline.expect(200)["events"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn one_key_sent_twice_at_once_with_different_bodies_runs_once() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();
    let resolve = format!("/api/v1/complaints/{id}/resolution");
    let send = |summary: &'static str| {
        let body = json!({"outcome": "resolved", "summary": summary});
        let (app, desk, resolve) = (&app, &desk, &resolve);
        async move {
            app.send(
                Method::POST,
                resolve,
                Some(desk),
                &[("idempotency-key", "resolve-1")],
                Some(&body),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(
        send("Motorcycle returned to its owner"),
        send("Motorcycle found at the scrap market and returned")
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422], "{} / {}", a.text, b.text);
    let refused = if a.status == 422 { &a } else { &b };
    refused.expect_problem(422, "idempotency_key_reused");
    let timeline = app
        .get(&format!("/api/v1/complaints/{id}/timeline"), Some(&desk))
        .await;
    assert_eq!(timeline.expect(200)["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_rating_retried_with_the_code_spelled_otherwise_is_the_same_request() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    let resolved = app
        .post(
            &format!("/api/v1/complaints/{id}/resolution"),
            Some(&desk),
            &json!({"outcome": "resolved", "summary": "Motorcycle returned"}),
        )
        .await;
    let position = resolved.expect(200)["position"].as_u64().unwrap();
    app.track(&code, position).await.expect(200);
    let rate = |code: String| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("/api/v1/track/{code}/rating"),
                None,
                &[("idempotency-key", "rating-1")],
                Some(&json!({"stars": 5})),
            )
            .await
        }
    };
    let first = rate(code.clone()).await;
    let first_body = first.expect(200).clone();
    // Citizens read codes aloud and type them back in lower case, without dashes.
    let retry = rate(code.replace('-', "").to_lowercase()).await;
    assert_eq!(retry.expect(200), &first_body);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
}

#[tokio::test]
async fn a_retry_after_a_lost_record_finds_the_command_in_the_store() {
    // The idempotency record is written after the append; simulate a crash
    // in between by deleting the record file while the server is down.
    let mut app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let first = file_with_key(&app, &desk, "filing-crash", &theft_report()).await;
    let first = first.expect(201).clone();
    app.restart_without_idempotency_records().await;
    let retry = file_with_key(&app, &desk, "filing-crash", &theft_report()).await;
    let retry = retry.expect(201).clone();
    for field in ["id", "tracking_code", "version", "position", "receipt_hash"] {
        assert_eq!(retry[field], first[field], "{field}");
    }

    // The same after the complaint has moved on: the retry still gets the filing.
    let moved_on = file_with_key(&app, &desk, "filing-moved-on", &theft_report()).await;
    let moved_on = moved_on.expect(201).clone();
    let id = moved_on["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{id}/acknowledge"),
        Some(&desk),
        &json!({}),
    )
    .await
    .expect(200);
    app.restart_without_idempotency_records().await;
    let retry = file_with_key(&app, &desk, "filing-moved-on", &theft_report()).await;
    let retry = retry.expect(201);
    for field in ["id", "tracking_code", "version", "position", "receipt_hash"] {
        assert_eq!(retry[field], moved_on[field], "{field}");
    }
    assert_eq!(retry["version"], 1);
}

#[tokio::test]
async fn a_key_reused_for_another_request_after_a_lost_record_runs_that_request() {
    // Without the record the 422 for a reused key cannot be given; what must
    // not happen is the second complaint being dropped and answered with the
    // first one's receipt.
    let mut app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let first = file_with_key(&app, &desk, "reused", &theft_report()).await;
    let first = first.expect(201).clone();
    app.restart_without_idempotency_records().await;
    let mut another = theft_report();
    another["complainant"]["name"] = json!("Sher Ali");
    let second = file_with_key(&app, &desk, "reused", &another).await;
    let second = second.expect(201).clone();
    assert_ne!(second["id"], first["id"]);
    assert_ne!(second["tracking_code"], first["tracking_code"]);
    let position = second["position"].as_u64().unwrap();
    for (filed, name) in [(&first, "Abdul Wahid"), (&second, "Sher Ali")] {
        let id = filed["id"].as_str().unwrap();
        let view = app.status(&desk, id, position).await;
        assert_eq!(view.expect(200)["complainant"]["name"], name);
    }
}

async fn acknowledge_with_key(
    app: &TestApp,
    token: &str,
    id: &str,
    key: &str,
) -> markaz_tests::Answer {
    app.send(
        Method::POST,
        &format!("/api/v1/complaints/{id}/acknowledge"),
        Some(token),
        &[("idempotency-key", key)],
        Some(&json!({})),
    )
    .await
}

#[tokio::test]
async fn a_retried_command_after_a_lost_record_answers_as_it_first_did() {
    let mut app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let first = acknowledge_with_key(&app, &desk, &id, "ack-1").await;
    let first = first.expect(200).clone();
    assert_eq!(first["status"], "acknowledged");
    app.post(
        &format!("/api/v1/complaints/{id}/resolution"),
        Some(&desk),
        &json!({"outcome": "resolved", "summary": "returned"}),
    )
    .await
    .expect(200);
    app.restart_without_idempotency_records().await;
    let retry = acknowledge_with_key(&app, &desk, &id, "ack-1").await;
    let retry = retry.expect(200).clone();
    assert_eq!(
        retry, first,
        "the answer of the first attempt, not the case now"
    );
}

#[tokio::test]
async fn queries_with_min_position_see_the_command_they_follow() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    for _ in 0..5 {
        let filed = app.file(&desk, &theft_report()).await;
        let id = filed["id"].as_str().unwrap();
        let position = filed["position"].as_u64().unwrap();
        app.status(&desk, id, position).await.expect(200);
        let acknowledged = app
            .post(
                &format!("/api/v1/complaints/{id}/acknowledge"),
                Some(&desk),
                &json!({}),
            )
            .await;
        let position = acknowledged.expect(200)["position"].as_u64().unwrap();
        let view = app.status(&desk, id, position).await;
        assert_eq!(view.expect(200)["status"], "acknowledged");
        let code = filed["tracking_code"].as_str().unwrap();
        assert_eq!(
            app.track(code, position).await.expect(200)["status"],
            "acknowledged"
        );
    }
}

#[tokio::test]
async fn a_position_the_read_models_have_not_reached_is_503_with_retry_after() {
    let app = spawn_app_with(|config| config.min_position_wait = Duration::from_millis(200)).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    // Another process holds the read-model file's write lock, so the
    // projections cannot apply the filing.
    let lock = rusqlite::Connection::open(app.config().read_models_path()).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let filed = app.file(&desk, &theft_report()).await;
    let position = filed["position"].as_u64().unwrap();
    let answer = app
        .get(
            &format!("/api/v1/complaints?min_position={position}"),
            Some(&desk),
        )
        .await;
    answer.expect_problem(503, "unavailable");
    assert!(answer.headers.contains_key("retry-after"));
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);
    assert!(
        app.state()
            .projections
            .wait_for_recovery(position, Duration::from_secs(30))
            .await
    );
    app.get(
        &format!("/api/v1/complaints?min_position={position}"),
        Some(&desk),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn a_restart_keeps_every_case_and_read_model() {
    let mut app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let sensitive = app.file(&desk, &harassment_report()).await;
    let resolved = app
        .post(
            &format!("/api/v1/complaints/{id}/resolution"),
            Some(&desk),
            &json!({"outcome": "resolved", "summary": "returned"}),
        )
        .await;
    let position = resolved.expect(200)["position"].as_u64().unwrap();
    let code = filed["tracking_code"].as_str().unwrap().to_owned();

    let before = snapshot(&app, &supervisor, &id, &code, position).await;
    app.restart().await;
    let after = snapshot(&app, &supervisor, &id, &code, position).await;
    assert_eq!(before, after);
    // Tokens still work and new commands continue the same streams.
    let rated = app
        .post(
            &format!("/api/v1/track/{code}/rating"),
            None,
            &json!({"stars": 5}),
        )
        .await;
    assert_eq!(rated.expect(200)["version"], 3);
    let queue = app
        .get(
            &format!("/api/v1/gender-desk/queue?min_position={position}"),
            Some(&supervisor),
        )
        .await;
    assert_eq!(queue.expect(200)["cases"][0]["id"], sensitive["id"]);
}

/// Everything a client can read about the cases, minus what changes with the clock.
async fn snapshot(app: &TestApp, token: &str, id: &str, code: &str, position: u64) -> Vec<Value> {
    let strip = |mut value: Value| {
        strip_clock(&mut value);
        value
    };
    vec![
        strip(app.status(token, id, position).await.expect(200).clone()),
        strip(app.track(code, position).await.expect(200).clone()),
        strip(
            app.get(
                &format!("/api/v1/complaints?min_position={position}"),
                Some(token),
            )
            .await
            .expect(200)
            .clone(),
        ),
        strip(
            app.get(&format!("/api/v1/complaints/{id}/timeline"), Some(token))
                .await
                .expect(200)
                .clone(),
        ),
        strip(
            app.get(
                &format!("/api/v1/gender-desk/queue?min_position={position}"),
                Some(token),
            )
            .await
            .expect(200)
            .clone(),
        ),
        strip(
            app.get(
                &format!("/api/v1/performance?min_position={position}"),
                Some(token),
            )
            .await
            .expect(200)
            .clone(),
        ),
    ]
}

/// Removes values computed from the current time (ages, open backlog buckets).
fn strip_clock(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("age_minutes");
            for child in map.values_mut() {
                strip_clock(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_clock),
        _ => {}
    }
}
