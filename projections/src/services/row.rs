//! The stored row of a service request: read whole, changed by events,
//! written back.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

/// The public history keeps at most this many entries: the request and the latest ones.
pub const HISTORY_LIMIT: usize = 32;

/// One step of the public history (times in microseconds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryStep {
    pub status: String,
    pub at: i64,
}

/// A service request as stored in `service_requests`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRow {
    pub request_id: String,
    pub tracking_code: String,
    pub markaz: String,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    pub status: String,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub applicant_cnic: String,
    pub applicant_address: Option<String>,
    pub fields: String,
    pub documents_checked: String,
    pub channel: String,
    pub station_verification: bool,
    pub fee_rupees: u32,
    pub deadline_working_days: u32,
    pub issue_by: i64,
    pub requested_at: i64,
    pub updated_at: i64,
    pub station: Option<String>,
    pub finding: Option<String>,
    pub case_references: Option<String>,
    pub issued_at: Option<i64>,
    pub document_number: Option<String>,
    pub refusal_reason: Option<String>,
    pub rating: Option<u8>,
    pub version: u64,
    pub history: Vec<HistoryStep>,
}

pub const COLUMNS: &str = "request_id, tracking_code, markaz, service, service_name_en, \
     service_name_ur, status, applicant_name, applicant_phone, applicant_cnic, \
     applicant_address, fields, documents_checked, channel, station_verification, fee_rupees, \
     deadline_working_days, issue_by, requested_at, updated_at, station, finding, \
     case_references, issued_at, document_number, refusal_reason, rating, version, history";

impl ServiceRow {
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let history: String = row.get(28)?;
        let history = serde_json::from_str(&history).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(
                28,
                rusqlite::types::Type::Text,
                Box::new(error),
            )
        })?;
        Ok(ServiceRow {
            request_id: row.get(0)?,
            tracking_code: row.get(1)?,
            markaz: row.get(2)?,
            service: row.get(3)?,
            service_name_en: row.get(4)?,
            service_name_ur: row.get(5)?,
            status: row.get(6)?,
            applicant_name: row.get(7)?,
            applicant_phone: row.get(8)?,
            applicant_cnic: row.get(9)?,
            applicant_address: row.get(10)?,
            fields: row.get(11)?,
            documents_checked: row.get(12)?,
            channel: row.get(13)?,
            station_verification: row.get(14)?,
            fee_rupees: row.get(15)?,
            deadline_working_days: row.get(16)?,
            issue_by: row.get(17)?,
            requested_at: row.get(18)?,
            updated_at: row.get(19)?,
            station: row.get(20)?,
            finding: row.get(21)?,
            case_references: row.get(22)?,
            issued_at: row.get(23)?,
            document_number: row.get(24)?,
            refusal_reason: row.get(25)?,
            rating: row.get(26)?,
            version: row.get::<_, i64>(27)?.max(0) as u64,
            history,
        })
    }

    pub fn load(tx: &Transaction<'_>, key: &str) -> rusqlite::Result<Option<Self>> {
        tx.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM service_requests WHERE request_id = ?1"
        ))?
        .query_row([key], ServiceRow::from_row)
        .optional()
    }

    /// Writes the whole row (a replayed request over its own row rewrites it).
    pub fn save(&self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let history = serde_json::to_string(&self.history)
            .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
        tx.prepare_cached(&format!(
            "INSERT OR REPLACE INTO service_requests ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, \
             ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, \
             ?23, ?24, ?25, ?26, ?27, ?28, ?29)"
        ))?
        .execute(params![
            self.request_id,
            self.tracking_code,
            self.markaz,
            self.service,
            self.service_name_en,
            self.service_name_ur,
            self.status,
            self.applicant_name,
            self.applicant_phone,
            self.applicant_cnic,
            self.applicant_address,
            self.fields,
            self.documents_checked,
            self.channel,
            self.station_verification,
            self.fee_rupees,
            self.deadline_working_days,
            self.issue_by,
            self.requested_at,
            self.updated_at,
            self.station,
            self.finding,
            self.case_references,
            self.issued_at,
            self.document_number,
            self.refusal_reason,
            self.rating,
            self.version as i64,
            history,
        ])?;
        Ok(())
    }

    /// Records a status change in the public history, keeping the first
    /// entry and the latest ones.
    pub fn push_history(&mut self, status: &str, at: i64) {
        self.history.push(HistoryStep {
            status: status.to_owned(),
            at,
        });
        if self.history.len() > HISTORY_LIMIT {
            self.history.remove(1);
        }
    }
}
