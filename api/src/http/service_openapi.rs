//! The OpenAPI declarations of the service-request routes and the public
//! verification (see `openapi.rs`, which lists them): their answers' shapes
//! as schema types and each route's contract.

#![allow(dead_code)] // schema types and operation declarations exist for the document only

use serde::Serialize;
use utoipa::ToSchema;

use super::openapi::{AccessLog, Problem, Timeline};

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

macro_rules! step_operation {
    ($name:ident, $path:literal, $body:ty, $summary:literal) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "services",
            params(
                ("id" = uuid::Uuid, Path),
                ("If-Match" = Option<u64>, Header, description = "Act only if the request is still at this version (412 otherwise)"),
                ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe"),
            ),
            request_body = $body,
            responses(
                (status = 200, body = crate::http::service_requests::ServiceActionAnswer),
                (status = 400, body = Problem, content_type = "application/problem+json"),
                (status = 401, body = Problem, content_type = "application/problem+json"),
                (status = 403, body = Problem, content_type = "application/problem+json"),
                (status = 404, body = Problem, content_type = "application/problem+json", description = "No such request, or not visible to the caller"),
                (status = 409, body = Problem, content_type = "application/problem+json", description = "The lifecycle forbids it"),
                (status = 412, body = Problem, content_type = "application/problem+json"),
                (status = 413, body = Problem, content_type = "application/problem+json"),
                (status = 415, body = Problem, content_type = "application/problem+json"),
                (status = 422, body = Problem, content_type = "application/problem+json"),
                (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
            ),
            security(("bearer" = [])))]
        pub fn $name() {}
    };
}

step_operation!(
    acknowledge,
    "/api/v1/service-requests/{id}/acknowledge",
    crate::http::service_input::NoteBody,
    "Acknowledge a request"
);
step_operation!(
    verification,
    "/api/v1/service-requests/{id}/verification",
    crate::http::service_input::VerificationBody,
    "Send a request to the police station of the applicant's address"
);
step_operation!(
    station_answer,
    "/api/v1/service-requests/{id}/station-answer",
    crate::http::service_input::StationAnswerBody,
    "Record the station's answer"
);
step_operation!(
    issue,
    "/api/v1/service-requests/{id}/issue",
    crate::http::service_input::IssueBody,
    "Issue the document (its number is in the answer)"
);
step_operation!(
    refusal,
    "/api/v1/service-requests/{id}/refusal",
    crate::http::complaint_input::ReasonBody,
    "Refuse a request; the citizen is told the reason"
);
step_operation!(
    collection,
    "/api/v1/service-requests/{id}/collection",
    crate::http::service_input::NoteBody,
    "Record that the document was collected"
);
step_operation!(
    withdrawal,
    "/api/v1/service-requests/{id}/withdrawal",
    crate::http::complaint_input::ReasonBody,
    "Withdraw a request"
);
step_operation!(
    reissue,
    "/api/v1/service-requests/{id}/reissue",
    crate::http::service_input::ReissueBody,
    "Issue a corrected document that supersedes the current one"
);
step_operation!(
    revocation,
    "/api/v1/service-requests/{id}/revocation",
    crate::http::complaint_input::ReasonBody,
    "Revoke the document in force (supervisor)"
);

/// The service catalogue
#[utoipa::path(get, path = "/api/v1/services", tag = "public",
    responses(
        (status = 200, body = ServiceList),
        (status = 429, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
    ))]
pub fn services() {}

/// Take a service request at the counter
#[utoipa::path(post, path = "/api/v1/service-requests", tag = "services",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe; the same key with another body is 422")),
    request_body = crate::http::service_input::ServiceRequestBody,
    responses(
        (status = 201, body = crate::http::service_requests::ServiceRequestAnswer, headers(("Location" = String))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields, unknown service, documents not checked"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
    ),
    security(("bearer" = [])))]
pub fn request() {}

/// List service requests, newest first (applicants always masked)
#[utoipa::path(get, path = "/api/v1/service-requests", tag = "services",
    params(
        ("service" = Option<String>, Query),
        ("status" = Option<String>, Query),
        ("markaz" = Option<String>, Query, description = "Auditors only"),
        ("limit" = Option<u32>, Query, description = "1..=500, default 50"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = ServiceRequestPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub fn list() {}

/// One service request (a full read of the applicant is access-logged)
#[utoipa::path(get, path = "/api/v1/service-requests/{id}", tag = "services",
    params(("id" = uuid::Uuid, Path), ("min_position" = Option<u64>, Query)),
    responses(
        (status = 200, body = ServiceRequestSchema, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub fn one() {}

/// A service request's events
#[utoipa::path(get, path = "/api/v1/service-requests/{id}/timeline", tag = "services",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Timeline),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub fn timeline() {}

/// The printable document in force, with its verification QR code (HTML)
#[utoipa::path(get, path = "/api/v1/service-requests/{id}/document", tag = "services",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "text/html", body = String),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Nothing issued yet"),
    ),
    security(("bearer" = [])))]
pub fn document() {}

/// Performance per service over a range of local days
#[utoipa::path(get, path = "/api/v1/service-performance", tag = "performance",
    params(
        ("from" = String, Query, description = "YYYY-MM-DD (local day) or RFC 3339, inclusive"),
        ("to" = String, Query, description = "YYYY-MM-DD (local day) or RFC 3339, inclusive"),
        ("markaz" = Option<String>, Query, description = "Auditors only"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = ServicePerformanceReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub fn performance() {}

/// Verify an issued document by its number (and the digest its QR code carries)
#[utoipa::path(get, path = "/api/v1/verify/{number}", tag = "public",
    params(
        ("number" = String, Path, description = "The number printed on the document"),
        ("digest" = Option<String>, Query, description = "The content digest printed beside the QR code"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = VerifiedDocument),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No document has this number"),
        (status = 429, body = Problem, content_type = "application/problem+json",
            description = "Too many requests, or too many unknown numbers, from this address", headers(("Retry-After" = u64))),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ))]
pub fn verify() {}

/// A service request as it stood at a past time or version (auditor; access-logged)
#[utoipa::path(get, path = "/api/v1/audit/service-requests/{id}", tag = "audit",
    params(
        ("id" = uuid::Uuid, Path),
        ("as_of" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD (end of that day)"),
        ("version" = Option<u64>, Query, description = "The first N events"),
    ),
    responses(
        (status = 200, body = serde_json::Value, description = "`{id, version, current_version, state, events}`"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub fn audit_service_request() {}

/// Who was shown a service request, when, with or without personal data (auditor)
#[utoipa::path(get, path = "/api/v1/audit/service-requests/{id}/access", tag = "audit",
    params(("id" = uuid::Uuid, Path),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Entries per page (default 100)"),
        ("cursor" = Option<String>, Query, description = "The next_cursor of the previous page")),
    responses(
        (status = 200, body = AccessLog),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub fn audit_service_request_access() {}
