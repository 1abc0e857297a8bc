//! An officer's step on an existing case and the citizen's rating, over
//! HTTP, for every kind of case (complaints, service requests): the id
//! parsed from the path, `If-Match` and `Idempotency-Key` applied, the
//! command sent through the command layer and its outcome answered. A kind
//! says only how its ids parse, how "unknown" is worded and what a step
//! answers (`CaseRoute`); the route modules declare the handlers with
//! `officer_step!`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use markaz_domain::TrackingCode;
use markaz_store::command_loop::Loaded;
use serde::Serialize;
use utoipa::ToSchema;

use super::command_errors::failure_problem;
use super::idempotency::{run_once, with_precondition, CommandAnswer, Keyed};
use super::openapi::vocabulary;
use super::problem::Problem;
use super::query_params::wait_for;
use super::state::AppState;
use crate::commands::{Acted, CaseId, CommandFailure};
use crate::officers::Principal;

/// What the HTTP layer needs to know of a kind of case.
pub trait CaseRoute: CaseId {
    /// The id in a path; anything else names no case (404).
    fn parse(text: &str) -> Result<Self, Problem>;

    /// The 404 of this kind: no case with this id is visible to the caller.
    fn not_found() -> Problem;

    /// The 200 answer to an officer's step.
    fn step_answer(done: Acted<Self>) -> CommandAnswer;
}

/// A failure as a problem, worded for the kind of case where it says "unknown".
pub fn case_problem<I: CaseRoute>(failure: CommandFailure) -> Problem {
    match failure {
        CommandFailure::NotFound => I::not_found(),
        other => failure_problem(other),
    }
}

/// The answer of a command: its JSON, or its failure as a problem.
pub fn answer<I: CaseRoute, T>(
    outcome: Result<T, CommandFailure>,
    to_answer: impl FnOnce(T) -> CommandAnswer,
) -> CommandAnswer {
    match outcome {
        Ok(done) => to_answer(done),
        Err(failure) => case_problem::<I>(failure).into(),
    }
}

/// Who a recorded answer belongs to, for idempotency.
pub fn caller_of(principal: &Principal) -> String {
    format!("officer:{}", principal.officer_id)
}

/// Everything an officer's step on an existing case shares.
pub struct OfficerStep {
    pub principal: Principal,
    /// The id as given in the path.
    pub id: String,
    pub keyed: Option<Keyed>,
    pub if_match: Option<u64>,
}

impl OfficerStep {
    /// The step asked for at `path`; the key's digest covers the path, the
    /// expected version and the body, so a replay must repeat all three.
    pub fn new(
        principal: Principal,
        id: String,
        key: Option<String>,
        path: &str,
        if_match: Option<u64>,
        body_digest: impl FnOnce() -> [u8; 32],
    ) -> Self {
        OfficerStep {
            principal,
            id,
            keyed: Keyed::of(key, &with_precondition(path, if_match), body_digest),
            if_match,
        }
    }
}

/// The case `principal` may see, for a single-case view: after the read
/// models reach `min_position`, whether the caller may see it is decided
/// from its own stream, never from read models that may trail it (or have
/// stopped); then the read models are awaited up to the case's last event,
/// so the view they give says at least what the stream said.
pub async fn visible_for_view<I: CaseRoute>(
    state: &AppState,
    principal: &Principal,
    id: I,
    min_position: Option<u64>,
) -> Result<Loaded<I::Decider>, Problem> {
    wait_for(state, min_position).await?;
    let case = state
        .commands
        .visible_case(principal, id)
        .await
        .map_err(case_problem::<I>)?;
    wait_for(state, Some(case.last_position)).await?;
    Ok(case)
}

/// `response` with the case's version as its `ETag` (what `If-Match` takes).
pub fn with_etag(mut response: Response, version: u64) -> Response {
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// Runs an officer's step on the case the step names.
pub async fn act<I: CaseRoute>(state: AppState, step: OfficerStep, action: I::Action) -> Response {
    let id = match I::parse(&step.id) {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    let caller = caller_of(&step.principal);
    let principal = step.principal;
    if step.keyed.is_some() {
        // A recorded answer is replayed only to a caller who may still see
        // the case: it was sent to the gender desk meanwhile, say.
        if let Err(failure) = state.commands.visible_case(&principal, id).await {
            return case_problem::<I>(failure).into_response();
        }
    }
    let if_match = step.if_match;
    let commands = state.commands.clone();
    run_once(&state, caller, step.keyed, |command_id| async move {
        let acted = commands
            .act(&principal, id, action, if_match, command_id)
            .await;
        answer::<I, _>(acted, I::step_answer)
    })
    .await
}

/// The 200 answer to a rating: no personal data and no internal id.
#[derive(Serialize, ToSchema)]
pub struct RatingAnswer {
    pub tracking_code: String,
    #[schema(value_type = Option<vocabulary::Status>)]
    pub status: Option<&'static str>,
    pub rated: bool,
    pub version: u64,
    pub position: u64,
}

/// The citizen's rating of case `id`, found by tracking code `code`.
pub async fn rate<I: CaseRoute>(
    state: &AppState,
    code: TrackingCode,
    keyed: Option<Keyed>,
    id: I,
    action: I::Action,
) -> Response {
    let caller = format!("citizen:{}", code.as_str());
    let commands = state.commands.clone();
    run_once(state, caller, keyed, |command_id| async move {
        let rated = commands.rate(id, action, command_id).await;
        answer::<I, _>(rated, |done| {
            let body = RatingAnswer {
                tracking_code: code.as_str().to_owned(),
                status: done.status(),
                rated: done.rated(),
                version: done.version,
                position: done.position,
            };
            CommandAnswer::json(StatusCode::OK, &body)
        })
    })
    .await
}

/// Declares the handler of an officer's step on a case of kind `$kind`,
/// allowed to callers of `$permission`, with a JSON body of type `$body`
/// that `$action` turns into the kind's action (or a problem answer).
macro_rules! officer_step {
    ($(#[$attr:meta])* $name:ident, $permission:ty, $kind:ty, $body:ty,
     |$state:ident, $value:ident, $principal:ident| $action:expr) => {
        $(#[$attr])*
        async fn $name(
            axum::extract::State($state): axum::extract::State<AppState>,
            auth: super::auth::Authorized<$permission>,
            super::query_params::ApiPath(id): super::query_params::ApiPath<String>,
            super::if_match::IfMatch(if_match): super::if_match::IfMatch,
            super::idempotency::IdempotencyKey(key): super::idempotency::IdempotencyKey,
            axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
            body: super::body::ApiJson<$body>,
        ) -> axum::response::Response {
            use axum::response::IntoResponse;
            let $value = &body.value;
            let $principal = &auth.principal;
            let action: Result<<$kind as crate::commands::CaseId>::Action, Problem> = $action;
            let action = match action {
                Ok(action) => action,
                Err(problem) => return problem.into_response(),
            };
            let step = super::case_steps::OfficerStep::new(
                auth.principal.clone(),
                id,
                key,
                uri.path(),
                if_match,
                || body.digest(),
            );
            super::case_steps::act::<$kind>($state, step, action).await
        }
    };
}

pub(crate) use officer_step;
