//! The auditor's endpoints: `/audit/complaints/{id}`, `/audit/verify`, `/audit/export`.
//!
//! Not served yet: the router merges these (still empty) routes.

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
