//! Personal data and the citizen's tracking code in staff answers: lists are
//! masked for every role, staff views show the tracking code masked, a
//! receipt reprint shows it in full and is recorded, and whether a desk
//! officer may see a case is decided from its stream, not from read models
//! that may trail it.

use markaz_domain::Role;
use markaz_tests::{harassment_report, spawn_app, theft_report, TestApp};
use serde_json::{json, Value};

/// The theft report's phone and CNIC, in every form they could be shown in.
const THEFT_SECRETS: [&str; 4] = ["+923001234567", "03001234567", "1234567", "House 12"];

fn id(filed: &Value) -> String {
    filed["id"].as_str().expect("an id").to_owned()
}

async fn list(app: &TestApp, token: &str, position: u64) -> String {
    app.get(
        &format!("/api/v1/complaints?min_position={position}"),
        Some(token),
    )
    .await
    .text
}

#[tokio::test]
async fn list_rows_are_masked_for_every_role() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let position = filed["position"].as_u64().expect("a position");
    for role in [
        Role::Desk,
        Role::GenderDesk,
        Role::Supervisor,
        Role::Auditor,
    ] {
        let markaz = (role != Role::Auditor).then_some("KCH");
        let token = app.officer(role, markaz).await;
        let rows = list(&app, &token, position).await;
        assert!(rows.contains(&id(&filed)), "{role}: {rows}");
        for secret in THEFT_SECRETS {
            assert!(!rows.contains(secret), "{role} sees {secret} in {rows}");
        }
    }
    // The single-case view still shows a supervisor everything.
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let one = app
        .get(
            &format!("/api/v1/complaints/{}", id(&filed)),
            Some(&supervisor),
        )
        .await;
    assert_eq!(one.expect(200)["complainant"]["phone"], "+923001234567");
}

#[tokio::test]
async fn staff_see_the_tracking_code_masked_and_a_reprint_shows_it_once_recorded() {
    let app = spawn_app().await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let filed = app.file(&gender_desk, &harassment_report()).await;
    let code = filed["tracking_code"].as_str().expect("a code").to_owned();
    let position = filed["position"].as_u64().expect("a position");
    let case = id(&filed);
    let views = [
        format!("/api/v1/complaints/{case}?min_position={position}"),
        format!("/api/v1/complaints?min_position={position}"),
        format!("/api/v1/complaints/{case}/timeline"),
        format!("/api/v1/gender-desk/queue?min_position={position}"),
    ];
    let masked = format!("KCH-••••-••••-{}", &code[14..]);
    for path in &views {
        let answer = app.get(path, Some(&gender_desk)).await;
        answer.expect(200);
        assert!(!answer.text.contains(&code), "{path}: {}", answer.text);
        assert!(
            !answer.text.contains(&code.replace('-', "")),
            "{path}: {}",
            answer.text
        );
        if !path.contains("queue") {
            assert!(answer.text.contains(&masked), "{path}: {}", answer.text);
        }
    }

    let reprint = app
        .post(
            &format!("/api/v1/complaints/{case}/receipt"),
            Some(&gender_desk),
            &json!({}),
        )
        .await;
    let receipt = reprint.expect(200);
    assert_eq!(receipt["tracking_code"], code);
    assert_eq!(receipt["receipt_hash"], filed["receipt_hash"]);
    assert_eq!(receipt["acknowledge_by"], filed["acknowledge_by"]);
    assert_eq!(
        reprint
            .headers
            .get("cache-control")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("no-store")
    );
    let access = app
        .get(
            &format!("/api/v1/audit/complaints/{case}/access"),
            Some(&auditor),
        )
        .await;
    assert!(
        access.expect(200).to_string().contains("receipt_reprint"),
        "{}",
        access.text
    );

    // Auditors change nothing and desk officers never see a gender-desk case.
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    app.post(
        &format!("/api/v1/complaints/{case}/receipt"),
        Some(&auditor),
        &json!({}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/v1/complaints/{case}/receipt"),
        Some(&desk),
        &json!({}),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn a_desk_officer_cannot_read_a_case_the_moment_it_goes_to_the_gender_desk() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    for _ in 0..10 {
        let filed = app.file(&desk, &theft_report()).await;
        let case = id(&filed);
        // Read once so that the read models hold it as a desk case.
        app.status(&desk, &case, filed["position"].as_u64().unwrap_or(0))
            .await
            .expect(200);
        app.post(
            &format!("/api/v1/complaints/{case}/referrals"),
            Some(&supervisor),
            &json!({"to": "Gender desk", "kind": "gender_desk", "reason": "the complainant asked"}),
        )
        .await
        .expect(200);
        // At once, without waiting for the read models.
        let view = app
            .get(&format!("/api/v1/complaints/{case}"), Some(&desk))
            .await;
        view.expect(404);
        let rows = app.get("/api/v1/complaints?limit=500", Some(&desk)).await;
        assert!(
            !rows.expect(200).to_string().contains(&case),
            "{}",
            rows.text
        );
    }
}

/// An acknowledgement with an idempotency key and an `If-Match`.
async fn keyed_acknowledge(app: &TestApp, token: &str, case: &str, if_match: &str) -> u16 {
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/complaints/{case}/acknowledge"),
        Some(token),
        &[("idempotency-key", "ack-1"), ("if-match", if_match)],
        Some(&json!({})),
    )
    .await
    .status
    .as_u16()
}

#[tokio::test]
async fn a_key_reused_with_another_if_match_is_another_request() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let case = id(&app.file(&desk, &theft_report()).await);
    assert_eq!(keyed_acknowledge(&app, &desk, &case, "1").await, 200);
    // The same request again is its first answer, replayed.
    assert_eq!(keyed_acknowledge(&app, &desk, &case, "1").await, 200);
    // Another precondition under the same key is not the same request.
    assert_eq!(keyed_acknowledge(&app, &desk, &case, "2").await, 422);
}

#[tokio::test]
async fn a_recorded_answer_is_not_replayed_to_a_caller_who_may_no_longer_see_the_case() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let case = id(&app.file(&desk, &theft_report()).await);
    assert_eq!(keyed_acknowledge(&app, &desk, &case, "1").await, 200);
    app.post(
        &format!("/api/v1/complaints/{case}/referrals"),
        Some(&supervisor),
        &json!({"to": "Gender desk", "kind": "gender_desk", "reason": "the complainant asked"}),
    )
    .await
    .expect(200);
    assert_eq!(keyed_acknowledge(&app, &desk, &case, "1").await, 404);
}
