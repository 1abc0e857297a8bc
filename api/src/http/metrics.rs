//! `GET /metrics` in the Prometheus text format, served on the admin
//! listener only (see `admin`). The figures live in `crate::metrics`.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use markaz_projections::RunnerStatus;

use super::state::AppState;
use crate::metrics::registry::{escape, gauge};

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Prometheus metrics (admin listener only): requests, latencies, shedding, appends, projection positions and lag
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain; version=0.0.4", body = String)))]
async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.render_requests(&mut out);
    state.metrics.render_appends(&mut out);
    state.metrics.render_outbox(&mut out, state.commands.now());
    gauge(
        &mut out,
        "markaz_rate_limit_tracked_clients",
        "Client keys whose public rate-limit state is kept (bounded by --max-tracked-clients)",
        state.rate_limits.tracked_clients(),
    );
    gauge(
        &mut out,
        "markaz_event_streams_open",
        "Live event streams open (bounded by --max-event-streams)",
        state.streams.open_streams(),
    );
    match state.projections.status().await {
        Ok(status) => render_projections(&mut out, &status),
        Err(error) => {
            tracing::warn!(%error, "metrics: the event store does not answer");
            gauge(
                &mut out,
                "markaz_store_up",
                "Whether the event store answered",
                0,
            );
        }
    }
    let mut response = out.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// The log's head, the projections' checkpoints and their lag behind it.
fn render_projections(out: &mut String, status: &RunnerStatus) {
    gauge(
        out,
        "markaz_store_up",
        "Whether the event store answered",
        1,
    );
    gauge(
        out,
        "markaz_store_head_position",
        "Global position of the last event in the log",
        status.head,
    );
    out.push_str(
        "# HELP markaz_projection_position Global position each projection has committed\n",
    );
    out.push_str("# TYPE markaz_projection_position gauge\n");
    for projection in &status.projections {
        let _ = writeln!(
            out,
            "markaz_projection_position{{projection=\"{}\"}} {}",
            escape(&projection.name),
            projection.checkpoint
        );
    }
    out.push_str(
        "# HELP markaz_projection_lag_events Events in the log a projection has not applied yet\n",
    );
    out.push_str("# TYPE markaz_projection_lag_events gauge\n");
    for projection in &status.projections {
        let _ = writeln!(
            out,
            "markaz_projection_lag_events{{projection=\"{}\"}} {}",
            escape(&projection.name),
            projection.lag
        );
    }
    gauge(
        out,
        "markaz_projections_running",
        "0 once the projections stopped on an error (see the log and /readyz)",
        u8::from(status.error.is_none()),
    );
    gauge(
        out,
        "markaz_projections_undecodable_position",
        "Position of the event this build cannot decode that stopped the projections (0: none)",
        status.undecodable_position.unwrap_or(0),
    );
}
