//! `GET /metrics` in the Prometheus text format and the request-metrics layer.
//!
//! A small registry of atomics rather than a metrics framework: the figures
//! are few and fixed (requests by route and status, request latency, event
//! store appends, projection position and lag, live event-stream clients), and
//! recording one request costs a read lock and a few atomic additions, with
//! nothing allocated. The layer that records requests is `request_context`.
//!
//! Routes are labelled by their template (`/api/v1/complaints/{id}`), never by
//! the concrete path, so ids and tracking codes neither leak into metrics nor
//! make the label set grow without bound; requests that match no route count
//! as `unmatched`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use markaz_projections::RunnerStatus;
use markaz_store::{
    AppendOutcome, EventFeed, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError,
};

use crate::app::AppState;

/// Upper bounds (seconds) of the latency histogram buckets.
const LATENCY_BOUNDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A cumulative-on-output latency histogram.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Per bucket (not cumulative); the last slot counts values above every bound.
    buckets: [AtomicU64; LATENCY_BOUNDS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = LATENCY_BOUNDS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BOUNDS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let separator = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, bucket) in LATENCY_BOUNDS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{separator}le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.buckets[LATENCY_BOUNDS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{separator}le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let braces = |labels: &str| {
            if labels.is_empty() {
                String::new()
            } else {
                format!("{{{labels}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {cumulative}", braces(labels));
    }
}

/// The figures of one route (method and template).
#[derive(Debug)]
struct RouteStats {
    /// Answers by status code (index = status - 100, for 100..=599).
    statuses: Box<[AtomicU64]>,
    latency: Histogram,
}

impl RouteStats {
    fn record(&self, status: u16, elapsed: Duration) {
        if let Some(slot) = usize::from(status)
            .checked_sub(100)
            .and_then(|index| self.statuses.get(index))
        {
            slot.fetch_add(1, Ordering::Relaxed);
        }
        self.latency.observe(elapsed);
    }
}

impl Default for RouteStats {
    fn default() -> Self {
        RouteStats {
            statuses: (100..600).map(|_| AtomicU64::new(0)).collect(),
            latency: Histogram::default(),
        }
    }
}

/// A request being answered; see `Metrics::request_in_flight`.
pub struct InFlightGuard(Arc<Metrics>);

impl InFlightGuard {
    pub fn metrics(&self) -> &Metrics {
        &self.0
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The counters and histograms of one running server (shared through `AppState`).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Route template, then method label.
    routes: RwLock<HashMap<String, HashMap<&'static str, RouteStats>>>,
    in_flight: AtomicI64,
    appends_ok: AtomicU64,
    appends_failed: AtomicU64,
    appended_events: AtomicU64,
    append_latency: Histogram,
    sse_clients: AtomicI64,
    refused_public: AtomicU64,
    refused_unknown_codes: AtomicU64,
    unknown_codes: AtomicU64,
}

impl Metrics {
    /// Records one answered request.
    /// `method` is a label from `method_label`.
    pub fn record_request(
        &self,
        method: &'static str,
        route: &str,
        status: u16,
        elapsed: Duration,
    ) {
        {
            let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(stats) = routes.get(route).and_then(|methods| methods.get(method)) {
                stats.record(status, elapsed);
                return;
            }
        }
        // The first request of this method and route.
        let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
        routes
            .entry(route.to_owned())
            .or_default()
            .entry(method)
            .or_default()
            .record(status, elapsed);
    }

    /// Records one append to the event store.
    pub fn record_append(&self, events: usize, elapsed: Duration, ok: bool) {
        if ok {
            self.appends_ok.fetch_add(1, Ordering::Relaxed);
            self.appended_events
                .fetch_add(events as u64, Ordering::Relaxed);
        } else {
            self.appends_failed.fetch_add(1, Ordering::Relaxed);
        }
        self.append_latency.observe(elapsed);
    }

    /// Counts a public request refused by the rate limits; `unknown_codes`
    /// when it was refused for too many unknown tracking codes.
    pub fn record_rate_limited(&self, unknown_codes: bool) {
        let counter = if unknown_codes {
            &self.refused_unknown_codes
        } else {
            &self.refused_public
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a tracking request for a code that names no complaint.
    pub fn record_unknown_code(&self) {
        self.unknown_codes.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a live event-stream client for as long as the guard lives.
    pub fn sse_client(self: &Arc<Self>) -> SseClientGuard {
        self.sse_clients.fetch_add(1, Ordering::Relaxed);
        SseClientGuard(Arc::clone(self))
    }

    /// Counts a request as in flight until the guard is dropped (also when
    /// the client goes away and the request is abandoned).
    pub fn request_in_flight(self: &Arc<Self>) -> InFlightGuard {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlightGuard(Arc::clone(self))
    }

    /// How many requests of `method route` were answered with `status`.
    pub fn requests(&self, method: &str, route: &str, status: u16) -> u64 {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        routes
            .get(route)
            .and_then(|methods| methods.get(method))
            .and_then(|stats| stats.statuses.get(usize::from(status).checked_sub(100)?))
            .map_or(0, |count| count.load(Ordering::Relaxed))
    }

    /// The request figures, in the Prometheus text format.
    pub fn render_requests(&self, out: &mut String) {
        let registry = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        let mut routes: Vec<_> = registry
            .iter()
            .flat_map(|(route, methods)| {
                methods
                    .iter()
                    .map(move |(method, stats)| ((*method, route.as_str()), stats))
            })
            .collect();
        routes.sort_by(|a, b| (a.0 .1, a.0 .0).cmp(&(b.0 .1, b.0 .0)));
        out.push_str("# HELP markaz_http_requests_total HTTP requests answered, by route template and status\n");
        out.push_str("# TYPE markaz_http_requests_total counter\n");
        for ((method, route), stats) in &routes {
            for (index, count) in stats.statuses.iter().enumerate() {
                let count = count.load(Ordering::Relaxed);
                if count > 0 {
                    let _ = writeln!(
                        out,
                        "markaz_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {count}",
                        escape(method),
                        escape(route),
                        index + 100
                    );
                }
            }
        }
        out.push_str("# HELP markaz_http_request_duration_seconds Time from routing to the response head, by route template\n");
        out.push_str("# TYPE markaz_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in &routes {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            stats
                .latency
                .render(out, "markaz_http_request_duration_seconds", &labels);
        }
        gauge(
            out,
            "markaz_http_requests_in_flight",
            "Requests being answered now",
            self.in_flight.load(Ordering::Relaxed),
        );
        counter(
            out,
            "markaz_rate_limited_total",
            "Public requests refused with 429, by limit",
            &[
                (
                    "limit=\"public\"",
                    self.refused_public.load(Ordering::Relaxed),
                ),
                (
                    "limit=\"unknown_codes\"",
                    self.refused_unknown_codes.load(Ordering::Relaxed),
                ),
            ],
        );
        counter(
            out,
            "markaz_unknown_tracking_codes_total",
            "Tracking requests for codes that name no complaint (a rise suggests guessing)",
            &[("", self.unknown_codes.load(Ordering::Relaxed))],
        );
        gauge(
            out,
            "markaz_sse_clients",
            "Clients following GET /api/v1/events",
            self.sse_clients.load(Ordering::Relaxed),
        );
    }

    /// The append figures, in the Prometheus text format.
    pub fn render_appends(&self, out: &mut String) {
        counter(
            out,
            "markaz_store_appends_total",
            "Appends to the event store by this process, by result",
            &[
                ("result=\"ok\"", self.appends_ok.load(Ordering::Relaxed)),
                (
                    "result=\"error\"",
                    self.appends_failed.load(Ordering::Relaxed),
                ),
            ],
        );
        counter(
            out,
            "markaz_store_appended_events_total",
            "Events appended by this process",
            &[("", self.appended_events.load(Ordering::Relaxed))],
        );
        out.push_str("# HELP markaz_store_append_duration_seconds Time until an append was durable (or failed)\n");
        out.push_str("# TYPE markaz_store_append_duration_seconds histogram\n");
        self.append_latency
            .render(out, "markaz_store_append_duration_seconds", "");
    }

    /// Wraps `store` so that its appends are counted and timed here.
    pub fn meter_store(self: &Arc<Self>, store: Arc<dyn EventStore>) -> Arc<dyn EventStore> {
        Arc::new(MeteredStore {
            inner: store,
            metrics: Arc::clone(self),
        })
    }
}

/// Keeps `markaz_sse_clients` counted while a client is connected.
pub struct SseClientGuard(Arc<Metrics>);

impl Drop for SseClientGuard {
    fn drop(&mut self) {
        self.0.sse_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    let _ = writeln!(out, "{name} {value}");
}

/// A counter family: one sample per label set (`""` for none).
fn counter(out: &mut String, name: &str, help: &str, samples: &[(&str, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// Escapes a label value as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// An event store whose appends are recorded in `Metrics`.
struct MeteredStore {
    inner: Arc<dyn EventStore>,
    metrics: Arc<Metrics>,
}

#[async_trait]
impl EventStore for MeteredStore {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let count = events.len();
        let started = Instant::now();
        let result = self.inner.append(stream, expected, events).await;
        self.metrics
            .record_append(count, started.elapsed(), result.is_ok());
        result
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner
            .read_stream(stream, from_version, max_count)
            .await
    }

    async fn read_all(
        &self,
        after: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(after, max_count).await
    }

    async fn subscribe_all(&self, after: u64) -> Result<EventFeed, StoreError> {
        self.inner.subscribe_all(after).await
    }

    async fn count_between(&self, after: u64, up_to: u64, limit: u64) -> Result<u64, StoreError> {
        self.inner.count_between(after, up_to, limit).await
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        self.inner.stream_version(stream).await
    }

    async fn head_position(&self) -> Result<u64, StoreError> {
        self.inner.head_position().await
    }

    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.render_requests(&mut out);
    state.metrics.render_appends(&mut out);
    match state.projections.status().await {
        Ok(status) => render_projections(&mut out, &status),
        Err(error) => {
            tracing::warn!(%error, "metrics: the event store does not answer");
            gauge(
                &mut out,
                "markaz_store_up",
                "Whether the event store answered",
                0,
            );
        }
    }
    let mut response = out.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// The log's head, the projections' checkpoints and their lag behind it.
fn render_projections(out: &mut String, status: &RunnerStatus) {
    gauge(
        out,
        "markaz_store_up",
        "Whether the event store answered",
        1,
    );
    gauge(
        out,
        "markaz_store_head_position",
        "Global position of the last event in the log",
        status.head,
    );
    out.push_str(
        "# HELP markaz_projection_position Global position each projection has committed\n",
    );
    out.push_str("# TYPE markaz_projection_position gauge\n");
    for projection in &status.projections {
        let _ = writeln!(
            out,
            "markaz_projection_position{{projection=\"{}\"}} {}",
            escape(&projection.name),
            projection.checkpoint
        );
    }
    out.push_str(
        "# HELP markaz_projection_lag_events Events in the log a projection has not applied yet\n",
    );
    out.push_str("# TYPE markaz_projection_lag_events gauge\n");
    for projection in &status.projections {
        let _ = writeln!(
            out,
            "markaz_projection_lag_events{{projection=\"{}\"}} {}",
            escape(&projection.name),
            projection.lag
        );
    }
    gauge(
        out,
        "markaz_projections_running",
        "0 once the projections stopped on an error (see the log and /readyz)",
        u8::from(status.error.is_none()),
    );
    gauge(
        out,
        "markaz_projections_undecodable_position",
        "Position of the event this build cannot decode that stopped the projections (0: none)",
        status.undecodable_position.unwrap_or(0),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_sum_in_seconds() {
        let histogram = Histogram::default();
        histogram.observe(Duration::from_micros(300));
        histogram.observe(Duration::from_millis(3));
        histogram.observe(Duration::from_secs(20));
        let mut out = String::new();
        histogram.render(&mut out, "h", "route=\"/x\"");
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"0.0005\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"0.005\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"10\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("h_bucket{route=\"/x\",le=\"+Inf\"} 3\n"),
            "{out}"
        );
        assert!(out.contains("h_count{route=\"/x\"} 3\n"), "{out}");
        assert!(out.contains("h_sum{route=\"/x\"} 20.0033\n"), "{out}");
    }

    #[test]
    fn requests_are_counted_by_route_and_status() {
        let metrics = Metrics::default();
        metrics.record_request("GET", "/api/v1/track/{code}", 200, Duration::from_millis(1));
        metrics.record_request("GET", "/api/v1/track/{code}", 200, Duration::from_millis(1));
        metrics.record_request("GET", "/api/v1/track/{code}", 404, Duration::from_millis(1));
        metrics.record_request("POST", "unmatched", 999, Duration::from_millis(1));
        assert_eq!(metrics.requests("GET", "/api/v1/track/{code}", 200), 2);
        assert_eq!(metrics.requests("GET", "/api/v1/track/{code}", 404), 1);
        let mut out = String::new();
        metrics.render_requests(&mut out);
        assert!(out.contains(
            "markaz_http_requests_total{method=\"GET\",route=\"/api/v1/track/{code}\",status=\"200\"} 2\n"
        ), "{out}");
        assert!(out.contains(
            "markaz_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/track/{code}\"} 3\n"
        ), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn sse_clients_are_counted_while_connected() {
        let metrics = Arc::new(Metrics::default());
        let first = metrics.sse_client();
        let second = metrics.sse_client();
        drop(first);
        assert_eq!(metrics.sse_clients.load(Ordering::Relaxed), 1);
        drop(second);
        assert_eq!(metrics.sse_clients.load(Ordering::Relaxed), 0);
    }
}
