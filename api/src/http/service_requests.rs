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
use markaz_domain::{ComplaintAction, ServiceAction, ServiceRequestId, TrackingCode};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{ActOnServiceRequests, Authorized, RequestServices};
use super::body::ApiJson;
use super::command_errors::failure_problem;
use super::complaint_input::ReasonBody;
use super::idempotency::IdempotencyKey;
use super::idempotency::{run_once, with_precondition, CommandAnswer, Keyed};
use super::if_match::IfMatch;
use super::problem::Problem;
use super::query_params::ApiPath;
use super::service_input::{
    IssueBody, NoteBody, ReissueBody, ServiceRequestBody, StationAnswerBody, VerificationBody,
};
use super::state::AppState;
use crate::commands::{CommandFailure, RequestedService, ServiceActed};
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

/// A failure as a problem, naming a service request where it says "unknown".
fn service_problem(failure: CommandFailure) -> Problem {
    match failure {
        CommandFailure::NotFound => service_request_not_found(),
        other => failure_problem(other),
    }
}

fn answer<T>(
    outcome: Result<T, CommandFailure>,
    to_answer: impl FnOnce(T) -> CommandAnswer,
) -> CommandAnswer {
    match outcome {
        Ok(done) => to_answer(done),
        Err(failure) => service_problem(failure).into(),
    }
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

fn caller_of(principal: &Principal) -> String {
    format!("officer:{}", principal.officer_id)
}

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
        answer(requested, request_answer)
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

/// Everything an officer's step on an existing request shares.
struct Step {
    principal: Principal,
    id: String,
    keyed: Option<Keyed>,
    if_match: Option<u64>,
}

async fn act(state: AppState, step: Step, action: ServiceAction) -> Response {
    let id = match parse_service_request_id(&step.id) {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    let caller = caller_of(&step.principal);
    let principal = step.principal;
    if step.keyed.is_some() {
        // A recorded answer is replayed only to a caller who may still see it.
        if let Err(failure) = state.commands.check_service_visible(&principal, id).await {
            return service_problem(failure).into_response();
        }
    }
    let if_match = step.if_match;
    let commands = state.commands.clone();
    run_once(&state, caller, step.keyed, |command_id| async move {
        let acted = commands
            .act_on_service(&principal, id, action, if_match, command_id)
            .await;
        answer(acted, |done: ServiceActed| {
            let body = ServiceActionAnswer {
                id: done.id.to_string(),
                status: done.status.map(|status| status.as_str()),
                document_number: done.document_number.map(|number| number.to_string()),
                version: done.version,
                position: done.position,
            };
            CommandAnswer::json(StatusCode::OK, &body)
        })
    })
    .await
}

macro_rules! service_step {
    ($name:ident, $body:ty, |$state:ident, $value:ident, $principal:ident| $action:expr) => {
        async fn $name(
            State($state): State<AppState>,
            auth: Authorized<ActOnServiceRequests>,
            ApiPath(id): ApiPath<String>,
            IfMatch(if_match): IfMatch,
            IdempotencyKey(key): IdempotencyKey,
            OriginalUri(uri): OriginalUri,
            body: ApiJson<$body>,
        ) -> Response {
            let $value = &body.value;
            let $principal = &auth.principal;
            let action: Result<ServiceAction, Problem> = $action;
            let action = match action {
                Ok(action) => action,
                Err(problem) => return problem.into_response(),
            };
            let step = Step {
                principal: auth.principal.clone(),
                id,
                keyed: Keyed::of(key, &with_precondition(uri.path(), if_match), || {
                    body.digest()
                }),
                if_match,
            };
            act($state, step, action).await
        }
    };
}

service_step!(acknowledge, NoteBody, |state, body, _principal| body
    .note()
    .map(|note| ServiceAction::Acknowledge { note }));
service_step!(verification, VerificationBody, |state, body, _principal| {
    body.validate()
});
service_step!(station, StationAnswerBody, |state, body, _principal| {
    body.validate()
});
service_step!(issue, IssueBody, |state, body, principal| {
    body.text().and_then(|text| {
        let number = state
            .commands
            .new_document_number(principal)
            .map_err(service_problem)?;
        Ok(ServiceAction::Issue { number, text })
    })
});
service_step!(refuse, ReasonBody, |state, body, _principal| body
    .reason()
    .map(|reason| ServiceAction::Refuse { reason }));
service_step!(collect, NoteBody, |state, body, _principal| body
    .note()
    .map(|note| ServiceAction::Collect { note }));
service_step!(withdraw, ReasonBody, |state, body, _principal| body
    .reason()
    .map(|reason| ServiceAction::Withdraw { reason }));
service_step!(reissue, ReissueBody, |state, body, principal| {
    body.validate().and_then(|(text, reason)| {
        let number = state
            .commands
            .new_document_number(principal)
            .map_err(service_problem)?;
        Ok(ServiceAction::Reissue {
            number,
            text,
            reason,
        })
    })
});
service_step!(revoke, ReasonBody, |state, body, _principal| body
    .reason()
    .map(|reason| ServiceAction::Revoke { reason }));

/// The 200 answer to a rating: no personal data and no internal id.
#[derive(Serialize)]
struct ServiceRatingAnswer {
    tracking_code: String,
    status: Option<&'static str>,
    rated: bool,
    version: u64,
    position: u64,
}

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
    let caller = format!("citizen:{}", code.as_str());
    let commands = state.commands.clone();
    run_once(&state, caller, keyed, |command_id| async move {
        let rated = commands.rate_service(id, action, command_id).await;
        answer(rated, |done: ServiceActed| {
            let body = ServiceRatingAnswer {
                tracking_code: code.as_str().to_owned(),
                status: done.status.map(|status| status.as_str()),
                rated: done.rated,
                version: done.version,
                position: done.position,
            };
            CommandAnswer::json(StatusCode::OK, &body)
        })
    })
    .await
}
