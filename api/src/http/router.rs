//! The whole route table, and the layers every request passes through.

use axum::extract::DefaultBodyLimit;
use std::sync::Arc;

use axum::Router;

use super::body::BODY_LIMIT;
use super::problem::{method_not_allowed, route_not_found};
use super::request_context::RequestContextLayer;
use super::state::AppState;
use super::{
    audit, complaints, gender_desk, health, officers, openapi, overload, performance, queries,
    rate_limit, sse, tracking,
};

/// Builds the application for `state`: the public listener's routes.
/// `/metrics` and detailed health are on the admin listener (`admin`).
pub fn build(state: AppState) -> Router {
    let limits = &state.config.limits;
    let public = Router::new()
        .merge(tracking::public_routes())
        .merge(complaints::public_routes())
        .merge(queries::public_routes())
        .merge(super::service_queries::public_routes())
        .merge(super::verification::public_routes());
    let public = rate_limit::limit_public(public, &state);
    let staff = Router::new()
        .merge(complaints::routes())
        .merge(queries::routes())
        .merge(officers::routes())
        .merge(gender_desk::routes())
        .merge(performance::routes())
        .merge(audit::routes())
        .merge(super::service_requests::routes())
        .merge(super::service_queries::routes())
        .merge(super::service_audit::routes());
    let staff = rate_limit::limit_staff(staff, &state);
    let commands_and_queries = overload::with_timeout(
        Router::new().merge(public).merge(staff),
        limits.request_timeout,
    );
    // Streams run for as long as the client stays: no request timeout.
    let streams = Router::new()
        .merge(super::export::routes())
        .merge(super::receipt::routes())
        .merge(sse::routes());
    let streams = rate_limit::limit_staff(streams, &state);
    let api = overload::shed_load(
        commands_and_queries.merge(streams),
        limits.max_in_flight,
        Arc::clone(&state.metrics),
    );
    let app = Router::new()
        .merge(crate::web::public_routes(&api, &state))
        .nest("/api/v1", api)
        .merge(health::public_routes())
        .merge(openapi::routes())
        .merge(crate::web::console::routes())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    app.layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestContextLayer::new(Arc::clone(&state.metrics)))
        .layer(axum::middleware::from_fn(crate::web::security_headers))
        .with_state(state)
}
