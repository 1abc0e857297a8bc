//! `GET /track/{tracking_code}`: the citizen's view of their case.
//!
//! No personal data, no officer names, no internal ids: only the status, the
//! category, the deadlines and the history of status changes. The answer is
//! the JSON of a `TrackingView` (which has no field that could carry them),
//! rendered by the status projection when the case last changed.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use markaz_domain::TrackingCode;

use super::problem::Problem;
use super::query_params::{look_up, wait_for, ApiPath, ApiQuery};
use super::state::AppState;

pub fn public_routes() -> Router<AppState> {
    Router::new().route("/track/{code}", get(track))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackQuery {
    min_position: Option<u64>,
}

/// Parses a tracking code from a path; a typo is answered like an unknown code,
/// but says what is wrong so the citizen can correct it.
pub fn parse_code(text: &str) -> Result<TrackingCode, Problem> {
    TrackingCode::parse(text).map_err(|error| {
        Problem::not_found(format!(
            "{}: check the code on your receipt",
            error.message()
        ))
    })
}

pub fn unknown_tracking_code() -> Problem {
    Problem::not_found("no complaint has this tracking code: check the code on your receipt")
}

/// A case as its citizen sees it
#[utoipa::path(get, path = "/api/v1/track/{code}", tag = "public",
    params(
        ("code" = String, Path, description = "The tracking code on the receipt"),
        ("min_position" = Option<u64>, Query, description = "Wait until the read models include this position"),
    ),
    responses(
        (status = 200, body = markaz_projections::TrackingView),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json", description = "No complaint has this code"),
        (status = 429, body = super::openapi::Problem, content_type = "application/problem+json",
            description = "Too many requests, or too many unknown codes, from this address", headers(("Retry-After" = u64))),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", description = "The read models did not reach min_position in time"),
    ))]
async fn track(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<TrackQuery>,
) -> Result<Response, Problem> {
    let code = parse_code(&code)?;
    wait_for(&state, query.min_position).await?;
    let view = look_up(&state, || state.read_models.tracking_by_code(&code))
        .await?
        .ok_or_else(unknown_tracking_code)?;
    // The JSON of a `TrackingView`, as the status projection stored it.
    let content_type = [(header::CONTENT_TYPE, "application/json")];
    Ok((content_type, view.into_bytes()).into_response())
}
