//! Liveness, readiness and the public catalogue.

use markaz_domain::Role;
use markaz_tests::{spawn_app, theft_report};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None).await.expect(200)["status"], "ok");
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let position = filed["position"].as_u64().unwrap();
    // Once the read models include the filing, readiness reports them.
    app.status(&desk, filed["id"].as_str().unwrap(), position)
        .await
        .expect(200);
    // The public listener says only whether the server is ready.
    let public = app.get("/readyz", None).await;
    assert_eq!(
        public.expect(200),
        &serde_json::json!({ "status": "ready" })
    );
    // Operators get the details on the admin listener.
    let ready = app.admin_get("/readyz").await;
    let ready = ready.expect(200);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["store"], "sqlite");
    assert_eq!(ready["writer"]["state"], "ok");
    assert!(ready["head_position"].as_u64().unwrap() >= position);
    assert!(ready["projections"]["position"].as_u64().unwrap() >= position);
}

#[tokio::test]
async fn metrics_and_details_are_only_on_the_admin_listener() {
    let app = spawn_app().await;
    app.get("/metrics", None).await.expect(404);
    let metrics = app.admin_get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(metrics.text.contains("markaz_http_requests_total"));
    assert_eq!(app.admin_get("/healthz").await.expect(200)["status"], "ok");
    // The admin listener serves operations only, not the API.
    app.admin_get("/api/v1/categories").await.expect(404);
}

#[tokio::test]
async fn the_catalogue_is_public() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/categories", None).await;
    let categories = answer.expect(200)["categories"].as_array().unwrap().clone();
    let harassment = categories
        .iter()
        .find(|category| category["code"] == "harassment")
        .expect("harassment is in the built-in catalogue");
    assert_eq!(harassment["gender_sensitive"], true);
    for field in [
        "name_en",
        "name_ur",
        "non_cognizable",
        "acknowledge_within_hours",
        "resolve_within_hours",
    ] {
        assert!(!harassment[field].is_null(), "{field}");
    }
}
