//! The role matrix: who may do what, markaz scoping, gender-desk invisibility
//! (404 everywhere, absent from lists) and the masking of personal data.

use markaz_domain::Role;
use markaz_tests::{harassment_report, spawn_app, theft_report, Answer, TestApp};
use serde_json::{json, Value};

struct Staff {
    desk: String,
    gender_desk: String,
    supervisor: String,
    auditor: String,
    admin: String,
    other_desk: String,
    other_supervisor: String,
}

async fn staff(app: &TestApp) -> Staff {
    Staff {
        desk: app.officer(Role::Desk, Some("KCH")).await,
        gender_desk: app.officer(Role::GenderDesk, Some("KCH")).await,
        supervisor: app.officer(Role::Supervisor, Some("KCH")).await,
        auditor: app.officer(Role::Auditor, None).await,
        admin: app.officer(Role::Admin, None).await,
        other_desk: app.officer(Role::Desk, Some("QTA")).await,
        other_supervisor: app.officer(Role::Supervisor, Some("QTA")).await,
    }
}

fn id(filed: &Value) -> &str {
    filed["id"].as_str().unwrap()
}

fn ids(list: &Answer) -> Vec<String> {
    list.json["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", list.text))
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn missing_unknown_and_revoked_tokens_are_401() {
    let app = spawn_app().await;
    let staff = staff(&app).await;
    app.get("/api/v1/complaints", None)
        .await
        .expect_problem(401, "unauthorized");
    let unknown = app.get("/api/v1/complaints", Some("mkz_not-a-token")).await;
    unknown.expect_problem(401, "unauthorized");
    assert_eq!(
        unknown.headers["www-authenticate"],
        "Bearer realm=\"markaz\""
    );

    let created = app
        .post(
            "/api/v1/officers",
            Some(&staff.admin),
            &json!({"name": "Naseem Bibi", "role": "desk", "markaz": "KCH"}),
        )
        .await;
    let created = created.expect(201).clone();
    let token = created["token"].as_str().unwrap();
    app.get("/api/v1/complaints", Some(token)).await.expect(200);
    let listed = app.get("/api/v1/officers", Some(&staff.admin)).await;
    assert!(!listed.text.contains(token), "tokens are never listed");
    assert!(!listed.text.contains("token_hash"));
    let revocation = format!(
        "/api/v1/officers/{}/revocation",
        created["id"].as_str().unwrap()
    );
    app.post(
        &revocation,
        Some(&staff.admin),
        &json!({"reason": "transferred"}),
    )
    .await
    .expect(200);
    app.get("/api/v1/complaints", Some(token))
        .await
        .expect_problem(401, "unauthorized");
    app.post(&revocation, Some(&staff.admin), &json!({}))
        .await
        .expect_problem(409, "already_revoked");
}

#[tokio::test]
async fn each_role_may_do_only_what_the_table_says() {
    let app = spawn_app().await;
    let staff = staff(&app).await;
    let filed = app.file(&staff.desk, &theft_report()).await;
    let acknowledge = format!("/api/v1/complaints/{}/acknowledge", id(&filed));

    // Filing: desk, gender_desk, supervisor yes; auditor and admin 403.
    app.file(&staff.gender_desk, &theft_report()).await;
    app.file(&staff.supervisor, &theft_report()).await;
    for token in [&staff.auditor, &staff.admin] {
        app.post("/api/v1/complaints", Some(token), &theft_report())
            .await
            .expect_problem(403, "forbidden");
    }
    // Auditors change nothing; admins see no case.
    app.post(&acknowledge, Some(&staff.auditor), &json!({}))
        .await
        .expect_problem(403, "forbidden");
    app.get(
        &format!("/api/v1/complaints/{}", id(&filed)),
        Some(&staff.admin),
    )
    .await
    .expect_problem(403, "forbidden");
    // Only admins manage officers.
    for token in [&staff.desk, &staff.supervisor, &staff.auditor] {
        app.get("/api/v1/officers", Some(token))
            .await
            .expect_problem(403, "forbidden");
    }
    // Performance: supervisor and auditor only.
    for token in [&staff.desk, &staff.gender_desk, &staff.admin] {
        app.get("/api/v1/performance", Some(token))
            .await
            .expect_problem(403, "forbidden");
    }
    for token in [&staff.supervisor, &staff.auditor] {
        app.get("/api/v1/performance", Some(token))
            .await
            .expect(200);
    }
    // Gender-desk queue: gender_desk, supervisor, auditor.
    for token in [&staff.desk, &staff.admin] {
        app.get("/api/v1/gender-desk/queue", Some(token))
            .await
            .expect_problem(403, "forbidden");
    }
    for token in [&staff.gender_desk, &staff.supervisor, &staff.auditor] {
        app.get("/api/v1/gender-desk/queue", Some(token))
            .await
            .expect(200);
    }
    // Another markaz's officers neither see nor touch the case.
    let position = filed["position"].as_u64().unwrap();
    for token in [&staff.other_desk, &staff.other_supervisor] {
        app.status(token, id(&filed), position)
            .await
            .expect_problem(404, "not_found");
        app.post(&acknowledge, Some(token), &json!({}))
            .await
            .expect_problem(404, "not_found");
    }
    // The supervisor of the case's markaz may act on it.
    app.post(&acknowledge, Some(&staff.supervisor), &json!({}))
        .await
        .expect(200);
}

#[tokio::test]
async fn gender_desk_cases_are_invisible_to_desk_and_other_markaz() {
    let app = spawn_app().await;
    let staff = staff(&app).await;
    let ordinary = app.file(&staff.desk, &theft_report()).await;
    // A desk officer may file it; it goes to the gender desk and out of their sight.
    let sensitive = app.file(&staff.desk, &harassment_report()).await;
    assert_eq!(sensitive["gender_desk"], true);
    let asked = app
        .file(&staff.desk, &{
            let mut body = theft_report();
            body["gender_desk"] = json!(true);
            body
        })
        .await;
    assert_eq!(asked["gender_desk"], true);
    let position = asked["position"].as_u64().unwrap();

    for token in [&staff.desk, &staff.other_desk, &staff.other_supervisor] {
        for path in [
            format!(
                "/api/v1/complaints/{}?min_position={position}",
                id(&sensitive)
            ),
            format!("/api/v1/complaints/{}/timeline", id(&sensitive)),
        ] {
            app.get(&path, Some(token))
                .await
                .expect_problem(404, "not_found");
        }
        app.post(
            &format!("/api/v1/complaints/{}/acknowledge", id(&sensitive)),
            Some(token),
            &json!({}),
        )
        .await
        .expect_problem(404, "not_found");
    }

    // Not even a stale If-Match reveals that the case exists.
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/complaints/{}/acknowledge", id(&sensitive)),
        Some(&staff.desk),
        &[("if-match", "\"7\"")],
        Some(&json!({})),
    )
    .await
    .expect_problem(404, "not_found");

    let list = |query: &str| format!("/api/v1/complaints?min_position={position}{query}");
    let desk_list = app.get(&list(""), Some(&staff.desk)).await;
    assert_eq!(ids(&desk_list), vec![id(&ordinary).to_owned()]);
    assert!(!desk_list.text.contains(id(&sensitive)));
    let asked_for = app.get(&list("&gender_desk=true"), Some(&staff.desk)).await;
    assert!(ids(&asked_for).is_empty());
    let elsewhere = app.get(&list(""), Some(&staff.other_supervisor)).await;
    assert!(ids(&elsewhere).is_empty());
    for token in [&staff.gender_desk, &staff.supervisor, &staff.auditor] {
        let all = ids(&app.get(&list(""), Some(token)).await);
        assert_eq!(all.len(), 3, "{all:?}");
        let desk_cases = ids(&app.get(&list("&gender_desk=true"), Some(token)).await);
        assert_eq!(desk_cases.len(), 2);
    }

    // The gender desk sees the cases, their timelines and its queue.
    app.status(&staff.gender_desk, id(&sensitive), position)
        .await
        .expect(200);
    app.get(
        &format!("/api/v1/complaints/{}/timeline", id(&sensitive)),
        Some(&staff.gender_desk),
    )
    .await
    .expect(200);
    let queue = app
        .get(
            &format!("/api/v1/gender-desk/queue?min_position={position}"),
            Some(&staff.gender_desk),
        )
        .await;
    let cases = queue.expect(200)["cases"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0]["id"], sensitive["id"], "oldest first");
    let other_queue = app
        .get(
            &format!("/api/v1/gender-desk/queue?min_position={position}"),
            Some(&staff.other_supervisor),
        )
        .await;
    assert!(other_queue.expect(200)["cases"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_case_referred_to_the_gender_desk_leaves_the_desk_officers_sight() {
    let app = spawn_app().await;
    let staff = staff(&app).await;
    let filed = app.file(&staff.desk, &theft_report()).await;
    assert_eq!(filed["gender_desk"], false);
    let case = id(&filed).to_owned();
    let referred = app
        .post(
            &format!("/api/v1/complaints/{case}/referrals"),
            Some(&staff.supervisor),
            &json!({
                "to": "Gender desk, Kuchlak",
                "kind": "gender_desk",
                "reason": "The complainant's daughter is involved; she will only speak to a woman officer"
            }),
        )
        .await;
    let position = referred.expect(200)["position"].as_u64().unwrap();

    for path in [
        format!("/api/v1/complaints/{case}?min_position={position}"),
        format!("/api/v1/complaints/{case}/timeline"),
    ] {
        app.get(&path, Some(&staff.desk))
            .await
            .expect_problem(404, "not_found");
    }
    app.post(
        &format!("/api/v1/complaints/{case}/acknowledge"),
        Some(&staff.desk),
        &json!({}),
    )
    .await
    .expect_problem(404, "not_found");
    let desk_list = app
        .get(
            &format!("/api/v1/complaints?min_position={position}"),
            Some(&staff.desk),
        )
        .await;
    assert!(ids(&desk_list).is_empty(), "{}", desk_list.text);

    // The gender desk now holds it: in its view, its lists and its queue.
    let view = app.status(&staff.gender_desk, &case, position).await;
    assert_eq!(view.expect(200)["gender_desk"], true);
    let queue = app
        .get(
            &format!("/api/v1/gender-desk/queue?min_position={position}"),
            Some(&staff.gender_desk),
        )
        .await;
    let queued: Vec<&str> = queue.expect(200)["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case["id"].as_str().unwrap())
        .collect();
    assert_eq!(queued, [case.as_str()]);
}

#[tokio::test]
async fn a_markaz_code_is_read_the_same_in_any_case() {
    let app = spawn_app().await;
    let staff = staff(&app).await;
    let filed = app.file(&staff.desk, &theft_report()).await;
    let position = filed["position"].as_u64().unwrap();
    for (token, markaz) in [
        (&staff.supervisor, "kch"),
        (&staff.supervisor, "KCH"),
        (&staff.auditor, "kch"),
    ] {
        let list = app
            .get(
                &format!("/api/v1/complaints?markaz={markaz}&min_position={position}"),
                Some(token),
            )
            .await;
        assert_eq!(ids(&list), vec![id(&filed).to_owned()], "{markaz}");
    }
    app.get("/api/v1/complaints?markaz=qta", Some(&staff.supervisor))
        .await
        .expect_problem(400, "invalid_query");
}

#[tokio::test]
async fn desk_sees_phone_and_cnic_only_while_the_case_is_open() {
    let app = spawn_app().await;
    let staff = staff(&app).await;
    let filed = app.file(&staff.desk, &theft_report()).await;
    let open = app
        .status(&staff.desk, id(&filed), filed["position"].as_u64().unwrap())
        .await;
    let person = open.expect(200)["complainant"].clone();
    assert_eq!(person["phone"], "+923001234567");
    assert_eq!(person["cnic"], "54400-1234567-1");
    assert_eq!(person["address"], "House 12, Killi Kuchlak");
    assert_eq!(person["masked"], false);

    let resolved = app
        .post(
            &format!("/api/v1/complaints/{}/resolution", id(&filed)),
            Some(&staff.desk),
            &json!({"outcome": "no_action", "summary": "settled between the parties"}),
        )
        .await;
    let position = resolved.expect(200)["position"].as_u64().unwrap();
    let closed = app.status(&staff.desk, id(&filed), position).await;
    closed.expect(200);
    assert_eq!(closed.json["complainant"]["masked"], true);
    assert_eq!(closed.json["complainant"]["name"], "Abdul Wahid");
    for secret in ["1234567", "Killi Kuchlak"] {
        assert!(
            !closed.text.contains(secret),
            "{secret} leaked: {}",
            closed.text
        );
    }
    let timeline = app
        .get(
            &format!("/api/v1/complaints/{}/timeline", id(&filed)),
            Some(&staff.desk),
        )
        .await;
    timeline.expect(200);
    for secret in ["1234567", "Killi Kuchlak"] {
        assert!(
            !timeline.text.contains(secret),
            "{secret} leaked: {}",
            timeline.text
        );
    }
    let list = app
        .get(
            &format!("/api/v1/complaints?min_position={position}"),
            Some(&staff.desk),
        )
        .await;
    assert!(!list.expect(200).to_string().contains("1234567"));
    // Supervisors see the closed case in full.
    let full = app.status(&staff.supervisor, id(&filed), position).await;
    assert_eq!(full.expect(200)["complainant"]["phone"], "+923001234567");
}

#[tokio::test]
async fn the_public_tracking_view_has_no_personal_data() {
    let app = spawn_app().await;
    let staff = staff(&app).await;
    let filed = app.file(&staff.desk, &harassment_report()).await;
    let code = filed["tracking_code"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{}/referrals", id(&filed)),
        Some(&staff.gender_desk),
        &json!({"to": "Women Protection Cell", "kind": "department", "reason": "counselling"}),
    )
    .await
    .expect(200);
    let resolved = app
        .post(
            &format!("/api/v1/complaints/{}/resolution", id(&filed)),
            Some(&staff.gender_desk),
            &json!({"outcome": "resolved", "summary": "neighbour warned by the SHO"}),
        )
        .await;
    let position = resolved.expect(200)["position"].as_u64().unwrap();
    let tracked = app.track(code, position).await;
    let view = tracked.expect(200);
    assert_eq!(view["status"], "resolved");
    assert_eq!(view["tracking_code"], code);
    for secret in [
        "Bibi Amina",
        "+923331234567",
        "3331234567",
        "54400",
        "Street 4",
        "Test gender_desk",
        "Women Protection Cell",
        "neighbour",
        id(&filed),
    ] {
        assert!(
            !tracked.text.contains(secret),
            "{secret} is in {}",
            tracked.text
        );
    }
    let rated = app
        .post(
            &format!("/api/v1/track/{code}/rating"),
            None,
            &json!({"stars": 5}),
        )
        .await;
    rated.expect(200);
    assert!(!rated.text.contains("Amina") && !rated.text.contains(id(&filed)));
}
