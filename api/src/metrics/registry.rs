//! The counters and histograms behind `GET /metrics` (served on the admin
//! listener), and their Prometheus text format.
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
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::notifications::OutboxProgress;

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

/// The last failure of the event writer, until an append succeeds again.
#[derive(Clone, Debug)]
pub struct WriterFailure {
    pub at: Instant,
    pub error: String,
}

/// The counters and histograms of one running server (shared through `AppState`).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Set when an append failed in the store (not a conflict), cleared by
    /// the next append that succeeds.
    writer_failure: Mutex<Option<WriterFailure>>,
    shed: AtomicU64,
    open_connections: AtomicI64,
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
    refused_staff: AtomicU64,
    unknown_codes: AtomicU64,
    /// The outbox's progress, when it runs (set once at start).
    outbox: std::sync::OnceLock<tokio::sync::watch::Receiver<OutboxProgress>>,
}

impl Metrics {
    /// Reports the outbox's figures from now on.
    pub fn follow_outbox(&self, progress: tokio::sync::watch::Receiver<OutboxProgress>) {
        let _ = self.outbox.set(progress);
    }

    /// The outbox's figures (nothing when it does not run): messages sent,
    /// failed attempts, pending and given up, and the age of the oldest
    /// pending message at `now`.
    pub fn render_outbox(&self, out: &mut String, now: markaz_domain::Timestamp) {
        let Some(progress) = self.outbox.get() else {
            return;
        };
        let progress = *progress.borrow();
        counter(
            out,
            "markaz_notifications_sent_total",
            "Messages the gateway took, since this server started",
            &[("", progress.sent)],
        );
        counter(
            out,
            "markaz_notifications_failed_attempts_total",
            "Attempts the gateway refused or did not answer in time, since this server started",
            &[("", progress.failed_attempts)],
        );
        gauge(
            out,
            "markaz_notifications_pending",
            "Messages queued and not yet sent (still being tried)",
            progress.pending,
        );
        gauge(
            out,
            "markaz_notifications_given_up",
            "Messages given up on after every attempt failed (see markaz notifications list)",
            progress.given_up,
        );
        let age = progress.oldest_pending.map_or(0, |queued| {
            (now.as_micros().saturating_sub(queued.as_micros()) / 1_000_000).max(0)
        });
        gauge(
            out,
            "markaz_notifications_oldest_pending_age_seconds",
            "How long the oldest pending message has waited (0 when none)",
            age,
        );
    }

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

    /// Notes an append that failed in the store.
    pub fn writer_failed(&self, error: String) {
        *self
            .writer_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(WriterFailure {
            at: Instant::now(),
            error,
        });
    }

    /// Notes an append that succeeded: the writer works.
    pub fn writer_succeeded(&self) {
        let mut failure = self
            .writer_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if failure.is_some() {
            *failure = None;
        }
    }

    /// The last append failure not yet followed by a success.
    pub fn writer_failure(&self) -> Option<WriterFailure> {
        self.writer_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Counts a request refused because the server was at its in-flight limit.
    pub fn record_shed(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an open connection for as long as the guard lives.
    pub fn connection_opened(self: &Arc<Self>) -> ConnectionGuard {
        self.open_connections.fetch_add(1, Ordering::Relaxed);
        ConnectionGuard(Arc::clone(self))
    }

    /// Counts a request refused by a rate limit: `public`, `unknown_codes`
    /// or `staff`.
    pub fn record_rate_limited(&self, limit: &'static str) {
        let counter = match limit {
            "unknown_codes" => &self.refused_unknown_codes,
            "staff" => &self.refused_staff,
            _ => &self.refused_public,
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
            "Requests refused with 429, by limit",
            &[
                (
                    "limit=\"public\"",
                    self.refused_public.load(Ordering::Relaxed),
                ),
                (
                    "limit=\"unknown_codes\"",
                    self.refused_unknown_codes.load(Ordering::Relaxed),
                ),
                (
                    "limit=\"staff\"",
                    self.refused_staff.load(Ordering::Relaxed),
                ),
            ],
        );
        counter(
            out,
            "markaz_unknown_tracking_codes_total",
            "Tracking requests for codes that name no complaint (a rise suggests guessing)",
            &[("", self.unknown_codes.load(Ordering::Relaxed))],
        );
        counter(
            out,
            "markaz_http_shed_total",
            "Requests refused with 503 because the in-flight limit was reached",
            &[("", self.shed.load(Ordering::Relaxed))],
        );
        gauge(
            out,
            "markaz_http_open_connections",
            "Connections open now (public and admin listeners)",
            self.open_connections.load(Ordering::Relaxed),
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
}

/// Keeps `markaz_http_open_connections` counted while a connection is open.
pub struct ConnectionGuard(Arc<Metrics>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Keeps `markaz_sse_clients` counted while a client is connected.
pub struct SseClientGuard(Arc<Metrics>);

impl Drop for SseClientGuard {
    fn drop(&mut self) {
        self.0.sse_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(crate) fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    let _ = writeln!(out, "{name} {value}");
}

/// A counter family: one sample per label set (`""` for none).
pub(crate) fn counter(out: &mut String, name: &str, help: &str, samples: &[(&str, u64)]) {
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
pub(crate) fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
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
