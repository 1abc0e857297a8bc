//! Deadline escalation on a clock the tests move: working-day deadlines at
//! filing, the reminder, the missed deadline and the escalations recorded
//! once each by several processes (one killed), and the catch-up after a
//! stop, in order and at their true times.

use std::sync::Arc;

use chrono::TimeZone;
use markaz_api::commands::{Commands, ManualClock};
use markaz_api::escalation::{EscalationPolicy, EscalationProcess};
use markaz_domain::{Role, Timestamp};
use markaz_store::command_loop::decode_recorded;
use markaz_tests::{harassment_report, spawn_app_with_clock, theft_report, TestApp};
use serde_json::Value;

const HOUR: i64 = 3_600_000_000;

/// A local time in Quetta (Pakistan Standard Time, UTC+5 all year).
fn karachi(local: &str) -> Timestamp {
    let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    let at = chrono::FixedOffset::east_opt(5 * 3_600)
        .unwrap()
        .from_local_datetime(&naive)
        .single()
        .unwrap();
    Timestamp::from_datetime(at.with_timezone(&chrono::Utc))
}

fn plus(at: Timestamp, hours: i64) -> Timestamp {
    Timestamp::from_micros(at.as_micros() + hours * HOUR)
}

/// A Monday morning in Quetta, well clear of holidays.
fn monday() -> Timestamp {
    karachi("2027-01-04 09:00")
}

async fn app_on(clock: &Arc<ManualClock>, escalation: bool) -> TestApp {
    spawn_app_with_clock(
        |config| config.escalation.enabled = escalation,
        Arc::clone(clock) as Arc<dyn markaz_api::commands::Clock>,
    )
    .await
}

/// The deadline steps on a case's timeline: (type, deadline, level, occurred_at).
async fn steps_of(app: &TestApp, token: &str, id: &str) -> Vec<(String, String, String, String)> {
    let timeline = app
        .get(&format!("/api/v1/complaints/{id}/timeline"), Some(token))
        .await;
    timeline.expect(200)["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| {
            matches!(
                event["type"].as_str(),
                Some("DeadlineReminder" | "DeadlineMissed" | "CaseEscalated")
            )
        })
        .map(|event| {
            assert_eq!(event["actor"]["kind"], "system", "{event}");
            let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
            (
                text(&event["type"]),
                text(&event["data"]["deadline"]),
                text(&event["data"]["level"]),
                text(&event["occurred_at"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_saturday_afternoon_filing_before_eid_is_due_after_two_working_days() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("catalogue.toml");
    std::fs::write(
        &catalogue,
        r#"
[[category]]
code = "lost_documents"
name_en = "Lost documents"
name_ur = "گمشدہ دستاویزات"
non_cognizable = true
gender_sensitive = false
acknowledge_within_hours = 8
resolve_within_working_days = 2

[[holiday]]
date = 2027-05-17
name_en = "Eid ul-Adha"
name_ur = "عید الاضحی"

[[holiday]]
date = 2027-05-18
name_en = "Eid ul-Adha"
name_ur = "عید الاضحی"
"#,
    )
    .unwrap();
    let clock = Arc::new(ManualClock::at(karachi("2027-05-15 15:30")));
    let app = spawn_app_with_clock(
        |config| config.catalogue = Some(catalogue.clone()),
        Arc::clone(&clock) as Arc<dyn markaz_api::commands::Clock>,
    )
    .await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let mut body = theft_report();
    body["category"] = "lost_documents".into();
    let filed = app.file(&desk, &body).await;
    let id = filed["id"].as_str().unwrap();
    let timeline = app
        .get(&format!("/api/v1/complaints/{id}/timeline"), Some(&desk))
        .await;
    let data = &timeline.expect(200)["events"][0]["data"];
    // Sunday off, Monday and Tuesday Eid: due at the end of Thursday.
    assert_eq!(
        data["resolve_by"],
        karachi("2027-05-21 00:00").to_rfc3339(),
        "{data}"
    );
    assert_eq!(
        data["acknowledge_by"],
        karachi("2027-05-15 23:30").to_rfc3339()
    );
    let terms = &data["deadline_terms"];
    assert_eq!(terms["resolve"]["working_days"], 2, "{terms}");
    assert_eq!(terms["acknowledge"]["hours"], 8, "{terms}");
    assert_eq!(terms["calendar"]["time_zone"], "Asia/Karachi");
    assert_eq!(
        terms["calendar"]["holidays"],
        serde_json::json!(["2027-05-17", "2027-05-18"])
    );
    // The categories say which unit each deadline is in.
    let categories = app.get("/api/v1/categories", None).await;
    let category = &categories.expect(200)["categories"][0];
    assert_eq!(category["resolve_within_working_days"], 2, "{category}");
}

#[tokio::test]
async fn reminder_miss_and_escalation_are_recorded_once_by_two_processes_one_killed() {
    let t0 = monday();
    let clock = Arc::new(ManualClock::at(t0));
    let app = app_on(&clock, true).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    // Theft: acknowledge within 24 hours, resolve within 14 days.
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let commands: Commands = app.state().commands.clone();
    let second = EscalationProcess::start(commands.clone(), EscalationPolicy::default());

    // 18 hours on: 75 % of the time to acknowledge.
    let head = app.running_head().await;
    clock.set(plus(t0, 18));
    app.escalation().settled(head, plus(t0, 18)).await;
    second.settled(head, plus(t0, 18)).await;
    let steps = steps_of(&app, &desk, &id).await;
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].0, "DeadlineReminder");

    // Past the deadline and the supervisor's grace; the second process is
    // killed at once, wherever it is in sending the two steps.
    clock.set(plus(t0, 27));
    second.kill();
    let head = app.running_head().await;
    app.escalation().settled(head, plus(t0, 27)).await;
    // A third process, started after the kill, reads the log from its
    // start: it finds every step recorded and sends nothing new.
    let third = EscalationProcess::start(commands, EscalationPolicy::default());
    let head = app.running_head().await;
    let progress = third.settled(head, plus(t0, 27)).await;
    assert_eq!(progress.steps_written, 0, "{progress:?}");

    let steps = steps_of(&app, &desk, &id).await;
    let kinds: Vec<(&str, &str, &str)> = steps
        .iter()
        .map(|(kind, deadline, level, _)| (kind.as_str(), deadline.as_str(), level.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("DeadlineReminder", "acknowledge", ""),
            ("DeadlineMissed", "acknowledge", ""),
            ("CaseEscalated", "acknowledge", "supervisor"),
        ]
    );
    assert_eq!(steps[1].3, plus(t0, 24).to_rfc3339(), "at the deadline");
    assert_eq!(steps[2].3, plus(t0, 26).to_rfc3339(), "two hours after it");
    third.stop().await;
}

#[tokio::test]
async fn acting_in_time_stops_the_escalation() {
    let t0 = monday();
    let clock = Arc::new(ManualClock::at(t0));
    let app = app_on(&clock, true).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    clock.set(plus(t0, 20));
    let acknowledged = app
        .post(
            &format!("/api/v1/complaints/{id}/acknowledge"),
            Some(&desk),
            &serde_json::json!({}),
        )
        .await;
    acknowledged.expect(200);
    clock.set(plus(t0, 30));
    let head = app.running_head().await;
    app.escalation().settled(head, plus(t0, 30)).await;
    let steps = steps_of(&app, &desk, &id).await;
    // The reminder at 18 hours was due before the acknowledgement; nothing after.
    let kinds: Vec<&str> = steps.iter().map(|step| step.0.as_str()).collect();
    assert_eq!(kinds, ["DeadlineReminder"], "{steps:?}");
}

#[tokio::test]
async fn after_a_three_day_stop_the_missed_steps_are_recorded_in_order_at_their_true_times() {
    let t0 = monday();
    let clock = Arc::new(ManualClock::at(t0));
    // The escalation process is down from the start.
    let app = app_on(&clock, false).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    // Theft at t0: acknowledge by +24h. Harassment at +5h: acknowledge by
    // +13h, resolve by +77h.
    app.file(&desk, &theft_report()).await;
    clock.set(plus(t0, 5));
    app.file(&desk, &harassment_report()).await;
    let before = app.running_head().await;

    // Three days later it comes back.
    clock.set(plus(t0, 72));
    let process =
        EscalationProcess::start(app.state().commands.clone(), EscalationPolicy::default());
    process.settled(before, plus(t0, 72)).await;
    process.stop().await;

    let mut steps = Vec::new();
    for event in app
        .state()
        .store
        .read_all(before, 1_000)
        .await
        .expect("the log reads")
    {
        let decoded: markaz_domain::ComplaintEvent = decode_recorded(&event).unwrap();
        let (kind, scheduled) = match decoded {
            markaz_domain::ComplaintEvent::DeadlineReminder(e) => ("reminder", e.scheduled_at),
            markaz_domain::ComplaintEvent::DeadlineMissed(e) => ("missed", e.scheduled_at),
            markaz_domain::ComplaintEvent::Escalated(e) => (e.level.as_str(), e.scheduled_at),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(event.metadata.occurred_at, scheduled, "its true time");
        steps.push((kind, (scheduled.as_micros() - t0.as_micros()) / HOUR));
    }
    assert_eq!(
        steps,
        [
            ("reminder", 11),
            ("missed", 13),
            ("supervisor", 15),
            ("reminder", 18),
            ("missed", 24),
            ("supervisor", 26),
            ("district", 37),
            ("district", 48),
            // The harassment case's resolution: 75 % of 72 hours after +5h.
            ("reminder", 59),
        ]
    );
}

#[tokio::test]
async fn escalations_show_in_the_case_the_supervisor_list_the_gender_desk_queue_and_the_figures() {
    let t0 = monday();
    let clock = Arc::new(ManualClock::at(t0));
    let app = app_on(&clock, true).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let theft = app.file(&desk, &theft_report()).await;
    let theft_id = theft["id"].as_str().unwrap().to_owned();
    let harassment = app.file(&desk, &harassment_report()).await;
    let harassment_id = harassment["id"].as_str().unwrap().to_owned();
    let quiet = app.file(&desk, &theft_report()).await;
    let quiet_id = quiet["id"].as_str().unwrap().to_owned();
    clock.set(plus(t0, 1));
    app.post(
        &format!("/api/v1/complaints/{quiet_id}/acknowledge"),
        Some(&desk),
        &serde_json::json!({}),
    )
    .await
    .expect(200);

    // Harassment: acknowledge within 8 hours, the district after 24 more.
    // Theft: within 24 hours, the supervisor 2 hours later.
    clock.set(plus(t0, 33));
    let head = app.running_head().await;
    app.escalation().settled(head, plus(t0, 33)).await;
    let position = app.running_head().await;

    let case = app.status(&supervisor, &harassment_id, position).await;
    let case = case.expect(200);
    assert_eq!(case["escalation"], "district", "{case}");
    assert_eq!(case["deadlines_missed"], 1);
    assert_eq!(
        case["escalated_at"],
        plus(t0, 32)
            .to_datetime()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    );
    let case = app.status(&supervisor, &theft_id, position).await;
    assert_eq!(case.expect(200)["escalation"], "supervisor");

    let listed = app
        .get(
            &format!("/api/v1/complaints/escalated?min_position={position}"),
            Some(&supervisor),
        )
        .await;
    let mut ids: Vec<&str> = listed.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![theft_id.as_str(), harassment_id.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected, "the acknowledged case is not escalated");
    // A desk officer's list never shows the gender-desk case.
    let listed = app
        .get(
            &format!("/api/v1/complaints?escalated=true&min_position={position}"),
            Some(&desk),
        )
        .await;
    let items = listed.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], theft_id.as_str());

    let queue = app
        .get(
            &format!("/api/v1/gender-desk/queue?min_position={position}"),
            Some(&gender_desk),
        )
        .await;
    let queue = queue.expect(200);
    assert_eq!(queue["cases"][0]["escalation"], "district", "{queue}");

    let figures = app
        .get(
            &format!(
                "/api/v1/performance?by=category&from=2027-01-01&to=2027-01-10&min_position={position}"
            ),
            Some(&supervisor),
        )
        .await;
    let figures = figures.expect(200);
    let group = |name: &str| {
        figures["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|group| group["group"] == name)
            .unwrap_or_else(|| panic!("no group {name} in {figures}"))
            .clone()
    };
    assert_eq!(group("harassment")["deadlines_missed"], 1);
    assert_eq!(
        group("harassment")["escalations"],
        2,
        "supervisor, then district"
    );
    assert_eq!(group("theft_report")["deadlines_missed"], 1);
    assert_eq!(group("theft_report")["escalations"], 1);
}
