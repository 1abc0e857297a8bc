//! Holding up under attack, overload and faults: slow clients are cut off,
//! overload is shed with 503, the read models recover from a fault without a
//! restart, the limiter's memory is bounded and proxies are believed only
//! when trusted, operations stay off the public listener, and input that
//! could spoof displays or elevate roles is refused.

use std::time::Duration;

use markaz_domain::Role;
use markaz_tests::{spawn_app, spawn_app_with, theft_report, TestApp};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn address(app: &TestApp) -> String {
    app.url("").trim_start_matches("http://").to_owned()
}

/// The value of the sample line `name value` in Prometheus text.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

/// Reads until the server closes the connection.
async fn closed_by_server(mut socket: TcpStream) {
    let mut buffer = [0u8; 1024];
    loop {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => continue,
        }
    }
}

#[tokio::test]
async fn half_open_connections_are_closed_within_the_header_timeout_while_others_are_served() {
    let app = spawn_app_with(|config| {
        config.limits.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let addr = address(&app);
    let mut slow = Vec::new();
    for n in 0..300 {
        let mut socket = TcpStream::connect(&addr).await.expect("a connection");
        // Half of them send half a request head, the others nothing at all.
        if n % 2 == 0 {
            socket
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: markaz\r\nX-Slow: ")
                .await
                .expect("a partial head is sent");
        }
        slow.push(socket);
    }
    // Normal requests are served meanwhile.
    for _ in 0..20 {
        app.get("/healthz", None).await.expect(200);
    }
    let all_closed = futures::future::join_all(slow.into_iter().map(closed_by_server));
    tokio::time::timeout(Duration::from_secs(15), all_closed)
        .await
        .expect("every half-open connection is closed by the server");
    app.get("/healthz", None).await.expect(200);
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_shed_with_503_and_retry_after() {
    let app = spawn_app_with(|config| {
        config.limits.max_in_flight = 2;
    })
    .await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let admin = app.officer(Role::Admin, None).await;
    let addr = address(&app);
    // Two registrations whose bodies never finish hold both slots.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut socket = TcpStream::connect(&addr).await.expect("a connection");
        let head = format!(
            "POST /api/v1/officers HTTP/1.1\r\nHost: markaz\r\nAuthorization: Bearer {admin}\r\n\
             Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"name\": \"Slo"
        );
        socket.write_all(head.as_bytes()).await.expect("sent");
        held.push(socket);
    }
    // Wait until both are being answered (the metrics request counts itself too).
    let mut in_flight = 0.0;
    for _ in 0..500 {
        let metrics = app.admin_get("/metrics").await.text;
        in_flight = sample(&metrics, "markaz_http_requests_in_flight").unwrap_or(0.0);
        if in_flight >= 3.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        in_flight >= 3.0,
        "the held requests never arrived: {in_flight}"
    );
    let shed = app.get("/api/v1/complaints", Some(&desk)).await;
    shed.expect_problem(503, "unavailable");
    assert!(
        shed.headers.contains_key("retry-after"),
        "{:?}",
        shed.headers
    );
    // Health is never shed.
    app.get("/healthz", None).await.expect(200);
    let metrics = app.admin_get("/metrics").await.text;
    assert!(sample(&metrics, "markaz_http_shed_total").unwrap_or(0.0) >= 1.0);
    // Once the slow clients go, requests are answered again.
    drop(held);
    let mut answered = 0;
    for _ in 0..500 {
        answered = app
            .get("/api/v1/complaints", Some(&desk))
            .await
            .status
            .as_u16();
        if answered == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(answered, 200);
}

#[tokio::test]
async fn the_read_models_recover_from_a_locked_file_without_a_restart() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let first = app.file(&desk, &theft_report()).await;
    let first_position = first["position"].as_u64().unwrap();
    app.status(&desk, first["id"].as_str().unwrap(), first_position)
        .await
        .expect(200);

    // Another process holds the read-model file's write lock: the runner's
    // next batch cannot commit.
    let lock = rusqlite::Connection::open(app.config().read_models_path()).expect("opened");
    lock.execute_batch("BEGIN IMMEDIATE")
        .expect("the write lock is taken");
    let second = app.file(&desk, &theft_report()).await;
    let third = app.file(&desk, &theft_report()).await;
    let last = third["position"].as_u64().unwrap();
    let projections = &app.state().projections;
    let failed = projections
        .wait_for_position(last, Duration::from_secs(60))
        .await;
    assert!(failed.is_err(), "the batch cannot have committed");

    // Not ready: the public is told only that; operators see why.
    let public = app.get("/readyz", None).await;
    public.expect_problem(503, "unavailable");
    assert_eq!(public.json["detail"], "not ready");
    let detailed = app.admin_get("/readyz").await;
    assert_eq!(detailed.status, 503);
    assert!(
        detailed.json["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{}",
        detailed.text
    );

    // The fault clears: the runner resumes by itself.
    lock.execute_batch("ROLLBACK")
        .expect("the lock is released");
    drop(lock);
    assert!(
        projections
            .wait_for_recovery(last, Duration::from_secs(60))
            .await,
        "the projections did not resume"
    );
    app.get("/readyz", None).await.expect(200);

    // No event lost, none applied twice.
    let list = app
        .get(
            &format!("/api/v1/complaints?min_position={last}"),
            Some(&supervisor),
        )
        .await;
    let items = list.expect(200)["items"].as_array().unwrap().clone();
    let mut ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut expected = [&first, &second, &third].map(|f| f["id"].as_str().unwrap());
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let figures = app
        .get(
            &format!("/api/v1/performance?by=category&min_position={last}"),
            Some(&supervisor),
        )
        .await;
    let groups = figures.expect(200)["groups"].as_array().unwrap().clone();
    let filed: u64 = groups
        .iter()
        .map(|g| g["filed"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(filed, 3, "{groups:?}");
}

#[tokio::test]
async fn a_min_position_beyond_the_log_is_refused_at_once() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let head = app.running_head().await;
    let started = std::time::Instant::now();
    let beyond = app
        .get(
            &format!("/api/v1/complaints?min_position={}", head + 1_000),
            Some(&desk),
        )
        .await;
    let problem = beyond.expect_problem(400, "invalid_query");
    assert_eq!(problem["errors"][0]["field"], "min_position", "{problem}");
    // Answered without waiting for the read models (the wait is 5 s).
    assert!(started.elapsed() < Duration::from_secs(4));
    let position = filed["position"].as_u64().unwrap();
    app.get(
        &format!("/api/v1/complaints?min_position={position}"),
        Some(&desk),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_and_nobody_else_can() {
    // Loopback is the proxy: each forwarded client has a bucket of its own.
    let app = spawn_app_with(|config| {
        config.public_rate_limit = 2;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let from = |client: &'static str| [("x-forwarded-for", client)];
    for client in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..2 {
            let answer = app
                .send(
                    reqwest::Method::GET,
                    "/api/v1/categories",
                    None,
                    &from(client),
                    None,
                )
                .await;
            answer.expect(200);
        }
        app.send(
            reqwest::Method::GET,
            "/api/v1/categories",
            None,
            &from(client),
            None,
        )
        .await
        .expect_problem(429, "rate_limited");
    }

    // Without a trusted proxy the header is ignored: one bucket for the peer.
    let app = spawn_app_with(|config| config.public_rate_limit = 2).await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        app.send(
            reqwest::Method::GET,
            "/api/v1/categories",
            None,
            &from(client),
            None,
        )
        .await
        .expect(200);
    }
    app.send(
        reqwest::Method::GET,
        "/api/v1/categories",
        None,
        &from("203.0.113.3"),
        None,
    )
    .await
    .expect_problem(429, "rate_limited");
}

#[tokio::test]
async fn many_distinct_clients_keep_the_limiter_bounded() {
    let app = spawn_app_with(|config| {
        config.max_tracked_clients = 1_000;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        // A hundred requests at once: about the limiter, not load shedding.
        config.limits.max_in_flight = 1_000;
    })
    .await;
    let clients: Vec<String> = (0..5_000u32)
        .map(|n| std::net::Ipv4Addr::from(0x0a00_0000 + n).to_string())
        .collect();
    let app = &app;
    for chunk in clients.chunks(100) {
        let answers = futures::future::join_all(chunk.iter().map(|client| async move {
            app.send(
                reqwest::Method::GET,
                "/api/v1/categories",
                None,
                &[("x-forwarded-for", client.as_str())],
                None,
            )
            .await
        }))
        .await;
        for answer in answers {
            answer.expect(200);
        }
    }
    let metrics = app.admin_get("/metrics").await.text;
    let tracked = sample(&metrics, "markaz_rate_limit_tracked_clients").expect("the gauge");
    assert!(tracked <= 1_000.0, "{tracked}");
    assert!(tracked > 0.0);
}

#[tokio::test]
async fn live_event_streams_are_capped_per_officer() {
    let app = spawn_app_with(|config| config.limits.max_event_streams_per_officer = 1).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let first = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&desk)
        .send()
        .await
        .expect("the stream starts");
    assert_eq!(first.status(), 200);
    let second = app.get("/api/v1/events", Some(&desk)).await;
    second.expect_problem(503, "unavailable");
    assert!(second.headers.contains_key("retry-after"));
    // Another officer has a stream of their own.
    let other = app.officer(Role::Desk, Some("KCH")).await;
    let third = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("the stream starts");
    assert_eq!(third.status(), 200);
}

#[tokio::test]
async fn an_admin_may_add_only_desk_and_supervisor_officers_over_http() {
    let app = spawn_app().await;
    let admin = app.officer(Role::Admin, None).await;
    let before = app.changes_recorded().await;
    for (role, markaz) in [
        ("auditor", None),
        ("gender_desk", Some("KCH")),
        ("admin", None),
    ] {
        let answer = app
            .post(
                "/api/v1/officers",
                Some(&admin),
                &json!({"name": "Mint Me", "role": role, "markaz": markaz}),
            )
            .await;
        answer.expect_problem(403, "forbidden");
        assert!(
            answer.text.contains("markaz officers add"),
            "{}",
            answer.text
        );
    }
    assert_eq!(
        app.changes_recorded().await,
        before,
        "nothing was registered"
    );
    for role in ["desk", "supervisor"] {
        app.post(
            "/api/v1/officers",
            Some(&admin),
            &json!({"name": "Naseem Akhtar", "role": role, "markaz": "KCH"}),
        )
        .await
        .expect(201);
    }
}

#[tokio::test]
async fn bidirectional_controls_are_refused_in_names_and_texts() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let mut report = theft_report();
    report["complainant"]["name"] = json!("Ali \u{202E}nahK");
    let answer = app.post("/api/v1/complaints", Some(&desk), &report).await;
    let problem = answer.expect_problem(422, "validation");
    assert_eq!(
        problem["errors"][0]["field"], "complainant.name",
        "{problem}"
    );
    assert!(answer.text.contains("U+202E"), "{}", answer.text);
    let mut report = theft_report();
    report["description"] = json!("stolen \u{2066}phone\u{2069} at the bazaar");
    app.post("/api/v1/complaints", Some(&desk), &report)
        .await
        .expect_problem(422, "validation");
    // Urdu's zero-width non-joiner is ordinary text.
    let mut report = theft_report();
    report["complainant"]["name"] = json!("نور\u{200C}محمد");
    app.post("/api/v1/complaints", Some(&desk), &report)
        .await
        .expect(201);
}

#[tokio::test]
async fn an_expired_token_is_refused_and_a_rotated_one_replaces_the_old() {
    use markaz_api::officers::registry::{self, NewOfficer};
    use markaz_domain::{Actor, MarkazCode, PersonName, Timestamp};

    let app = spawn_app().await;
    let store = app.state().store.as_ref();
    let desk = || NewOfficer {
        name: PersonName::parse("Shazia Mengal").unwrap(),
        role: Role::Desk,
        markaz: Some(MarkazCode::parse("KCH").unwrap()),
    };
    let now = chrono::Utc::now();
    let past = Timestamp::from_datetime(now - chrono::TimeDelta::seconds(1));
    let expired = registry::register_with_expiry(store, desk(), Some(past), Actor::System)
        .await
        .unwrap();
    app.get("/api/v1/complaints", Some(&expired.token))
        .await
        .expect(401);

    // Over HTTP: an expiry in the future is kept and shown; one in the past is refused.
    let admin = app.officer(Role::Admin, None).await;
    let later = (now + chrono::TimeDelta::hours(1)).to_rfc3339();
    let registered = app
        .post(
            "/api/v1/officers",
            Some(&admin),
            &json!({"name": "Temp Desk", "role": "desk", "markaz": "KCH", "expires_at": later}),
        )
        .await;
    let token = registered.expect(201)["token"].as_str().unwrap().to_owned();
    app.get("/api/v1/complaints", Some(&token))
        .await
        .expect(200);
    let listed = app.get("/api/v1/officers", Some(&admin)).await;
    let officers = listed.expect(200)["officers"].as_array().unwrap().clone();
    let temp = officers.iter().find(|o| o["name"] == "Temp Desk").unwrap();
    assert!(temp["expires_at"].is_string(), "{temp}");
    let expired_listed = officers
        .iter()
        .find(|o| o["id"] == expired.id.to_string())
        .unwrap();
    assert_eq!(expired_listed["active"], false);
    let answer = app
        .post(
            "/api/v1/officers",
            Some(&admin),
            &json!({"name": "Temp Desk", "role": "desk", "markaz": "KCH",
                    "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    let problem = answer.expect_problem(422, "validation");
    assert_eq!(problem["errors"][0]["field"], "expires_at");

    // Rotation: the new token works, the old one no longer does.
    let first = registry::register(store, desk(), Actor::System)
        .await
        .unwrap();
    app.get("/api/v1/complaints", Some(&first.token))
        .await
        .expect(200);
    let rotated = registry::rotate(store, first.id, None, Actor::System)
        .await
        .unwrap();
    assert_eq!(rotated.id, first.id, "the officer stays the same");
    app.state().officers.catch_up().await.unwrap();
    app.get("/api/v1/complaints", Some(&rotated.token))
        .await
        .expect(200);
    app.get("/api/v1/complaints", Some(&first.token))
        .await
        .expect(401);
}

#[tokio::test]
async fn staff_requests_are_limited_per_token() {
    let app = spawn_app_with(|config| config.staff_rate_limit = 3).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let other = app.officer(Role::Desk, Some("KCH")).await;
    for _ in 0..3 {
        app.get("/api/v1/complaints", Some(&desk)).await.expect(200);
    }
    let refused = app.get("/api/v1/complaints", Some(&desk)).await;
    refused.expect_problem(429, "rate_limited");
    assert!(refused.headers.contains_key("retry-after"));
    // Another officer's token has a bucket of its own.
    app.get("/api/v1/complaints", Some(&other))
        .await
        .expect(200);
}
