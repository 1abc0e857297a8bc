//! The whole life of a case over HTTP, and every transition the lifecycle refuses.

use markaz_domain::Role;
use markaz_tests::{spawn_app, theft_report, TestApp};
use serde_json::{json, Value};

async fn desk_and_case(app: &TestApp) -> (String, Value) {
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    (desk, filed)
}

fn path(filed: &Value, action: &str) -> String {
    format!(
        "/api/v1/complaints/{}/{action}",
        filed["id"].as_str().unwrap()
    )
}

#[tokio::test]
async fn a_case_goes_from_filing_to_rating() {
    let app = spawn_app().await;
    let (desk, filed) = desk_and_case(&app).await;
    assert_eq!(filed["status"], "filed");
    assert_eq!(filed["gender_desk"], false);
    assert_eq!(filed["version"], 1);
    assert_eq!(filed["receipt_hash"].as_str().unwrap().len(), 64);
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("KCH-"), "{code}");

    let acknowledged = app
        .post(
            &path(&filed, "acknowledge"),
            Some(&desk),
            &json!({"note": "called back"}),
        )
        .await;
    assert_eq!(acknowledged.expect(200)["status"], "acknowledged");
    assert_eq!(acknowledged.json["version"], 2);

    let referred = app
        .post(
            &path(&filed, "referrals"),
            Some(&desk),
            &json!({"to": "PS Kuchlak", "kind": "police_station", "reason": "theft needs an FIR"}),
        )
        .await;
    assert_eq!(referred.expect(200)["status"], "referred");

    let resolved = app
        .post(
            &path(&filed, "resolution"),
            Some(&desk),
            &json!({"outcome": "fir_registered", "summary": "FIR 112/26 registered"}),
        )
        .await;
    assert_eq!(resolved.expect(200)["status"], "resolved");

    let reopened = app
        .post(
            &path(&filed, "reopen"),
            Some(&desk),
            &json!({"reason": "motorcycle not returned"}),
        )
        .await;
    assert_eq!(reopened.expect(200)["status"], "acknowledged");

    let resolved_again = app
        .post(
            &path(&filed, "resolution"),
            Some(&desk),
            &json!({"outcome": "resolved", "summary": "motorcycle recovered"}),
        )
        .await;
    assert_eq!(resolved_again.expect(200)["version"], 6);
    // The rating finds the case by its tracking code in the read models.
    let position = resolved_again.json["position"].as_u64().unwrap();
    app.track(&code, position).await.expect(200);

    let rated = app
        .post(
            &format!("/api/v1/track/{code}/rating"),
            None,
            &json!({"stars": 4, "comment": "quick help"}),
        )
        .await;
    let rated = rated.expect(200).clone();
    assert_eq!(rated["version"], 7);
    assert_eq!(rated["status"], "resolved");

    let position = rated["position"].as_u64().unwrap();
    let view = app
        .status(&desk, filed["id"].as_str().unwrap(), position)
        .await;
    let view = view.expect(200);
    assert_eq!(view["status"], "resolved");
    assert_eq!(view["version"], 7);
    assert_eq!(view["reopen_count"], 1);
    assert_eq!(view["rating"], 4);
    let statuses: Vec<&str> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "filed",
            "acknowledged",
            "referred",
            "resolved",
            "reopened",
            "resolved"
        ]
    );

    let timeline = app.get(&path(&filed, "timeline"), Some(&desk)).await;
    let events = timeline.expect(200)["events"].as_array().unwrap().clone();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ComplaintFiled",
            "ComplaintAcknowledged",
            "ComplaintReferred",
            "ComplaintResolved",
            "ComplaintReopened",
            "ComplaintResolved",
            "ComplaintRated"
        ]
    );
    assert_eq!(events[0]["hash"], filed["receipt_hash"]);
    assert_eq!(events[6]["actor"]["kind"], "citizen");
    assert_eq!(events[1]["actor"]["role"], "desk");
}

/// Sends `action` and expects 409 with `code`, and the version unchanged.
async fn refused(app: &TestApp, token: &str, filed: &Value, action: &str, body: Value, code: &str) {
    let before = app
        .get(&path(filed, "timeline"), Some(token))
        .await
        .expect(200)["events"]
        .as_array()
        .unwrap()
        .len();
    let answer = app.post(&path(filed, action), Some(token), &body).await;
    let problem = answer.expect_problem(409, code);
    assert!(
        problem["detail"].as_str().unwrap().len() > 10,
        "the problem says why: {problem}"
    );
    let after = app
        .get(&path(filed, "timeline"), Some(token))
        .await
        .expect(200)["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a refused {action} changed nothing");
}

/// A rating now is refused as a lifecycle conflict (the case is not resolved).
async fn refused_rating(app: &TestApp, code: &str) {
    app.post(
        &format!("/api/v1/track/{code}/rating"),
        None,
        &json!({"stars": 5}),
    )
    .await
    .expect_problem(409, "invalid_transition");
}

#[tokio::test]
async fn the_lifecycle_refuses_what_it_forbids() {
    let app = spawn_app().await;
    let (desk, filed) = desk_and_case(&app).await;
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    let reason = json!({"reason": "testing"});
    let summary = json!({"outcome": "resolved", "summary": "done"});

    // filed: reopen and rating are refused.
    refused(
        &app,
        &desk,
        &filed,
        "reopen",
        reason.clone(),
        "invalid_transition",
    )
    .await;
    app.track(&code, filed["position"].as_u64().unwrap())
        .await
        .expect(200);
    refused_rating(&app, &code).await;

    // acknowledged: acknowledging again, reopening and rating are refused.
    app.post(&path(&filed, "acknowledge"), Some(&desk), &json!({}))
        .await
        .expect(200);
    refused(
        &app,
        &desk,
        &filed,
        "reopen",
        reason.clone(),
        "invalid_transition",
    )
    .await;
    refused_rating(&app, &code).await;
    refused(
        &app,
        &desk,
        &filed,
        "acknowledge",
        json!({}),
        "invalid_transition",
    )
    .await;

    // referred: acknowledging, reopening and rating are refused.
    app.post(
        &path(&filed, "referrals"),
        Some(&desk),
        &json!({"to": "Magistrate Quetta", "kind": "magistrate", "reason": "s.155 CrPC"}),
    )
    .await
    .expect(200);
    refused(
        &app,
        &desk,
        &filed,
        "reopen",
        reason.clone(),
        "invalid_transition",
    )
    .await;
    refused_rating(&app, &code).await;
    refused(
        &app,
        &desk,
        &filed,
        "acknowledge",
        json!({}),
        "invalid_transition",
    )
    .await;

    // resolved: everything but reopen and rating is refused.
    app.post(&path(&filed, "resolution"), Some(&desk), &summary)
        .await
        .expect(200);
    refused(
        &app,
        &desk,
        &filed,
        "acknowledge",
        json!({}),
        "invalid_transition",
    )
    .await;
    refused(
        &app,
        &desk,
        &filed,
        "referrals",
        json!({"to": "PS", "kind": "police_station", "reason": "x"}),
        "invalid_transition",
    )
    .await;
    refused(
        &app,
        &desk,
        &filed,
        "resolution",
        summary.clone(),
        "invalid_transition",
    )
    .await;
    refused(
        &app,
        &desk,
        &filed,
        "withdrawal",
        reason.clone(),
        "invalid_transition",
    )
    .await;

    // Rating twice is refused.
    let rating = format!("/api/v1/track/{code}/rating");
    app.post(&rating, None, &json!({"stars": 3}))
        .await
        .expect(200);
    app.post(&rating, None, &json!({"stars": 5}))
        .await
        .expect_problem(409, "already_rated");

    // withdrawn: everything is refused.
    let second = app.file(&desk, &theft_report()).await;
    let withdrawn = app
        .post(&path(&second, "withdrawal"), Some(&desk), &reason)
        .await;
    let position = withdrawn.expect(200)["position"].as_u64().unwrap();
    let second_code = second["tracking_code"].as_str().unwrap();
    app.track(second_code, position).await.expect(200);
    refused_rating(&app, second_code).await;
    for (action, body) in [
        ("acknowledge", json!({})),
        (
            "referrals",
            json!({"to": "PS", "kind": "police_station", "reason": "x"}),
        ),
        ("resolution", summary.clone()),
        ("reopen", reason.clone()),
        ("withdrawal", reason.clone()),
    ] {
        refused(&app, &desk, &second, action, body, "invalid_transition").await;
    }
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let app = spawn_app().await;
    let (desk, filed) = desk_and_case(&app).await;
    let acknowledge = path(&filed, "acknowledge");
    let stale = app
        .send(
            reqwest::Method::POST,
            &acknowledge,
            Some(&desk),
            &[("if-match", "\"2\"")],
            Some(&json!({})),
        )
        .await;
    stale.expect_problem(412, "precondition_failed");
    let current = app
        .send(
            reqwest::Method::POST,
            &acknowledge,
            Some(&desk),
            &[("if-match", "\"1\"")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(current.expect(200)["version"], 2);
    // The ETag of the status view is the version If-Match expects.
    let view = app
        .status(
            &desk,
            filed["id"].as_str().unwrap(),
            current.json["position"].as_u64().unwrap(),
        )
        .await;
    view.expect(200);
    assert_eq!(view.headers["etag"], "\"2\"");
}

/// The read models commit in batches and may trail the log for a moment; a
/// case whose receipt the caller holds is still found at once, by code (the
/// public view and the rating) and by id, without `min_position`.
#[tokio::test]
async fn a_case_is_found_right_after_filing_without_min_position() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let mut filed = Vec::new();
    for _ in 0..5 {
        filed.push(app.file(&desk, &theft_report()).await);
    }
    for case in &filed {
        let code = case["tracking_code"].as_str().unwrap();
        let id = case["id"].as_str().unwrap();
        app.get(&format!("/api/v1/track/{code}"), None)
            .await
            .expect(200);
        app.get(&format!("/api/v1/complaints/{id}"), Some(&desk))
            .await
            .expect(200);
    }
    // An unknown code is still unknown once the read models have caught up.
    app.get("/api/v1/track/KCH-2222-2222-2222-2", None)
        .await
        .expect(404);
}
