//! `GET /api/v1/events`: Server-Sent Events of new events the caller may see.
//!
//! Not served yet: the router merges these (still empty) routes.

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
