//! `GET /openapi.json` (the OpenAPI document generated from the code) and the
//! interactive page at `/docs`.
//!
//! Not served yet: the router merges these (still empty) routes.

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
