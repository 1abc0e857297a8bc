//! Per-client-address rate limits of the public endpoints (tracking, rating,
//! categories), stricter for unknown tracking codes.
//!
//! Not applied yet: `limit_public` returns the public routes unchanged.

use axum::Router;

use crate::app::AppState;

/// The buckets of one running server (shared through `AppState`).
#[derive(Debug, Default)]
pub struct RateLimits {}

/// Wraps the public routes with the rate-limiting layer.
pub fn limit_public(public: Router<AppState>, _state: &AppState) -> Router<AppState> {
    public
}
