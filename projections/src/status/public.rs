//! The public tracking table: each complaint's `GET /track/{code}` answer,
//! rendered by the status projection whenever the case changes and sent as
//! stored. The lookup a citizen makes is one descent of one small B-tree with
//! no decoding and encoding, and what the table holds is by construction only
//! what the public view shows (plus the complaint id that links it to the
//! staff row, which is never sent).

use rusqlite::{params, OptionalExtension, Transaction};

use super::public_json::PublicFields;
use super::row::{HistoryStep, PendingRow};

/// A complaint's public view as stored: the JSON of a [`TrackingView`](super::TrackingView).
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

impl<'r> PublicFields<'r> {
    fn of(row: &'r PendingRow<'r>) -> Self {
        PublicFields {
            tracking_code: &row.tracking_code,
            status: &row.status,
            category: &row.category,
            filed_at: row.filed_at,
            updated_at: row.updated_at,
            acknowledge_by: row.acknowledge_by,
            resolve_by: row.resolve_by,
            rated: row.rating.is_some(),
            history: &row.history,
        }
    }
}

/// Writes the public view of `row`; `json` is a scratch buffer.
///
/// A filing inserts the row (or, replayed over an existing row of the same
/// complaint, rewrites it). Its tracking code must be new: a code held by
/// another complaint fails the batch, as the unique index on the status
/// table did before this table kept codes unique.
pub(crate) fn save_public_view(
    tx: &Transaction<'_>,
    complaint_id: &str,
    row: &PendingRow<'_>,
    json: &mut Vec<u8>,
) -> rusqlite::Result<()> {
    let view = PublicFields::of(row).render(json);
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

/// Writes the public view of every case, in tracking-code order so that the
/// table is written front to back: how a rebuild (`PublicViews::AtTheEnd`)
/// fills it after its last batch.
pub(crate) fn fill_public_views(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    // The sort below holds every case's columns: let it spill to a
    // temporary file past the page cache rather than grow in memory.
    conn.execute_batch("PRAGMA temp_store = FILE")?;
    let tx = conn.transaction()?;
    fill_in(&tx)?;
    tx.commit()?;
    conn.execute_batch("PRAGMA temp_store = MEMORY")
}

fn fill_in(conn: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut cases = conn.prepare(
        "SELECT complaint_id, tracking_code, status, category, filed_at, updated_at,
                acknowledge_by, resolve_by, rating IS NOT NULL, history
         FROM complaint_status ORDER BY tracking_code",
    )?;
    let mut insert = conn.prepare(
        "INSERT INTO public_tracking (tracking_code, complaint_id, view) VALUES (?1, ?2, ?3)",
    )?;
    let mut json = Vec::with_capacity(1024);
    let mut rows = cases.query([])?;
    while let Some(row) = rows.next()? {
        let history: Vec<HistoryStep<'_>> = serde_json::from_str(row.get_ref(9)?.as_str()?)
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    9,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?;
        let tracking_code = row.get_ref(1)?.as_str()?;
        let fields = PublicFields {
            tracking_code,
            status: row.get_ref(2)?.as_str()?,
            category: row.get_ref(3)?.as_str()?,
            filed_at: row.get(4)?,
            updated_at: row.get(5)?,
            acknowledge_by: row.get(6)?,
            resolve_by: row.get(7)?,
            rated: row.get(8)?,
            history: &history,
        };
        let view = fields.render(&mut json);
        insert.execute(params![tracking_code, row.get_ref(0)?.as_str()?, view])?;
    }
    Ok(())
}
