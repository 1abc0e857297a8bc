//! The gender desk's queue and dashboard counts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use markaz_domain::{ComplaintStatus, Timestamp};
use rusqlite::types::Value;
use rusqlite::Connection;
use serde::Serialize;

/// An open gender-desk case in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GenderDeskCase {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Status))]
    pub status: String,
    pub current_unit: String,
    pub filed_at: DateTime<Utc>,
    /// Whole minutes since filing, at the time of the query.
    pub age_minutes: i64,
    pub acknowledge_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    /// Not acted on by the acknowledgement deadline (acted on late, or not yet and overdue).
    pub acknowledge_breached: bool,
    /// Still open after the resolution deadline.
    pub resolve_breached: bool,
    pub updated_at: DateTime<Utc>,
    /// The level the case was escalated to after a missed deadline, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::EscalationLevel>))]
    pub escalation: Option<String>,
}

/// How many gender-desk cases of a markaz are in each status (every status listed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GenderDeskCounts {
    pub markaz: String,
    /// Cases by status.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<crate::openapi::Status, u64>))]
    pub by_status: BTreeMap<String, u64>,
    pub open: u64,
}

/// The answer of `GET /gender-desk/queue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GenderDeskQueue {
    /// Oldest first.
    pub cases: Vec<GenderDeskCase>,
    pub counts: Vec<GenderDeskCounts>,
}

fn time(micros: i64) -> DateTime<Utc> {
    Timestamp::from_micros(micros).to_datetime()
}

/// The open gender-desk cases of `markaz` (or of every markaz), oldest first,
/// at most `limit` of them, and the counts by status.
pub(crate) fn gender_desk_queue(
    conn: &Connection,
    markaz: Option<&str>,
    limit: usize,
    now: Timestamp,
) -> rusqlite::Result<GenderDeskQueue> {
    let now = now.as_micros();
    let (filter, mut values) = match markaz {
        Some(markaz) => ("AND markaz = ?", vec![Value::Text(markaz.to_owned())]),
        None => ("", Vec::new()),
    };
    values.push(Value::Integer(limit.clamp(1, 1_000) as i64));
    let sql = format!(
        "SELECT complaint_id, tracking_code, markaz, category, status, current_unit, filed_at,
                first_action_at, acknowledge_by, resolve_by, updated_at, escalation
         FROM gender_desk_cases WHERE is_open = 1 {filter}
         ORDER BY filed_at, complaint_id LIMIT ?"
    );
    let cases = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(values), |row| {
            let filed_at: i64 = row.get(6)?;
            let first_action_at: Option<i64> = row.get(7)?;
            let acknowledge_by: i64 = row.get(8)?;
            let resolve_by: i64 = row.get(9)?;
            Ok(GenderDeskCase {
                id: row.get(0)?,
                tracking_code: row.get(1)?,
                markaz: row.get(2)?,
                category: row.get(3)?,
                status: row.get(4)?,
                current_unit: row.get(5)?,
                filed_at: time(filed_at),
                age_minutes: (now - filed_at).max(0) / 60_000_000,
                acknowledge_by: time(acknowledge_by),
                resolve_by: time(resolve_by),
                acknowledge_breached: first_action_at.unwrap_or(now) > acknowledge_by,
                resolve_breached: now > resolve_by,
                updated_at: time(row.get(10)?),
                escalation: row.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(GenderDeskQueue {
        cases,
        counts: counts(conn, markaz)?,
    })
}

fn counts(conn: &Connection, markaz: Option<&str>) -> rusqlite::Result<Vec<GenderDeskCounts>> {
    let mut statement = conn.prepare_cached(
        "SELECT markaz, status, cases FROM gender_desk_counts
         WHERE ?1 IS NULL OR markaz = ?1 ORDER BY markaz, status",
    )?;
    let rows = statement
        .query_map([markaz], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut by_markaz: BTreeMap<String, GenderDeskCounts> = BTreeMap::new();
    for (markaz, status, cases) in rows {
        let entry = by_markaz
            .entry(markaz.clone())
            .or_insert_with(|| GenderDeskCounts {
                markaz,
                by_status: ComplaintStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), 0))
                    .collect(),
                open: 0,
            });
        let cases = cases.max(0) as u64;
        if ComplaintStatus::parse(&status).is_some_and(|s| s.is_open()) {
            entry.open += cases;
        }
        entry.by_status.insert(status, cases);
    }
    Ok(by_markaz.into_values().collect())
}
