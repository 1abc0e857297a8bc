//! The operations listener (`--admin-listen`, loopback by default): `/metrics`
//! and the detailed health answers, kept off the public listener, which
//! faces the internet and answers only `ready` or `not ready`.

use std::sync::Arc;

use axum::Router;

use super::problem::{method_not_allowed, route_not_found};
use super::request_context::RequestContextLayer;
use super::state::AppState;
use super::{health, metrics};

/// Builds the operations listener's routes.
pub fn build(state: AppState) -> Router {
    Router::new()
        .merge(health::detailed_routes())
        .merge(metrics::routes())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(RequestContextLayer::new(Arc::clone(&state.metrics)))
        .with_state(state)
}
