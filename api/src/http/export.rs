//! `GET /api/v1/audit/export`: every event as JSON Lines, in global order,
//! for auditors.
//!
//! The body is streamed page by page as the log is read, never held whole in
//! memory, and ends at the head the log had when the request arrived (the
//! same snapshot rule as `markaz export`). `?from=POS` starts after a global
//! position, for incremental exports. A failure before the first byte is a
//! problem+json answer; a failure in the middle ends the connection without
//! the final chunk, so a client cannot mistake a cut export for a whole one.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use markaz_store::transfer::jsonl;
use markaz_store::StoreError;
use serde::Deserialize;

use super::auth::{Audit, Authorized};
use super::problem::Problem;
use super::query_params::ApiQuery;
use crate::app::AppState;

/// The media type of the answer.
pub const JSON_LINES: &str = "application/x-ndjson";

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit/export", get(export))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    /// Only events after this global position; 0 or absent for all.
    from: Option<u64>,
}

async fn export(
    State(state): State<AppState>,
    auth: Authorized<Audit>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, Problem> {
    // Reaching the store once before answering turns an unreachable store
    // into a 503 instead of a broken download.
    state.store.head_position().await.map_err(store_problem)?;
    let from = query.from.unwrap_or(0);
    tracing::info!(officer = %auth.principal.officer_id, from, "audit export started");
    let chunks = jsonl::export(state.store.clone(), from).map(|chunk| {
        chunk.map_err(|error| {
            tracing::error!(%error, "audit export stopped midway");
            error
        })
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_LINES));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"markaz-events.jsonl\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn store_problem(error: StoreError) -> Problem {
    match error {
        StoreError::Unavailable(detail) => Problem::unavailable(
            format!("the event store is unavailable: {detail}; retry shortly"),
            5,
        ),
        other => Problem::internal(&other),
    }
}
