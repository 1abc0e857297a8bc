//! Bad input of every kind gets the right status and a problem body, and
//! changes nothing.

use markaz_domain::Role;
use markaz_tests::{spawn_app, theft_report, TestApp};
use serde_json::{json, Value};

const FILE: &str = "/api/v1/complaints";

/// The number of complaints the desk officer can list, and the log's head.
/// What a refused request must leave as it was: the listed cases and every
/// recorded change (the access log grows with each read, so it is left out).
async fn snapshot(app: &TestApp, token: &str) -> (usize, usize) {
    let head = app.running_head().await;
    let list = app
        .get(
            &format!("/api/v1/complaints?min_position={head}"),
            Some(token),
        )
        .await;
    let listed = list.expect(200)["items"].as_array().unwrap().len();
    (listed, app.changes_recorded().await)
}

#[tokio::test]
async fn bad_filings_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    app.file(&desk, &theft_report()).await;
    let before = snapshot(&app, &desk).await;

    let with = |pointer: &str, value: Value| {
        let mut body = theft_report();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let mut unknown_field = theft_report();
    unknown_field["priority"] = json!("high");
    let mut unknown_nested = theft_report();
    unknown_nested["complainant"]["email"] = json!("a@b.pk");
    let mut missing = theft_report();
    missing.as_object_mut().unwrap().remove("description");

    // Shape errors: 400.
    for (body, code) in [
        (unknown_field, "invalid_body"),
        (unknown_nested, "invalid_body"),
        (missing, "invalid_body"),
        (with("/description", json!(42)), "invalid_body"),
        (with("/channel", json!(["counter"])), "invalid_body"),
        (json!([1, 2, 3]), "invalid_body"),
        // The fields in order without their names: serde alone accepts it.
        (
            json!([
                theft_report()["complainant"],
                "theft_report",
                "A complaint written as a list"
            ]),
            "invalid_body",
        ),
    ] {
        let answer = app.post(FILE, Some(&desk), &body).await;
        answer.expect_problem(400, code);
    }
    // Value errors: 422 with the field named.
    for (body, field) in [
        (
            with("/complainant/phone", json!("12345")),
            "complainant.phone",
        ),
        (
            with("/complainant/phone", json!("+44 20 7946 0000")),
            "complainant.phone",
        ),
        (
            with("/complainant/cnic", json!("12345-123")),
            "complainant.cnic",
        ),
        (
            with("/complainant/gender", json!("unknown")),
            "complainant.gender",
        ),
        (with("/complainant/name", json!("   ")), "complainant.name"),
        (with("/category", json!("parking")), "category"),
        (with("/channel", json!("pigeon")), "channel"),
        (with("/description", json!("x".repeat(4001))), "description"),
    ] {
        let answer = app.post(FILE, Some(&desk), &body).await;
        let problem = answer.expect_problem(422, "validation");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, [field], "{}", answer.text);
    }
    // Malformed JSON, a wrong media type and an oversized body.
    app.send_raw(
        FILE,
        Some(&desk),
        "application/json",
        b"{\"complainant\": ".to_vec(),
    )
    .await
    .expect_problem(400, "malformed_json");
    app.send_raw(FILE, Some(&desk), "text/plain", b"{}".to_vec())
        .await
        .expect_problem(415, "unsupported_media_type");
    let huge = with("/description", json!("x".repeat(70 * 1024)));
    app.send_raw(
        FILE,
        Some(&desk),
        "application/json",
        serde_json::to_vec(&huge).unwrap(),
    )
    .await
    .expect_problem(413, "body_too_large");

    assert_eq!(snapshot(&app, &desk).await, before, "nothing changed");
}

#[tokio::test]
async fn bad_ratings_and_unknown_codes_are_refused() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();
    let code = filed["tracking_code"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{id}/resolution"),
        Some(&desk),
        &json!({"outcome": "resolved", "summary": "returned"}),
    )
    .await
    .expect(200);
    let before = snapshot(&app, &desk).await;
    let rating = format!("/api/v1/track/{code}/rating");
    for stars in [json!(0), json!(6), json!(-1), json!(300)] {
        let answer = app.post(&rating, None, &json!({ "stars": stars })).await;
        let problem = answer.expect_problem(422, "validation");
        assert_eq!(problem["errors"][0]["field"], "stars");
    }
    app.post(&rating, None, &json!({"stars": "five"}))
        .await
        .expect_problem(400, "invalid_body");
    app.post(&rating, None, &json!({"stars": 4.5}))
        .await
        .expect_problem(400, "invalid_body");
    // Unknown codes: a well-formed code nobody has, and one with a typo.
    let unknown = "KCH-0000-0000-0000-0";
    let unknown_answer = app.get(&format!("/api/v1/track/{unknown}"), None).await;
    let problem = unknown_answer.expect_problem(404, "not_found");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("no complaint has"));
    let mut typo = code.to_owned();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let typo_answer = app.get(&format!("/api/v1/track/{typo}"), None).await;
    typo_answer.expect_problem(404, "not_found");
    assert!(typo_answer.json["detail"]
        .as_str()
        .unwrap()
        .contains("typo"));
    app.post(
        &format!("/api/v1/track/{typo}/rating"),
        None,
        &json!({"stars": 5}),
    )
    .await
    .expect_problem(404, "not_found");
    app.get("/api/v1/track/not-a-code", None)
        .await
        .expect_problem(404, "not_found");
    assert_eq!(snapshot(&app, &desk).await, before, "nothing changed");
    // The rating still works afterwards, once.
    app.post(&rating, None, &json!({"stars": 5}))
        .await
        .expect(200);
}

#[tokio::test]
async fn bad_commands_paths_and_queries_are_problems() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();
    let before = snapshot(&app, &desk).await;
    let refer = format!("/api/v1/complaints/{id}/referrals");
    let answer = app
        .post(
            &refer,
            Some(&desk),
            &json!({"to": "", "kind": "prison", "reason": "x"}),
        )
        .await;
    let problem = answer.expect_problem(422, "validation");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
    app.post(
        "/api/v1/complaints/not-a-uuid/acknowledge",
        Some(&desk),
        &json!({}),
    )
    .await
    .expect_problem(404, "not_found");
    app.post(
        &format!("/api/v1/complaints/{}/acknowledge", uuid::Uuid::nil()),
        Some(&desk),
        &json!({}),
    )
    .await
    .expect_problem(404, "not_found");
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/complaints/{id}/acknowledge"),
        Some(&desk),
        &[("if-match", "soon")],
        Some(&json!({})),
    )
    .await
    .expect_problem(400, "bad_request");
    app.get("/api/v1/complaints?status=lost", Some(&desk))
        .await
        .expect_problem(400, "invalid_query");
    app.get("/api/v1/complaints?limit=0", Some(&desk))
        .await
        .expect_problem(400, "invalid_query");
    app.get("/api/v1/complaints?cursor=zz", Some(&desk))
        .await
        .expect_problem(400, "invalid_query");
    app.get("/api/v1/complaints?colour=red", Some(&desk))
        .await
        .expect_problem(400, "bad_request");
    app.get("/api/v1/complaints/%FF%FE", Some(&desk))
        .await
        .expect_problem(404, "not_found");
    for path in [
        "/api/v1/audit/complaints/%FF%FE",
        "/api/v1/audit/complaints/%FF%FE/access",
    ] {
        app.get(path, Some(&auditor))
            .await
            .expect_problem(404, "not_found");
    }
    app.get("/api/v1/no-such-thing", None)
        .await
        .expect_problem(404, "not_found");
    app.send(reqwest::Method::DELETE, FILE, Some(&desk), &[], None)
        .await
        .expect_problem(405, "method_not_allowed");
    assert_eq!(snapshot(&app, &desk).await, before, "nothing changed");
}
