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
    add_row, date_of_day, day_of, day_of_date, month_of_day, Dimension, Grain, MEASURE_COLUMNS,
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

impl OpenBacklog {
    fn add(&mut self, age_micros: i64) {
        const DAY: i64 = 86_400_000_000;
        self.total += 1;
        match age_micros {
            a if a < DAY => self.under_1_day += 1,
            a if a < 3 * DAY => self.from_1_to_3_days += 1,
            a if a < 7 * DAY => self.from_3_to_7_days += 1,
            a if a < 30 * DAY => self.from_7_to_30_days += 1,
            _ => self.over_30_days += 1,
        }
    }
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
                date_of_day(row.get(2)?).to_string()
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
/// category, or by filing day (days of the range only).
fn open_backlog(
    conn: &Connection,
    group_by: GroupBy,
    markaz: Option<&str>,
    (from_day, to_day): (i64, i64),
    now: Timestamp,
) -> rusqlite::Result<BTreeMap<(String, String), OpenBacklog>> {
    let mut statement = conn.prepare_cached(
        "SELECT markaz, unit, category, holder, filed_at FROM performance_cases
         WHERE is_open = 1 AND (?1 IS NULL OR markaz = ?1)",
    )?;
    let mut rows = statement.query([markaz])?;
    let mut backlog: BTreeMap<(String, String), OpenBacklog> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let filed_at: i64 = row.get(4)?;
        let key = match group_by {
            GroupBy::Unit => (row.get(0)?, row.get(1)?),
            GroupBy::Officer => (row.get(0)?, row.get(3)?),
            GroupBy::Category => (String::new(), row.get(2)?),
            GroupBy::Day => {
                let day = day_of(filed_at);
                if day < from_day || day > to_day {
                    continue;
                }
                (String::new(), date_of_day(day).to_string())
            }
        };
        backlog
            .entry(key)
            .or_default()
            .add(now.as_micros() - filed_at);
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
