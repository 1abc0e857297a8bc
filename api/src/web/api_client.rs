//! The pages' way into the JSON API: requests sent in-process through the
//! API's own router, so a page sees exactly what any client of `/api/v1`
//! sees, under the same validation, idempotency and rate limits.
//!
//! The caller's address (`ConnectInfo`) is copied onto each request, so the
//! rate limiter counts the citizen behind the page, not the server itself.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

/// The largest API answer a page reads.
const ANSWER_LIMIT: usize = 1 << 20;

/// The address of the client behind a page request, when the server knows it.
#[derive(Clone, Copy, Debug)]
pub struct Caller(pub Option<ConnectInfo<SocketAddr>>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Caller(
            parts.extensions.get::<ConnectInfo<SocketAddr>>().copied(),
        ))
    }
}

/// A handle on the JSON API (cheap to clone).
#[derive(Clone)]
pub struct ApiClient {
    router: Router,
}

/// An answer of the API: its status, `Retry-After`, and its body as JSON
/// (`Null` when it was not JSON).
#[derive(Debug)]
pub struct ApiAnswer {
    pub status: StatusCode,
    pub retry_after_secs: Option<u64>,
    pub json: Value,
}

impl ApiAnswer {
    /// The `code` of a problem answer.
    pub fn problem_code(&self) -> &str {
        self.json["code"].as_str().unwrap_or_default()
    }

    fn unavailable() -> Self {
        ApiAnswer {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after_secs: None,
            json: Value::Null,
        }
    }
}

/// One request to the API.
pub struct ApiRequest<'a> {
    pub method: Method,
    /// Path and query under the site root, e.g. `/api/v1/categories`.
    pub path: &'a str,
    pub client: Option<ConnectInfo<SocketAddr>>,
    pub idempotency_key: Option<&'a str>,
    pub body: Option<&'a Value>,
}

impl<'a> ApiRequest<'a> {
    pub fn get(path: &'a str, client: Option<ConnectInfo<SocketAddr>>) -> Self {
        ApiRequest {
            method: Method::GET,
            path,
            client,
            idempotency_key: None,
            body: None,
        }
    }
}

impl ApiClient {
    /// `router` answers the `/api/v1` paths (with its state and layers).
    pub fn new(router: Router) -> Self {
        ApiClient { router }
    }

    pub async fn send(&self, request: ApiRequest<'_>) -> ApiAnswer {
        let mut builder = Request::builder()
            .method(request.method)
            .uri(request.path)
            .header(header::ACCEPT, "application/json");
        if let Some(key) = request.idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        let body = match request.body {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let Ok(mut http_request) = builder.body(body) else {
            return ApiAnswer::unavailable();
        };
        if let Some(client) = request.client {
            http_request.extensions_mut().insert(client);
        }
        let Ok(response) = self.router.clone().oneshot(http_request).await;
        let status = response.status();
        let retry_after_secs = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok());
        let Ok(bytes) = axum::body::to_bytes(response.into_body(), ANSWER_LIMIT).await else {
            return ApiAnswer::unavailable();
        };
        ApiAnswer {
            status,
            retry_after_secs,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}
