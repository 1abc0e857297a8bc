//! Performance figures for a date range, summed from rollups.
//!
//! A range is split into whole calendar months (read from the month rollups)
//! and the days before and after them (read from the day rollups), so a year
//! costs at most 12 month rows and about 60 day rows per group whatever the
//! number of complaints. Days and months are the local ones of each markaz
//! (see `calendar`); grouped by category or by day without a markaz, the
//! rows of every markaz summed are read (a twentieth as many). A case
//! resolved more than once counts once in `resolved`: the resolutions in the
//! range whose next resolution also falls in it are subtracted (the rows'
//! `superseded`, less those followed only after the range, read from
//! `performance_superseded`). The open backlog is counted from the open cases
//! (one partial index per grouping holds only those, in the grouping's order)
//! at the time of the query, each aged from when it last became open.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use markaz_domain::Timestamp;
use rusqlite::types::Value;
use rusqlite::Connection;
use serde::Serialize;

use super::calendar::Calendar;
use super::durations::{
    Durations, Quantile, EXACT_BELOW_SECONDS, MAX_TRACKED_SECONDS, RELATIVE_ERROR,
};
use super::measures::{round_tenth, Measures};
use super::rollup::{
    add_row, date_of_day, day_of_date, month_of_day, Dimension, Grain, MEASURE_COLUMNS,
};
use crate::hashing::FastMap;

/// What the figures are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The unit responsible (the markaz itself, or where cases were referred).
    Unit,
    /// The officer who acted.
    Officer,
    Category,
    /// The local day of the events.
    Day,
}

/// Open cases by how long ago they last became open (filed or reopened).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OpenBacklog {
    pub total: u64,
    pub under_1_day: u64,
    pub from_1_to_3_days: u64,
    pub from_3_to_7_days: u64,
    pub from_7_to_30_days: u64,
    pub over_30_days: u64,
}

/// Figures over fewer cases than this are shown as counts without a percentage.
pub const MIN_CASES_FOR_PERCENT: u64 = 3;

/// A share of cases: `count` of `cases`, with the percentage only from
/// `MIN_CASES_FOR_PERCENT` cases on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Share {
    pub count: u64,
    pub cases: u64,
    pub pct: Option<f64>,
    /// For display: `66.7% (2 of 3)`, or `1 of 2` below the minimum.
    pub text: String,
}

impl Share {
    fn of(count: u64, cases: u64) -> Share {
        let pct = (cases >= MIN_CASES_FOR_PERCENT).then(|| percent_of(count, cases));
        let text = match pct {
            Some(pct) => format!("{pct}% ({count} of {cases})"),
            None => format!("{count} of {cases}"),
        };
        Share {
            count,
            cases,
            pct,
            text,
        }
    }
}

/// One percentile as a figure.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Percentile {
    /// In the figure's unit; `None` when it lies beyond the tracked range.
    pub value: Option<f64>,
    /// The percentile lies among durations longer than `max_tracked`.
    pub beyond_range: bool,
    /// For display: `37.5`, or `>8784` beyond the range.
    pub text: String,
}

/// A duration distribution: how many cases, the median and 90th percentile,
/// and how precise they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DurationFigures {
    /// `minutes` or `hours`.
    pub unit: &'static str,
    pub cases: u64,
    pub p50: Option<Percentile>,
    pub p90: Option<Percentile>,
    /// Cases whose duration exceeds `max_tracked`.
    pub beyond_range: u64,
    /// The longest duration tracked (a year), in `unit`.
    pub max_tracked: f64,
    /// Durations below this (in `unit`) are exact to the second.
    pub exact_below: f64,
    /// Above `exact_below`, a percentile is at most this much below the true value, in percent.
    pub max_error_pct: f64,
}

impl DurationFigures {
    fn of(durations: &Durations, unit: &'static str, unit_seconds: f64) -> DurationFigures {
        let max_tracked = round_tenth(MAX_TRACKED_SECONDS as f64 / unit_seconds);
        let figure = |quantile: f64| {
            durations.quantile(quantile).map(|q| match q {
                Quantile::Seconds(seconds) => {
                    let value = round_tenth(seconds as f64 / unit_seconds);
                    Percentile {
                        value: Some(value),
                        beyond_range: false,
                        text: value.to_string(),
                    }
                }
                Quantile::BeyondRange => Percentile {
                    value: None,
                    beyond_range: true,
                    text: format!(">{max_tracked}"),
                },
            })
        };
        DurationFigures {
            unit,
            cases: durations.samples(),
            p50: figure(0.5),
            p90: figure(0.9),
            beyond_range: durations.beyond_range(),
            max_tracked,
            exact_below: (EXACT_BELOW_SECONDS as f64 / unit_seconds * 1000.0).floor() / 1000.0,
            max_error_pct: (RELATIVE_ERROR * 100.0 * 1000.0).ceil() / 1000.0,
        }
    }

    /// The old single-number form: the value, or `None` when there is none
    /// or it lies beyond the range (never a number that looks exact).
    fn value(figure: &Option<Percentile>) -> Option<f64> {
        figure.as_ref().and_then(|p| p.value)
    }
}

/// One group's figures (`GET /performance`). The meaning of each figure is
/// in docs/api.md.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerformanceRow {
    /// The unit, the officer's id (or `citizen`/`system`), the category or the day (YYYY-MM-DD).
    pub group: String,
    /// The markaz of a unit or officer group; `None` when grouping by category or day.
    pub markaz: Option<String>,
    pub filed: u64,
    pub acknowledged: u64,
    pub referred: u64,
    /// Cases resolved in the range, each once however often it was resolved.
    pub resolved: u64,
    pub withdrawn: u64,
    pub reopened: u64,
    /// From filing to the first officer action, in minutes.
    pub ack_minutes_p50: Option<f64>,
    pub ack_minutes_p90: Option<f64>,
    /// From filing to the first resolution, in hours.
    pub resolve_hours_p50: Option<f64>,
    pub resolve_hours_p90: Option<f64>,
    /// Share of first officer actions by the acknowledgement deadline, in percent.
    pub ack_within_sla_pct: Option<f64>,
    /// Share of first resolutions by the resolution deadline, in percent.
    pub resolved_within_sla_pct: Option<f64>,
    pub rating_avg: Option<f64>,
    /// Counts of 1, 2, 3, 4 and 5 stars.
    pub ratings: [u64; 5],
    pub open_backlog: OpenBacklog,
    /// Every resolution in the range (a case reopened and resolved again counts each time).
    pub resolutions: u64,
    /// Cases resolved for the first time in the range.
    pub first_resolutions: u64,
    /// Withdrawals of cases no officer had acted on yet.
    pub withdrawn_before_action: u64,
    /// Deadlines that fell due in the range without the action they asked for.
    pub deadlines_missed: u64,
    /// Escalations (to a supervisor or the district) in the range.
    pub escalations: u64,
    /// Resolutions in the range that were reopened afterwards, of all resolutions in the range.
    pub reopen_rate: Share,
    pub ack_within_sla: Share,
    pub resolved_within_sla: Share,
    pub ack_minutes: DurationFigures,
    pub first_resolve_hours: DurationFigures,
    /// From filing to the latest resolution of cases resolved now.
    pub final_resolve_hours: DurationFigures,
    pub final_resolve_hours_p50: Option<f64>,
    pub final_resolve_hours_p90: Option<f64>,
}

fn percent_of(part: u64, whole: u64) -> f64 {
    round_tenth(part as f64 * 100.0 / whole as f64)
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| percent_of(part, whole))
}

fn count(value: i64) -> u64 {
    value.max(0) as u64
}

impl PerformanceRow {
    fn from_measures(
        group: String,
        markaz: Option<String>,
        m: &Measures,
        superseded: u64,
        backlog: OpenBacklog,
    ) -> Self {
        let ratings = m.ratings.map(count);
        let rated: u64 = ratings.iter().sum();
        let stars: u64 = ratings
            .iter()
            .zip(1u64..)
            .map(|(count, star)| count * star)
            .sum();
        let ack_minutes = DurationFigures::of(&m.ack_seconds, "minutes", 60.0);
        let first_resolve_hours = DurationFigures::of(&m.first_resolve_seconds, "hours", 3_600.0);
        let final_resolve_hours = DurationFigures::of(&m.final_resolve_seconds, "hours", 3_600.0);
        let resolutions = count(m.resolutions);
        PerformanceRow {
            group,
            markaz,
            filed: count(m.filed),
            acknowledged: count(m.acknowledged),
            referred: count(m.referred),
            resolved: resolutions.saturating_sub(superseded),
            withdrawn: count(m.withdrawn),
            reopened: count(m.reopened),
            ack_minutes_p50: DurationFigures::value(&ack_minutes.p50),
            ack_minutes_p90: DurationFigures::value(&ack_minutes.p90),
            resolve_hours_p50: DurationFigures::value(&first_resolve_hours.p50),
            resolve_hours_p90: DurationFigures::value(&first_resolve_hours.p90),
            ack_within_sla_pct: percent(count(m.ack_within_sla), count(m.first_actions)),
            resolved_within_sla_pct: percent(
                count(m.resolved_within_sla),
                count(m.first_resolutions),
            ),
            rating_avg: (rated > 0).then(|| (stars as f64 / rated as f64 * 100.0).round() / 100.0),
            ratings,
            open_backlog: backlog,
            resolutions,
            first_resolutions: count(m.first_resolutions),
            withdrawn_before_action: count(m.withdrawn_before_action),
            deadlines_missed: count(m.deadlines_missed),
            escalations: count(m.escalations),
            reopen_rate: Share::of(count(m.resolutions_reopened), resolutions),
            ack_within_sla: Share::of(count(m.ack_within_sla), count(m.first_actions)),
            resolved_within_sla: Share::of(
                count(m.resolved_within_sla),
                count(m.first_resolutions),
            ),
            final_resolve_hours_p50: DurationFigures::value(&final_resolve_hours.p50),
            final_resolve_hours_p90: DurationFigures::value(&final_resolve_hours.p90),
            ack_minutes,
            first_resolve_hours,
            final_resolve_hours,
        }
    }
}

/// The figures of a query and the calendar they were counted on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerformanceReport {
    /// The zone whose days `from` and `to` are: the markaz's when one was
    /// asked for, otherwise the zone of every markaz without one of its own.
    pub time_zone: String,
    /// Markaz counted in a zone of their own (each markaz's figures are on its own days).
    pub time_zones: BTreeMap<String, String>,
    pub rows: Vec<PerformanceRow>,
}

/// A range of periods of one grain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    grain: Grain,
    first: i64,
    last: i64,
}

/// Splits `[from, to]` (days) into day spans and a span of whole months.
fn split_range(from: i64, to: i64, months_allowed: bool) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut push = |grain: Grain, period: i64| match spans.last_mut() {
        Some(span) if span.grain == grain && span.last + 1 == period => span.last = period,
        _ => spans.push(Span {
            grain,
            first: period,
            last: period,
        }),
    };
    let mut day = from;
    while day <= to {
        let date = date_of_day(day);
        let next_month = first_of_next_month(date);
        let month_end = day_of_date(next_month) - 1;
        if months_allowed && date.day() == 1 && month_end <= to {
            push(Grain::Month, month_of_day(day));
            day = month_end + 1;
        } else {
            push(Grain::Day, day);
            day += 1;
        }
    }
    spans
}

fn first_of_next_month(date: NaiveDate) -> NaiveDate {
    let (year, month) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX)
}

/// The figures per group for events from `from` to `to` (inclusive, local
/// days), optionally of one markaz, with the open backlog as of `now`.
pub(crate) fn performance(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    group_by: GroupBy,
    markaz: Option<&str>,
    now: Timestamp,
) -> rusqlite::Result<PerformanceReport> {
    let dimension = match group_by {
        GroupBy::Unit => Dimension::Unit,
        GroupBy::Officer => Dimension::Officer,
        GroupBy::Category => Dimension::Category,
        GroupBy::Day => Dimension::Day,
    };
    let (from_day, to_day) = (day_of_date(from), day_of_date(to));
    let keeps_markaz = matches!(group_by, GroupBy::Unit | GroupBy::Officer);
    // Without a markaz asked for, a grouping that does not name the markaz
    // reads the rows of every markaz summed.
    let stored = match (markaz, dimension.all_markaz()) {
        (None, Some(all)) => all,
        _ => dimension,
    };
    let mut groups: BTreeMap<(String, String), Measures> = BTreeMap::new();
    let markaz_filter = if markaz.is_some() {
        "AND markaz = ?"
    } else {
        ""
    };
    let sql = format!(
        "SELECT markaz, group_key, period, {MEASURE_COLUMNS} FROM performance_rollup
         WHERE dimension = ? AND grain = ? AND period BETWEEN ? AND ? {markaz_filter}"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut day_names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for span in split_range(from_day, to_day, dimension != Dimension::Day) {
        let mut values = vec![
            Value::Integer(stored as i64),
            Value::Integer(span.grain as i64),
            Value::Integer(span.first),
            Value::Integer(span.last),
        ];
        if let Some(markaz) = markaz {
            values.push(Value::Text(markaz.to_owned()));
        }
        let mut rows = statement.query(rusqlite::params_from_iter(values))?;
        while let Some(row) = rows.next()? {
            let group = if dimension == Dimension::Day {
                let day: i64 = row.get(2)?;
                day_names
                    .entry(day)
                    .or_insert_with(|| date_of_day(day).to_string())
                    .clone()
            } else {
                row.get(1)?
            };
            let row_markaz = if keeps_markaz {
                row.get(0)?
            } else {
                String::new()
            };
            add_row(groups.entry((row_markaz, group)).or_default(), row, 3)?;
        }
    }
    let superseded_after =
        superseded_after(conn, stored, keeps_markaz, markaz, (from_day, to_day))?;
    let backlog = open_backlog(conn, group_by, markaz, (from_day, to_day), now)?;
    for key in backlog.keys() {
        groups.entry(key.clone()).or_default();
    }
    let rows = groups
        .into_iter()
        .map(|((row_markaz, group), measures)| {
            let key = (row_markaz, group);
            let open = backlog.get(&key).copied().unwrap_or_default();
            let superseded = if dimension == Dimension::Day {
                measures.superseded_same_day
            } else {
                measures.superseded - superseded_after.get(&key).copied().unwrap_or(0)
            };
            let superseded = count(superseded);
            let (row_markaz, group) = key;
            let row_markaz = keeps_markaz.then_some(row_markaz);
            PerformanceRow::from_measures(group, row_markaz, &measures, superseded, open)
        })
        .collect();
    let calendar = Calendar::read(conn)?;
    let time_zone = match markaz {
        Some(markaz) => calendar.zone_of(markaz),
        None => calendar.default_zone(),
    };
    Ok(PerformanceReport {
        time_zone: time_zone.name().to_owned(),
        time_zones: calendar
            .overrides()
            .filter(|(m, _)| markaz.is_none_or(|asked| asked == *m))
            .map(|(m, zone)| (m.to_owned(), zone.name().to_owned()))
            .collect(),
        rows,
    })
}

/// Per group, the superseded resolutions of the range `[from, to]` whose
/// next resolution comes after `to`: those a range must not subtract (its
/// rows' `superseded` counts every resolution followed by another, so
/// `resolutions - (superseded - these)` counts each case once, at its latest
/// resolution in the range). Read from `to` onwards by the day of the next
/// resolution, so the cost is that of the resolutions superseded after the
/// range, not of the whole range. Grouping by day needs none of them.
fn superseded_after(
    conn: &Connection,
    dimension: Dimension,
    keeps_markaz: bool,
    markaz: Option<&str>,
    (from_day, to_day): (i64, i64),
) -> rusqlite::Result<FastMap<(String, String), i64>> {
    let mut after = FastMap::default();
    if matches!(dimension, Dimension::Day | Dimension::DayAllMarkaz) {
        return Ok(after);
    }
    let markaz_filter = if markaz.is_some() {
        "AND markaz = ?4"
    } else {
        ""
    };
    let sql = format!(
        "SELECT markaz, group_key, resolutions FROM performance_superseded
         WHERE dimension = ?1 AND next_day > ?3 AND day BETWEEN ?2 AND ?3 {markaz_filter}"
    );
    let mut values = vec![
        Value::Integer(dimension as i64),
        Value::Integer(from_day),
        Value::Integer(to_day),
    ];
    if let Some(markaz) = markaz {
        values.push(Value::Text(markaz.to_owned()));
    }
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(values))?;
    while let Some(row) = rows.next()? {
        let row_markaz = if keeps_markaz {
            row.get(0)?
        } else {
            String::new()
        };
        let resolutions: i64 = row.get(2)?;
        *after.entry((row_markaz, row.get(1)?)).or_default() += resolutions;
    }
    Ok(after)
}

/// Open cases per group: by current unit, by the officer who last acted, by
/// category, or by local filing day (days of the range only), aged from when
/// each last became open. Read from the partial index of open cases in the
/// grouping's order (migration 0008), so each group's cases come together and
/// are counted here as they pass, without sorting.
fn open_backlog(
    conn: &Connection,
    group_by: GroupBy,
    markaz: Option<&str>,
    (from_day, to_day): (i64, i64),
    now: Timestamp,
) -> rusqlite::Result<BTreeMap<(String, String), OpenBacklog>> {
    const DAY: i64 = 86_400_000_000;
    let (groups, index) = match group_by {
        GroupBy::Unit => ("markaz, unit", "performance_open_by_unit"),
        GroupBy::Officer => ("markaz, holder", "performance_open_by_holder"),
        GroupBy::Category => ("'', category", "performance_open_by_category"),
        GroupBy::Day => ("'', filed_day", "performance_open_by_day"),
    };
    let mut conditions = String::from("is_open = 1");
    let mut values = Vec::new();
    if let Some(markaz) = markaz {
        conditions.push_str(" AND markaz = ?1");
        values.push(Value::Text(markaz.to_owned()));
    }
    if group_by == GroupBy::Day {
        conditions.push_str(&format!(
            " AND filed_day BETWEEN ?{} AND ?{}",
            values.len() + 1,
            values.len() + 2
        ));
        values.push(Value::Integer(from_day));
        values.push(Value::Integer(to_day));
    }
    let sql = format!(
        "SELECT {groups}, open_since FROM performance_cases INDEXED BY {index}
         WHERE {conditions}"
    );
    let now = now.as_micros();
    let bounds = [now - DAY, now - 3 * DAY, now - 7 * DAY, now - 30 * DAY];
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(values))?;
    let mut backlog: BTreeMap<(String, String), OpenBacklog> = BTreeMap::new();
    // The group being counted: (markaz, group as stored) and its counts.
    let mut current: Option<((String, Value), OpenBacklog)> = None;
    let finish = |backlog: &mut BTreeMap<(String, String), OpenBacklog>,
                  ((markaz, group), counts): ((String, Value), OpenBacklog)| {
        let group = match group {
            Value::Integer(day) => date_of_day(day).to_string(),
            Value::Text(text) => text,
            _ => String::new(),
        };
        // Each group's cases come together in the index; were they not, the
        // counts would still add up.
        let sum = backlog.entry((markaz, group)).or_default();
        sum.total += counts.total;
        sum.under_1_day += counts.under_1_day;
        sum.from_1_to_3_days += counts.from_1_to_3_days;
        sum.from_3_to_7_days += counts.from_3_to_7_days;
        sum.from_7_to_30_days += counts.from_7_to_30_days;
        sum.over_30_days += counts.over_30_days;
    };
    while let Some(row) = rows.next()? {
        let row_markaz = row.get_ref(0)?.as_str()?;
        let row_group = row.get_ref(1)?;
        let same = current.as_ref().is_some_and(|((markaz, group), _)| {
            markaz == row_markaz
                && match (group, row_group) {
                    (Value::Text(group), rusqlite::types::ValueRef::Text(text)) => {
                        group.as_bytes() == text
                    }
                    (Value::Integer(group), rusqlite::types::ValueRef::Integer(day)) => {
                        *group == day
                    }
                    _ => false,
                }
        });
        if !same {
            if let Some(done) = current.take() {
                finish(&mut backlog, done);
            }
            let group = match row_group {
                rusqlite::types::ValueRef::Integer(day) => Value::Integer(day),
                other => Value::Text(other.as_str()?.to_owned()),
            };
            current = Some(((row_markaz.to_owned(), group), OpenBacklog::default()));
        }
        let open_since: i64 = row.get(2)?;
        if let Some((_, counts)) = &mut current {
            counts.total += 1;
            let band = if open_since > bounds[0] {
                &mut counts.under_1_day
            } else if open_since > bounds[1] {
                &mut counts.from_1_to_3_days
            } else if open_since > bounds[2] {
                &mut counts.from_3_to_7_days
            } else if open_since > bounds[3] {
                &mut counts.from_7_to_30_days
            } else {
                &mut counts.over_30_days
            };
            *band += 1;
        }
    }
    if let Some(done) = current.take() {
        finish(&mut backlog, done);
    }
    Ok(backlog)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i64 {
        day_of_date(NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())
    }

    #[test]
    fn a_range_uses_whole_months_and_the_days_around_them() {
        let spans = split_range(day(2025, 1, 20), day(2025, 4, 2), true);
        assert_eq!(
            spans,
            vec![
                Span {
                    grain: Grain::Day,
                    first: day(2025, 1, 20),
                    last: day(2025, 1, 31)
                },
                Span {
                    grain: Grain::Month,
                    first: month_of_day(day(2025, 2, 1)),
                    last: month_of_day(day(2025, 3, 1))
                },
                Span {
                    grain: Grain::Day,
                    first: day(2025, 4, 1),
                    last: day(2025, 4, 2)
                },
            ]
        );
        let days_only = split_range(day(2025, 1, 1), day(2025, 12, 31), false);
        assert_eq!(days_only.len(), 1);
        assert_eq!(
            split_range(day(2025, 1, 1), day(2025, 12, 31), true).len(),
            1
        );
        assert!(split_range(day(2025, 2, 1), day(2025, 1, 1), true).is_empty());
    }
}
