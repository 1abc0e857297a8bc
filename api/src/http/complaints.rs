//! The complaint commands: filing, acknowledge, refer, resolve, reopen,
//! withdraw, and the citizen's rating through the tracking code.
//!
//! Commands are decided on the complaint's stream in the event store (not on
//! the read models, which may lag): the case must exist and be visible to the
//! caller, otherwise 404 (see `commands::visibility`). The rating alone finds its
//! complaint through the read models, by tracking code.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use markaz_domain::{ComplaintAction, ComplaintId, TrackingCode};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{ActOnComplaints, Authorized, FileComplaints};
use super::body::ApiJson;
use super::case_steps::{self, answer, caller_of, officer_step, CaseRoute};
use super::complaint_input::{
    AcknowledgeBody, FileBody, RateBody, ReasonBody, ReferBody, ResolveBody,
};
use super::idempotency::{run_once, CommandAnswer, IdempotencyKey, Keyed};
use super::openapi::vocabulary;
use super::problem::Problem;
use super::query_params::{look_up, ApiPath};
use super::state::AppState;
use super::tracking::{parse_code, unknown_tracking_code};
use crate::commands::{Acted, Filed};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", post(file))
        .route("/complaints/{id}/acknowledge", post(acknowledge))
        .route("/complaints/{id}/referrals", post(refer))
        .route("/complaints/{id}/resolution", post(resolve))
        .route("/complaints/{id}/reopen", post(reopen))
        .route("/complaints/{id}/withdrawal", post(withdraw))
}

/// Public routes (no token): the citizen's rating.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/track/{code}/rating", post(rate))
}

/// Parses a complaint id from the path; anything else names no complaint.
pub fn parse_complaint_id(text: &str) -> Result<ComplaintId, Problem> {
    Uuid::parse_str(text)
        .map(ComplaintId::from_uuid)
        .map_err(|_| complaint_not_found())
}

pub fn complaint_not_found() -> Problem {
    Problem::not_found("no complaint with this id is visible to you: check the id")
}

/// File a complaint
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe; the same key with another body is 422")),
    request_body = crate::http::complaint_input::FileBody,
    responses(
        (status = 201, body = crate::http::complaints::FilingAnswer, headers(("Location" = String, description = "The complaint's URL"))),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json", description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 413, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json", description = "Invalid fields (phone, CNIC, category, ...)"),
        (status = 415, body = super::openapi::Problem, content_type = "application/problem+json", description = "The body is not application/json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
    ),
    security(("bearer" = [])))]
async fn file(
    State(state): State<AppState>,
    auth: Authorized<FileComplaints>,
    IdempotencyKey(key): IdempotencyKey,
    OriginalUri(uri): OriginalUri,
    body: ApiJson<FileBody>,
) -> Response {
    let complaint = match body.value.validate(&state.catalogue) {
        Ok(complaint) => complaint,
        Err(problem) => return problem.into_response(),
    };
    let principal = auth.principal;
    let keyed = Keyed::of(key, uri.path(), || body.digest());
    let caller = caller_of(&principal);
    let commands = state.commands.clone();
    run_once(&state, caller, keyed, |command_id| async move {
        let filed = commands.file(&principal, complaint, command_id).await;
        answer::<ComplaintId, _>(filed, filing_answer)
    })
    .await
}

/// The 201 answer to a filing; its schema in the OpenAPI document is derived
/// from this type.
#[derive(Serialize, ToSchema)]
pub struct FilingAnswer {
    #[schema(format = Uuid)]
    pub id: String,
    /// What the citizen tracks the case with; shown on the receipt. The only
    /// staff answer that carries it in full, with a receipt reprint.
    pub tracking_code: String,
    #[schema(value_type = vocabulary::Status)]
    pub status: &'static str,
    pub gender_desk: bool,
    #[schema(format = DateTime)]
    pub acknowledge_by: String,
    #[schema(format = DateTime)]
    pub resolve_by: String,
    pub version: u64,
    pub position: u64,
    /// Hex SHA-256 hash-chain value of the complaint's first event: proof on
    /// the receipt that the complaint was recorded.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub receipt_hash: String,
}

/// The 200 answer to an officer's command on a complaint.
#[derive(Serialize, ToSchema)]
#[schema(as = CommandAnswer)]
pub struct ActionAnswer {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(value_type = Option<vocabulary::Status>)]
    pub status: Option<&'static str>,
    pub version: u64,
    pub position: u64,
}

fn filing_answer(done: Filed) -> CommandAnswer {
    let body = FilingAnswer {
        id: done.id.to_string(),
        tracking_code: done.filed.tracking_code.as_str().to_owned(),
        status: "filed",
        gender_desk: done.filed.gender_desk,
        acknowledge_by: done.filed.acknowledge_by.to_rfc3339(),
        resolve_by: done.filed.resolve_by.to_rfc3339(),
        version: done.version,
        position: done.position,
        receipt_hash: hex::encode(done.receipt_hash),
    };
    CommandAnswer::json(StatusCode::CREATED, &body)
        .with_location(format!("/api/v1/complaints/{}", done.id))
}

impl CaseRoute for ComplaintId {
    fn parse(text: &str) -> Result<Self, Problem> {
        parse_complaint_id(text)
    }

    fn not_found() -> Problem {
        complaint_not_found()
    }

    fn step_answer(done: Acted<ComplaintId>) -> CommandAnswer {
        let body = ActionAnswer {
            id: done.id.to_string(),
            status: done.status(),
            version: done.version,
            position: done.position,
        };
        CommandAnswer::json(StatusCode::OK, &body)
    }
}

/// An officer's step on a complaint with the contract the steps after the
/// acknowledgement share (parameters, every status), and its own summary,
/// path and body.
macro_rules! complaint_step {
    ($name:ident, $summary:literal, $path:literal, $body:ty, $($action:tt)+) => {
        officer_step!(
            #[doc = $summary]
            #[utoipa::path(post, path = $path, tag = "complaints",
                params(
                    ("id" = uuid::Uuid, Path),
                    ("If-Match" = Option<String>, Header),
                    ("Idempotency-Key" = Option<String>, Header),
                ),
                request_body = $body,
                responses(
                    (status = 200, body = crate::http::complaints::ActionAnswer),
                    (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 409, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 412, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 413, body = super::openapi::Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
                    (status = 415, body = super::openapi::Problem, content_type = "application/problem+json", description = "The body is not application/json"),
                    (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
                ),
                security(("bearer" = [])))]
            $name,
            ActOnComplaints,
            ComplaintId,
            $body,
            $($action)+
        );
    };
}

officer_step!(
    /// Acknowledge a complaint
    #[utoipa::path(post, path = "/api/v1/complaints/{id}/acknowledge", tag = "complaints",
        params(
            ("id" = uuid::Uuid, Path),
            ("If-Match" = Option<String>, Header, description = "The version the change is based on (412 if it moved on)"),
            ("Idempotency-Key" = Option<String>, Header),
        ),
        request_body(content = crate::http::complaint_input::AcknowledgeBody, description = "May be empty"),
        responses(
            (status = 200, body = crate::http::complaints::ActionAnswer),
            (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
            (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
            (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
            (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
            (status = 409, body = super::openapi::Problem, content_type = "application/problem+json", description = "The lifecycle forbids it; the problem says why"),
            (status = 412, body = super::openapi::Problem, content_type = "application/problem+json"),
            (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
            (status = 413, body = super::openapi::Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
            (status = 415, body = super::openapi::Problem, content_type = "application/problem+json", description = "The body is not application/json"),
            (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
        ),
        security(("bearer" = [])))]
    acknowledge,
    ActOnComplaints,
    ComplaintId,
    AcknowledgeBody,
    |state, body, _principal| body.validate()
);
complaint_step!(
    refer,
    "Refer a complaint to a police station, a Magistrate (s.155 CrPC), a department or the gender desk",
    "/api/v1/complaints/{id}/referrals",
    ReferBody,
    |state, body, _principal| body.validate()
);
complaint_step!(
    resolve,
    "Record the outcome",
    "/api/v1/complaints/{id}/resolution",
    ResolveBody,
    |state, body, _principal| body.validate()
);
complaint_step!(
    reopen,
    "Reopen a resolved complaint within the reopening window",
    "/api/v1/complaints/{id}/reopen",
    ReasonBody,
    |state, body, _principal| body.reason().map(|reason| {
        ComplaintAction::Reopen {
            reason,
            window_days: state.config.reopen_window_days,
        }
    })
);
complaint_step!(
    withdraw,
    "Withdraw a complaint at the complainant's request",
    "/api/v1/complaints/{id}/withdrawal",
    ReasonBody,
    |state, body, _principal| body
        .reason()
        .map(|reason| ComplaintAction::Withdraw { reason })
);

/// Rate the service once the case is resolved (once)
#[utoipa::path(post, path = "/api/v1/track/{code}/rating", tag = "public",
    params(
        ("code" = String, Path, description = "The tracking code on the receipt"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe"),
    ),
    request_body = crate::http::complaint_input::RateBody,
    responses(
        (status = 200, body = crate::http::case_steps::RatingAnswer),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json", description = "Malformed body"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json", description = "No complaint has this code"),
        (status = 409, body = super::openapi::Problem, content_type = "application/problem+json", description = "Not resolved, or already rated"),
        (status = 413, body = super::openapi::Problem, content_type = "application/problem+json", description = "Body over 64 KiB"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json", description = "Stars outside 1..5, or the idempotency key was used with another body"),
        (status = 429, body = super::openapi::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
        (status = 415, body = super::openapi::Problem, content_type = "application/problem+json", description = "The body is not application/json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", description = "The event store is unavailable or the case is contended: retry", headers(("Retry-After" = u64))),
    ))]
async fn rate(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    body: ApiJson<RateBody>,
) -> Response {
    let action = match body.value.validate() {
        Ok(action) => action,
        Err(problem) => return problem.into_response(),
    };
    let code = match parse_code(&code) {
        Ok(code) => code,
        Err(problem) => return problem.into_response(),
    };
    // The canonical code, not the path as typed: a retry may spell it otherwise.
    let path = format!("/api/v1/track/{}/rating", code.as_str());
    let keyed = Keyed::of(key, &path, || body.digest());
    let id = match complaint_with_code(&state, &code).await {
        Ok(id) => id,
        // One tracking scheme for both kinds: the code may be a service request's.
        Err(problem) => {
            return super::service_requests::rate(state, code, keyed, action, problem).await
        }
    };
    case_steps::rate(&state, code, keyed, id, action).await
}

/// The complaint a tracking code names, from the read models.
async fn complaint_with_code(
    state: &AppState,
    code: &TrackingCode,
) -> Result<ComplaintId, Problem> {
    let now = state.commands.now();
    let view = look_up(state, || {
        state.read_models.status_by_tracking_code(code, now)
    })
    .await?
    .ok_or_else(unknown_tracking_code)?;
    parse_complaint_id(&view.id)
}
