//! Messages to complainants through the outbox, on a clock the tests move:
//! the file gateway, safe contact for gender-desk cases, and the HTTP gateway
//! against a fake aggregator that fails, times out and answers slowly, with
//! the outbox killed mid-send and every intent delivered once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use markaz_api::commands::{Clock, ManualClock};
use markaz_api::notifications::{HttpGateway, HttpGatewayConfig, NotificationPolicy, Outbox};
use markaz_domain::{Catalogue, NotificationEvent, Role, Timestamp};
use markaz_store::command_loop::decode_recorded;
use markaz_tests::{harassment_report, spawn_app_with_clock, theft_report, TestApp};
use serde_json::{json, Value};
use tokio::sync::Notify;

const HOUR: i64 = 3_600_000_000;

fn t0() -> Timestamp {
    // Monday 2027-01-04 09:00 in Quetta.
    Timestamp::from_micros(1_799_035_200_000_000)
}

fn plus_secs(at: Timestamp, secs: i64) -> Timestamp {
    Timestamp::from_micros(at.as_micros() + secs * 1_000_000)
}

async fn app_with_outbox(clock: &Arc<ManualClock>, enabled: bool) -> TestApp {
    spawn_app_with_clock(
        |config| {
            config.notifications.policy.enabled = enabled;
            config.public_url = Some("https://markaz.example.pk".to_owned());
        },
        Arc::clone(clock) as Arc<dyn Clock>,
    )
    .await
}

/// Every queued message in the log: (complaint id, template, text).
async fn queued(app: &TestApp) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = app.state().store.read_all(after, 500).await.unwrap();
        let Some(last) = page.last() else {
            return all;
        };
        after = last.position;
        for event in page
            .iter()
            .filter(|e| e.stream.starts_with("notification-"))
        {
            if let NotificationEvent::Queued(q) =
                decode_recorded::<NotificationEvent>(event).unwrap()
            {
                all.push((q.complaint_id.to_string(), q.template, q.text));
            }
        }
    }
}

#[tokio::test]
async fn a_filing_is_texted_through_the_file_gateway_with_its_code_and_link() {
    let clock = Arc::new(ManualClock::at(t0()));
    let app = app_with_outbox(&clock, true).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    let id = filed["id"].as_str().unwrap().to_owned();
    let mut english = theft_report();
    english["language"] = "en".into();
    app.file(&desk, &english).await;
    let head = app.running_head().await;
    let outbox = app.running_outbox();
    let progress = outbox.settled(head, t0()).await;
    assert_eq!(progress.sent, 2, "{progress:?}");
    let lines = std::fs::read_to_string(app.config().data_dir.join("sms-outbox.jsonl")).unwrap();
    let lines: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let urdu = lines[0]["text"].as_str().unwrap();
    assert!(urdu.contains(&code), "{urdu}");
    assert!(
        urdu.contains(&format!("https://markaz.example.pk/track/{code}")),
        "{urdu}"
    );
    assert!(urdu.contains("شکایت"), "Urdu by default: {urdu}");
    assert_eq!(lines[0]["to"], "+923001234567");
    assert!(lines[1]["text"]
        .as_str()
        .unwrap()
        .starts_with("Your complaint"));
    // Acknowledging sends the next message; rating sends none.
    app.post(
        &format!("/api/v1/complaints/{id}/acknowledge"),
        Some(&desk),
        &json!({}),
    )
    .await
    .expect(200);
    let head = app.running_head().await;
    outbox.settled(head, t0()).await;
    let templates: Vec<String> = queued(&app).await.into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(templates, ["filed", "filed", "acknowledged"]);
}

#[tokio::test]
async fn no_gender_desk_message_names_a_category_or_the_desk() {
    let clock = Arc::new(ManualClock::at(t0()));
    let app = app_with_outbox(&clock, true).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    // Not asked: a gender-desk case gets no message at all.
    let silent = app.file(&desk, &harassment_report()).await;
    // Chose SMS: neutral messages only.
    let mut chose = harassment_report();
    chose["contact"] = "sms".into();
    let texted = app.file(&desk, &chose).await;
    let mut english = chose.clone();
    english["language"] = "en".into();
    english["category"] = "domestic_violence".into();
    let texted_en = app.file(&desk, &english).await;
    // A man's theft report referred to the gender desk becomes a desk case.
    let referred = app.file(&desk, &theft_report()).await;
    let call_only = {
        let mut body = harassment_report();
        body["contact"] = "call_only".into();
        app.file(&desk, &body).await
    };
    let referred_id = referred["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/complaints/{referred_id}/referrals"),
        Some(&desk),
        &json!({"to": "Gender desk", "kind": "gender_desk", "reason": "The complainant asked for it"}),
    )
    .await
    .expect(200);
    for case in [&texted, &texted_en] {
        let id = case["id"].as_str().unwrap();
        app.post(
            &format!("/api/v1/complaints/{id}/acknowledge"),
            Some(&gender_desk),
            &json!({}),
        )
        .await
        .expect(200);
        app.post(
            &format!("/api/v1/complaints/{id}/referrals"),
            Some(&gender_desk),
            &json!({"to": "Women police station Quetta", "kind": "police_station", "reason": "FIR"}),
        )
        .await
        .expect(200);
        app.post(
            &format!("/api/v1/complaints/{id}/resolution"),
            Some(&gender_desk),
            &json!({"outcome": "fir_registered", "summary": "FIR 12/2027 registered"}),
        )
        .await
        .expect(200);
    }
    let head = app.running_head().await;
    app.running_outbox().settled(head, t0()).await;

    let messages = queued(&app).await;
    let of = |case: &Value| {
        let id = case["id"].as_str().unwrap();
        messages
            .iter()
            .filter(|(c, _, _)| c == id)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(of(&silent).is_empty(), "not asked: no message");
    assert!(of(&call_only).is_empty(), "call only: no message");
    assert_eq!(of(&texted).len(), 4, "{messages:?}");
    // The theft report's filing was texted before it joined the desk; from
    // then on it is a desk case whose complainant never chose SMS: silence.
    let referred_messages = of(&referred);
    assert_eq!(referred_messages.len(), 1, "{referred_messages:?}");
    assert_eq!(referred_messages[0].1, "filed");

    let catalogue = Catalogue::default();
    let mut forbidden: Vec<String> = catalogue
        .iter()
        .flat_map(|c| {
            [
                c.name_en.to_lowercase(),
                c.name_ur.clone(),
                c.code.as_str().to_owned(),
            ]
        })
        .collect();
    forbidden.extend(
        [
            "gender",
            "desk",
            "women",
            "harass",
            "violence",
            "ڈیسک",
            "خواتین",
            "/track/",
        ]
        .map(str::to_owned),
    );
    let desk_messages: Vec<_> = of(&texted).into_iter().chain(of(&texted_en)).collect();
    assert_eq!(desk_messages.len(), 8);
    for (_, template, text) in desk_messages {
        assert!(
            ["received", "updated"].contains(&template.as_str()),
            "{template}"
        );
        let lower = text.to_lowercase();
        for word in &forbidden {
            assert!(!lower.contains(word.as_str()), "{text:?} names {word:?}");
        }
    }
}

/// A fake SMS aggregator: answers by a script, keeps what it delivered.
#[derive(Clone, Default)]
struct FakeGateway {
    requests: Arc<Mutex<u32>>,
    delivered: Arc<Mutex<HashMap<String, u32>>>,
    slow_received: Arc<Notify>,
    auth_seen: Arc<Mutex<Vec<String>>>,
}

async fn fake_sms(
    State(fake): State<FakeGateway>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let request = {
        let mut requests = fake.requests.lock().unwrap();
        *requests += 1;
        *requests
    };
    if let Some(auth) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        fake.auth_seen.lock().unwrap().push(auth.to_owned());
    }
    let body: Value = serde_json::from_str(&body).expect("the body is JSON");
    let id = body["msg"]["ref"]
        .as_str()
        .expect("the id is in the template")
        .to_owned();
    match request {
        // The first request fails, the second times out.
        1 => return (StatusCode::SERVICE_UNAVAILABLE, "busy".to_owned()),
        2 => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            return (StatusCode::OK, "too late".to_owned());
        }
        _ => {}
    }
    let first = {
        let mut delivered = fake.delivered.lock().unwrap();
        let count = delivered.entry(id.clone()).or_default();
        *count += 1;
        *count == 1
    };
    if request == 3 {
        // Accepted, then answered so slowly that the sender is killed first.
        fake.slow_received.notify_one();
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if request == 4 {
        // Slow, but within the timeout.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let answer = if first {
        format!("accepted {id}")
    } else {
        format!("duplicate {id}")
    };
    (StatusCode::OK, answer)
}

#[tokio::test]
async fn the_http_gateway_delivers_every_intent_once_through_failures_timeouts_and_a_kill() {
    let fake = FakeGateway::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let server = Router::new()
        .route("/sms", post(fake_sms))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, server).await });

    let clock = Arc::new(ManualClock::at(t0()));
    let app = app_with_outbox(&clock, false).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    for _ in 0..4 {
        app.file(&desk, &theft_report()).await;
    }
    let head = app.running_head().await;
    let gateway = || {
        Arc::new(HttpGateway::new(HttpGatewayConfig {
            url: url.clone(),
            auth_header: Some(("X-Api-Key".to_owned(), "secret-key".to_owned())),
            body_template: r#"{"msg": {"ref": "{{id}}", "msisdn": "{{to}}", "body": "{{text}}", "parts": {{parts}}}}"#.to_owned(),
            timeout: Duration::from_millis(500),
        }))
    };
    let policy = NotificationPolicy {
        enabled: true,
        link_origin: "https://markaz.example.pk".to_owned(),
        ..NotificationPolicy::default()
    };
    let start = || Outbox::start(app.state().commands.clone(), gateway(), policy.clone());

    // The first outbox: request 1 fails, request 2 times out, request 3 is
    // taken but answered too slowly: the outbox is killed while it waits.
    let first = start();
    fake.slow_received.notified().await;
    first.kill();

    // A second outbox picks up from the log: the message whose answer was
    // lost is sent again (and dropped as a repeat), the others are retried
    // once their pause is over.
    let second = start();
    second.settled(head, t0()).await;
    for minutes in 1..=10 {
        let now = plus_secs(t0(), 60 * minutes);
        clock.set(now);
        let progress = second.settled(head, now).await;
        if progress.pending == 0 {
            break;
        }
    }
    let progress = second.progress();
    assert_eq!(progress.pending, 0, "{progress:?}");
    assert_eq!(progress.given_up, 0, "{progress:?}");
    second.stop().await;

    let delivered = fake.delivered.lock().unwrap().clone();
    assert_eq!(
        delivered.len(),
        4,
        "every intent reached the gateway: {delivered:?}"
    );
    let sent: usize = {
        let mut count = 0;
        let mut after = 0;
        loop {
            let page = app.state().store.read_all(after, 500).await.unwrap();
            let Some(last) = page.last() else { break count };
            after = last.position;
            count += page
                .iter()
                .filter(|e| e.event_type == "NotificationSent")
                .count();
        }
    };
    assert_eq!(sent, 4, "each message recorded as sent once");
    assert!(
        delivered.values().any(|&times| times == 2),
        "the message whose answer was lost came again: {delivered:?}"
    );
    assert!(fake
        .auth_seen
        .lock()
        .unwrap()
        .iter()
        .all(|key| key == "secret-key"));
    let _ = HOUR;
}

#[tokio::test]
async fn a_message_given_up_on_shows_in_the_metrics_and_the_list_and_an_operator_retries_it() {
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let state = Arc::clone(&failing);
    let server = Router::new().route(
        "/sms",
        post(move || {
            let failing = state.load(std::sync::atomic::Ordering::SeqCst);
            async move {
                if failing {
                    (StatusCode::BAD_GATEWAY, "operator network down")
                } else {
                    (StatusCode::OK, "accepted")
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, server).await });

    let clock = Arc::new(ManualClock::at(t0()));
    let app = spawn_app_with_clock(
        |config| {
            config.notifications.policy.enabled = true;
            config.notifications.policy.max_attempts = 2;
            config.notifications.http = Some(HttpGatewayConfig {
                url: url.clone(),
                auth_header: None,
                body_template: HttpGatewayConfig::DEFAULT_BODY.to_owned(),
                timeout: Duration::from_secs(5),
            });
        },
        Arc::clone(&clock) as Arc<dyn Clock>,
    )
    .await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    app.file(&desk, &theft_report()).await;
    let head = app.running_head().await;
    app.running_outbox().settled(head, t0()).await;
    let metrics = app.admin_get("/metrics").await.text;
    assert!(
        metrics.contains("markaz_notifications_pending 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("markaz_notifications_failed_attempts_total 1"),
        "{metrics}"
    );
    // 30 seconds later the second and last attempt fails too.
    clock.set(plus_secs(t0(), 60));
    let head = app.running_head().await;
    let progress = app
        .running_outbox()
        .settled(head, plus_secs(t0(), 60))
        .await;
    assert_eq!(
        (progress.pending, progress.given_up),
        (0, 1),
        "{progress:?}"
    );
    let metrics = app.admin_get("/metrics").await.text;
    assert!(
        metrics.contains("markaz_notifications_given_up 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("markaz_notifications_failed_attempts_total 2"),
        "{metrics}"
    );

    let listed = markaz_api::cli::notifications::messages(app.state().store.as_ref())
        .await
        .unwrap();
    let (id, message) = listed.iter().next().expect("one message");
    assert!(message.given_up(), "{message:?}");
    assert_eq!(
        message.last_answer.as_deref(),
        Some("502 operator network down")
    );

    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    markaz_api::cli::notifications::run(
        markaz_api::cli::notifications::NotificationsCommand::Retry { id: id.to_string() },
        app.config(),
    )
    .await
    .unwrap();
    let head = app.running_head().await;
    let progress = app
        .running_outbox()
        .settled(head, plus_secs(t0(), 60))
        .await;
    assert_eq!(progress.given_up, 0, "{progress:?}");
    let listed = markaz_api::cli::notifications::messages(app.state().store.as_ref())
        .await
        .unwrap();
    assert!(listed.values().all(|message| message.sent), "{listed:?}");
}
