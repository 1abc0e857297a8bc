//! `GET /gender-desk/queue`: the open gender-desk cases, oldest first, with
//! their age and SLA due times, for the gender desk, supervisors and auditors.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::{MarkazCode, Role};
use markaz_projections::GenderDeskQueue;
use serde::Deserialize;

use super::auth::{Authorized, ReadGenderDeskQueue};
use super::privacy::mask_tracking_code;
use super::problem::{FieldError, Problem};
use super::query_params::{query_problem, wait_for, ApiQuery};
use super::state::AppState;
use crate::officers::Principal;

pub fn routes() -> Router<AppState> {
    Router::new().route("/gender-desk/queue", get(queue))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    /// Auditors only: one markaz instead of all.
    markaz: Option<String>,
    limit: Option<usize>,
    min_position: Option<u64>,
}

const MAX_LIMIT: usize = 1_000;
const DEFAULT_LIMIT: usize = 100;

/// The markaz a query covers: their own for officers of a markaz; any one or
/// all (`None`) for auditors.
pub fn scope(
    principal: &Principal,
    requested: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<MarkazCode> {
    // Parsed first, so that `kch` and `KCH` name the same markaz for everyone.
    let requested = match requested.map(MarkazCode::parse) {
        None => None,
        Some(Ok(code)) => Some(code),
        Some(Err(error)) => {
            errors.push(FieldError::new("markaz", error.message()));
            return None;
        }
    };
    match (principal.role, requested) {
        (Role::Auditor, requested) => requested,
        (_, Some(code)) if principal.markaz.as_ref() != Some(&code) => {
            errors.push(FieldError::new(
                "markaz",
                "only auditors may look at another markaz: leave it out to see your own",
            ));
            None
        }
        _ => principal.markaz.clone(),
    }
}

/// Open gender-desk cases, oldest first (gender_desk, supervisor, auditor)
#[utoipa::path(get, path = "/api/v1/gender-desk/queue", tag = "gender desk",
    params(
        ("markaz" = Option<String>, Query, description = "Auditors only"),
        ("limit" = Option<u32>, Query),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = GenderDeskQueue),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn queue(
    State(state): State<AppState>,
    auth: Authorized<ReadGenderDeskQueue>,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> Result<Json<GenderDeskQueue>, Problem> {
    let mut errors = Vec::new();
    let markaz = scope(&auth.principal, query.markaz.as_deref(), &mut errors);
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::invalid_query(errors));
    }
    wait_for(&state, query.min_position).await?;
    let mut queue = state
        .read_models
        .gender_desk_queue(markaz, limit, state.commands.now())
        .await
        .map_err(query_problem)?;
    // The tracking code is the citizen's credential: staff see it masked.
    for case in &mut queue.cases {
        case.tracking_code = mask_tracking_code(&case.tracking_code);
    }
    Ok(Json(queue))
}
