//! The views of service requests the API answers with, and the queries
//! behind them.

use markaz_domain::{ServiceRequestId, Timestamp, TrackingCode};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::row::{ServiceRow, COLUMNS};
use crate::read_models::{QueryError, ReadModels};

/// One step of a request's history, as the public and staff views show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryView {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ServiceStatus))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub at: String,
}

/// The public tracking answer of a service request: no personal data, no
/// officer names, no internal ids. `kind` tells it from a complaint's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTrackingView {
    pub tracking_code: String,
    /// Always `service_request`.
    pub kind: String,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    pub status: String,
    pub requested_at: String,
    pub updated_at: String,
    /// When the document is promised.
    pub issue_by: String,
    pub fee_rupees: u32,
    /// Why it was refused: the citizen is told.
    pub refusal_reason: Option<String>,
    /// The number of the document in force, once issued.
    pub document_number: Option<String>,
    pub rated: bool,
    pub history: Vec<HistoryView>,
}

fn time(micros: i64) -> String {
    Timestamp::from_micros(micros).to_rfc3339()
}

fn history(row: &ServiceRow) -> Vec<HistoryView> {
    row.history
        .iter()
        .map(|step| HistoryView {
            status: step.status.clone(),
            at: time(step.at),
        })
        .collect()
}

impl ServiceTrackingView {
    pub(crate) fn of(row: &ServiceRow) -> Self {
        ServiceTrackingView {
            tracking_code: row.tracking_code.clone(),
            kind: "service_request".to_owned(),
            service: row.service.clone(),
            service_name_en: row.service_name_en.clone(),
            service_name_ur: row.service_name_ur.clone(),
            status: row.status.clone(),
            requested_at: time(row.requested_at),
            updated_at: time(row.updated_at),
            issue_by: time(row.issue_by),
            fee_rupees: row.fee_rupees,
            refusal_reason: row.refusal_reason.clone(),
            document_number: row.document_number.clone(),
            rated: row.rating.is_some(),
            history: history(row),
        }
    }
}

/// The applicant as stored (the API masks it for the roles that must not
/// see it in full).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicantRecord {
    pub name: String,
    pub phone: String,
    pub cnic: String,
    pub address: Option<String>,
    /// True when phone and CNIC are masked and the address withheld (the
    /// read model holds them in full; the API masks them).
    pub masked: bool,
}

/// The staff view of a service request.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceRequestView {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    pub tracking_code: String,
    pub markaz: String,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ServiceStatus))]
    pub status: String,
    pub applicant: ApplicantRecord,
    /// The service's typed fields as given, each with its name, kind and value.
    pub fields: serde_json::Value,
    /// The documents the counter checked.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub documents_checked: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Channel))]
    pub channel: String,
    pub station_verification: bool,
    pub fee_rupees: u32,
    pub deadline_working_days: u32,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub requested_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub issue_by: String,
    /// Still open past its promised date (judged at query time).
    pub overdue: bool,
    pub station: Option<String>,
    pub finding: Option<String>,
    pub case_references: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub issued_at: Option<String>,
    pub document_number: Option<String>,
    pub refusal_reason: Option<String>,
    pub rating: Option<u8>,
    pub version: u64,
    pub history: Vec<HistoryView>,
}

impl ServiceRequestView {
    fn of(row: &ServiceRow, now: Timestamp) -> Self {
        let open = markaz_domain::ServiceStatus::parse(&row.status)
            .is_some_and(markaz_domain::ServiceStatus::is_open);
        ServiceRequestView {
            id: row.request_id.clone(),
            tracking_code: row.tracking_code.clone(),
            markaz: row.markaz.clone(),
            service: row.service.clone(),
            service_name_en: row.service_name_en.clone(),
            service_name_ur: row.service_name_ur.clone(),
            status: row.status.clone(),
            applicant: ApplicantRecord {
                name: row.applicant_name.clone(),
                phone: row.applicant_phone.clone(),
                cnic: row.applicant_cnic.clone(),
                address: row.applicant_address.clone(),
                masked: false,
            },
            fields: serde_json::from_str(&row.fields).unwrap_or(serde_json::Value::Null),
            documents_checked: serde_json::from_str(&row.documents_checked)
                .unwrap_or(serde_json::Value::Null),
            channel: row.channel.clone(),
            station_verification: row.station_verification,
            fee_rupees: row.fee_rupees,
            deadline_working_days: row.deadline_working_days,
            requested_at: time(row.requested_at),
            updated_at: time(row.updated_at),
            issue_by: time(row.issue_by),
            overdue: open && now.as_micros() >= row.issue_by,
            station: row.station.clone(),
            finding: row.finding.clone(),
            case_references: row.case_references.clone(),
            issued_at: row.issued_at.map(time),
            document_number: row.document_number.clone(),
            refusal_reason: row.refusal_reason.clone(),
            rating: row.rating,
            version: row.version,
            history: history(row),
        }
    }
}

/// Which requests a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceFilter {
    /// `None`: every markaz (auditors).
    pub markaz: Option<String>,
    pub service: Option<String>,
    pub status: Option<String>,
}

/// Whether an issued document still stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Issued,
    Superseded,
    Revoked,
}

/// A document as issued and printed: everything on the paper, nothing more
/// (the holder's CNIC is stored masked, as printed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedDocument {
    pub number: String,
    #[serde(skip)]
    pub request_id: String,
    pub markaz: String,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    pub holder_name: String,
    pub holder_cnic: String,
    pub text: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub issued_at: String,
    /// Hex SHA-256 hash-chain value of the issuing event.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub event_hash: String,
    pub status: DocumentStatus,
    pub superseded_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    /// The short digest of the content, as the QR code carries it.
    pub digest: String,
}

/// The short digest a document's QR code carries: the first 16 hex digits
/// of SHA-256 over its printed content, one item per line (number, markaz,
/// issue date `YYYY-MM-DD` in UTC, holder's name, masked CNIC, text). A
/// printed text changed by even one character has another digest.
pub fn content_digest(
    number: &str,
    markaz: &str,
    issued_on: &str,
    holder_name: &str,
    holder_cnic: &str,
    text: &str,
) -> String {
    let mut hasher = Sha256::new();
    for (index, part) in [number, markaz, issued_on, holder_name, holder_cnic, text]
        .iter()
        .enumerate()
    {
        if index > 0 {
            hasher.update(b"\n");
        }
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())[..16].to_owned()
}

impl IssuedDocument {
    /// The issue date as printed (UTC day).
    pub fn issued_on(&self) -> &str {
        self.issued_at.get(..10).unwrap_or(&self.issued_at)
    }
}

fn document_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<IssuedDocument> {
    let status: String = row.get(11)?;
    let status = match status.as_str() {
        "superseded" => DocumentStatus::Superseded,
        "revoked" => DocumentStatus::Revoked,
        _ => DocumentStatus::Issued,
    };
    let mut document = IssuedDocument {
        number: row.get(0)?,
        request_id: row.get(1)?,
        markaz: row.get(2)?,
        service: row.get(3)?,
        service_name_en: row.get(4)?,
        service_name_ur: row.get(5)?,
        holder_name: row.get(6)?,
        holder_cnic: row.get(7)?,
        text: row.get(8)?,
        issued_at: time(row.get(9)?),
        event_hash: row.get(10)?,
        status,
        superseded_by: row.get(12)?,
        revoked_at: row.get::<_, Option<i64>>(13)?.map(time),
        revocation_reason: row.get(14)?,
        digest: String::new(),
    };
    document.digest = content_digest(
        &document.number,
        &document.markaz,
        document.issued_on(),
        &document.holder_name,
        &document.holder_cnic,
        &document.text,
    );
    Ok(document)
}

const DOCUMENT_COLUMNS: &str = "number, request_id, markaz, service, service_name_en, \
     service_name_ur, holder_name, holder_cnic, text, issued_at, event_hash, status, \
     superseded_by, revoked_at, revocation_reason";

/// Largest page of a list.
pub const MAX_LIST: usize = 500;

impl ReadModels {
    /// The staff view of a service request.
    pub async fn service_request(
        &self,
        id: ServiceRequestId,
        now: Timestamp,
    ) -> Result<Option<ServiceRequestView>, QueryError> {
        self.run_point(|conn| {
            let row = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM service_requests WHERE request_id = ?1"
                ))?
                .query_row([id.to_string()], ServiceRow::from_row)
                .optional()?;
            Ok(row.map(|row| ServiceRequestView::of(&row, now)))
        })
    }

    /// The id of the service request with this tracking code, if it is one.
    pub async fn service_request_with_code(
        &self,
        code: &TrackingCode,
    ) -> Result<Option<ServiceRequestId>, QueryError> {
        self.run_point(|conn| {
            let id: Option<String> = conn
                .prepare_cached(
                    "SELECT request_id FROM service_requests WHERE request_id =
                     (SELECT complaint_id FROM public_tracking WHERE tracking_code = ?1)",
                )?
                .query_row([code.as_str()], |row| row.get(0))
                .optional()?;
            Ok(id
                .and_then(|id| uuid::Uuid::try_parse(&id).ok())
                .map(ServiceRequestId::from_uuid))
        })
    }

    /// Requests matching `filter`, newest first, at most `limit` (1..=500).
    pub async fn list_service_requests(
        &self,
        filter: ServiceFilter,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<ServiceRequestView>, QueryError> {
        self.run(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM service_requests
                 WHERE (?1 IS NULL OR markaz = ?1) AND (?2 IS NULL OR service = ?2)
                   AND (?3 IS NULL OR status = ?3)
                 ORDER BY requested_at DESC, request_id LIMIT ?4"
            ))?;
            let rows = statement
                .query_map(
                    params![
                        filter.markaz,
                        filter.service,
                        filter.status,
                        limit.clamp(1, MAX_LIST) as i64
                    ],
                    ServiceRow::from_row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .iter()
                .map(|row| ServiceRequestView::of(row, now))
                .collect())
        })
        .await
    }

    /// An issued document by its number (public: the verification page).
    pub async fn issued_document(
        &self,
        number: &str,
    ) -> Result<Option<IssuedDocument>, QueryError> {
        self.run_point(|conn| Ok(document_by_number(conn, number)?))
    }
}

fn document_by_number(conn: &Connection, number: &str) -> rusqlite::Result<Option<IssuedDocument>> {
    conn.prepare_cached(&format!(
        "SELECT {DOCUMENT_COLUMNS} FROM issued_documents WHERE number = ?1"
    ))?
    .query_row([number], document_of)
    .optional()
}
