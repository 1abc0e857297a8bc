//! Export, import, migrate-store and backup, from the outside: the real
//! server over HTTP and the `markaz` commands as the command line parses
//! them, on temporary data directories.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use markaz_api::app::{self, RunningApp};
use markaz_api::cli::{Cli, Command};
use markaz_api::config::Config;
use markaz_api::officers::registry::{self, NewOfficer};
use markaz_domain::{Actor, MarkazCode, PersonName, Role, Timestamp};
use markaz_store::hash_chain::verify_all;
use markaz_store::{EventStore, SqliteStore};
use markaz_tests::{harassment_report, theft_report};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::Notify;

/// A server on port 0 over its own data directory.
struct Server {
    running: RunningApp,
    client: reqwest::Client,
}

impl Server {
    async fn start(data_dir: &Path) -> Server {
        let mut config = Config::with_data_dir(data_dir);
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.shutdown_grace = Duration::from_secs(5);
        Server {
            running: app::start(config).await.expect("the server starts"),
            client: reqwest::Client::new(),
        }
    }

    async fn officer(&self, role: Role) -> String {
        let markaz = (!matches!(role, Role::Auditor | Role::Admin))
            .then(|| MarkazCode::parse("KCH").unwrap());
        let officer = NewOfficer {
            name: PersonName::parse(&format!("Test {role}")).unwrap(),
            role,
            markaz,
        };
        registry::register(self.running.state.store.as_ref(), officer, Actor::System)
            .await
            .expect("the officer is registered")
            .token
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.running.base_url())
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    async fn stop(self) {
        self.running.shutdown().await;
    }
}

/// Files complaints and takes them through every kind of lifecycle event.
/// Returns the ids of the complaints in filing order.
async fn make_history(server: &Server) -> Vec<String> {
    let desk = server.officer(Role::Desk).await;
    let gender_desk = server.officer(Role::GenderDesk).await;
    let mut ids = Vec::new();
    for round in 0..3 {
        let theft = server
            .post("/complaints", Some(&desk), theft_report())
            .await;
        let id = theft["id"].as_str().unwrap().to_owned();
        let code = theft["tracking_code"].as_str().unwrap().to_owned();
        server
            .post(
                &format!("/complaints/{id}/acknowledge"),
                Some(&desk),
                json!({"note": "seen"}),
            )
            .await;
        server
            .post(
                &format!("/complaints/{id}/referrals"),
                Some(&desk),
                json!({"to": "PS Kuchlak, \"Saddar\" circle", "kind": "police_station", "reason": "theft"}),
            )
            .await;
        server
            .post(
                &format!("/complaints/{id}/resolution"),
                Some(&desk),
                json!({"outcome": "fir_registered", "summary": "FIR 112/26"}),
            )
            .await;
        if round == 0 {
            server
                .post(
                    &format!("/complaints/{id}/reopen"),
                    Some(&desk),
                    json!({"reason": "bike not returned"}),
                )
                .await;
            server
                .post(
                    &format!("/complaints/{id}/resolution"),
                    Some(&desk),
                    json!({"outcome": "resolved", "summary": "returned"}),
                )
                .await;
        }
        server
            .post(
                &format!("/track/{code}/rating"),
                None,
                json!({"stars": 4, "comment": "quick"}),
            )
            .await;
        ids.push(id);
        let harassment = server
            .post("/complaints", Some(&gender_desk), harassment_report())
            .await;
        let id = harassment["id"].as_str().unwrap().to_owned();
        server
            .post(
                &format!("/complaints/{id}/withdrawal"),
                Some(&gender_desk),
                json!({"reason": "settled"}),
            )
            .await;
        ids.push(id);
    }
    ids
}

/// Runs a `markaz` transfer command as the command line would.
async fn markaz(args: &[&str]) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(std::iter::once("markaz").chain(args.iter().copied()))?;
    let config = cli.config()?;
    match cli.command {
        Command::Transfer(command) => markaz_api::cli::transfer::run(command, &config).await,
        _ => anyhow::bail!("not a transfer command: {args:?}"),
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

async fn export_file(data_dir: &Path, out: &Path) -> String {
    markaz(&[
        "--data-dir",
        path_arg(data_dir),
        "export",
        "--out",
        path_arg(out),
    ])
    .await
    .expect("the export succeeds");
    std::fs::read_to_string(out).unwrap()
}

async fn event_count(data_dir: &Path) -> u64 {
    let store = SqliteStore::open(data_dir.join("events.sqlite")).unwrap();
    store.head_position().await.unwrap()
}

#[tokio::test]
async fn http_and_cli_exports_agree_and_round_trip_through_import() {
    let dir = TempDir::new().unwrap();
    let live = dir.path().join("live");
    let server = Server::start(&live).await;
    let ids = make_history(&server).await;
    let auditor = server.officer(Role::Auditor).await;
    let head = server.running.state.store.head_position().await.unwrap();

    let on_cli = export_file(&live, &dir.path().join("first.jsonl")).await;
    assert_eq!(on_cli.lines().count() as u64, head);
    let again = export_file(&live, &dir.path().join("again.jsonl")).await;
    assert_eq!(on_cli, again, "two exports of the same log differ");

    // Every line has the metadata and the JSON view; positions are in order.
    let mut last_position = 0;
    let mut saw_filing = false;
    for line in on_cli.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let position = event["position"].as_u64().unwrap();
        assert!(position > last_position);
        last_position = position;
        for key in [
            "stream",
            "event_id",
            "event_type",
            "occurred_at",
            "actor",
            "hash",
            "payload_hex",
        ] {
            assert!(!event[key].is_null(), "{key} missing in {line}");
        }
        if event["event_type"] == "ComplaintFiled" {
            saw_filing = true;
            assert!(event["data"]["tracking_code"].is_string(), "{line}");
        }
    }
    assert!(saw_filing);

    // --from starts after a position.
    let tail_file = dir.path().join("tail.jsonl");
    markaz(&[
        "--data-dir",
        path_arg(&live),
        "export",
        "--from",
        "10",
        "--out",
        path_arg(&tail_file),
    ])
    .await
    .unwrap();
    let tail = std::fs::read_to_string(&tail_file).unwrap();
    let skipped: String = on_cli
        .lines()
        .skip(10)
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(tail, skipped);

    // Over HTTP: the same bytes (the CLI records no access, so the log has
    // not moved), and each complaint's export is then in its access log.
    let response = server.get("/audit/export", Some(&auditor)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let over_http = response.text().await.unwrap();
    assert_eq!(over_http, on_cli, "HTTP and CLI exports of one log differ");
    for id in &ids {
        let access = server
            .get(&format!("/audit/complaints/{id}/access"), Some(&auditor))
            .await;
        assert_eq!(access.status(), 200);
        let access: Value = access.json().await.unwrap();
        let exports: Vec<&Value> = access["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["what"] == "export")
            .collect();
        assert_eq!(exports.len(), 1, "{id}: {access}");
        assert_eq!(exports[0]["role"], "auditor");
        assert_eq!(exports[0]["personal_data"], true);
    }
    server.stop().await;

    // Import into a fresh store, export again: the same bytes.
    let restored = dir.path().join("restored");
    let first = dir.path().join("first.jsonl");
    markaz(&[
        "--data-dir",
        path_arg(&restored),
        "import",
        path_arg(&first),
    ])
    .await
    .expect("the import succeeds");
    let round_trip = export_file(&restored, &dir.path().join("second.jsonl")).await;
    assert_eq!(
        on_cli, round_trip,
        "export → import → export changed the file"
    );

    // Importing the same file again changes nothing.
    markaz(&[
        "--data-dir",
        path_arg(&restored),
        "import",
        path_arg(&first),
    ])
    .await
    .expect("a repeated import succeeds");
    assert_eq!(event_count(&restored).await, head);
    let third = export_file(&restored, &dir.path().join("third.jsonl")).await;
    assert_eq!(on_cli, third);

    // A server runs on the imported log.
    let server = Server::start(&restored).await;
    let report = verify_all(server.running.state.store.as_ref())
        .await
        .unwrap();
    assert!(report.is_ok());
    assert_eq!(report.events_checked, head);
    server.stop().await;
}

#[tokio::test]
async fn http_export_is_for_auditors_and_checks_its_query() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let desk = server.officer(Role::Desk).await;
    let supervisor = server.officer(Role::Supervisor).await;
    let auditor = server.officer(Role::Auditor).await;
    assert_eq!(server.get("/audit/export", None).await.status(), 401);
    assert_eq!(
        server
            .get("/audit/export", Some("mkz_nobody"))
            .await
            .status(),
        401
    );
    assert_eq!(server.get("/audit/export", Some(&desk)).await.status(), 403);
    assert_eq!(
        server
            .get("/audit/export", Some(&supervisor))
            .await
            .status(),
        403
    );
    for bad in ["?from=x", "?from=-1", "?form=3"] {
        let response = server
            .get(&format!("/audit/export{bad}"), Some(&auditor))
            .await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{bad}"
        );
    }
    let head = server.running.state.store.head_position().await.unwrap();
    let beyond = server
        .get(&format!("/audit/export?from={head}"), Some(&auditor))
        .await;
    assert_eq!(beyond.status(), 200);
    assert_eq!(beyond.text().await.unwrap(), "");
    server.stop().await;
}

/// Rewrites one line of an export with `edit`.
fn edit_line(text: &str, index: usize, edit: impl Fn(&mut Value)) -> String {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            if i == index {
                let mut value: Value = serde_json::from_str(line).unwrap();
                edit(&mut value);
                format!("{value}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

#[tokio::test]
async fn import_refuses_edited_files_partial_exports_and_foreign_stores() {
    let dir = TempDir::new().unwrap();
    let live = dir.path().join("live");
    let server = Server::start(&live).await;
    make_history(&server).await;
    server.stop().await;
    let export = export_file(&live, &dir.path().join("all.jsonl")).await;
    let import = |name: &'static str, text: String| {
        let dir = dir.path().to_path_buf();
        async move {
            let file = dir.join(format!("{name}.jsonl"));
            std::fs::write(&file, text).unwrap();
            let target = dir.join(name);
            let result =
                markaz(&["--data-dir", path_arg(&target), "import", path_arg(&file)]).await;
            (result.map_err(|error| format!("{error:#}")), target)
        }
    };

    // One changed payload byte in line 12.
    let tampered = edit_line(&export, 11, |event| {
        let payload = event["payload_hex"].as_str().unwrap().to_owned();
        let flipped = if payload.ends_with('0') { "1" } else { "0" };
        event["payload_hex"] = json!(format!("{}{flipped}", &payload[..payload.len() - 1]));
    });
    let (result, target) = import("tampered", tampered).await;
    let error = result.expect_err("an edited payload is imported");
    assert!(
        error.contains("line 12") && error.contains("does not chain"),
        "{error}"
    );
    assert!(
        event_count(&target).await <= 11,
        "events after the bad line were written"
    );

    // A time moved by a microsecond, consistently in both fields.
    let retimed = edit_line(&export, 11, |event| {
        let micros = event["occurred_at_micros"].as_i64().unwrap() + 1;
        event["occurred_at_micros"] = json!(micros);
        event["occurred_at"] = json!(Timestamp::from_micros(micros).to_rfc3339());
    });
    let (result, _) = import("retimed", retimed).await;
    let error = result.expect_err("an edited time is imported");
    assert!(
        error.contains("line 12") && error.contains("does not chain"),
        "{error}"
    );

    // A time whose two fields disagree.
    let inconsistent = edit_line(&export, 11, |event| {
        event["occurred_at_micros"] = json!(event["occurred_at_micros"].as_i64().unwrap() + 1);
    });
    let (result, _) = import("inconsistent", inconsistent).await;
    let error = result.expect_err("an inconsistent time is imported");
    assert!(
        error.contains("line 12") && error.contains("occurred_at"),
        "{error}"
    );

    // An export taken with --from does not start at the beginning of each stream.
    let partial: String = export
        .lines()
        .skip(5)
        .map(|line| format!("{line}\n"))
        .collect();
    let (result, _) = import("partial", partial).await;
    let error = result.expect_err("a partial export is imported");
    assert!(
        error.contains("line 1") && error.contains("--from"),
        "{error}"
    );

    // A store holding other events is refused, and left as it was.
    let other = dir.path().join("other");
    let server = Server::start(&other).await;
    make_history(&server).await;
    server.stop().await;
    let before = event_count(&other).await;
    let file = dir.path().join("all.jsonl");
    let error = markaz(&["--data-dir", path_arg(&other), "import", path_arg(&file)])
        .await
        .expect_err("an import into a foreign store succeeds");
    assert!(format!("{error:#}").contains("not empty"), "{error:#}");
    assert_eq!(event_count(&other).await, before);

    // An interrupted import (a prefix) is completed by importing again.
    let prefix: String = export
        .lines()
        .take(20)
        .map(|line| format!("{line}\n"))
        .collect();
    let (result, target) = import("prefix", prefix).await;
    result.unwrap();
    assert_eq!(event_count(&target).await, 20);
    markaz(&["--data-dir", path_arg(&target), "import", path_arg(&file)])
        .await
        .expect("the rest is imported");
    let completed = export_file(&target, &dir.path().join("completed.jsonl")).await;
    assert_eq!(completed, export);
}

#[tokio::test]
async fn migrate_store_copies_resumes_and_is_idempotent() {
    let dir = TempDir::new().unwrap();
    let source = dir.path().join("source");
    let server = Server::start(&source).await;
    make_history(&server).await;
    server.stop().await;
    let export = export_file(&source, &dir.path().join("source.jsonl")).await;
    let total = export.lines().count() as u64;

    // An interrupted earlier copy: the target holds the first 15 events.
    let target = dir.path().join("target");
    let prefix_file = dir.path().join("prefix.jsonl");
    let prefix: String = export
        .lines()
        .take(15)
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&prefix_file, prefix).unwrap();
    markaz(&[
        "--data-dir",
        path_arg(&target),
        "import",
        path_arg(&prefix_file),
    ])
    .await
    .unwrap();

    let to = format!("sqlite://{}", target.join("events.sqlite").display());
    markaz(&["migrate-store", "--from", path_arg(&source), "--to", &to])
        .await
        .expect("the copy resumes");
    assert_eq!(event_count(&target).await, total);
    assert_eq!(
        export_file(&target, &dir.path().join("t1.jsonl")).await,
        export
    );
    markaz(&["migrate-store", "--from", path_arg(&source), "--to", &to])
        .await
        .expect("a repeated copy succeeds");
    assert_eq!(
        export_file(&target, &dir.path().join("t2.jsonl")).await,
        export
    );

    // A target whose stream holds another event at the same version is refused.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    let foreign_store = SqliteStore::open(foreign.join("events.sqlite")).unwrap();
    let first: Value = serde_json::from_str(export.lines().next().unwrap()).unwrap();
    let stream = first["stream"].as_str().unwrap();
    let event = markaz_store::NewEvent {
        event_type: "OfficerRevoked".into(),
        schema_version: 1,
        payload: vec![0],
        metadata: markaz_domain::EventMetadata {
            event_id: uuid::Uuid::from_u128(0xaa),
            occurred_at: Timestamp::from_micros(0),
            actor: Actor::System,
            correlation_id: uuid::Uuid::from_u128(1),
            causation_id: uuid::Uuid::from_u128(1),
        },
    };
    foreign_store
        .append(stream, markaz_store::ExpectedVersion::NoStream, vec![event])
        .await
        .unwrap();
    drop(foreign_store);
    let error = markaz(&[
        "migrate-store",
        "--from",
        path_arg(&source),
        "--to",
        path_arg(&foreign),
    ])
    .await
    .expect_err("a copy onto a different log succeeds");
    assert!(
        format!("{error:#}").contains("different event"),
        "{error:#}"
    );
}

#[tokio::test]
async fn csv_export_has_one_row_per_complaint_with_its_lifecycle() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let ids = make_history(&server).await;
    let supervisor = server.officer(Role::Supervisor).await;
    let head = server.running.state.store.head_position().await.unwrap();
    let out = dir.path().join("complaints.csv");
    let as_of = chrono::Utc::now().to_rfc3339();
    markaz(&[
        "--data-dir",
        path_arg(dir.path()),
        "export",
        "--format",
        "csv",
        "--as-of",
        &as_of,
        "--out",
        path_arg(&out),
    ])
    .await
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.ends_with("\r\n"));
    let rows = parse_csv(&text);
    let header = &rows[0];
    assert_eq!(rows.len(), ids.len() + 1);
    let column = |row: &Vec<String>, name: &str| {
        let index = header.iter().position(|h| h == name).unwrap();
        row[index].clone()
    };
    for (row, id) in rows[1..].iter().zip(&ids) {
        assert_eq!(&column(row, "complaint_id"), id, "rows are in filing order");
        let view = server
            .get(
                &format!("/complaints/{id}?min_position={head}"),
                Some(&supervisor),
            )
            .await;
        assert_eq!(view.status(), 200);
        let view: Value = view.json().await.unwrap();
        assert_eq!(column(row, "status"), view["status"].as_str().unwrap());
        // Staff views show the citizen's code masked; the export holds it whole.
        assert_eq!(
            markaz_api::http::privacy::mask_tracking_code(&column(row, "tracking_code")),
            view["tracking_code"].as_str().unwrap()
        );
        assert_eq!(column(row, "version"), view["version"].to_string());
        assert_eq!(
            column(row, "acknowledgement_sla"),
            view["sla"]["acknowledge"].as_str().unwrap()
        );
        assert_eq!(
            column(row, "resolution_sla"),
            view["sla"]["resolve"].as_str().unwrap()
        );
    }
    let reopened = &rows[1];
    assert_eq!(column(reopened, "reopen_count"), "1");
    assert_eq!(column(reopened, "outcome"), "resolved");
    assert_eq!(column(reopened, "rating"), "4");
    assert_eq!(
        column(reopened, "first_referral_to"),
        "PS Kuchlak, \"Saddar\" circle"
    );
    assert_eq!(column(reopened, "first_referral_kind"), "police_station");
    let withdrawn = &rows[2];
    assert_eq!(column(withdrawn, "status"), "withdrawn");
    assert_eq!(column(withdrawn, "gender_desk"), "true");
    assert!(!column(withdrawn, "withdrawn_at").is_empty());
    for personal in ["Abdul Wahid", "Killi Kuchlak", "motorcycle", "Bibi Amina"] {
        assert!(
            !text.contains(personal),
            "personal data in the CSV: {personal}"
        );
    }
    server.stop().await;
}

/// A small RFC 4180 reader, enough to check what the export writes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn a_backup_taken_under_write_load_is_a_verified_dense_prefix() {
    let dir = TempDir::new().unwrap();
    let live = dir.path().join("live");
    let server = Arc::new(Server::start(&live).await);
    let desk = server.officer(Role::Desk).await;

    // A writer files complaints without pause until told to stop.
    let filed = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(Notify::new());
    let stop = Arc::new(Notify::new());
    let writer = {
        let (server, filed, progress, stop) = (
            server.clone(),
            filed.clone(),
            progress.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let stopped = stop.notified();
            tokio::pin!(stopped);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = server.post("/complaints", Some(&desk), theft_report()) => {
                        filed.fetch_add(1, Ordering::SeqCst);
                        progress.notify_waiters();
                    }
                }
            }
        })
    };
    let wait_for = |count: u64| {
        let (filed, progress) = (filed.clone(), progress.clone());
        async move {
            loop {
                let notified = progress.notified();
                if filed.load(Ordering::SeqCst) >= count {
                    return;
                }
                notified.await;
            }
        }
    };
    wait_for(20).await;
    let before = filed.load(Ordering::SeqCst);
    let backup = dir.path().join("backup");
    markaz(&["--data-dir", path_arg(&live), "backup", path_arg(&backup)])
        .await
        .expect("the backup succeeds while the writer runs");
    wait_for(filed.load(Ordering::SeqCst) + 20).await;
    stop.notify_one();
    writer.await.unwrap();
    assert!(before >= 20);

    // The backup is one file per database, verified, dense, and a prefix of the live log.
    assert!(backup.join("idempotency.sqlite").is_file());
    assert!(!backup.join("readmodels.sqlite").exists());
    let copy = SqliteStore::open(backup.join("events.sqlite")).unwrap();
    let report = verify_all(&copy).await.unwrap();
    assert!(report.is_ok(), "{report:?}");
    let copied = copy.read_all(0, usize::MAX).await.unwrap();
    let live_events = server
        .running
        .state
        .store
        .read_all(0, usize::MAX)
        .await
        .unwrap();
    assert!(!copied.is_empty() && copied.len() < live_events.len());
    for (index, event) in copied.iter().enumerate() {
        assert_eq!(event.position, index as u64 + 1, "positions are dense");
        assert_eq!(
            event, &live_events[index],
            "the backup is a prefix of the live log"
        );
    }
    drop(copy);
    let Ok(server) = Arc::try_unwrap(server) else {
        panic!("the writer still holds the server");
    };
    server.stop().await;

    // Restore: a server started on the backup rebuilds its read models and answers.
    let restored = Server::start(&backup).await;
    let supervisor = restored.officer(Role::Supervisor).await;
    let last_complaint = copied
        .iter()
        .rev()
        .find(|event| event.event_type == "ComplaintFiled")
        .unwrap();
    let id = last_complaint.stream.trim_start_matches("complaint-");
    let head = restored.running.state.store.head_position().await.unwrap();
    let view = restored
        .get(
            &format!("/complaints/{id}?min_position={head}"),
            Some(&supervisor),
        )
        .await;
    assert_eq!(view.status(), 200);
    restored.stop().await;

    // A second backup into the same directory is refused.
    let error = markaz(&["--data-dir", path_arg(&live), "backup", path_arg(&backup)])
        .await
        .expect_err("a backup overwrote another");
    assert!(format!("{error:#}").contains("already exists"), "{error:#}");
}

#[tokio::test]
async fn commands_explain_bad_arguments() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--data-dir", path_arg(&missing), "export"],
            "no event log",
        ),
        (
            vec!["--data-dir", path_arg(&missing), "backup", "x"],
            "no event log",
        ),
        (
            vec![
                "--data-dir",
                path_arg(&missing),
                "export",
                "--format",
                "csv",
                "--from",
                "3",
            ],
            "--from",
        ),
        (
            vec![
                "--data-dir",
                path_arg(&missing),
                "export",
                "--as-of",
                "2026-01-01T00:00:00Z",
            ],
            "--as-of",
        ),
        (
            vec!["migrate-store", "--from", "postgres://db", "--to", "x"],
            "not a store location",
        ),
        (
            vec!["migrate-store", "--from", path_arg(&missing), "--to", "x"],
            "no event log",
        ),
        (
            vec![
                "--data-dir",
                path_arg(&missing),
                "import",
                "/nonexistent/export.jsonl",
            ],
            "cannot open the export",
        ),
    ];
    for (args, needle) in cases {
        let error = markaz(&args).await.expect_err("a bad command succeeded");
        assert!(format!("{error:#}").contains(needle), "{args:?}: {error:#}");
    }
    assert!(
        !missing.exists(),
        "a failed command created the data directory"
    );
}

#[tokio::test]
async fn an_incremental_http_export_records_what_it_shows() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let ids = make_history(&server).await;
    let auditor = server.officer(Role::Auditor).await;
    let export = export_file(dir.path(), &dir.path().join("all.jsonl")).await;
    // Start right after the first gender-desk filing: its withdrawal is
    // shown, its filing (and personal data) is not.
    let gender_desk_stream = format!("complaint-{}", ids[1]);
    let filing_position = export
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|event| event["stream"] == gender_desk_stream.as_str())
        .and_then(|event| event["position"].as_u64())
        .unwrap();
    let response = server
        .get(
            &format!("/audit/export?from={filing_position}"),
            Some(&auditor),
        )
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.lines().count() > 1);
    let exports_of = |id: String| {
        let server = &server;
        let auditor = &auditor;
        async move {
            let access: Value = server
                .get(&format!("/audit/complaints/{id}/access"), Some(auditor))
                .await
                .json()
                .await
                .unwrap();
            access["entries"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|entry| entry["what"] == "export")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    let gender_desk_case = exports_of(ids[1].clone()).await;
    assert_eq!(gender_desk_case.len(), 1, "{gender_desk_case:?}");
    assert_eq!(gender_desk_case[0]["personal_data"], false);
    assert_eq!(gender_desk_case[0]["gender_desk"], true);
    assert!(
        exports_of(ids[0].clone()).await.is_empty(),
        "a case the export did not show was recorded"
    );
    let later_filing = exports_of(ids[2].clone()).await;
    assert_eq!(later_filing.len(), 1);
    assert_eq!(later_filing[0]["personal_data"], true);
    server.stop().await;
}

#[tokio::test]
async fn reads_of_a_case_since_referred_to_the_gender_desk_are_logged_as_such() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let desk = server.officer(Role::Desk).await;
    let supervisor = server.officer(Role::Supervisor).await;
    let auditor = server.officer(Role::Auditor).await;
    let filed = server
        .post("/complaints", Some(&desk), theft_report())
        .await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let filed_at = filed["position"].as_u64().unwrap();
    server
        .post(
            &format!("/complaints/{id}/referrals"),
            Some(&supervisor),
            json!({"to": "Gender desk, Kuchlak", "kind": "gender_desk",
                   "reason": "the complainant will only speak to a woman officer"}),
        )
        .await;

    // An export starting after the filing shows the referral, not the filing.
    let response = server
        .get(&format!("/audit/export?from={filed_at}"), Some(&auditor))
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("ComplaintReferred") && !text.contains("ComplaintFiled"));
    // The case as it stood before the referral.
    let past = server
        .get(&format!("/audit/complaints/{id}?version=1"), Some(&auditor))
        .await;
    assert_eq!(past.status(), 200);

    let access: Value = server
        .get(&format!("/audit/complaints/{id}/access"), Some(&auditor))
        .await
        .json()
        .await
        .unwrap();
    let entries: Vec<(String, bool, bool)> = access["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["what"].as_str().unwrap().to_owned(),
                entry["gender_desk"].as_bool().unwrap(),
                entry["personal_data"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("export".to_owned(), true, false),
            ("audit_history".to_owned(), true, true)
        ]
    );
    server.stop().await;
}
