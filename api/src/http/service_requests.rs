//! The service-request commands: a request at the counter, the officers'
//! steps (acknowledge, send to the station and record its answer, issue,
//! refuse, mark collected, withdraw, reissue, revoke), and the citizen's
//! rating through the tracking code (`POST /track/{code}/rating`, shared
//! with complaints).
//!
//! As for complaints: commands are decided on the request's stream, a
//! request the caller may not see is 404, `If-Match` and `Idempotency-Key`
//! work the same way, and refusals are problem answers.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use markaz_domain::{
    ComplaintAction, DocumentNumber, ServiceAction, ServiceRequestId, TrackingCode,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{ActOnServiceRequests, Authorized, RequestServices};
use super::body::ApiJson;
use super::case_steps::{self, answer, caller_of, case_problem, officer_step, CaseRoute};
use super::complaint_input::ReasonBody;
use super::idempotency::IdempotencyKey;
use super::idempotency::{run_once, CommandAnswer, Keyed};
use super::problem::Problem;
use super::service_input::{
    IssueBody, NoteBody, ReissueBody, ServiceRequestBody, StationAnswerBody, VerificationBody,
};
use super::state::AppState;
use crate::commands::{Acted, RequestedService};
use crate::officers::Principal;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/service-requests", post(request))
        .route("/service-requests/{id}/acknowledge", post(acknowledge))
        .route("/service-requests/{id}/verification", post(verification))
        .route("/service-requests/{id}/station-answer", post(station))
        .route("/service-requests/{id}/issue", post(issue))
        .route("/service-requests/{id}/refusal", post(refuse))
        .route("/service-requests/{id}/collection", post(collect))
        .route("/service-requests/{id}/withdrawal", post(withdraw))
        .route("/service-requests/{id}/reissue", post(reissue))
        .route("/service-requests/{id}/revocation", post(revoke))
}

/// Parses a request id from the path; anything else names no request.
pub fn parse_service_request_id(text: &str) -> Result<ServiceRequestId, Problem> {
    Uuid::parse_str(text)
        .map(ServiceRequestId::from_uuid)
        .map_err(|_| service_request_not_found())
}

pub fn service_request_not_found() -> Problem {
    Problem::not_found("no service request with this id is visible to you: check the id")
}

/// The 201 answer to a request; the receipt's content.
#[derive(Serialize, ToSchema)]
pub struct ServiceRequestAnswer {
    #[schema(format = Uuid)]
    pub id: String,
    /// What the citizen tracks the request with (the complaints' scheme).
    pub tracking_code: String,
    pub status: &'static str,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    /// The promised date: the end of the last working day of the deadline.
    #[schema(format = DateTime)]
    pub issue_by: String,
    pub fee_rupees: u32,
    pub station_verification: bool,
    pub version: u64,
    pub position: u64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub receipt_hash: String,
}

/// The 200 answer to an officer's step on a service request.
#[derive(Serialize, ToSchema)]
pub struct ServiceActionAnswer {
    #[schema(format = Uuid)]
    pub id: String,
    pub status: Option<&'static str>,
    /// The document in force, once issued.
    pub document_number: Option<String>,
    pub version: u64,
    pub position: u64,
}

/// Take a service request at the counter
#[utoipa::path(post, path = "/api/v1/service-requests", tag = "services",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe; the same key with another body is 422")),
    request_body = crate::http::service_input::ServiceRequestBody,
    responses(
        (status = 201, body = crate::http::service_requests::ServiceRequestAnswer, headers(("Location" = String))),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 413, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json", description = "Invalid fields, unknown service, documents not checked"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
    ),
    security(("bearer" = [])))]
async fn request(
    State(state): State<AppState>,
    auth: Authorized<RequestServices>,
    IdempotencyKey(key): IdempotencyKey,
    OriginalUri(uri): OriginalUri,
    body: ApiJson<ServiceRequestBody>,
) -> Response {
    let request = match body.value.validate(&state.services) {
        Ok(request) => request,
        Err(problem) => return problem.into_response(),
    };
    let principal = auth.principal;
    let keyed = Keyed::of(key, uri.path(), || body.digest());
    let caller = caller_of(&principal);
    let commands = state.commands.clone();
    let catalogue = state.catalogue.clone();
    run_once(&state, caller, keyed, |command_id| async move {
        let requested = commands
            .request_service(&principal, request, catalogue.calendar(), command_id)
            .await;
        answer::<ServiceRequestId, _>(requested, request_answer)
    })
    .await
}

fn request_answer(done: RequestedService) -> CommandAnswer {
    let requested = &done.requested;
    let body = ServiceRequestAnswer {
        id: done.id.to_string(),
        tracking_code: requested.tracking_code.as_str().to_owned(),
        status: "requested",
        service: requested.service.as_str().to_owned(),
        service_name_en: requested.service_name_en.clone(),
        service_name_ur: requested.service_name_ur.clone(),
        issue_by: requested.issue_by.to_rfc3339(),
        fee_rupees: requested.fee_rupees,
        station_verification: requested.station_verification,
        version: done.version,
        position: done.position,
        receipt_hash: hex::encode(done.receipt_hash),
    };
    CommandAnswer::json(StatusCode::CREATED, &body)
        .with_location(format!("/api/v1/service-requests/{}", done.id))
}

impl CaseRoute for ServiceRequestId {
    fn parse(text: &str) -> Result<Self, Problem> {
        parse_service_request_id(text)
    }

    fn not_found() -> Problem {
        service_request_not_found()
    }

    fn step_answer(done: Acted<ServiceRequestId>) -> CommandAnswer {
        let body = ServiceActionAnswer {
            id: done.id.to_string(),
            status: done.status(),
            document_number: done.state.document.map(|number| number.to_string()),
            version: done.version,
            position: done.position,
        };
        CommandAnswer::json(StatusCode::OK, &body)
    }
}

/// A fresh document number at the officer's markaz, or the problem answer.
fn document_number(state: &AppState, officer: &Principal) -> Result<DocumentNumber, Problem> {
    state
        .commands
        .new_document_number(officer)
        .map_err(case_problem::<ServiceRequestId>)
}

/// Declares the handler of an officer's step on a service request (see
/// `officer_step!`) with its operation in the document: every step takes
/// the same parameters and may give the same answers, so only the summary,
/// the path and the body differ.
macro_rules! service_step {
    ($name:ident, $summary:literal, $path:literal, $body:ty, $($action:tt)+) => {
        officer_step!(
            #[doc = $summary]
            #[utoipa::path(post, path = $path, tag = "services",
                params(
                    ("id" = uuid::Uuid, Path),
                    ("If-Match" = Option<u64>, Header, description = "Act only if the request is still at this version (412 otherwise)"),
                    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe"),
                ),
                request_body = $body,
                responses(
                    (status = 200, body = ServiceActionAnswer),
                    (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 404, body = super::openapi::Problem, content_type = "application/problem+json", description = "No such request, or not visible to the caller"),
                    (status = 409, body = super::openapi::Problem, content_type = "application/problem+json", description = "The lifecycle forbids it"),
                    (status = 412, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 413, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 415, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
                    (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
                ),
                security(("bearer" = [])))]
            $name,
            ActOnServiceRequests,
            ServiceRequestId,
            $body,
            $($action)+
        );
    };
}

service_step!(
    acknowledge,
    "Acknowledge a request",
    "/api/v1/service-requests/{id}/acknowledge",
    NoteBody,
    |state, body, _principal| body.note().map(|note| ServiceAction::Acknowledge { note })
);
service_step!(
    verification,
    "Send a request to the police station of the applicant's address",
    "/api/v1/service-requests/{id}/verification",
    VerificationBody,
    |state, body, _principal| { body.validate() }
);
service_step!(
    station,
    "Record the station's answer",
    "/api/v1/service-requests/{id}/station-answer",
    StationAnswerBody,
    |state, body, _principal| { body.validate() }
);
service_step!(
    issue,
    "Issue the document (its number is in the answer)",
    "/api/v1/service-requests/{id}/issue",
    IssueBody,
    |state, body, principal| {
        body.text().and_then(|text| {
            let number = document_number(&state, principal)?;
            Ok(ServiceAction::Issue { number, text })
        })
    }
);
service_step!(
    refuse,
    "Refuse a request; the citizen is told the reason",
    "/api/v1/service-requests/{id}/refusal",
    ReasonBody,
    |state, body, _principal| body.reason().map(|reason| ServiceAction::Refuse { reason })
);
service_step!(
    collect,
    "Record that the document was collected",
    "/api/v1/service-requests/{id}/collection",
    NoteBody,
    |state, body, _principal| body.note().map(|note| ServiceAction::Collect { note })
);
service_step!(
    withdraw,
    "Withdraw a request",
    "/api/v1/service-requests/{id}/withdrawal",
    ReasonBody,
    |state, body, _principal| body
        .reason()
        .map(|reason| ServiceAction::Withdraw { reason })
);
service_step!(
    reissue,
    "Issue a corrected document that supersedes the current one",
    "/api/v1/service-requests/{id}/reissue",
    ReissueBody,
    |state, body, principal| {
        body.validate().and_then(|(text, reason)| {
            let number = document_number(&state, principal)?;
            Ok(ServiceAction::Reissue {
                number,
                text,
                reason,
            })
        })
    }
);
service_step!(
    revoke,
    "Revoke the document in force (supervisor)",
    "/api/v1/service-requests/{id}/revocation",
    ReasonBody,
    |state, body, _principal| body.reason().map(|reason| ServiceAction::Revoke { reason })
);

/// The citizen's rating of the service request with tracking code `code`,
/// when the code names no complaint (`unknown` is the complaint side's
/// answer, given when it names no request either). The complaint side has
/// already waited for the read models to catch up.
pub async fn rate(
    state: AppState,
    code: TrackingCode,
    keyed: Option<Keyed>,
    action: ComplaintAction,
    unknown: Problem,
) -> Response {
    let id = match state.read_models.service_request_with_code(&code).await {
        Ok(Some(id)) => id,
        Ok(None) => return unknown.into_response(),
        Err(error) => return super::query_params::query_problem(error).into_response(),
    };
    let ComplaintAction::Rate { stars, comment } = action else {
        return Problem::internal(&"a rating body did not validate into a rating").into_response();
    };
    let action = ServiceAction::Rate { stars, comment };
    case_steps::rate(&state, code, keyed, id, action).await
}
