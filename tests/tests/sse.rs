//! The live event stream `GET /api/v1/events`: what each role sees, resuming
//! with `Last-Event-ID`, and that no personal data travels in it.

use std::time::Duration;

use futures::StreamExt;
use markaz_domain::Role;
use markaz_tests::{harassment_report, spawn_app, theft_report, TestApp};
use serde_json::{json, Value};

/// Bounds every wait on the stream: a missing event fails the test instead
/// of hanging it.
const PATIENCE: Duration = Duration::from_secs(10);

/// One parsed SSE message.
#[derive(Debug, Clone)]
struct Message {
    id: Option<u64>,
    event: Option<String>,
    data: Value,
}

/// An open event stream and the raw text received so far.
struct EventStream {
    body: futures::stream::BoxStream<'static, reqwest::Result<Vec<u8>>>,
    buffer: String,
    raw: String,
}

impl EventStream {
    async fn open(app: &TestApp, token: &str, last_event_id: Option<u64>) -> EventStream {
        let mut request = app
            .client
            .get(app.url("/api/v1/events"))
            .bearer_auth(token)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("the server answers");
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        EventStream {
            body: response
                .bytes_stream()
                .map(|chunk| chunk.map(|bytes| bytes.to_vec()))
                .boxed(),
            buffer: String::new(),
            raw: String::new(),
        }
    }

    /// The next message with data (keep-alive comments are skipped).
    async fn next(&mut self) -> Message {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(message) = parse(&frame) {
                    return message;
                }
                continue;
            }
            let chunk = tokio::time::timeout(PATIENCE, self.body.next())
                .await
                .expect("an event arrives in time")
                .expect("the stream stays open")
                .expect("the stream reads");
            let text = String::from_utf8(chunk).expect("UTF-8");
            self.raw.push_str(&text);
            self.buffer.push_str(&text);
        }
    }

    /// Messages up to and including the one with id `position`.
    async fn until(&mut self, position: u64) -> Vec<Message> {
        let mut seen = Vec::new();
        loop {
            let message = self.next().await;
            let id = message.id.expect("every event has an id");
            assert!(id <= position, "skipped past {position}: {message:?}");
            seen.push(message);
            if id == position {
                return seen;
            }
        }
    }
}

fn parse(frame: &str) -> Option<Message> {
    let (mut id, mut event, mut data) = (None, None, String::new());
    for line in frame.lines() {
        if let Some(value) = line.strip_prefix("id:") {
            id = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("event:") {
            event = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
    if data.is_empty() {
        return None;
    }
    Some(Message {
        id,
        event,
        data: serde_json::from_str(&data).expect("data is JSON"),
    })
}

fn positions(messages: &[Message]) -> Vec<u64> {
    messages.iter().filter_map(|message| message.id).collect()
}

#[tokio::test]
async fn each_role_sees_only_its_cases_and_no_personal_data() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let other_desk = app.officer(Role::Desk, Some("QTA")).await;
    let auditor = app.officer(Role::Auditor, None).await;

    let mut desk_stream = EventStream::open(&app, &desk, None).await;
    let mut gender_stream = EventStream::open(&app, &gender_desk, None).await;
    let mut other_stream = EventStream::open(&app, &other_desk, None).await;
    let mut auditor_stream = EventStream::open(&app, &auditor, None).await;

    let theft = app.file(&desk, &theft_report()).await;
    let harassment = app.file(&gender_desk, &harassment_report()).await;
    assert_eq!(harassment["gender_desk"], true);
    let theft_id = theft["id"].as_str().unwrap();
    let acknowledged = app
        .post(
            &format!("/api/v1/complaints/{theft_id}/acknowledge"),
            Some(&desk),
            &json!({"note": "Called Abdul Wahid back on 03001234567"}),
        )
        .await
        .expect(200)
        .clone();
    let filed_at = theft["position"].as_u64().unwrap();
    let harassment_at = harassment["position"].as_u64().unwrap();
    let acknowledged_at = acknowledged["position"].as_u64().unwrap();

    // The desk officer sees the theft case, not the gender-desk case between.
    let seen = desk_stream.until(acknowledged_at).await;
    assert_eq!(positions(&seen), [filed_at, acknowledged_at]);
    assert_eq!(seen[0].event.as_deref(), Some("ComplaintFiled"));
    assert_eq!(seen[0].data["complaint_id"], theft_id);
    assert_eq!(seen[0].data["markaz"], "KCH");
    assert_eq!(seen[0].data["category"], "theft_report");
    assert_eq!(seen[0].data["status"], "filed");
    assert_eq!(seen[0].data["version"], 1);
    assert_eq!(seen[1].data["type"], "ComplaintAcknowledged");
    assert_eq!(seen[1].data["status"], "acknowledged");

    // The gender desk of the same markaz and the auditor see all three.
    let seen = gender_stream.until(acknowledged_at).await;
    assert_eq!(positions(&seen), [filed_at, harassment_at, acknowledged_at]);
    assert_eq!(seen[1].data["gender_desk"], true);
    let seen = auditor_stream.until(acknowledged_at).await;
    assert_eq!(positions(&seen), [filed_at, harassment_at, acknowledged_at]);

    // Another markaz sees none of it: its first event is its own filing.
    let mut elsewhere = theft_report();
    elsewhere["complainant"]["name"] = json!("Sher Ali");
    let own = app.file(&other_desk, &elsewhere).await;
    let own_at = own["position"].as_u64().unwrap();
    let seen = other_stream.until(own_at).await;
    assert_eq!(positions(&seen), [own_at]);
    assert_eq!(seen[0].data["markaz"], "QTA");

    for raw in [&desk_stream.raw, &gender_stream.raw, &auditor_stream.raw] {
        for personal in [
            "Abdul Wahid",
            "Bibi Amina",
            "1234567",
            "54400",
            "Killi Kuchlak",
            "Street 4",
            "motorcycle",
            "neighbour",
            "Kuchlak bazaar",
            "Called",
        ] {
            assert!(!raw.contains(personal), "`{personal}` leaked into: {raw}");
        }
    }
}

#[tokio::test]
async fn last_event_id_resumes_right_after_it() {
    let app = spawn_app().await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let first = app.file(&gender_desk, &theft_report()).await;
    let second = app.file(&gender_desk, &harassment_report()).await;
    let third = app.file(&gender_desk, &theft_report()).await;
    let first_at = first["position"].as_u64().unwrap();
    let second_at = second["position"].as_u64().unwrap();
    let third_at = third["position"].as_u64().unwrap();

    // Events already in the log are replayed from the given id on.
    let mut resumed = EventStream::open(&app, &gender_desk, Some(first_at)).await;
    assert_eq!(
        positions(&resumed.until(third_at).await),
        [second_at, third_at]
    );

    // The same resumption for the desk skips the gender-desk case.
    let mut resumed = EventStream::open(&app, &desk, Some(first_at)).await;
    assert_eq!(positions(&resumed.until(third_at).await), [third_at]);

    // `?after=` does the same for clients that cannot set headers.
    let response = app
        .client
        .get(app.url(&format!("/api/v1/events?after={second_at}")))
        .bearer_auth(&gender_desk)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(PATIENCE, body.next())
            .await
            .expect("an event arrives in time")
            .expect("the stream stays open")
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(text.starts_with(&format!("id: {third_at}\n")), "{text}");
}

#[tokio::test]
async fn the_stream_needs_a_staff_token_and_a_valid_position() {
    let app = spawn_app().await;
    app.get("/api/v1/events", None)
        .await
        .expect_problem(401, "unauthorized");
    let admin = app.officer(Role::Admin, None).await;
    app.get("/api/v1/events", Some(&admin))
        .await
        .expect_problem(403, "forbidden");
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    app.send(
        reqwest::Method::GET,
        "/api/v1/events",
        Some(&desk),
        &[("last-event-id", "yesterday")],
        None,
    )
    .await
    .expect_problem(400, "bad_request");
    app.get("/api/v1/events?after=-3", Some(&desk))
        .await
        .expect_problem(400, "bad_request");
    // A position the log has not reached: nothing could be sent until it
    // got there, and a revocation before it would pass unseen.
    let head = app.file(&desk, &theft_report()).await["position"]
        .as_u64()
        .unwrap();
    let beyond = tokio::time::timeout(
        PATIENCE,
        app.get(
            &format!("/api/v1/events?after={}", head + 1000),
            Some(&desk),
        ),
    )
    .await
    .expect("an answer, not an open stream");
    let problem = beyond.expect_problem(400, "bad_request");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("beyond the end of the log"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_replay_hides_from_the_desk_a_case_since_referred_to_the_gender_desk() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let referred_case = app.file(&desk, &theft_report()).await;
    let case = referred_case["id"].as_str().unwrap().to_owned();
    let kept = app.file(&desk, &theft_report()).await;
    let kept_at = kept["position"].as_u64().unwrap();
    let referred_at = app
        .post(
            &format!("/api/v1/complaints/{case}/referrals"),
            Some(&supervisor),
            &json!({
                "to": "Gender desk, Kuchlak",
                "kind": "gender_desk",
                "reason": "The complainant will only speak to a woman officer"
            }),
        )
        .await
        .expect(200)["position"]
        .as_u64()
        .unwrap();
    let later = app.file(&desk, &theft_report()).await["position"]
        .as_u64()
        .unwrap();

    // Replayed from the start, the desk sees neither the referred case's
    // filing nor its referral, as its other endpoints no longer show the case.
    let mut replay = EventStream::open(&app, &desk, Some(0)).await;
    let seen = replay.until(later).await;
    assert_eq!(positions(&seen), [kept_at, later]);
    // The supervisor still sees the case's whole history.
    let mut replay = EventStream::open(&app, &supervisor, Some(0)).await;
    let seen = replay.until(later).await;
    assert!(positions(&seen).contains(&referred_at), "{seen:?}");
    assert_eq!(seen[0].data["complaint_id"], case.as_str());
    assert_eq!(seen[0].data["gender_desk"], true);
}

#[tokio::test]
async fn open_streams_end_when_the_server_shuts_down() {
    // A grace period far longer than the test's patience: if the stream kept
    // the connection busy, the shutdown below would not finish in time.
    let mut app = markaz_tests::spawn_app_with(|config| {
        config.shutdown_grace = Duration::from_secs(600);
    })
    .await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let mut stream = EventStream::open(&app, &desk, None).await;
    let filed = app.file(&desk, &theft_report()).await;
    let position = filed["position"].as_u64().unwrap();
    assert_eq!(positions(&stream.until(position).await), [position]);

    tokio::time::timeout(PATIENCE, app.restart())
        .await
        .expect("shutdown does not wait for the open event stream");
    let end = tokio::time::timeout(PATIENCE, stream.body.next())
        .await
        .expect("the stream ends");
    assert!(
        !matches!(end, Some(Ok(_))),
        "no more data after shutdown: {end:?}"
    );
    // The restarted server streams again, resuming where the client stopped.
    let mut resumed = EventStream::open(&app, &desk, Some(position)).await;
    let next = app.file(&desk, &theft_report()).await;
    let next_at = next["position"].as_u64().unwrap();
    assert_eq!(positions(&resumed.until(next_at).await), [next_at]);
}

#[tokio::test]
async fn a_revoked_token_stops_its_stream_before_the_next_event() {
    let app = spawn_app().await;
    let admin = app.officer(Role::Admin, None).await;
    let registered = app
        .post(
            "/api/v1/officers",
            Some(&admin),
            &json!({"name": "Gul Bano", "role": "desk", "markaz": "KCH"}),
        )
        .await
        .expect(201)
        .clone();
    let token = registered["token"].as_str().unwrap();
    let officer = registered["id"].as_str().unwrap();
    let colleague = app.officer(Role::Desk, Some("KCH")).await;
    let mut stream = EventStream::open(&app, token, None).await;
    let before = app.file(&colleague, &theft_report()).await;
    let before_at = before["position"].as_u64().unwrap();
    assert_eq!(positions(&stream.until(before_at).await), [before_at]);

    app.post(
        &format!("/api/v1/officers/{officer}/revocation"),
        Some(&admin),
        &json!({}),
    )
    .await
    .expect(200);
    app.file(&colleague, &theft_report()).await;
    let last = stream.next().await;
    assert_eq!(last.event.as_deref(), Some("revoked"), "{last:?}");
    let end = tokio::time::timeout(PATIENCE, stream.body.next())
        .await
        .expect("the stream ends");
    assert!(end.is_none(), "nothing after the revocation: {end:?}");
    app.get("/api/v1/events", Some(token))
        .await
        .expect_problem(401, "unauthorized");
}
