//! The one layer every routed request passes through: its request id, its
//! tracing span, its metrics and the log line of a failed answer.
//!
//! These were four layers (two request-id layers, tower-http's trace layer and
//! a metrics middleware). Each layer's service is cloned for every request and
//! each added a future around the next, and on a 2-core machine that
//! bookkeeping cost a quarter of the rate of a cheap request such as a
//! tracking lookup (`docs/benchmarks.md`). One layer does the same work with
//! one clone of two `Arc`s and one boxed future.
//!
//! * `x-request-id`: kept if the client sent a usable one (1 to 200 visible
//!   ASCII characters), otherwise generated; echoed on the response.
//! * The span `request` carries method, path, request id and, once
//!   authenticated, the officer (recorded by `auth`). A tracking code in the
//!   path is replaced by `{code}`: the code is the citizen's only credential
//!   and logs are read by more people than the case.
//! * Metrics count the answer by method, route template and status, and time
//!   it (see `metrics`); requests in flight are counted until answered or
//!   abandoned.
//! * A 5xx answer is logged at error level, every answer at debug level.
//!
//! It is applied with `Router::layer`, which wraps each route after routing,
//! so the matched route template is known here.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use tower::{Layer, Service};
use tracing::Instrument;
use uuid::Uuid;

use super::overload::Shed;
use crate::metrics::Metrics;

/// The header that carries the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id accepted from a client.
const MAX_REQUEST_ID_LEN: usize = 200;

/// Makes request ids: unique in this process (a counter) and across processes
/// (a random prefix drawn once), without a random draw per request.
#[derive(Debug)]
struct RequestIds {
    prefix: u64,
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> Self {
        RequestIds {
            prefix: Uuid::new_v4().as_u64_pair().0,
            next: AtomicU64::new(0),
        }
    }

    /// A new id in UUID form (version 8: a layout of our own).
    fn next_id(&self) -> HeaderValue {
        let count = self.next.fetch_add(1, Ordering::Relaxed);
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&self.prefix.to_be_bytes());
        bytes[8..].copy_from_slice(&count.to_be_bytes());
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        let uuid = uuid::Builder::from_custom_bytes(bytes).into_uuid();
        let text = uuid.hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
    }
}

/// The request's id: the client's if usable, otherwise a new one.
fn request_id(request: &Request, ids: &RequestIds) -> HeaderValue {
    request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| {
            let bytes = value.as_bytes();
            !bytes.is_empty()
                && bytes.len() <= MAX_REQUEST_ID_LEN
                && bytes.iter().all(|byte| byte.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| ids.next_id())
}

/// The path as it may be logged: the segment after `/track/` (a tracking
/// code, or a mistyped one) becomes `{code}`, whether or not a route matched.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    const TRACK: &str = "/track/";
    match path.find(TRACK) {
        Some(start) => {
            let code_start = start + TRACK.len();
            let rest = &path[code_start..];
            let after_code = rest.find('/').map_or("", |end| &rest[end..]);
            format!("{}{{code}}{after_code}", &path[..code_start]).into()
        }
        None => path.into(),
    }
}

/// The method as a label; methods outside the standard set count as
/// `other`, so that clients cannot grow the label set at will.
pub fn method_label(method: &Method) -> &'static str {
    [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ]
    .iter()
    .find(|known| *known == method)
    .map_or("other", Method::as_str)
}

/// Adds the request context to every route.
#[derive(Clone)]
pub struct RequestContextLayer {
    metrics: Arc<Metrics>,
    ids: Arc<RequestIds>,
}

impl RequestContextLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        RequestContextLayer {
            metrics,
            ids: Arc::new(RequestIds::new()),
        }
    }
}

impl<S> Layer<S> for RequestContextLayer {
    type Service = RequestContext<S>;

    fn layer(&self, inner: S) -> RequestContext<S> {
        RequestContext {
            inner,
            layer: self.clone(),
        }
    }
}

/// A route wrapped by `RequestContextLayer`.
#[derive(Clone)]
pub struct RequestContext<S> {
    inner: S,
    layer: RequestContextLayer,
}

impl<S> Service<Request> for RequestContext<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let id = request_id(&request, &self.layer.ids);
        request.headers_mut().insert(REQUEST_ID, id.clone());
        let method = method_label(request.method());
        let route = request.extensions().get::<MatchedPath>().cloned();
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %loggable_path(request.uri().path()),
            request_id = id.to_str().unwrap_or_default(),
            officer = tracing::field::Empty,
        );
        let in_flight = self.layer.metrics.request_in_flight();
        let started = Instant::now();
        let answer = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Box::pin(
            async move {
                let Ok(mut response) = answer.await;
                let elapsed = started.elapsed();
                let status = response.status();
                let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
                in_flight
                    .metrics()
                    .record_request(method, route, status.as_u16(), elapsed);
                let shed = response.extensions().get::<Shed>().is_some();
                if status.is_server_error() && !shed {
                    tracing::error!(
                        status = status.as_u16(),
                        latency_ms = elapsed.as_millis() as u64,
                        "request failed"
                    );
                } else {
                    tracing::debug!(
                        status = status.as_u16(),
                        latency_ms = elapsed.as_millis() as u64,
                        "finished processing request"
                    );
                }
                response.headers_mut().insert(REQUEST_ID, id);
                Ok(response)
            }
            .instrument(span),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_codes_are_kept_out_of_logged_paths() {
        assert_eq!(
            loggable_path("/api/v1/track/ABCD-EFGH-JKLM"),
            "/api/v1/track/{code}"
        );
        assert_eq!(
            loggable_path("/api/v1/track/ABCD-EFGH-JKLM/rating"),
            "/api/v1/track/{code}/rating"
        );
        assert_eq!(loggable_path("/api/v1/complaints"), "/api/v1/complaints");
    }

    #[test]
    fn unusual_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let custom = Method::from_bytes(b"FROBNICATE").unwrap();
        assert_eq!(method_label(&custom), "other");
    }

    #[test]
    fn generated_request_ids_differ_and_a_usable_client_id_is_kept() {
        let ids = RequestIds::new();
        let first = ids.next_id();
        let second = ids.next_id();
        assert_ne!(first, second);
        assert!(Uuid::parse_str(first.to_str().unwrap()).is_ok());

        let with_id = |value: &str| {
            Request::builder()
                .header(REQUEST_ID, value)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        assert_eq!(request_id(&with_id("abc-123"), &ids), "abc-123");
        let too_long = "x".repeat(MAX_REQUEST_ID_LEN + 1);
        assert_ne!(request_id(&with_id(&too_long), &ids), too_long.as_str());
        assert_ne!(request_id(&with_id("has space"), &ids), "has space");
    }
}
