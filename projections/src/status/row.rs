//! The stored row of the status read model: how queries read it whole, and
//! how the projection reads and writes only what events change.

use std::borrow::Cow;

use markaz_domain::ComplaintFiled;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use super::public;

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
    /// The highest level the case was escalated to, and when.
    pub escalation: Option<String>,
    pub escalated_at: Option<i64>,
    pub deadlines_missed: u32,
}

pub(crate) const COLUMNS: &str = "complaint_id, tracking_code, markaz, category, gender_desk, \
    status, current_unit, complainant_name, complainant_gender, complainant_phone, \
    complainant_cnic, complainant_address, description, location, channel, filed_at, \
    first_action_at, acknowledged_at, resolved_at, withdrawn_at, acknowledge_by, resolve_by, \
    outcome, rating, reopen_count, version, position, updated_at, history, escalation, \
    escalated_at, deadlines_missed";

impl StatusRow {
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
            escalation: row.get(29)?,
            escalated_at: row.get(30)?,
            deadlines_missed: row.get(31)?,
        })
    }
}

/// One step of the history as the projection holds it: names of steps added
/// in a batch are borrowed, those read back from the file are owned. Its JSON
/// is that of [`HistoryEntry`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct HistoryStep<'a> {
    pub status: Cow<'a, str>,
    pub at: i64,
}

/// The columns of a complaint's row that events after the filing change, and
/// for a complaint filed in the same batch the filing itself, so that a row
/// is written without copying the complaint's texts.
pub(crate) struct PendingRow<'a> {
    /// The filing, when it is in this batch: the whole row is inserted.
    pub filed: Option<&'a ComplaintFiled>,
    /// What the public view shows of the filing (see `public`).
    pub tracking_code: Cow<'a, str>,
    pub category: Cow<'a, str>,
    pub acknowledge_by: i64,
    pub resolve_by: i64,
    pub filed_at: i64,
    pub status: Cow<'a, str>,
    pub current_unit: Cow<'a, str>,
    /// Set at filing, and for good by a referral to the gender desk.
    pub gender_desk: bool,
    pub first_action_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub outcome: Option<Cow<'a, str>>,
    pub rating: Option<u8>,
    pub reopen_count: u32,
    pub version: u64,
    pub position: u64,
    pub updated_at: i64,
    pub history: Vec<HistoryStep<'a>>,
    pub escalation: Option<Cow<'a, str>>,
    pub escalated_at: Option<i64>,
    pub deadlines_missed: u32,
}

impl<'a> PendingRow<'a> {
    /// Appends a history step, keeping the filing and the latest steps.
    pub fn push_history(&mut self, status: &'a str, at: i64) {
        if self.history.len() >= HISTORY_LIMIT {
            self.history.remove(1);
        }
        self.history.push(HistoryStep {
            status: Cow::Borrowed(status),
            at,
        });
    }

    /// Reads the changing columns of a stored row.
    pub fn load(tx: &Transaction<'_>, complaint_id: &str) -> rusqlite::Result<Option<Self>> {
        let mut statement = tx.prepare_cached(
            "SELECT status, current_unit, first_action_at, acknowledged_at, resolved_at,
                    withdrawn_at, outcome, rating, reopen_count, version, position, updated_at,
                    history, filed_at, gender_desk, tracking_code, category, acknowledge_by,
                    resolve_by, escalation, escalated_at, deadlines_missed
             FROM complaint_status WHERE complaint_id = ?1",
        )?;
        statement
            .query_row([complaint_id], |row| {
                let history = row.get_ref(12)?.as_str()?;
                let history = serde_json::from_str(history).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        12,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?;
                Ok(PendingRow {
                    filed: None,
                    status: Cow::Owned(row.get(0)?),
                    current_unit: Cow::Owned(row.get(1)?),
                    first_action_at: row.get(2)?,
                    acknowledged_at: row.get(3)?,
                    resolved_at: row.get(4)?,
                    withdrawn_at: row.get(5)?,
                    outcome: row.get::<_, Option<String>>(6)?.map(Cow::Owned),
                    rating: row.get(7)?,
                    reopen_count: row.get(8)?,
                    version: row.get::<_, i64>(9)?.max(0) as u64,
                    position: row.get::<_, i64>(10)?.max(0) as u64,
                    updated_at: row.get(11)?,
                    history,
                    filed_at: row.get(13)?,
                    gender_desk: row.get(14)?,
                    tracking_code: Cow::Owned(row.get(15)?),
                    category: Cow::Owned(row.get(16)?),
                    acknowledge_by: row.get(17)?,
                    resolve_by: row.get(18)?,
                    escalation: row.get::<_, Option<String>>(19)?.map(Cow::Owned),
                    escalated_at: row.get(20)?,
                    deadlines_missed: row.get(21)?,
                })
            })
            .optional()
    }

    /// Writes the row and, when asked, its public view.
    pub fn save(
        &self,
        tx: &Transaction<'_>,
        complaint_id: &str,
        public_view: bool,
        json: &mut Vec<u8>,
    ) -> rusqlite::Result<()> {
        self.save_status(tx, complaint_id, json)?;
        if !public_view {
            return Ok(());
        }
        public::save_public_view(tx, complaint_id, self, json)
    }

    /// Writes the status row: whole when its filing is in the batch, otherwise
    /// only the changing columns. `json` is a scratch buffer for the history.
    fn save_status(
        &self,
        tx: &Transaction<'_>,
        complaint_id: &str,
        json: &mut Vec<u8>,
    ) -> rusqlite::Result<()> {
        json.clear();
        serde_json::to_writer(&mut *json, &self.history)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let history = std::str::from_utf8(json)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let Some(filed) = self.filed else {
            tx.prepare_cached(
                "UPDATE complaint_status SET status = ?2, current_unit = ?3, first_action_at = ?4,
                     acknowledged_at = ?5, resolved_at = ?6, withdrawn_at = ?7, outcome = ?8,
                     rating = ?9, reopen_count = ?10, version = ?11, position = ?12,
                     updated_at = ?13, history = ?14, gender_desk = ?15, escalation = ?16,
                     escalated_at = ?17, deadlines_missed = ?18
                 WHERE complaint_id = ?1",
            )?
            .execute(params![
                complaint_id,
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
                self.gender_desk,
                self.escalation,
                self.escalated_at,
                self.deadlines_missed,
            ])?;
            return Ok(());
        };
        let complainant = &filed.complainant;
        let mut statement = tx.prepare_cached(
            "INSERT INTO complaint_status (complaint_id, tracking_code, markaz, category,
                 gender_desk, status, current_unit, complainant_name, complainant_gender,
                 complainant_phone, complainant_cnic, complainant_address, description, location,
                 channel, filed_at, first_action_at, acknowledged_at, resolved_at, withdrawn_at,
                 acknowledge_by, resolve_by, outcome, rating, reopen_count, version, position,
                 updated_at, history, escalation, escalated_at, deadlines_missed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                 ?7, ?8, ?9, ?10,
                 ?11, ?12, ?13, ?14, ?15,
                 ?16, ?17, ?18, ?19, ?20,
                 ?21, ?22, ?23, ?24, ?25, ?26,
                 ?27, ?28, ?29, ?30, ?31, ?32)
             ON CONFLICT (complaint_id) DO UPDATE SET
                 status = excluded.status, current_unit = excluded.current_unit,
                 first_action_at = excluded.first_action_at,
                 acknowledged_at = excluded.acknowledged_at, resolved_at = excluded.resolved_at,
                 withdrawn_at = excluded.withdrawn_at, outcome = excluded.outcome,
                 rating = excluded.rating, reopen_count = excluded.reopen_count,
                 version = excluded.version, position = excluded.position,
                 updated_at = excluded.updated_at, history = excluded.history,
                 gender_desk = excluded.gender_desk, escalation = excluded.escalation,
                 escalated_at = excluded.escalated_at,
                 deadlines_missed = excluded.deadlines_missed",
        )?;
        statement.execute(params![
            complaint_id,
            filed.tracking_code.as_str(),
            filed.markaz.as_str(),
            filed.category.as_str(),
            self.gender_desk,
            self.status,
            self.current_unit,
            complainant.name.as_str(),
            complainant.gender.as_str(),
            complainant.phone.as_str(),
            complainant.cnic.as_ref().map(|c| c.as_str()),
            complainant.address.as_ref().map(|a| a.as_str()),
            filed.description.as_str(),
            filed.location.as_ref().map(|l| l.as_str()),
            filed.channel.as_str(),
            self.filed_at,
            self.first_action_at,
            self.acknowledged_at,
            self.resolved_at,
            self.withdrawn_at,
            filed.acknowledge_by.as_micros(),
            filed.resolve_by.as_micros(),
            self.outcome,
            self.rating,
            self.reopen_count,
            self.version as i64,
            self.position as i64,
            self.updated_at,
            history,
            self.escalation,
            self.escalated_at,
            self.deadlines_missed,
        ])?;
        Ok(())
    }
}
