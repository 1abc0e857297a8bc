//! The whole route table, and the layers every request passes through.

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use super::body::BODY_LIMIT;
use super::problem::{method_not_allowed, route_not_found};
use super::{
    audit, complaints, gender_desk, health, metrics, officers, openapi, performance, queries,
    rate_limit, sse, tracking,
};
use crate::app::AppState;

/// Builds the application for `state`.
pub fn build(state: AppState) -> Router {
    let public = Router::new()
        .merge(tracking::public_routes())
        .merge(complaints::public_routes())
        .merge(queries::public_routes());
    let public = rate_limit::limit_public(public, &state);
    let api = Router::new()
        .merge(public)
        .merge(complaints::routes())
        .merge(queries::routes())
        .merge(officers::routes())
        .merge(gender_desk::routes())
        .merge(performance::routes())
        .merge(audit::routes())
        .merge(super::export::routes())
        .merge(sse::routes());
    let app = Router::new()
        .nest("/api/v1", api)
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(openapi::routes())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    metrics::instrument(app, &state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// One span per request; `officer` is filled in by authentication.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
        officer = tracing::field::Empty,
    )
}
