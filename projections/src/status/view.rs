//! What the status read model answers: the staff view, the public tracking
//! view and filtered, keyset-paginated lists.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use markaz_domain::{ComplaintStatus, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::row::{StatusRow, COLUMNS};

/// Where a complaint stands against one deadline, judged at query time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Not done yet, and the deadline has not passed.
    Pending,
    /// Done by the deadline.
    Met,
    /// Done late, or still not done after the deadline.
    Breached,
    /// Will never be done (a withdrawn case that was never resolved, withdrawn in time).
    NotApplicable,
}

/// Both deadlines of a complaint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaView {
    pub acknowledge: SlaState,
    pub resolve: SlaState,
    pub acknowledge_breached: bool,
    pub resolve_breached: bool,
}

/// Judges the deadlines of `row` at `now`.
///
/// The acknowledgement deadline is met by the first officer action on the
/// case (acknowledgement, referral, resolution or withdrawal): a case resolved
/// straight away was answered in time. The resolution deadline is met by a
/// resolution, judged on the latest one; a reopened case is open again
/// against its original deadline.
pub fn evaluate_sla(row: &StatusRow, now: Timestamp) -> SlaView {
    let now = now.as_micros();
    let acknowledge = match row.first_action_at {
        Some(at) if at <= row.acknowledge_by => SlaState::Met,
        Some(_) => SlaState::Breached,
        None if now > row.acknowledge_by => SlaState::Breached,
        None => SlaState::Pending,
    };
    let resolve = match (row.resolved_at, row.withdrawn_at) {
        (Some(at), _) if at <= row.resolve_by => SlaState::Met,
        (Some(_), _) => SlaState::Breached,
        (None, Some(at)) if at > row.resolve_by => SlaState::Breached,
        (None, Some(_)) => SlaState::NotApplicable,
        (None, None) if now > row.resolve_by => SlaState::Breached,
        (None, None) => SlaState::Pending,
    };
    SlaView {
        acknowledge,
        resolve,
        acknowledge_breached: acknowledge == SlaState::Breached,
        resolve_breached: resolve == SlaState::Breached,
    }
}

/// A step of the public history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Status))]
    pub status: String,
    pub at: DateTime<Utc>,
}

/// The person who complained. Personal data: the read model holds it in
/// full; the API decides who sees it and masks it (`masked`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplainantView {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Gender))]
    pub gender: String,
    pub phone: String,
    pub cnic: Option<String>,
    pub address: Option<String>,
    /// True when phone and CNIC are masked and the address withheld.
    pub masked: bool,
}

/// The staff view of one complaint (`GET /complaints/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintView {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub gender_desk: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Status))]
    pub status: String,
    /// Where the case is now: the markaz itself or the unit it was referred to.
    pub current_unit: String,
    pub complainant: ComplainantView,
    pub description: String,
    pub location: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Channel))]
    pub channel: String,
    pub filed_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub acknowledge_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub sla: SlaView,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Outcome>))]
    pub outcome: Option<String>,
    pub rated: bool,
    pub rating: Option<u8>,
    pub reopen_count: u32,
    pub version: u64,
    pub position: u64,
    pub history: Vec<StatusChange>,
    /// The highest level the case was escalated to after a missed deadline
    /// (`supervisor`, `district`), and when; `None` if never.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::EscalationLevel>))]
    pub escalation: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    /// How many of its deadlines the case missed (0 to 2).
    pub deadlines_missed: u32,
}

/// The public view of one complaint (`GET /track/{code}`): no personal data,
/// no officer names, no internal ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackingView {
    pub tracking_code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Status))]
    pub status: String,
    pub category: String,
    pub filed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub acknowledge_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub rated: bool,
    pub history: Vec<StatusChange>,
}

fn time(micros: i64) -> DateTime<Utc> {
    Timestamp::from_micros(micros).to_datetime()
}

fn history(row: &StatusRow) -> Vec<StatusChange> {
    row.history
        .iter()
        .map(|entry| StatusChange {
            status: entry.status.clone(),
            at: time(entry.at),
        })
        .collect()
}

impl ComplaintView {
    pub fn from_row(row: &StatusRow, now: Timestamp) -> ComplaintView {
        ComplaintView {
            id: row.complaint_id.clone(),
            tracking_code: row.tracking_code.clone(),
            markaz: row.markaz.clone(),
            category: row.category.clone(),
            gender_desk: row.gender_desk,
            status: row.status.clone(),
            current_unit: row.current_unit.clone(),
            complainant: ComplainantView {
                name: row.complainant_name.clone(),
                gender: row.complainant_gender.clone(),
                phone: row.complainant_phone.clone(),
                cnic: row.complainant_cnic.clone(),
                address: row.complainant_address.clone(),
                masked: false,
            },
            description: row.description.clone(),
            location: row.location.clone(),
            channel: row.channel.clone(),
            filed_at: time(row.filed_at),
            acknowledged_at: row.acknowledged_at.map(time),
            resolved_at: row.resolved_at.map(time),
            withdrawn_at: row.withdrawn_at.map(time),
            updated_at: time(row.updated_at),
            acknowledge_by: time(row.acknowledge_by),
            resolve_by: time(row.resolve_by),
            sla: evaluate_sla(row, now),
            outcome: row.outcome.clone(),
            rated: row.rating.is_some(),
            rating: row.rating,
            reopen_count: row.reopen_count,
            version: row.version,
            position: row.position,
            history: history(row),
            escalation: row.escalation.clone(),
            escalated_at: row.escalated_at.map(time),
            deadlines_missed: row.deadlines_missed,
        }
    }

    /// The public part of this view.
    pub fn tracking(&self) -> TrackingView {
        TrackingView {
            tracking_code: self.tracking_code.clone(),
            status: self.status.clone(),
            category: self.category.clone(),
            filed_at: self.filed_at,
            updated_at: self.updated_at,
            acknowledge_by: self.acknowledge_by,
            resolve_by: self.resolve_by,
            rated: self.rated,
            history: self.history.clone(),
        }
    }
}

pub(crate) fn status_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<StatusRow>> {
    conn.prepare_cached(&STATUS_BY_ID)?
        .query_row([id], StatusRow::from_row)
        .optional()
}

pub(crate) fn status_by_tracking_code(
    conn: &Connection,
    code: &str,
) -> rusqlite::Result<Option<StatusRow>> {
    conn.prepare_cached(&STATUS_BY_TRACKING_CODE)?
        .query_row([code], StatusRow::from_row)
        .optional()
}

/// The staff view's lookups, formatted once rather than on every request.
static STATUS_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM complaint_status WHERE complaint_id = ?1"));
static STATUS_BY_TRACKING_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM complaint_status WHERE complaint_id = \
         (SELECT complaint_id FROM public_tracking WHERE tracking_code = ?1)"
    )
});

/// Which complaints a list shows. Every field narrows the list; times are inclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComplaintFilter {
    pub markaz: Option<String>,
    pub status: Option<ComplaintStatus>,
    pub category: Option<String>,
    pub gender_desk: Option<bool>,
    pub filed_from: Option<Timestamp>,
    pub filed_to: Option<Timestamp>,
    /// Only open cases escalated after a missed deadline (`Some(true)`), or
    /// only those never escalated (`Some(false)`).
    pub escalated: Option<bool>,
}

/// One page of a list, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComplaintList {
    pub items: Vec<ComplaintView>,
    /// Pass back as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A cursor that this build did not hand out.
#[derive(Debug, thiserror::Error)]
#[error("the cursor `{0}` is not valid: pass the next_cursor of the previous page unchanged")]
pub struct CursorError(pub String);

/// The position after the last row of a page: (filed_at, complaint_id), hex-encoded.
fn encode_cursor(row: &StatusRow) -> String {
    hex::encode(format!("{}:{}", row.filed_at, row.complaint_id))
}

fn decode_cursor(cursor: &str) -> Result<(i64, String), CursorError> {
    let invalid = || CursorError(cursor.to_owned());
    let bytes = hex::decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (at, id) = text.split_once(':').ok_or_else(invalid)?;
    let at = at.parse::<i64>().map_err(|_| invalid())?;
    uuid::Uuid::try_parse(id).map_err(|_| invalid())?;
    Ok((at, id.to_owned()))
}

/// Why a list could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Cursor(#[from] CursorError),
    #[error("reading the complaint list failed: {0}")]
    Sql(#[from] rusqlite::Error),
}

pub(crate) fn list_complaints(
    conn: &Connection,
    filter: &ComplaintFilter,
    limit: usize,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<ComplaintList, ListError> {
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(markaz) = &filter.markaz {
        conditions.push("markaz = ?");
        values.push(Value::Text(markaz.clone()));
    }
    if let Some(status) = filter.status {
        conditions.push("status = ?");
        values.push(Value::Text(status.as_str().to_owned()));
    }
    if let Some(category) = &filter.category {
        conditions.push("category = ?");
        values.push(Value::Text(category.clone()));
    }
    if let Some(gender_desk) = filter.gender_desk {
        conditions.push("gender_desk = ?");
        values.push(Value::Integer(i64::from(gender_desk)));
    }
    match filter.escalated {
        Some(true) => conditions
            .push("escalation IS NOT NULL AND status IN ('filed', 'acknowledged', 'referred')"),
        Some(false) => conditions.push("escalation IS NULL"),
        None => {}
    }
    if let Some(from) = filter.filed_from {
        conditions.push("filed_at >= ?");
        values.push(Value::Integer(from.as_micros()));
    }
    if let Some(to) = filter.filed_to {
        conditions.push("filed_at <= ?");
        values.push(Value::Integer(to.as_micros()));
    }
    if let Some(cursor) = cursor {
        let (at, id) = decode_cursor(cursor)?;
        conditions.push("(filed_at, complaint_id) < (?, ?)");
        values.push(Value::Integer(at));
        values.push(Value::Text(id));
    }
    let limit = limit.clamp(1, 500);
    values.push(Value::Integer(limit as i64 + 1));
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM complaint_status {where_clause}
         ORDER BY filed_at DESC, complaint_id DESC LIMIT ?"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement
        .query_map(rusqlite::params_from_iter(values), StatusRow::from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(encode_cursor)
    } else {
        None
    };
    Ok(ComplaintList {
        items: rows
            .iter()
            .map(|row| ComplaintView::from_row(row, now))
            .collect(),
        next_cursor,
    })
}
