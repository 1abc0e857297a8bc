//! `GET /track/{code}/qr.svg`: the QR code printed on a citizen's receipt.
//!
//! It encodes the absolute address of the public tracking page of the code
//! (`--public-url`, or the `Host` the request came to). It looks nothing up:
//! a well-formed code with a valid check character gets its picture whether
//! or not a case has it, so it says nothing about which codes exist; a
//! malformed code gets the same 404 as `GET /api/v1/track/{code}`. The SVG is
//! drawn by the `qrcode` crate, with medium error correction so a creased or
//! smudged receipt still scans.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::http::problem::Problem;
use crate::http::query_params::ApiPath;
use crate::http::state::AppState;
use crate::http::tracking::parse_code;

pub fn routes() -> Router<AppState> {
    Router::new().route("/track/{code}/qr.svg", get(qr_svg))
}

async fn qr_svg(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(code): ApiPath<String>,
) -> Result<Response, Problem> {
    let code = parse_code(&code)?;
    let origin = match &state.config.public_url {
        Some(url) => url.clone(),
        None => request_origin(&headers)?,
    };
    let url = format!("{origin}/track/{}", code.as_str());
    let svg = render(&url).map_err(|error| Problem::internal(&error))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        svg,
    )
        .into_response())
}

/// `http://` and the `Host` header, when it is a plain host name or address.
pub(crate) fn request_origin(headers: &HeaderMap) -> Result<String, Problem> {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .ok_or_else(|| {
            Problem::bad_request(
                "the request has no usable Host header: send one, or start the server \
                 with --public-url",
            )
        })?;
    Ok(format!("http://{host}"))
}

/// The QR code of `text` as a self-contained SVG document.
pub fn render(text: &str) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_an_svg_document() {
        let svg = render("http://127.0.0.1:8080/track/KCH-7K3M-9PX2-4QRT-B").unwrap();
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert!(svg.contains("<svg"), "{svg}");
    }

    #[test]
    fn a_forged_host_cannot_inject_a_path() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("evil.example/x?"));
        assert!(request_origin(&headers).is_err());
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(request_origin(&headers).unwrap(), "http://127.0.0.1:8080");
    }
}
