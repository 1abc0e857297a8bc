//! The web pages served by `markaz serve`: the citizens' public pages
//! (landing, tracking, rating), their assets, and the security headers of
//! every answer.
//!
//! The pages are server-rendered HTML (maud) that needs no script, in Urdu
//! by default and English on request (Fluent catalogues in `assets/i18n`).
//! They are clients of the JSON API: every read and every command goes
//! through `/api/v1` in-process (`api_client`), so a page can show or do
//! nothing a third-party client could not. The staff console (`console`)
//! is a script client of the same API, served as static files; `receipt_qr`
//! draws the receipt's QR code.

mod api_client;
mod assets;
mod code_input;
pub mod console;
mod i18n;
mod landing;
mod layout;
mod rating_form;
pub mod receipt_qr;
mod security_headers;
pub(crate) mod service_document;
mod service_page;
mod track_page;
mod verify_page;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub use assets::DOCS_HTML;
pub use security_headers::{security_headers, CONTENT_SECURITY_POLICY};

use crate::commands::Clock;
use crate::http::state::AppState;
use api_client::ApiClient;

/// What the page handlers share.
#[derive(Clone)]
struct WebState {
    api: ApiClient,
    /// The command layer's clock: promises are judged at the time commands see.
    clock: Arc<dyn Clock>,
}

/// `?lang=` of any page.
#[derive(Debug, Default, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The public pages and assets. `api` is the router of the `/api/v1` paths
/// (with their layers, the rate limits among them), which the pages call.
pub fn public_routes(api: &Router<AppState>, state: &AppState) -> Router<AppState> {
    let api = Router::new()
        .nest("/api/v1", api.clone())
        .with_state(state.clone());
    let web = WebState {
        api: ApiClient::new(api),
        clock: Arc::clone(state.commands.clock()),
    };
    Router::new()
        .route("/", get(landing::landing))
        .route("/track", get(track_page::track_form))
        .route("/track/{code}", get(track_page::case_page))
        .route(
            "/track/{code}/rating",
            axum::routing::post(rating_form::submit),
        )
        .route("/verify/{number}", get(verify_page::verify_page))
        .route("/assets/public.css", get(assets::stylesheet))
        .route(assets::DOCS_VIEWER_PATH, get(assets::docs_viewer))
        .with_state(web)
}
