//! The auditor's view from the outside: complaints as they stood at a past
//! time or version, past performance figures, verification and the access
//! log, over HTTP and through the functions `markaz audit ...` runs.

mod audit_support;

use audit_support::{at, ScriptedLog, Server, DAY, DAY_ONE, HOUR};
use markaz_api::cli::audit::{
    access, past_performance, seal, show, GroupByArg, PerformanceArgs, PointArgs, SealArgs,
};
use markaz_api::config::Config;
use markaz_domain::{ComplaintId, Role};
use serde_json::{json, Value};

/// A gender-desk complaint filed on day one at 10:00, acknowledged at 12:00
/// and resolved on day two at 09:00; a server on that log.
async fn resolved_case() -> (tempfile::TempDir, Server, ComplaintId) {
    let mut log = ScriptedLog::new();
    let id = log.file(at(DAY_ONE + 10 * HOUR), true).await;
    log.acknowledge(id, at(DAY_ONE + 12 * HOUR)).await;
    log.resolve(
        id,
        at(DAY_ONE + DAY + 9 * HOUR),
        "Neighbour bound over by the magistrate",
    )
    .await;
    let dir = log.into_dir();
    let server = Server::start(dir.path()).await;
    (dir, server, id)
}

fn statuses(answer: &Value) -> (String, u64, usize) {
    (
        answer["state"]["status"]
            .as_str()
            .unwrap_or("none")
            .to_owned(),
        answer["version"].as_u64().unwrap_or(0),
        answer["events"].as_array().map_or(0, Vec::len),
    )
}

#[tokio::test]
async fn a_complaint_is_shown_as_it_stood_at_a_version_or_a_time() {
    let (dir, server, id) = resolved_case().await;
    let auditor = server.officer(Role::Auditor, None).await;
    let path = |query: &str| format!("/api/v1/audit/complaints/{id}{query}");
    let get = |query: &'static str| {
        let (server, auditor, path) = (&server, &auditor, path(query));
        async move {
            let (status, body) = server.get(&path, Some(auditor)).await;
            assert_eq!(status, 200, "{query}: {body}");
            body
        }
    };

    let filed = get("?version=1").await;
    assert_eq!(statuses(&filed), ("filed".into(), 1, 1));
    assert_eq!(filed["current_version"], 3);
    assert_eq!(filed["state"]["gender_desk"], true);
    assert_eq!(filed["events"][0]["type"], "ComplaintFiled");
    assert_eq!(
        filed["events"][0]["data"]["complainant"]["phone"], "+923001234567",
        "auditors see what was recorded, unmasked"
    );
    assert_eq!(
        statuses(&get("?version=2").await),
        ("acknowledged".into(), 2, 2)
    );
    assert_eq!(
        statuses(&get("?as_of=2026-03-02T11:00:00Z").await),
        ("filed".into(), 1, 1)
    );
    // A day means its end; a time is inclusive.
    assert_eq!(
        statuses(&get("?as_of=2026-03-02").await),
        ("acknowledged".into(), 2, 2)
    );
    let resolved = get("?as_of=2026-03-03T09:00:00Z").await;
    assert_eq!(statuses(&resolved), ("resolved".into(), 3, 3));
    assert_eq!(
        resolved["state"]["resolved_at"],
        "2026-03-03T09:00:00.000000Z"
    );
    assert_eq!(statuses(&get("").await), ("resolved".into(), 3, 3));

    // The events have the timeline's shape and content.
    let supervisor = server.officer(Role::Supervisor, Some("KCH")).await;
    let (status, timeline) = server
        .get(
            &format!("/api/v1/complaints/{id}/timeline"),
            Some(&supervisor),
        )
        .await;
    assert_eq!(status, 200, "{timeline}");
    // The same, but that staff see the citizen's tracking code masked (it
    // rates the case) while the auditor sees what was recorded.
    let mut recorded = resolved["events"].clone();
    recorded[0]["data"]["tracking_code"] = "KCH-••••-••••-0FEY-Q".into();
    assert_eq!(recorded, timeline["events"]);
    assert_eq!(
        resolved["events"][0]["data"]["tracking_code"],
        "KCH-0000-0000-0FEY-Q"
    );

    // The CLI prints the same answer.
    let config = Config::with_data_dir(dir.path());
    let point = PointArgs {
        as_of: Some("2026-03-02".into()),
        version: None,
    };
    let printed = show(&config, &id.to_string(), &point).await.unwrap();
    assert_eq!(printed, get("?as_of=2026-03-02").await);
    let point = PointArgs {
        as_of: None,
        version: Some(1),
    };
    assert_eq!(show(&config, &id.to_string(), &point).await.unwrap(), filed);

    server.stop().await;
}

#[tokio::test]
async fn bad_points_in_time_and_other_roles_are_refused() {
    let (_dir, server, id) = resolved_case().await;
    let auditor = server.officer(Role::Auditor, None).await;
    let supervisor = server.officer(Role::Supervisor, Some("KCH")).await;
    let path = |query: &str| format!("/api/v1/audit/complaints/{id}{query}");
    let status = |query: &'static str, token: Option<&'static str>| {
        let (server, path) = (&server, path(query));
        let token = token.map(|t| {
            if t == "auditor" {
                auditor.clone()
            } else {
                supervisor.clone()
            }
        });
        async move {
            let (status, body) = server.get(&path, token.as_deref()).await;
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    };
    let auditor_asks = |query| status(query, Some("auditor"));
    assert_eq!(
        auditor_asks("?version=4").await,
        (400, "invalid_query".into())
    );
    assert_eq!(
        auditor_asks("?version=0").await,
        (400, "invalid_query".into())
    );
    assert_eq!(
        auditor_asks("?version=1&as_of=2026-03-02").await,
        (400, "invalid_query".into())
    );
    assert_eq!(
        auditor_asks("?as_of=yesterday").await,
        (400, "invalid_query".into())
    );
    assert_eq!(
        auditor_asks("?as_of=2026-03-01T23:00:00Z").await,
        (404, "not_found".into()),
        "not filed yet then"
    );
    let (code, _) = server
        .get(
            &format!("/api/v1/audit/complaints/{}", uuid::Uuid::from_u128(1)),
            Some(&auditor),
        )
        .await;
    assert_eq!(code, 404);
    assert_eq!(status("", Some("supervisor")).await.0, 403);
    assert_eq!(status("", None).await.0, 401);
    let (code, _) = server.get("/api/v1/audit/verify", Some(&supervisor)).await;
    assert_eq!(code, 403);
    server.stop().await;
}

#[tokio::test]
async fn verification_over_http_counts_chains_and_seals() {
    let (dir, server, id) = resolved_case().await;
    let auditor = server.officer(Role::Auditor, None).await;
    let (status, report) = server.get("/api/v1/audit/verify", Some(&auditor)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["first_broken"], Value::Null);
    // The complaint and the auditor's officer stream.
    assert_eq!(report["streams_checked"], 2);
    assert_eq!(report["events_checked"], 4);

    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("seal.pem");
    let config = Config::with_data_dir(dir.path());
    markaz_api::cli::audit::generate_key(&config, &key).unwrap();
    let sealed = seal(&config, &SealArgs { key, out: None }).await.unwrap();
    assert_eq!(sealed["events"], 4);
    assert_eq!(sealed["streams"], 2);
    assert_eq!(sealed["seal_event"]["stream"], "seal-log");

    let (_, report) = server.get("/api/v1/audit/verify", Some(&auditor)).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["seals_checked"], 1);
    // Checked against the key each seal names, not against a trusted one.
    assert_eq!(report["seals_authenticated"], false);
    assert_eq!(report["events_checked"], 5);

    let stream = id.stream_name();
    let (_, one) = server
        .get(
            &format!("/api/v1/audit/verify?stream={stream}"),
            Some(&auditor),
        )
        .await;
    assert_eq!(
        (
            one["streams_checked"].clone(),
            one["events_checked"].clone()
        ),
        (json!(1), json!(3))
    );
    assert_eq!(one["ok"], true);
    server.stop().await;
}

#[tokio::test]
async fn reads_of_gender_desk_cases_and_personal_data_are_recorded() {
    let log = ScriptedLog::new();
    let dir = log.into_dir();
    let server = Server::start(dir.path()).await;
    let gender_desk = server.officer(Role::GenderDesk, Some("KCH")).await;
    let desk = server.officer(Role::Desk, Some("KCH")).await;
    let auditor = server.officer(Role::Auditor, None).await;

    let (status, filed) = server
        .post("/api/v1/complaints", &gender_desk, &harassment())
        .await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().unwrap().to_owned();
    let position = filed["position"].as_u64().unwrap();
    let (status, _) = server
        .get(
            &format!("/api/v1/complaints/{id}?min_position={position}"),
            Some(&gender_desk),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = server
        .get(
            &format!("/api/v1/complaints/{id}/timeline"),
            Some(&gender_desk),
        )
        .await;
    assert_eq!(status, 200);
    // A desk officer may not see the case: nothing is shown, nothing recorded.
    let (status, _) = server
        .get(&format!("/api/v1/complaints/{id}/timeline"), Some(&desk))
        .await;
    assert_eq!(status, 404);

    let (status, log) = server
        .get(
            &format!("/api/v1/audit/complaints/{id}/access"),
            Some(&auditor),
        )
        .await;
    assert_eq!(status, 200, "{log}");
    let entries = log["entries"].as_array().unwrap();
    let seen: Vec<(&str, &str, bool, bool)> = entries
        .iter()
        .map(|e| {
            (
                e["what"].as_str().unwrap(),
                e["role"].as_str().unwrap(),
                e["gender_desk"].as_bool().unwrap(),
                e["personal_data"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("case_view", "gender_desk", true, true),
            ("timeline", "gender_desk", true, true)
        ]
    );
    assert_eq!(entries[0]["officer"]["name"], "Test gender_desk");

    // The auditor's own look at the history is recorded too.
    let (status, _) = server
        .get(&format!("/api/v1/audit/complaints/{id}"), Some(&auditor))
        .await;
    assert_eq!(status, 200);
    let (_, log) = server
        .get(
            &format!("/api/v1/audit/complaints/{id}/access"),
            Some(&auditor),
        )
        .await;
    let last = &log["entries"][2];
    assert_eq!(
        (last["what"].clone(), last["role"].clone()),
        (json!("audit_history"), json!("auditor"))
    );

    // Seeing the case as a row of a list is a read of it too.
    let (status, _) = server.get("/api/v1/complaints", Some(&gender_desk)).await;
    assert_eq!(status, 200);
    let (_, log) = server
        .get(
            &format!("/api/v1/audit/complaints/{id}/access"),
            Some(&auditor),
        )
        .await;
    let last = &log["entries"][3];
    assert_eq!(
        (last["what"].clone(), last["role"].clone()),
        (json!("listing"), json!("gender_desk"))
    );

    // The history comes a page at a time.
    let access_path = format!("/api/v1/audit/complaints/{id}/access");
    let (status, first) = server
        .get(&format!("{access_path}?limit=3"), Some(&auditor))
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["entries"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, second) = server
        .get(
            &format!("{access_path}?limit=3&cursor={cursor}"),
            Some(&auditor),
        )
        .await;
    let rest = second["entries"].as_array().unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["what"], "listing");
    assert!(second["next_cursor"].is_null(), "{second}");
    assert_eq!(log["entries"].as_array().unwrap().len(), 4);
    for bad in ["?cursor=later", "?limit=0", "?limit=1001"] {
        let (status, problem) = server
            .get(&format!("{access_path}{bad}"), Some(&auditor))
            .await;
        assert_eq!(status, 400, "{bad}: {problem}");
    }

    // A masked read of an ordinary case leaves no entry.
    let (_, theft) = server.post("/api/v1/complaints", &desk, &theft()).await;
    let theft_id = theft["id"].as_str().unwrap().to_owned();
    let (status, _) = server
        .post(
            &format!("/api/v1/complaints/{theft_id}/resolution"),
            &desk,
            &json!({"outcome": "no_action", "summary": "Found at a relative's house"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, view) = server
        .get(
            &format!("/api/v1/complaints/{theft_id}/timeline"),
            Some(&desk),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    let (_, theft_log) = server
        .get(
            &format!("/api/v1/audit/complaints/{theft_id}/access"),
            Some(&auditor),
        )
        .await;
    assert_eq!(theft_log["entries"], json!([]));

    // The CLI lists the same entries.
    let config = Config::with_data_dir(dir.path());
    assert_eq!(access(&config, &id).await.unwrap(), log);
    server.stop().await;
}

fn harassment() -> Value {
    json!({
        "complainant": {
            "name": "Bibi Amina",
            "gender": "female",
            "phone": "+923331234567",
            "cnic": "54400-7654321-2",
            "address": "Street 4, Kuchlak"
        },
        "category": "harassment",
        "description": "A neighbour keeps following me to the market and calling my phone.",
        "channel": "phone"
    })
}

fn theft() -> Value {
    json!({
        "complainant": {
            "name": "Abdul Wahid",
            "gender": "male",
            "phone": "0300-1234567"
        },
        "category": "theft_report",
        "description": "My motorcycle was stolen outside the mosque after Friday prayers.",
        "channel": "counter"
    })
}

fn total(figures: &Value, field: &str) -> u64 {
    figures["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[field].as_u64().unwrap_or(0))
        .sum()
}

fn backlog(figures: &Value) -> u64 {
    figures["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["open_backlog"]["total"].as_u64().unwrap_or(0))
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn past_performance_is_replayed_without_touching_the_live_read_models() {
    let mut log = ScriptedLog::new();
    let first = log.file(at(DAY_ONE + 9 * HOUR), false).await;
    log.acknowledge(first, at(DAY_ONE + 10 * HOUR)).await;
    log.file(at(DAY_ONE + DAY + 9 * HOUR), false).await;
    log.resolve(
        first,
        at(DAY_ONE + 2 * DAY + 9 * HOUR),
        "Motorcycle recovered",
    )
    .await;
    let config = log.config();
    let files_before = files(log.data_dir());

    let as_of = |day: &str| PerformanceArgs {
        as_of: day.to_owned(),
        from: None,
        by: GroupByArg::Unit,
        markaz: None,
    };
    let day_one = past_performance(&config, &as_of("2026-03-02"))
        .await
        .unwrap();
    assert_eq!(
        (
            total(&day_one, "filed"),
            total(&day_one, "resolved"),
            backlog(&day_one)
        ),
        (1, 0, 1),
        "{day_one}"
    );
    // The end of the local day in Pakistan (UTC+5), where the markaz is.
    assert_eq!(day_one["until"], "2026-03-02T18:59:59.999999Z");
    assert_eq!(day_one["time_zone"], "Asia/Karachi");
    let day_two = past_performance(&config, &as_of("2026-03-03"))
        .await
        .unwrap();
    assert_eq!(
        (
            total(&day_two, "filed"),
            total(&day_two, "resolved"),
            backlog(&day_two)
        ),
        (2, 0, 2),
        "{day_two}"
    );
    let day_three = past_performance(&config, &as_of("2026-03-04"))
        .await
        .unwrap();
    assert_eq!(
        (
            total(&day_three, "filed"),
            total(&day_three, "resolved"),
            backlog(&day_three)
        ),
        (2, 1, 1),
        "{day_three}"
    );
    assert_eq!(day_three["events_replayed"], 4);
    let before_anything = past_performance(&config, &as_of("2026-03-01"))
        .await
        .unwrap();
    assert_eq!(total(&before_anything, "filed"), 0, "{before_anything}");

    let bad = past_performance(&config, &as_of("March 3rd")).await;
    assert!(bad.unwrap_err().to_string().contains("YYYY-MM-DD"));
    assert_eq!(
        files(log.data_dir()),
        files_before,
        "the data directory is untouched"
    );
}

#[tokio::test]
async fn past_performance_counts_what_had_occurred_even_if_recorded_later() {
    let mut log = ScriptedLog::new();
    // A log out of time order (as a backdated history or an import gives):
    // the later complaint is recorded first.
    log.file(at(DAY_ONE + 5 * DAY), false).await;
    log.file(at(DAY_ONE + HOUR), true).await;
    let args = |day: &str| PerformanceArgs {
        as_of: day.to_owned(),
        from: None,
        by: GroupByArg::Category,
        markaz: None,
    };
    let early = past_performance(&log.config(), &args("2026-03-02"))
        .await
        .unwrap();
    assert_eq!(early["events_replayed"], 1, "{early}");
    assert_eq!(early["from"], "2026-03-02");
    assert_eq!(total(&early, "filed"), 1, "{early}");
    let late = past_performance(&log.config(), &args("2026-03-07"))
        .await
        .unwrap();
    assert_eq!(
        (late["events_replayed"].clone(), total(&late, "filed")),
        (json!(2), 2)
    );
}

/// The figures of the past command and of `GET /performance` for the same
/// local days agree, field for field; only the open backlog's ages differ,
/// the one counted at the end of the day, the other now.
#[tokio::test]
async fn past_figures_match_the_http_answer_for_the_same_local_days() {
    let mut log = ScriptedLog::new();
    let first = log.file(at(DAY_ONE + 9 * HOUR), false).await;
    log.acknowledge(first, at(DAY_ONE + 10 * HOUR)).await;
    let second = log.file(at(DAY_ONE + 11 * HOUR), true).await;
    log.resolve(first, at(DAY_ONE + 14 * HOUR), "Motorcycle recovered")
        .await;
    // 21:00 UTC on 2026-03-02 is 02:00 on 2026-03-03 in Pakistan: a day later.
    log.acknowledge(second, at(DAY_ONE + 21 * HOUR)).await;
    let head = log.head().await;
    let config = log.config();
    let past = past_performance(
        &config,
        &PerformanceArgs {
            as_of: "2026-03-02".to_owned(),
            from: Some("2026-03-02".to_owned()),
            by: GroupByArg::Unit,
            markaz: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        past["events_replayed"], 4,
        "the 02:00 acknowledgement is the next day: {past}"
    );
    let dir = log.into_dir();
    let server = Server::start(dir.path()).await;
    let auditor = server.officer(Role::Auditor, None).await;
    let (status, live) = server
        .get(
            &format!(
                "/api/v1/performance?from=2026-03-02&to=2026-03-02&by=unit&min_position={head}"
            ),
            Some(&auditor),
        )
        .await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(live["time_zone"], past["time_zone"]);
    let without_ages = |rows: &Value| -> Vec<Value> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let mut row = row.clone();
                let open = row["open_backlog"]["total"].clone();
                row["open_backlog"] = json!({ "total": open });
                row
            })
            .collect()
    };
    let live_rows = without_ages(&live["groups"]);
    let past_rows = without_ages(&past["rows"]);
    assert_eq!(live_rows, past_rows);
    assert_eq!(live_rows[0]["filed"], 2);
    assert_eq!(live_rows[0]["acknowledged"], 1);
    assert_eq!(live_rows[0]["resolved"], 1);
    server.stop().await;
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Waits for the next seal event on `feed` and returns its position.
async fn next_seal(feed: &mut markaz_store::EventFeed) -> u64 {
    use futures::StreamExt;
    let wait = async {
        while let Some(event) = feed.next().await {
            let event = event.expect("the feed works");
            if event.stream == "seal-log" {
                return event.position;
            }
        }
        panic!("the feed ended");
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), wait)
        .await
        .expect("a seal within 30 s")
}

#[tokio::test]
async fn the_periodic_sealer_seals_every_n_events_and_stops_with_the_server() {
    use markaz_store::EventStore;
    let mut log = ScriptedLog::new();
    let store: std::sync::Arc<dyn EventStore> = log.store.clone();
    let mut feed = store.subscribe_all(0).await.unwrap();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let key = markaz_api::audit::keys::generate().unwrap();
    let public_key: String = key
        .verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sealer = tokio::spawn(markaz_api::audit::sealing::run_periodic(
        store.clone(),
        key,
        2,
        stopping,
    ));

    let first = log.file(at(DAY_ONE), false).await;
    log.file(at(DAY_ONE + HOUR), true).await;
    assert_eq!(next_seal(&mut feed).await, 3, "sealed after two events");
    log.acknowledge(first, at(DAY_ONE + 2 * HOUR)).await;
    log.resolve(first, at(DAY_ONE + 3 * HOUR), "Returned to the owner")
        .await;
    assert_eq!(next_seal(&mut feed).await, 6, "sealed after two more");

    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), sealer)
        .await
        .expect("the sealer stops with the server")
        .unwrap();
    let report = markaz_api::cli::audit::verify_log(
        &log.config(),
        &markaz_api::cli::audit::VerifyArgs {
            stream: None,
            seal: None,
            public_key: vec![public_key],
        },
    )
    .await
    .unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.seals_checked, 2);
}
