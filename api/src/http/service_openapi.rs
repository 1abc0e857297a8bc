//! The shapes of the service-request answers that are built as JSON rather
//! than typed structs, for the OpenAPI document (see `openapi.rs`); the
//! operations are declared on their handlers.

#![allow(dead_code)] // schema types exist for the document only

use serde::Serialize;
use utoipa::ToSchema;

/// One field a service asks for.
#[derive(Serialize, ToSchema)]
pub struct ServiceFieldSchema {
    pub name: String,
    /// `cnic`, `phone`, `date`, `address`, `vehicle_registration` or `text`.
    pub kind: String,
    pub label_en: String,
    pub label_ur: String,
    pub required: bool,
}

/// A service of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct ServiceSchema {
    pub code: String,
    pub name_en: String,
    pub name_ur: String,
    pub fields: Vec<ServiceFieldSchema>,
    /// What the counter must see (all to be checked in `documents_checked`).
    pub documents: Vec<String>,
    pub station_verification: bool,
    /// Recorded, never collected by Markaz.
    pub fee_rupees: u32,
    pub deadline_working_days: u32,
    pub issues_en: String,
    pub issues_ur: String,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<ServiceSchema>,
}

/// One step of a request's history.
#[derive(Serialize, ToSchema)]
pub struct ServiceHistoryStep {
    pub status: String,
    #[schema(format = DateTime)]
    pub at: String,
}

/// The staff view of a service request: the applicant in full or masked
/// (`applicant.masked`), the tracking code masked.
#[derive(Serialize, ToSchema)]
pub struct ServiceRequestSchema {
    #[schema(format = Uuid)]
    pub id: String,
    pub tracking_code: String,
    pub markaz: String,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    /// `requested`, `acknowledged`, `at_station`, `verified`, `issued`,
    /// `refused`, `collected`, `withdrawn` or `revoked`.
    pub status: String,
    pub applicant: serde_json::Value,
    pub fields: serde_json::Value,
    pub documents_checked: Vec<String>,
    pub channel: String,
    pub station_verification: bool,
    pub fee_rupees: u32,
    pub deadline_working_days: u32,
    #[schema(format = DateTime)]
    pub requested_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub issue_by: String,
    pub overdue: bool,
    pub station: Option<String>,
    pub finding: Option<String>,
    pub case_references: Option<String>,
    pub issued_at: Option<String>,
    pub document_number: Option<String>,
    pub refusal_reason: Option<String>,
    pub rating: Option<u8>,
    pub version: u64,
    pub history: Vec<ServiceHistoryStep>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceRequestPage {
    pub items: Vec<ServiceRequestSchema>,
}

/// A station's verification times.
#[derive(Serialize, ToSchema)]
pub struct StationTimesSchema {
    pub station: String,
    pub sent: u64,
    pub answered: u64,
    pub adverse: u64,
    pub answer_hours_p50: Option<f64>,
    pub answer_hours_p90: Option<f64>,
}

/// The figures of one service.
#[derive(Serialize, ToSchema)]
pub struct ServicePerformanceSchema {
    pub service: String,
    pub name_en: String,
    pub name_ur: String,
    pub requested: u64,
    pub issued: u64,
    pub refused: u64,
    pub withdrawn: u64,
    pub open: u64,
    pub issue_hours_p50: Option<f64>,
    pub issue_hours_p90: Option<f64>,
    pub issued_within_deadline_pct: Option<f64>,
    pub rating_avg: Option<f64>,
    pub ratings: Vec<u64>,
    pub stations: Vec<StationTimesSchema>,
}

#[derive(Serialize, ToSchema)]
pub struct ServicePerformanceReport {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub services: Vec<ServicePerformanceSchema>,
}

/// An issued document as the verification page shows it: its content as
/// issued and whether it stands.
#[derive(Serialize, ToSchema)]
pub struct VerifiedDocument {
    pub number: String,
    pub markaz: String,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    pub holder_name: String,
    /// Masked, as printed.
    pub holder_cnic: String,
    pub text: String,
    #[schema(format = DateTime)]
    pub issued_at: String,
    /// Hex SHA-256 hash-chain value of the issuing event.
    pub event_hash: String,
    /// `issued`, `superseded` or `revoked`.
    pub status: String,
    pub superseded_by: Option<String>,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    /// The short content digest the QR code carries.
    pub digest: String,
    /// With `?digest=`: whether the printed content is the content issued.
    pub matches: Option<bool>,
}
