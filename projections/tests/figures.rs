//! The performance figures a supervisor quotes, against values computed by
//! hand: local days and months, reopened cases, withdrawals, percentiles
//! beyond the tracked range, and the same read models from a rebuild as from
//! the live runner.
//!
//! The history (times in Pakistan time, PKT = UTC+5; T = Monday 2026-05-04
//! 09:00 PKT; officers A and B):
//!
//! * R (KCH, theft_report: acknowledge within 24 h, resolve within 336 h)
//!   filed by A at T, acknowledged by A at T+1h, resolved by A at T+10h
//!   (05-04), reopened by B at T+2d (05-06), resolved by B at T+3d (05-07),
//!   reopened by A at T+5d (05-09), resolved by B at T+16d (05-20).
//! * O (KCH, theft_report) filed by A at T, resolved by A at T+1h, reopened
//!   by B at T+10d (05-14): open since then.
//! * W (KCH, harassment) filed by A at T, withdrawn by B at T+2h before any
//!   officer acted on it.
//! * L (QTA, lost_documents) filed by A at T, acknowledged by B 400 days
//!   later (2027-06-08); M (QTA, lost_documents) filed by A at T,
//!   acknowledged by B at T+1h.
//! * N (PSH, nuisance) filed at 02:00 PKT on 2026-06-01, which is
//!   21:00 UTC on 2026-05-31.

mod support;

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use markaz_domain::{ComplaintAction, ComplaintId, Gender, MarkazCode, Outcome, Role, Timestamp};
use markaz_projections::{
    read_model_path, rebuild_into, Calendar, GroupBy, OpenBacklog, PerformanceQuery,
    PerformanceRow, ReadModels, RunnerHandle, RunnerOptions,
};
use support::*;

/// T: 2026-05-04 09:00 PKT, 04:00 UTC.
fn t(offset: i64) -> Timestamp {
    let start = Utc
        .with_ymd_and_hms(2026, 5, 4, 4, 0, 0)
        .unwrap()
        .timestamp_micros();
    Timestamp::from_micros(start + offset)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct Cases {
    n: ComplaintId,
}

async fn script(s: &mut Scenario) -> Cases {
    let (a, b) = (officer(A, Role::Desk), officer(B, Role::Desk));
    let ack = || ComplaintAction::Acknowledge { note: None };
    let resolve = || ComplaintAction::Resolve {
        outcome: Outcome::Resolved,
        summary: text("settled"),
    };
    let reopen = || ComplaintAction::Reopen {
        reason: text("it started again"),
        window_days: 30,
    };
    let r = s
        .file(11, "KCH", "theft_report", Gender::Male, &a, t(0))
        .await;
    let o = s
        .file(12, "KCH", "theft_report", Gender::Male, &a, t(0))
        .await;
    let w = s
        .file(13, "KCH", "harassment", Gender::Male, &a, t(0))
        .await;
    let l = s
        .file(14, "QTA", "lost_documents", Gender::Male, &a, t(0))
        .await;
    let m = s
        .file(15, "QTA", "lost_documents", Gender::Male, &a, t(0))
        .await;
    s.act(r, &a, t(HOUR), ack()).await;
    s.act(o, &a, t(HOUR), resolve()).await;
    s.act(m, &b, t(HOUR), ack()).await;
    let withdraw = ComplaintAction::Withdraw {
        reason: text("settled privately"),
    };
    s.act(w, &b, t(2 * HOUR), withdraw).await;
    s.act(r, &a, t(10 * HOUR), resolve()).await;
    s.act(r, &b, t(2 * DAY), reopen()).await;
    s.act(r, &b, t(3 * DAY), resolve()).await;
    s.act(r, &a, t(5 * DAY), reopen()).await;
    s.act(o, &b, t(10 * DAY), reopen()).await;
    s.act(r, &b, t(16 * DAY), resolve()).await;
    let two_in_the_morning = Timestamp::from_micros(
        Utc.with_ymd_and_hms(2026, 5, 31, 21, 0, 0)
            .unwrap()
            .timestamp_micros(),
    );
    let n = s
        .file(16, "PSH", "nuisance", Gender::Male, &a, two_in_the_morning)
        .await;
    s.act(l, &b, t(400 * DAY), ack()).await;
    Cases { n }
}

async fn projected() -> (Scenario, Cases, ReadModels, RunnerHandle) {
    let mut scenario = Scenario::new();
    let cases = script(&mut scenario).await;
    let path = read_model_path(scenario.data_dir());
    let runner = RunnerHandle::start(
        scenario.dyn_store(),
        path.clone(),
        RunnerOptions {
            // Small batches: the corrections of later events land in rows
            // that earlier commits wrote.
            batch_size: 3,
            ..RunnerOptions::default()
        },
    )
    .unwrap();
    runner
        .wait_for_position(scenario.last_position, Duration::from_secs(10))
        .await
        .unwrap();
    let read_models = ReadModels::open(&path).unwrap();
    (scenario, cases, read_models, runner)
}

async fn rows(
    rm: &ReadModels,
    markaz: &str,
    (from, to): (NaiveDate, NaiveDate),
    group_by: GroupBy,
    now: Timestamp,
) -> Vec<PerformanceRow> {
    let report = rm
        .performance(
            PerformanceQuery {
                from,
                to,
                group_by,
                markaz: Some(MarkazCode::parse(markaz).unwrap()),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(report.time_zone, "Asia/Karachi");
    report.rows
}

const MAY: (NaiveDate, NaiveDate) = (
    match NaiveDate::from_ymd_opt(2026, 5, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    },
    match NaiveDate::from_ymd_opt(2026, 5, 31) {
        Some(d) => d,
        None => NaiveDate::MIN,
    },
);

#[tokio::test]
async fn a_filing_at_two_in_the_morning_on_the_first_counts_on_that_local_day_and_month() {
    let (_s, cases, rm, _runner) = projected().await;
    let now = t(30 * DAY);
    // By day: 2026-06-01, not the UTC day 2026-05-31.
    let days = rows(
        &rm,
        "PSH",
        (date(2026, 5, 31), date(2026, 6, 1)),
        GroupBy::Day,
        now,
    )
    .await;
    let filed: Vec<(&str, u64)> = days.iter().map(|r| (r.group.as_str(), r.filed)).collect();
    assert_eq!(filed, [("2026-06-01", 1)]);
    assert_eq!(
        days[0].open_backlog.total, 1,
        "its backlog day is the local one too"
    );
    // By month: June (read from the month rollup), nothing in May.
    let june = rows(
        &rm,
        "PSH",
        (date(2026, 6, 1), date(2026, 6, 30)),
        GroupBy::Unit,
        now,
    )
    .await;
    assert_eq!(june.iter().map(|r| r.filed).sum::<u64>(), 1);
    let may = rows(&rm, "PSH", MAY, GroupBy::Unit, now).await;
    assert_eq!(may.iter().map(|r| r.filed).sum::<u64>(), 0);
    // The case list takes local days too (see the HTTP tests); here its row.
    let view = rm.status_by_id(cases.n, now).await.unwrap().unwrap();
    assert_eq!(view.markaz, "PSH");
}

#[tokio::test]
async fn a_case_resolved_reopened_twice_and_resolved_again_counts_once() {
    let (_s, _cases, rm, _runner) = projected().await;
    let now = t(30 * DAY);
    let may = rows(&rm, "KCH", MAY, GroupBy::Unit, now).await;
    assert_eq!(may.len(), 1);
    let kch = &may[0];
    // R resolved three times and O once: two cases resolved, four resolutions.
    assert_eq!(
        (kch.resolved, kch.resolutions, kch.first_resolutions),
        (2, 4, 2)
    );
    assert_eq!(kch.reopened, 3);
    // Reopen rate: R's first two resolutions and O's one were reopened: 3 of 4.
    assert_eq!(
        (
            kch.reopen_rate.count,
            kch.reopen_rate.cases,
            kch.reopen_rate.pct
        ),
        (3, 4, Some(75.0))
    );
    assert_eq!(kch.reopen_rate.text, "75% (3 of 4)");
    // Time to first resolution: O 1 h, R 10 h. Nearest rank of 2: p50 the
    // first, p90 the second; 600 minutes lie in the bucket [576, 608): 9.6 h.
    assert_eq!(
        (kch.resolve_hours_p50, kch.resolve_hours_p90),
        (Some(1.0), Some(9.6))
    );
    assert_eq!(kch.first_resolve_hours.cases, 2);
    // Judged on the first resolution: both by their 336 h deadline.
    assert_eq!(kch.resolved_within_sla_pct, Some(100.0));
    assert_eq!(kch.resolved_within_sla.text, "2 of 2");
    // Final resolution: only R is resolved now, 16 days (384 h, 23,040
    // minutes) after filing: in the bucket [22528, 23552), 375.5 h.
    assert_eq!(kch.final_resolve_hours.cases, 1);
    assert_eq!(
        (kch.final_resolve_hours_p50, kch.final_resolve_hours_p90),
        (Some(375.5), Some(375.5))
    );
    assert_eq!(kch.final_resolve_hours.max_error_pct, 6.25);

    // Counted at its latest resolution in the range, once.
    let day_one = rows(
        &rm,
        "KCH",
        (date(2026, 5, 4), date(2026, 5, 4)),
        GroupBy::Unit,
        now,
    )
    .await;
    assert_eq!((day_one[0].resolved, day_one[0].resolutions), (2, 2));
    let quiet = rows(
        &rm,
        "KCH",
        (date(2026, 5, 5), date(2026, 5, 6)),
        GroupBy::Unit,
        now,
    )
    .await;
    assert_eq!(quiet[0].resolved, 0);
    let later = rows(
        &rm,
        "KCH",
        (date(2026, 5, 7), date(2026, 5, 31)),
        GroupBy::Unit,
        now,
    )
    .await;
    assert_eq!((later[0].resolved, later[0].resolutions), (1, 2));
    // By officer: R's latest resolution in May was B's, so A resolved only O.
    let officers = rows(&rm, "KCH", MAY, GroupBy::Officer, now).await;
    let of = |n: u128| officers.iter().find(|r| r.group == officer_key(n)).unwrap();
    assert_eq!((of(A).resolved, of(A).resolutions), (1, 2));
    assert_eq!((of(B).resolved, of(B).resolutions), (1, 2));
    // Up to the 10th, B's resolution of the 7th is R's latest: B holds it.
    let early = rows(
        &rm,
        "KCH",
        (date(2026, 5, 1), date(2026, 5, 10)),
        GroupBy::Officer,
        now,
    )
    .await;
    let of = |n: u128| early.iter().find(|r| r.group == officer_key(n)).unwrap();
    assert_eq!((of(A).resolved, of(B).resolved), (1, 1));
    // By day, each day counts the cases resolved that day.
    let days = rows(&rm, "KCH", MAY, GroupBy::Day, now).await;
    let resolved: Vec<(&str, u64)> = days
        .iter()
        .filter(|r| r.resolved > 0)
        .map(|r| (r.group.as_str(), r.resolved))
        .collect();
    assert_eq!(
        resolved,
        [("2026-05-04", 2), ("2026-05-07", 1), ("2026-05-20", 1)]
    );
}

#[tokio::test]
async fn the_backlog_age_of_a_reopened_case_counts_from_the_reopening() {
    let (_s, _cases, rm, _runner) = projected().await;
    // Half a day after O was reopened (and 10.5 days after it was filed).
    let now = t(10 * DAY + 12 * HOUR);
    let may = rows(&rm, "KCH", MAY, GroupBy::Unit, now).await;
    assert_eq!(
        may[0].open_backlog,
        OpenBacklog {
            total: 1,
            under_1_day: 1,
            ..OpenBacklog::default()
        }
    );
}

#[tokio::test]
async fn a_withdrawal_before_acknowledgement_is_not_an_acknowledgement() {
    let (_s, _cases, rm, _runner) = projected().await;
    let now = t(30 * DAY);
    let kch = &rows(&rm, "KCH", MAY, GroupBy::Unit, now).await[0];
    assert_eq!((kch.withdrawn, kch.withdrawn_before_action), (1, 1));
    // First officer actions: R acknowledged at 1 h and O resolved at 1 h; W's
    // withdrawal is not one of them.
    assert_eq!((kch.acknowledged, kch.ack_minutes.cases), (1, 2));
    assert_eq!(
        (kch.ack_minutes_p50, kch.ack_minutes_p90),
        (Some(60.0), Some(60.0))
    );
    assert_eq!(kch.ack_within_sla.text, "2 of 2");
    // B withdrew W: no first action is credited to B.
    let b = rows(&rm, "KCH", MAY, GroupBy::Officer, now)
        .await
        .into_iter()
        .find(|r| r.group == officer_key(B))
        .unwrap();
    assert_eq!(
        (b.withdrawn, b.ack_minutes.cases, b.ack_within_sla_pct),
        (1, 0, None)
    );
}

#[tokio::test]
async fn a_percentile_beyond_the_tracked_range_is_reported_as_such() {
    let (_s, _cases, rm, _runner) = projected().await;
    let now = t(500 * DAY);
    let span = (date(2026, 5, 1), date(2027, 6, 30));
    let qta = &rows(&rm, "QTA", span, GroupBy::Unit, now).await[0];
    // M acknowledged after 60 minutes, L after 400 days (beyond a year).
    assert_eq!(
        (qta.ack_minutes.cases, qta.ack_minutes.beyond_range),
        (2, 1)
    );
    // p50 is the 1st of 2: 60 minutes. p90 is the 2nd: beyond the range,
    // so it is no number at all in the old field.
    assert_eq!(qta.ack_minutes_p50, Some(60.0));
    assert_eq!(qta.ack_minutes_p90, None);
    let p90 = qta.ack_minutes.p90.as_ref().unwrap();
    assert!(p90.beyond_range && p90.value.is_none());
    assert_eq!(p90.text, ">527040");
    assert_eq!(qta.ack_minutes.max_tracked, 527_040.0);
}

#[tokio::test]
async fn a_rebuild_and_the_live_runner_give_identical_read_models() {
    let (s, _cases, _rm, runner) = projected().await;
    runner.stop().await;
    let live = dump(&read_model_path(s.data_dir()));
    let rebuilt = s.data_dir().join("rebuilt.sqlite");
    rebuild_into(
        s.store.as_ref(),
        &rebuilt,
        None,
        &Calendar::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    let rebuilt = dump(&rebuilt);
    assert!(rebuilt
        .iter()
        .any(|row| row.starts_with("performance_superseded: ")));
    assert_same_rows(&live, &rebuilt);
}

#[tokio::test]
async fn the_calendar_is_fixed_in_the_file_and_a_change_needs_a_rebuild() {
    let (s, _cases, rm, runner) = projected().await;
    runner.stop().await;
    let path = read_model_path(s.data_dir());
    let kabul = Calendar::default().with_markaz("PSH", markaz_projections::Tz::Asia__Kabul);
    let refused = markaz_projections::performance::adopt(&path, &kabul).unwrap_err();
    assert!(
        refused.to_string().contains("markaz projections rebuild"),
        "{refused}"
    );
    // The same calendar is accepted as it is.
    markaz_projections::performance::adopt(&path, &Calendar::default()).unwrap();
    // Rebuilt on UTC days, N's filing (21:00 UTC on 05-31) lands on 05-31:
    // the figures UTC days gave before, and why zones are per markaz.
    let utc_file = s.data_dir().join("utc.sqlite");
    let utc = Calendar::new(markaz_projections::Tz::UTC);
    rebuild_into(s.store.as_ref(), &utc_file, None, &utc, |_, _| {})
        .await
        .unwrap();
    let on_utc = ReadModels::open(&utc_file).unwrap();
    assert_eq!(on_utc.calendar().await.unwrap(), utc);
    let now = t(30 * DAY);
    let report = on_utc
        .performance(
            PerformanceQuery {
                from: date(2026, 5, 31),
                to: date(2026, 5, 31),
                group_by: GroupBy::Day,
                markaz: Some(MarkazCode::parse("PSH").unwrap()),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(report.time_zone, "UTC");
    assert_eq!(report.rows[0].filed, 1);
    drop(rm);
}
