//! `/healthz` (the process answers) and `/readyz` (the event store answers,
//! the event writer is not failing, the projection runner is following the
//! log and is not too far behind).
//!
//! The public listener's `/readyz` says only `ready` or `not ready`: error
//! texts and log positions are for operators, on the admin listener, whose
//! `/readyz` gives every part and why it is not ready.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::problem::Problem;
use super::state::AppState;

/// How long after a failed append the writer counts as failing, when no
/// append has succeeded since. Readiness must come back on its own once the
/// fault clears, and a server that is not ready may receive no writes to
/// prove it, so a failure is held only this long.
const WRITER_FAILURE_HOLD: Duration = Duration::from_secs(10);

/// After how many seconds read models standing still behind the log make the
/// server not ready. Even a rebuild-sized batch commits well within it; a
/// feed that keeps resubscribing without delivering would otherwise go
/// unseen until it gives up (about half a minute on EventStoreDB).
const STALL_LIMIT_SECS: u64 = 10;

/// The public listener's health routes.
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(public_readyz))
}

/// The admin listener's health routes.
pub fn detailed_routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(detailed_readyz))
}

/// The process answers
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = super::openapi::Health)))]
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Every part of readiness, for operators.
struct Readiness {
    ready: bool,
    details: Value,
}

async fn readiness(state: &AppState) -> Readiness {
    let mut problems = Vec::new();
    let head = match state.store.head_position().await {
        Ok(head) => Some(head),
        Err(error) => {
            problems.push(format!("the event store does not answer: {error}"));
            None
        }
    };
    let writer = match state.metrics.writer_failure() {
        Some(failure) if failure.at.elapsed() < WRITER_FAILURE_HOLD => {
            problems.push(format!("the last append failed: {}", failure.error));
            json!({
                "state": "failing",
                "error": failure.error,
                "seconds_ago": failure.at.elapsed().as_secs(),
            })
        }
        Some(failure) => json!({
            "state": "unproven",
            "last_error": failure.error,
            "seconds_ago": failure.at.elapsed().as_secs(),
        }),
        None => json!({ "state": "ok" }),
    };
    let mut degraded = None;
    let projections = match state.projections.status().await {
        Ok(status) => {
            match (&status.error, status.undecodable_position) {
                // An event this build cannot decode stops the read models,
                // loudly, but not the instance: commands and timelines read
                // the log itself, so it stays in service and says what stopped.
                (Some(error), Some(position)) => {
                    tracing::warn!(position, %error, "ready, but the read models are stopped");
                    degraded = Some(format!(
                        "stopped in front of the event at position {position}, which this build \
                         cannot decode: queries answer as of position {}; commands and timelines \
                         go on; `markaz audit verify` names it",
                        status.position
                    ));
                }
                (Some(error), None) => {
                    problems.push(format!("the projections are retrying after: {error}"));
                }
                (None, _) => {}
            }
            if degraded.is_none() && status.stalled_secs >= STALL_LIMIT_SECS {
                problems.push(format!(
                    "the read models have stood at position {} for {} s while {} events behind \
                     the log: the feed is stuck",
                    status.position, status.stalled_secs, status.lag
                ));
            }
            if degraded.is_none() && status.lag > state.config.ready_max_lag {
                problems.push(format!(
                    "the read models are {} events behind the log (limit {})",
                    status.lag, state.config.ready_max_lag
                ));
            }
            json!(status)
        }
        Err(error) => {
            problems.push(format!("the projection status cannot be read: {error}"));
            Value::Null
        }
    };
    let ready = problems.is_empty();
    Readiness {
        ready,
        details: json!({
            "status": match (ready, &degraded) {
                (false, _) => "not ready",
                (true, Some(_)) => "degraded",
                (true, None) => "ready",
            },
            "read_models": degraded,
            "problems": problems,
            "store": state.store.backend_name(),
            "head_position": head,
            "writer": writer,
            "projections": projections,
        }),
    }
}

/// Ready for traffic: the store answers, the writer is not failing and the read models are
/// not too far behind. The admin listener (`--admin-listen`) serves the same path with the
/// details (`Ready`), and `/metrics`.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, body = super::openapi::PublicReady),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json", description = "not ready", headers(("Retry-After" = u64))),
    ))]
async fn public_readyz(State(state): State<AppState>) -> Result<Json<Value>, Problem> {
    let readiness = readiness(&state).await;
    if !readiness.ready {
        tracing::debug!(details = %readiness.details, "not ready");
        return Err(Problem::unavailable("not ready", 1));
    }
    Ok(Json(json!({ "status": "ready" })))
}

async fn detailed_readyz(State(state): State<AppState>) -> Response {
    let readiness = readiness(&state).await;
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness.details)).into_response()
}
