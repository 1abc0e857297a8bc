//! The staff console: a single-page client of the documented JSON API,
//! served from assets compiled into the binary under `/console/`.
//!
//! Everything the console shows or does is an `/api/v1` call made by its
//! JavaScript with the officer's bearer token, exactly as a third-party
//! client would make it: this module only hands out the files. The token is
//! kept in the browser's session storage, never in a URL. The one thing
//! rendered here is the markaz's name (from the configuration) into the
//! page, for the printed receipt; the receipt's QR code comes from
//! `receipt_qr`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use super::receipt_qr;
use crate::http::problem::Problem;
use crate::http::state::AppState;

/// The routes of the console and of the receipt's QR code.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(index))
        .route("/console/{*file}", get(asset))
        .merge(receipt_qr::routes())
}

/// Only the service's own origin; no inline script or style.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

macro_rules! assets {
    ($($path:literal => $mime:literal),+ $(,)?) => {
        /// Every file of `assets/console/` but `index.html`, with its media type.
        pub const ASSETS: &[(&str, &str, &str)] = &[
            $(($path, $mime, include_str!(concat!("../../assets/console/", $path)))),+
        ];
    };
}

assets! {
    "console.css" => "text/css; charset=utf-8",
    "app.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "i18n.js" => "text/javascript; charset=utf-8",
    "dom.js" => "text/javascript; charset=utf-8",
    "ui.js" => "text/javascript; charset=utf-8",
    "charts.js" => "text/javascript; charset=utf-8",
    "events.js" => "text/javascript; charset=utf-8",
    "views/signin.js" => "text/javascript; charset=utf-8",
    "views/counter.js" => "text/javascript; charset=utf-8",
    "views/receipt.js" => "text/javascript; charset=utf-8",
    "views/cases.js" => "text/javascript; charset=utf-8",
    "views/case.js" => "text/javascript; charset=utf-8",
    "views/queue.js" => "text/javascript; charset=utf-8",
    "views/dashboard.js" => "text/javascript; charset=utf-8",
    "views/audit.js" => "text/javascript; charset=utf-8",
    "views/services.js" => "text/javascript; charset=utf-8",
    "views/service.js" => "text/javascript; charset=utf-8",
    "messages/en.json" => "application/json",
    "messages/ur.json" => "application/json",
}

const INDEX: &str = include_str!("../../assets/console/index.html");

/// The page shell, with the markaz's names filled in.
async fn index(State(state): State<AppState>) -> Response {
    let name = &state.config.markaz_name;
    let page = INDEX
        .replace("{{MARKAZ_NAME_EN}}", &escape_html(&name.en))
        .replace("{{MARKAZ_NAME_UR}}", &escape_html(&name.ur));
    with_headers("text/html; charset=utf-8", "no-store", page)
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(path, _, _)| *path == file) {
        // Revalidated on every load, so a new binary's console is used at once.
        Some((_, mime, body)) => with_headers(mime, "no-cache", *body),
        None => Problem::not_found("the console has no such file").into_response(),
    }
}

fn with_headers(mime: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    let headers: [(HeaderName, HeaderValue); 5] = [
        (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    (headers, body).into_response()
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// A file added to the assets folder but not to the table would be a 404.
    #[test]
    fn every_asset_file_is_served() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/console");
        let mut found = BTreeSet::new();
        let mut folders = vec![std::path::PathBuf::from(root)];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    let relative = path.strip_prefix(root).unwrap();
                    found.insert(relative.to_str().unwrap().replace('\\', "/"));
                }
            }
        }
        found.remove("index.html");
        let served: BTreeSet<String> = ASSETS.iter().map(|(p, _, _)| p.to_string()).collect();
        assert_eq!(found, served);
    }

    #[test]
    fn the_two_catalogues_have_the_same_keys() {
        let keys = |text: &str| -> BTreeSet<String> {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            value.as_object().unwrap().keys().cloned().collect()
        };
        let find = |name: &str| ASSETS.iter().find(|(p, _, _)| *p == name).unwrap().2;
        let en = keys(find("messages/en.json"));
        let ur = keys(find("messages/ur.json"));
        assert_eq!(
            en.symmetric_difference(&ur).collect::<Vec<_>>(),
            Vec::<&String>::new()
        );
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            escape_html("<b>\"A&B\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
        );
    }
}
