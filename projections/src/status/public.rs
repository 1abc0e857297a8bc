//! The public tracking table: each complaint's `GET /track/{code}` answer,
//! rendered by the status projection whenever the case changes and sent as
//! stored. The lookup a citizen makes is one descent of one small B-tree with
//! no decoding and encoding, and what the table holds is by construction only
//! what the public view shows (plus the complaint id that links it to the
//! staff row, which is never sent).

use markaz_domain::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};

use super::row::PendingRow;
use super::view::{StatusChange, TrackingView};

/// A complaint's public view as stored: the JSON of a [`TrackingView`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackingJson(String);

impl TrackingJson {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}

/// The stored public view of the complaint with this tracking code.
pub(crate) fn tracking_by_code(
    conn: &rusqlite::Connection,
    code: &str,
) -> rusqlite::Result<Option<TrackingJson>> {
    conn.prepare_cached("SELECT view FROM public_tracking WHERE tracking_code = ?1")?
        .query_row([code], |row| row.get(0).map(TrackingJson))
        .optional()
}

/// The public view of a row as the projection holds it.
fn tracking_view(row: &PendingRow<'_>) -> TrackingView {
    let time = |micros: i64| Timestamp::from_micros(micros).to_datetime();
    TrackingView {
        tracking_code: row.tracking_code.to_string(),
        status: row.status.to_string(),
        category: row.category.to_string(),
        filed_at: time(row.filed_at),
        updated_at: time(row.updated_at),
        acknowledge_by: time(row.acknowledge_by),
        resolve_by: time(row.resolve_by),
        rated: row.rating.is_some(),
        history: row
            .history
            .iter()
            .map(|step| StatusChange {
                status: step.status.to_string(),
                at: time(step.at),
            })
            .collect(),
    }
}

/// Writes the public view of `row`; `json` is a scratch buffer.
///
/// A filing inserts the row. Its tracking code must be new: a code held by
/// another complaint fails the batch, as the unique index on the status
/// table did before this table kept codes unique.
pub(crate) fn save_public_view(
    tx: &Transaction<'_>,
    complaint_id: &str,
    row: &PendingRow<'_>,
    json: &mut Vec<u8>,
) -> rusqlite::Result<()> {
    json.clear();
    serde_json::to_writer(&mut *json, &tracking_view(row))
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let view = std::str::from_utf8(json)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let code = row.tracking_code.as_ref();
    let written = if row.filed.is_some() {
        tx.prepare_cached(
            "INSERT INTO public_tracking (tracking_code, complaint_id, view) VALUES (?1, ?2, ?3)
             ON CONFLICT (tracking_code) DO UPDATE SET view = excluded.view
             WHERE public_tracking.complaint_id = excluded.complaint_id",
        )?
        .execute(params![code, complaint_id, view])?
    } else {
        tx.prepare_cached("UPDATE public_tracking SET view = ?2 WHERE tracking_code = ?1")?
            .execute(params![code, view])?
    };
    if written == 1 {
        return Ok(());
    }
    Err(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
        Some(format!(
            "the public view of complaint {complaint_id} was not written: tracking code {code} \
             belongs to another complaint or has no row"
        )),
    ))
}
