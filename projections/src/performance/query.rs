//! Performance figures for a date range, summed from rollups.
//!
//! A range is split into whole calendar months (read from the month rollups)
//! and the days before and after them (read from the day rollups), so a year
//! costs at most 12 month rows and about 60 day rows per group whatever the
//! number of complaints. The open backlog is counted from the open cases
//! (a partial index holds only those) at the time of the query.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use markaz_domain::Timestamp;
use rusqlite::types::Value;
use rusqlite::Connection;
use serde::Serialize;

use super::measures::{round_tenth, Measures};
use super::rollup::{
    add_row, date_of_day, day_of_date, month_of_day, Dimension, Grain, MEASURE_COLUMNS,
};

/// What the figures are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The unit responsible (the markaz itself, or where cases were referred).
    Unit,
    /// The officer who acted.
    Officer,
    Category,
    /// The UTC day of the events.
    Day,
}

/// Open cases by how long ago they were filed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OpenBacklog {
    pub total: u64,
    pub under_1_day: u64,
    pub from_1_to_3_days: u64,
    pub from_3_to_7_days: u64,
    pub from_7_to_30_days: u64,
    pub over_30_days: u64,
}

/// One group's figures (`GET /performance`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerformanceRow {
    /// The unit, the officer's id (or `citizen`/`system`), the category or the day (YYYY-MM-DD).
    pub group: String,
    /// The markaz of a unit or officer group; `None` when grouping by category or day.
    pub markaz: Option<String>,
    pub filed: u64,
    pub acknowledged: u64,
    pub referred: u64,
    pub resolved: u64,
    pub withdrawn: u64,
    pub reopened: u64,
    /// From filing to the first officer action; bucketed, see the crate docs.
    pub ack_minutes_p50: Option<f64>,
    pub ack_minutes_p90: Option<f64>,
    /// From filing to resolution; bucketed.
    pub resolve_hours_p50: Option<f64>,
    pub resolve_hours_p90: Option<f64>,
    /// Share of first officer actions by the acknowledgement deadline, in percent.
    pub ack_within_sla_pct: Option<f64>,
    /// Share of resolutions by the resolution deadline, in percent.
    pub resolved_within_sla_pct: Option<f64>,
    pub rating_avg: Option<f64>,
    /// Counts of 1, 2, 3, 4 and 5 stars.
    pub ratings: [u64; 5],
    pub open_backlog: OpenBacklog,
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round_tenth(part as f64 * 100.0 / whole as f64))
}

impl PerformanceRow {
    fn from_measures(
        group: String,
        markaz: Option<String>,
        m: &Measures,
        backlog: OpenBacklog,
    ) -> Self {
        let rated: u64 = m.ratings.iter().sum();
        let stars: u64 = m
            .ratings
            .iter()
            .zip(1u64..)
            .map(|(count, star)| count * star)
            .sum();
        PerformanceRow {
            group,
            markaz,
            filed: m.filed,
            acknowledged: m.acknowledged,
            referred: m.referred,
            resolved: m.resolved,
            withdrawn: m.withdrawn,
            reopened: m.reopened,
            ack_minutes_p50: m.ack_minutes_percentile(0.5),
            ack_minutes_p90: m.ack_minutes_percentile(0.9),
            resolve_hours_p50: m.resolve_hours_percentile(0.5),
            resolve_hours_p90: m.resolve_hours_percentile(0.9),
            ack_within_sla_pct: percent(m.ack_within_sla, m.first_actions()),
            resolved_within_sla_pct: percent(m.resolved_within_sla, m.resolved),
            rating_avg: (rated > 0).then(|| (stars as f64 / rated as f64 * 100.0).round() / 100.0),
            ratings: m.ratings,
            open_backlog: backlog,
        }
    }
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

/// The figures per group for events from `from` to `to` (inclusive, UTC days),
/// optionally of one markaz, with the open backlog as of `now`.
pub(crate) fn performance(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    group_by: GroupBy,
    markaz: Option<&str>,
    now: Timestamp,
) -> rusqlite::Result<Vec<PerformanceRow>> {
    let dimension = match group_by {
        GroupBy::Unit => Dimension::Unit,
        GroupBy::Officer => Dimension::Officer,
        GroupBy::Category => Dimension::Category,
        GroupBy::Day => Dimension::Day,
    };
    let (from_day, to_day) = (day_of_date(from), day_of_date(to));
    let keeps_markaz = matches!(group_by, GroupBy::Unit | GroupBy::Officer);
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
            Value::Integer(dimension as i64),
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
    let backlog = open_backlog(conn, group_by, markaz, (from_day, to_day), now)?;
    for key in backlog.keys() {
        groups.entry(key.clone()).or_default();
    }
    Ok(groups
        .into_iter()
        .map(|((row_markaz, group), measures)| {
            let open = backlog
                .get(&(row_markaz.clone(), group.clone()))
                .copied()
                .unwrap_or_default();
            let row_markaz = keeps_markaz.then_some(row_markaz);
            PerformanceRow::from_measures(group, row_markaz, &measures, open)
        })
        .collect())
}

/// Open cases per group: by current unit, by the officer who last acted, by
/// category, or by filing day (days of the range only). Counted by SQLite
/// over the partial index of open cases, which holds every column used.
fn open_backlog(
    conn: &Connection,
    group_by: GroupBy,
    markaz: Option<&str>,
    (from_day, to_day): (i64, i64),
    now: Timestamp,
) -> rusqlite::Result<BTreeMap<(String, String), OpenBacklog>> {
    const DAY: i64 = 86_400_000_000;
    let groups = match group_by {
        GroupBy::Unit => "markaz, unit",
        GroupBy::Officer => "markaz, holder",
        GroupBy::Category => "'', category",
        GroupBy::Day => "'', filed_at / 86400000000",
    };
    let mut conditions = String::from("is_open = 1");
    let now = now.as_micros();
    let mut values = vec![
        Value::Integer(now - DAY),
        Value::Integer(now - 3 * DAY),
        Value::Integer(now - 7 * DAY),
        Value::Integer(now - 30 * DAY),
    ];
    if let Some(markaz) = markaz {
        conditions.push_str(" AND markaz = ?5");
        values.push(Value::Text(markaz.to_owned()));
    }
    if group_by == GroupBy::Day {
        conditions.push_str(&format!(
            " AND filed_at >= ?{} AND filed_at < ?{}",
            values.len() + 1,
            values.len() + 2
        ));
        values.push(Value::Integer(from_day.saturating_mul(DAY)));
        values.push(Value::Integer(to_day.saturating_add(1).saturating_mul(DAY)));
    }
    let sql = format!(
        "SELECT {groups}, COUNT(*), SUM(filed_at > ?1),
                SUM(filed_at <= ?1 AND filed_at > ?2), SUM(filed_at <= ?2 AND filed_at > ?3),
                SUM(filed_at <= ?3 AND filed_at > ?4), SUM(filed_at <= ?4)
         FROM performance_cases WHERE {conditions} GROUP BY 1, 2"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(values))?;
    let mut backlog: BTreeMap<(String, String), OpenBacklog> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let group = match group_by {
            GroupBy::Day => date_of_day(row.get(1)?).to_string(),
            _ => row.get(1)?,
        };
        let count = |index: usize| -> rusqlite::Result<u64> {
            Ok(row.get::<_, Option<i64>>(index)?.unwrap_or(0).max(0) as u64)
        };
        backlog.insert(
            (row.get(0)?, group),
            OpenBacklog {
                total: count(2)?,
                under_1_day: count(3)?,
                from_1_to_3_days: count(4)?,
                from_3_to_7_days: count(5)?,
                from_7_to_30_days: count(6)?,
                over_30_days: count(7)?,
            },
        );
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
