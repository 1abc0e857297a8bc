//! Service requests beside complaints, black-box: the lifecycle of a
//! character certificate from the counter to the citizen's rating, a refusal
//! the citizen is told about, one `/track` for both kinds, a service added
//! in a TOML catalogue, and the complaints' rules (lifecycle refusals,
//! If-Match, visibility, desk masking, the access log) applied to applicants.

use markaz_domain::Role;
use markaz_tests::{spawn_app, spawn_app_with, theft_report, TestApp};
use serde_json::{json, Value};

fn certificate_request() -> Value {
    json!({
        "service": "character_certificate",
        "applicant": {
            "name": "Muhammad Imran Kakar",
            "phone": "0312-7654321",
            "cnic": "54400-7654321-1",
            "address": "Killi Kotwal, Kuchlak"
        },
        "fields": {
            "father_name": "Abdul Rehman Kakar",
            "permanent_address": "Killi Kotwal, Kuchlak, Quetta",
            "purpose": "Employment abroad"
        },
        "documents_checked": {"Original CNIC of the applicant": true, "Two photographs": true}
    })
}

fn fir_copy_request() -> Value {
    json!({
        "service": "fir_copy",
        "applicant": {
            "name": "Gul Khan",
            "phone": "03001112233",
            "cnic": "54400-1112223-3"
        },
        "fields": { "fir_number": "112/2026", "police_station": "PS Kuchlak" },
        "documents_checked": {"Original CNIC of the applicant": true}
    })
}

async fn request(app: &TestApp, token: &str, body: &Value) -> Value {
    app.post("/api/v1/service-requests", Some(token), body)
        .await
        .expect(201)
        .clone()
}

async fn step(app: &TestApp, token: &str, id: &str, what: &str, body: Value) -> Value {
    app.post(
        &format!("/api/v1/service-requests/{id}/{what}"),
        Some(token),
        &body,
    )
    .await
    .expect(200)
    .clone()
}

#[tokio::test]
async fn a_character_certificate_is_verified_issued_collected_and_rated() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let requested = request(&app, &desk, &certificate_request()).await;
    assert_eq!(requested["status"], "requested");
    assert_eq!(requested["service"], "character_certificate");
    assert_eq!(requested["fee_rupees"], 500);
    assert_eq!(requested["station_verification"], true);
    let code = requested["tracking_code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("KCH-"), "{code}");
    let id = requested["id"].as_str().unwrap().to_owned();

    // Not yet: the station of the applicant's address verifies first.
    app.post(
        &format!("/api/v1/service-requests/{id}/issue"),
        Some(&desk),
        &json!({ "text": "No criminal record" }),
    )
    .await
    .expect_problem(409, "invalid_transition");

    step(&app, &desk, &id, "acknowledge", json!({})).await;
    let sent = step(
        &app,
        &desk,
        &id,
        "verification",
        json!({ "station": "PS Kuchlak" }),
    )
    .await;
    assert_eq!(sent["status"], "at_station");
    let answered = step(
        &app,
        &desk,
        &id,
        "station-answer",
        json!({ "finding": "clear", "remarks": "Known at the address, no record" }),
    )
    .await;
    assert_eq!(answered["status"], "verified");
    let issued = step(
        &app,
        &desk,
        &id,
        "issue",
        json!({ "text": "Certified that no criminal record exists against the holder at PS Kuchlak." }),
    )
    .await;
    assert_eq!(issued["status"], "issued");
    let number = issued["document_number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("KCHD-"), "{number}");
    let collected = step(&app, &desk, &id, "collection", json!({})).await;
    assert_eq!(collected["status"], "collected");

    // The citizen follows and rates it with the tracking code, like a complaint.
    let tracked = app
        .track(&code, collected["position"].as_u64().unwrap())
        .await;
    let view = tracked.expect(200);
    assert_eq!(view["kind"], "service_request");
    assert_eq!(view["status"], "collected");
    assert_eq!(view["document_number"], number.as_str());
    let statuses: Vec<&str> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "requested",
            "acknowledged",
            "at_station",
            "verified",
            "issued",
            "collected"
        ]
    );
    assert!(!tracked.text.contains("Imran"), "{}", tracked.text);
    assert!(!tracked.text.contains("7654321"), "{}", tracked.text);
    let rated = app
        .post(
            &format!("/api/v1/track/{code}/rating"),
            None,
            &json!({ "stars": 5, "comment": "Quick and polite" }),
        )
        .await;
    assert_eq!(rated.expect(200)["rated"], true);
    app.post(
        &format!("/api/v1/track/{code}/rating"),
        None,
        &json!({ "stars": 1 }),
    )
    .await
    .expect_problem(409, "already_rated");

    // The whole story is in the request's own stream, hash-chained.
    let auditor = app.officer(Role::Auditor, None).await;
    let timeline = app
        .get(
            &format!("/api/v1/service-requests/{id}/timeline"),
            Some(&auditor),
        )
        .await;
    let types: Vec<&str> = timeline.expect(200)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ServiceRequested",
            "ServiceAcknowledged",
            "ServiceSentForVerification",
            "ServiceStationAnswered",
            "ServiceDocumentIssued",
            "ServiceDocumentCollected",
            "ServiceRated"
        ]
    );
    let verified = app
        .get(
            &format!("/api/v1/audit/verify?stream=service-{id}"),
            Some(&auditor),
        )
        .await;
    assert_eq!(verified.expect(200)["ok"], true, "{}", verified.text);

    // Time travel: the request as it stood at version 3, sent to the station.
    let past = app
        .get(
            &format!("/api/v1/audit/service-requests/{id}?version=3"),
            Some(&auditor),
        )
        .await;
    let past = past.expect(200);
    assert_eq!(past["state"]["status"], "at_station");
    assert_eq!(past["state"]["station"], "PS Kuchlak");
    assert_eq!(past["events"].as_array().unwrap().len(), 3);
    assert_eq!(past["current_version"], 7);
    app.get(
        &format!("/api/v1/audit/service-requests/{id}?version=8"),
        Some(&auditor),
    )
    .await
    .expect_problem(400, "invalid_query");
}

#[tokio::test]
async fn a_refused_request_tells_the_citizen_why() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let requested = request(&app, &desk, &certificate_request()).await;
    let id = requested["id"].as_str().unwrap();
    let code = requested["tracking_code"].as_str().unwrap();
    step(
        &app,
        &desk,
        id,
        "verification",
        json!({ "station": "PS Kuchlak" }),
    )
    .await;
    // An adverse answer must name its cases.
    app.post(
        &format!("/api/v1/service-requests/{id}/station-answer"),
        Some(&desk),
        &json!({ "finding": "adverse" }),
    )
    .await
    .expect_problem(422, "validation");
    step(
        &app,
        &desk,
        id,
        "station-answer",
        json!({ "finding": "adverse", "case_references": "FIR 45/2024 PS Kuchlak" }),
    )
    .await;
    let refused = step(
        &app,
        &desk,
        id,
        "refusal",
        json!({ "reason": "A case is pending against the applicant: FIR 45/2024 PS Kuchlak" }),
    )
    .await;
    assert_eq!(refused["status"], "refused");
    let view = app.track(code, refused["position"].as_u64().unwrap()).await;
    let view = view.expect(200);
    assert_eq!(view["status"], "refused");
    assert_eq!(
        view["refusal_reason"],
        "A case is pending against the applicant: FIR 45/2024 PS Kuchlak"
    );
    assert_eq!(view["document_number"], Value::Null);
    // Closed: nothing is issued or withdrawn after a refusal, but it may be rated.
    app.post(
        &format!("/api/v1/service-requests/{id}/issue"),
        Some(&desk),
        &json!({ "text": "x" }),
    )
    .await
    .expect_problem(409, "invalid_transition");
    app.post(
        &format!("/api/v1/track/{code}/rating"),
        None,
        &json!({ "stars": 2 }),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn one_tracking_page_serves_complaints_and_service_requests() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let complaint = app.file(&desk, &theft_report()).await;
    let service = request(&app, &desk, &fir_copy_request()).await;
    let position = service["position"].as_u64().unwrap();
    let complaint_view = app
        .track(complaint["tracking_code"].as_str().unwrap(), position)
        .await;
    assert_eq!(complaint_view.expect(200)["category"], "theft_report");
    let service_view = app
        .track(service["tracking_code"].as_str().unwrap(), position)
        .await;
    let service_view = service_view.expect(200);
    assert_eq!(service_view["service"], "fir_copy");
    assert_eq!(service_view["status"], "requested");
    assert_eq!(service_view["issue_by"], service["issue_by"]);

    // The citizen page too, Urdu first.
    let page = app
        .client
        .get(app.url(&format!(
            "/track/{}",
            service["tracking_code"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("ایف آئی آر کی نقل"), "{html}");
}

#[tokio::test]
async fn bad_requests_are_refused_field_by_field_and_change_nothing() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let before = app.changes_recorded().await;
    let mut body = certificate_request();
    body["applicant"]["cnic"] = json!("123");
    body["fields"]["purpose"] = json!("   ");
    body["fields"]["colour"] = json!("blue");
    body["documents_checked"] = json!({ "Two photographs": true });
    let answer = app
        .post("/api/v1/service-requests", Some(&desk), &body)
        .await;
    let problem = answer.expect_problem(422, "validation");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "applicant.cnic",
            "fields.purpose",
            "fields.colour",
            "documents_checked"
        ],
        "{}",
        answer.text
    );
    let mut unknown = fir_copy_request();
    unknown["service"] = json!("passport");
    app.post("/api/v1/service-requests", Some(&desk), &unknown)
        .await
        .expect_problem(422, "validation");
    assert_eq!(app.changes_recorded().await, before);
}

#[tokio::test]
async fn if_match_visibility_and_roles_apply_as_for_complaints() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let other_desk = app.officer(Role::Desk, Some("QTA")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let requested = request(&app, &desk, &fir_copy_request()).await;
    let id = requested["id"].as_str().unwrap();
    let stale = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/service-requests/{id}/acknowledge"),
            Some(&desk),
            &[("if-match", "7")],
            Some(&json!({})),
        )
        .await;
    stale.expect(412);
    app.post(
        &format!("/api/v1/service-requests/{id}/acknowledge"),
        Some(&other_desk),
        &json!({}),
    )
    .await
    .expect(404);
    app.get(&format!("/api/v1/service-requests/{id}"), Some(&other_desk))
        .await
        .expect(404);
    app.post(
        &format!("/api/v1/service-requests/{id}/acknowledge"),
        Some(&auditor),
        &json!({}),
    )
    .await
    .expect(403);
    // The same key and body answer the first answer again.
    let keyed = |key: &'static str| {
        let app = &app;
        let desk = desk.clone();
        async move {
            app.send(
                reqwest::Method::POST,
                &format!("/api/v1/service-requests/{id}/issue"),
                Some(&desk),
                &[("idempotency-key", key)],
                Some(&json!({ "text": "Certified copy of FIR 112/2026" })),
            )
            .await
        }
    };
    let first = keyed("issue-1").await;
    let again = keyed("issue-1").await;
    assert_eq!(first.expect(200), again.expect(200));
    // Only a supervisor revokes.
    app.post(
        &format!("/api/v1/service-requests/{id}/revocation"),
        Some(&desk),
        &json!({ "reason": "Issued in error" }),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn applicants_are_masked_and_their_reads_logged_as_complainants_are() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let mut body = json!({
        "service": "tenant_registration",
        "applicant": {
            "name": "Sadia Noor",
            "phone": "0333-9876543",
            "cnic": "54400-9876543-2",
            "address": "Flat 3, Jinnah Road"
        },
        "fields": {
            "landlord_name": "Haji Akbar",
            "landlord_cnic": "54400-5555555-5",
            "rented_address": "Flat 3, Jinnah Road, Quetta",
            "tenancy_from": "2026-01-01"
        },
        "documents_checked": {"Original CNIC of the applicant": true, "Landlord's CNIC": true, "Rent agreement": true}
    });
    let requested = request(&app, &desk, &body).await;
    let id = requested["id"].as_str().unwrap();
    let position = requested["position"].as_u64().unwrap();
    let path = format!("/api/v1/service-requests/{id}?min_position={position}");

    // A desk officer sees an open request of its markaz in full: recorded.
    let open = app.get(&path, Some(&desk)).await;
    let open = open.expect(200);
    assert_eq!(open["applicant"]["phone"], "+923339876543");
    assert_eq!(open["applicant"]["cnic"], "54400-9876543-2");
    assert_eq!(open["applicant"]["masked"], false);
    assert!(open["tracking_code"].as_str().unwrap().contains('•'));

    // Closed, the desk sees it masked (the landlord's CNIC too); a supervisor in full.
    let issued = step(
        &app,
        &desk,
        id,
        "issue",
        json!({ "text": "Tenant registered" }),
    )
    .await;
    let path = format!(
        "/api/v1/service-requests/{id}?min_position={}",
        issued["position"]
    );
    let closed = app.get(&path, Some(&desk)).await;
    let closed = closed.expect(200);
    assert_eq!(closed["applicant"]["masked"], true);
    assert_eq!(closed["applicant"]["address"], Value::Null);
    assert!(!closed.to_string().contains("9876543-2"), "{closed}");
    assert!(!closed.to_string().contains("5555555"), "{closed}");
    let full = app.get(&path, Some(&supervisor)).await;
    assert_eq!(full.expect(200)["applicant"]["cnic"], "54400-9876543-2");

    // List rows are masked for everyone.
    let list = app
        .get(
            "/api/v1/service-requests?service=tenant_registration",
            Some(&supervisor),
        )
        .await;
    let list = list.expect(200);
    assert_eq!(list["items"][0]["applicant"]["masked"], true);
    assert!(!list.to_string().contains("9876543-2"));

    // Both full reads are in the request's access log, as reads of a service
    // request, the masked one is not.
    let access = app
        .get(
            &format!("/api/v1/audit/service-requests/{id}/access"),
            Some(&auditor),
        )
        .await;
    let page = access.expect(200);
    assert_eq!(page["kind"], "service_request", "{}", access.text);
    let entries = page["entries"].as_array().unwrap().clone();
    let roles: Vec<&str> = entries
        .iter()
        .map(|entry| entry["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["desk", "supervisor"], "{}", access.text);
    body["service"] = json!("x");
}

#[tokio::test]
async fn a_service_added_in_a_toml_catalogue_works_without_code_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("services.toml");
    std::fs::write(
        &path,
        r#"
[[service]]
code = "arms_licence_verification"
name_en = "Arms licence verification"
name_ur = "اسلحہ لائسنس کی تصدیق"
documents = ["Original CNIC", "Arms licence"]
station_verification = true
fee_rupees = 1000
deadline_working_days = 10
issues_en = "Arms licence verification report"
issues_ur = "اسلحہ لائسنس تصدیقی رپورٹ"

[[service.fields]]
name = "licence_number"
kind = "text"
label_en = "Licence number"
label_ur = "لائسنس نمبر"

[[service.fields]]
name = "vehicle"
kind = "vehicle_registration"
label_en = "Vehicle"
label_ur = "گاڑی"
required = false
"#,
    )
    .unwrap();
    let app = spawn_app_with(|config| config.service_catalogue = Some(path.clone())).await;
    let services = app.get("/api/v1/services", None).await;
    let services = services.expect(200)["services"].as_array().unwrap().clone();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["code"], "arms_licence_verification");
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let mut body = json!({
        "service": "arms_licence_verification",
        "applicant": { "name": "Naseer Ahmed", "phone": "03019998887", "cnic": "54400-9998887-1" },
        "fields": { "licence_number": "BLN-2024-0042", "vehicle": "not a plate" },
        "documents_checked": {"Original CNIC": true, "Arms licence": true}
    });
    let bad = app
        .post("/api/v1/service-requests", Some(&desk), &body)
        .await;
    assert_eq!(
        bad.expect_problem(422, "validation")["errors"][0]["field"],
        "fields.vehicle"
    );
    body["fields"]["vehicle"] = json!("qa 5678");
    let requested = request(&app, &desk, &body).await;
    assert_eq!(requested["fee_rupees"], 1000);
    assert_eq!(requested["station_verification"], true);
    let id = requested["id"].as_str().unwrap();
    let position = requested["position"].as_u64().unwrap();
    let view = app
        .get(
            &format!("/api/v1/service-requests/{id}?min_position={position}"),
            Some(&desk),
        )
        .await;
    let view = view.expect(200);
    assert_eq!(view["fields"][1]["value"], "QA-5678");
    assert_eq!(view["deadline_working_days"], 10);
}
