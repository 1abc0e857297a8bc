//! The security headers of every answer, pages and JSON API alike.
//!
//! * `Content-Security-Policy`: only this origin may supply scripts, styles,
//!   images, fonts, connections and form targets; no framing, no `<base>`.
//!   The `/docs` viewer injects its own `<style>` elements, so that one page
//!   also allows inline styles (never inline scripts).
//! * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (for browsers
//!   that ignore `frame-ancestors`), `Referrer-Policy: no-referrer` (a
//!   tracking code in a URL must not leak to another site).
//! * `Cache-Control: no-store` unless the handler chose otherwise: a tracking
//!   page is opened with a credential (the code), and the API answers carry
//!   personal data. Only the compiled-in assets set their own caching.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// Adds the headers to the answer of `request` (an `axum::middleware::from_fn` layer).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let docs = request.uri().path() == "/docs";
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let policy = if docs {
        DOCS_CONTENT_SECURITY_POLICY
    } else {
        CONTENT_SECURITY_POLICY
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
