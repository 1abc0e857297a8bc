//! The stored row of the status read model and how it is read and written.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

/// The public history keeps at most this many entries: the filing and the latest ones.
pub const HISTORY_LIMIT: usize = 32;

/// One step of the public history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// A status name, or `reopened` for a reopening (which makes the case
    /// acknowledged again).
    pub status: String,
    /// Microseconds since the epoch.
    pub at: i64,
}

/// A complaint as stored in `complaint_status`. Times are microseconds since the epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRow {
    pub complaint_id: String,
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub gender_desk: bool,
    pub status: String,
    pub current_unit: String,
    pub complainant_name: String,
    pub complainant_gender: String,
    pub complainant_phone: String,
    pub complainant_cnic: Option<String>,
    pub complainant_address: Option<String>,
    pub description: String,
    pub location: Option<String>,
    pub channel: String,
    pub filed_at: i64,
    pub first_action_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub acknowledge_by: i64,
    pub resolve_by: i64,
    pub outcome: Option<String>,
    pub rating: Option<u8>,
    pub reopen_count: u32,
    pub version: u64,
    pub position: u64,
    pub updated_at: i64,
    pub history: Vec<HistoryEntry>,
}

pub(crate) const COLUMNS: &str = "complaint_id, tracking_code, markaz, category, gender_desk, \
    status, current_unit, complainant_name, complainant_gender, complainant_phone, \
    complainant_cnic, complainant_address, description, location, channel, filed_at, \
    first_action_at, acknowledged_at, resolved_at, withdrawn_at, acknowledge_by, resolve_by, \
    outcome, rating, reopen_count, version, position, updated_at, history";

impl StatusRow {
    /// Appends a history step, keeping the filing and the latest steps.
    pub fn push_history(&mut self, status: &str, at: i64) {
        if self.history.len() >= HISTORY_LIMIT {
            self.history.remove(1);
        }
        self.history.push(HistoryEntry {
            status: status.to_owned(),
            at,
        });
    }

    /// Reads a row selected with [`COLUMNS`].
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<StatusRow> {
        let history: String = row.get(28)?;
        let history = serde_json::from_str(&history).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(28, rusqlite::types::Type::Text, Box::new(e))
        })?;
        Ok(StatusRow {
            complaint_id: row.get(0)?,
            tracking_code: row.get(1)?,
            markaz: row.get(2)?,
            category: row.get(3)?,
            gender_desk: row.get(4)?,
            status: row.get(5)?,
            current_unit: row.get(6)?,
            complainant_name: row.get(7)?,
            complainant_gender: row.get(8)?,
            complainant_phone: row.get(9)?,
            complainant_cnic: row.get(10)?,
            complainant_address: row.get(11)?,
            description: row.get(12)?,
            location: row.get(13)?,
            channel: row.get(14)?,
            filed_at: row.get(15)?,
            first_action_at: row.get(16)?,
            acknowledged_at: row.get(17)?,
            resolved_at: row.get(18)?,
            withdrawn_at: row.get(19)?,
            acknowledge_by: row.get(20)?,
            resolve_by: row.get(21)?,
            outcome: row.get(22)?,
            rating: row.get(23)?,
            reopen_count: row.get(24)?,
            version: row.get::<_, i64>(25)?.max(0) as u64,
            position: row.get::<_, i64>(26)?.max(0) as u64,
            updated_at: row.get(27)?,
            history,
        })
    }

    pub(crate) fn load(
        tx: &Transaction<'_>,
        complaint_id: &str,
    ) -> rusqlite::Result<Option<StatusRow>> {
        let mut statement = tx.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM complaint_status WHERE complaint_id = ?1"
        ))?;
        statement
            .query_row([complaint_id], StatusRow::from_row)
            .optional()
    }

    /// Writes the columns that change after filing, for a row already stored.
    pub(crate) fn save_changes(&self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let history = serde_json::to_string(&self.history)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        tx.prepare_cached(
            "UPDATE complaint_status SET status = ?2, current_unit = ?3, first_action_at = ?4,
                 acknowledged_at = ?5, resolved_at = ?6, withdrawn_at = ?7, outcome = ?8,
                 rating = ?9, reopen_count = ?10, version = ?11, position = ?12,
                 updated_at = ?13, history = ?14
             WHERE complaint_id = ?1",
        )?
        .execute(params![
            self.complaint_id,
            self.status,
            self.current_unit,
            self.first_action_at,
            self.acknowledged_at,
            self.resolved_at,
            self.withdrawn_at,
            self.outcome,
            self.rating,
            self.reopen_count,
            self.version as i64,
            self.position as i64,
            self.updated_at,
            history,
        ])?;
        Ok(())
    }

    /// Writes the whole row (a complaint filed in this batch).
    pub(crate) fn save(&self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let history = serde_json::to_string(&self.history)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let mut statement = tx.prepare_cached(
            "INSERT INTO complaint_status (complaint_id, tracking_code, markaz, category,
                 gender_desk, status, current_unit, complainant_name, complainant_gender,
                 complainant_phone, complainant_cnic, complainant_address, description, location,
                 channel, filed_at, first_action_at, acknowledged_at, resolved_at, withdrawn_at,
                 acknowledge_by, resolve_by, outcome, rating, reopen_count, version, position,
                 updated_at, history)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                 ?7, ?8, ?9, ?10,
                 ?11, ?12, ?13, ?14, ?15,
                 ?16, ?17, ?18, ?19, ?20,
                 ?21, ?22, ?23, ?24, ?25, ?26,
                 ?27, ?28, ?29)
             ON CONFLICT (complaint_id) DO UPDATE SET
                 status = excluded.status, current_unit = excluded.current_unit,
                 first_action_at = excluded.first_action_at,
                 acknowledged_at = excluded.acknowledged_at, resolved_at = excluded.resolved_at,
                 withdrawn_at = excluded.withdrawn_at, outcome = excluded.outcome,
                 rating = excluded.rating, reopen_count = excluded.reopen_count,
                 version = excluded.version, position = excluded.position,
                 updated_at = excluded.updated_at, history = excluded.history",
        )?;
        statement.execute(params![
            self.complaint_id,
            self.tracking_code,
            self.markaz,
            self.category,
            self.gender_desk,
            self.status,
            self.current_unit,
            self.complainant_name,
            self.complainant_gender,
            self.complainant_phone,
            self.complainant_cnic,
            self.complainant_address,
            self.description,
            self.location,
            self.channel,
            self.filed_at,
            self.first_action_at,
            self.acknowledged_at,
            self.resolved_at,
            self.withdrawn_at,
            self.acknowledge_by,
            self.resolve_by,
            self.outcome,
            self.rating,
            self.reopen_count,
            self.version as i64,
            self.position as i64,
            self.updated_at,
            history,
        ])?;
        Ok(())
    }
}
