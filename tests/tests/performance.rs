//! Performance figures over HTTP: scoping by markaz, groupings, bad parameters.

use markaz_domain::Role;
use markaz_tests::{spawn_app, theft_report};
use serde_json::{json, Value};

fn group<'a>(answer: &'a Value, name: &str) -> &'a Value {
    answer["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["group"] == name)
        .unwrap_or_else(|| panic!("no group {name} in {answer}"))
}

#[tokio::test]
async fn supervisors_see_their_markaz_and_auditors_any() {
    let app = spawn_app().await;
    let kuchlak_desk = app.officer(Role::Desk, Some("KCH")).await;
    let quetta_desk = app.officer(Role::Desk, Some("QTA")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    for _ in 0..3 {
        let filed = app.file(&kuchlak_desk, &theft_report()).await;
        app.post(
            &format!(
                "/api/v1/complaints/{}/acknowledge",
                filed["id"].as_str().unwrap()
            ),
            Some(&kuchlak_desk),
            &json!({}),
        )
        .await
        .expect(200);
    }
    let last = app.file(&quetta_desk, &theft_report()).await;
    let position = last["position"].as_u64().unwrap();

    let by_category = |token: String, extra: &'static str| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/performance?by=category&min_position={position}{extra}"),
                Some(&token),
            )
            .await
            .expect(200)
            .clone()
        }
    };
    let own = by_category(supervisor.clone(), "").await;
    assert_eq!(own["markaz"], "KCH");
    let theft = group(&own, "theft_report");
    assert_eq!(theft["filed"], 3);
    assert_eq!(theft["acknowledged"], 3);
    assert_eq!(theft["ack_within_sla_pct"], 100.0);
    assert_eq!(theft["open_backlog"]["total"], 3);

    let everywhere = by_category(auditor.clone(), "").await;
    assert_eq!(group(&everywhere, "theft_report")["filed"], 4);
    let quetta = by_category(auditor.clone(), "&markaz=QTA").await;
    assert_eq!(group(&quetta, "theft_report")["filed"], 1);

    // A supervisor may not look at another markaz.
    app.get("/api/v1/performance?markaz=QTA", Some(&supervisor))
        .await
        .expect_problem(400, "invalid_query");

    let by_officer = app
        .get(
            &format!("/api/v1/performance?by=officer&min_position={position}"),
            Some(&supervisor),
        )
        .await;
    let groups = by_officer.expect(200)["groups"].as_array().unwrap().clone();
    assert!(
        groups.iter().any(|g| g["officer_name"] == "Test desk"),
        "{groups:?}"
    );
}

#[tokio::test]
async fn bad_performance_parameters_are_400() {
    let app = spawn_app().await;
    let auditor = app.officer(Role::Auditor, None).await;
    for query in [
        "by=week",
        "from=2026-13-01",
        "from=2026-03-02&to=2026-03-01",
        "from=1990-01-01&to=2026-01-01",
        "markaz=K!",
    ] {
        app.get(&format!("/api/v1/performance?{query}"), Some(&auditor))
            .await
            .expect_problem(400, "invalid_query");
    }
    app.get("/api/v1/performance?colour=red", Some(&auditor))
        .await
        .expect_problem(400, "bad_request");
}
