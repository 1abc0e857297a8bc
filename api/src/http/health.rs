//! `/healthz` (the process answers) and `/readyz` (the store answers and the
//! read models are not too far behind).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::problem::Problem;
use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, Problem> {
    let head = state.store.head_position().await.map_err(|error| {
        Problem::unavailable(format!("the event store does not answer: {error}"), 1)
    })?;
    let projections = state.projections.status().await.map_err(|error| {
        Problem::unavailable(format!("the event store does not answer: {error}"), 1)
    })?;
    // An event this build cannot decode stops the read models, loudly, but
    // not the instance: commands and timelines read the log itself, so the
    // instance stays in service and says what stopped.
    if let (Some(error), Some(position)) = (&projections.error, projections.undecodable_position) {
        tracing::warn!(position, %error, "ready, but the read models are stopped");
        return Ok(Json(json!({
            "status": "degraded",
            "store": state.store.backend_name(),
            "head_position": head,
            "read_models": format!(
                "stopped in front of the event at position {position}, which this build cannot \
                 decode: queries answer as of position {}; commands and timelines go on; \
                 `markaz audit verify` names it",
                projections.position
            ),
            "projections": projections,
        })));
    }
    if let Some(error) = &projections.error {
        return Err(Problem::unavailable(
            format!("the projections stopped: {error}; see the server log"),
            5,
        ));
    }
    if projections.lag > state.config.ready_max_lag {
        return Err(Problem::unavailable(
            format!(
                "the read models are {} events behind the log (limit {}): catching up",
                projections.lag, state.config.ready_max_lag
            ),
            1,
        ));
    }
    Ok(Json(json!({
        "status": "ready",
        "store": state.store.backend_name(),
        "head_position": head,
        "projections": projections,
    })))
}
