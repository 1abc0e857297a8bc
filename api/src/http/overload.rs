//! Request timeouts and load shedding, from tower's own layers.
//!
//! * `with_timeout` bounds a command or query: one not answered within
//!   `--request-timeout-secs` is answered 503 (the handler is dropped; a
//!   command that had already reached the log stays there, and a retry with
//!   the same `Idempotency-Key` gets its answer). The event stream and the
//!   export are long by nature and excepted; they end on their own rules.
//! * `shed_load` caps the requests being answered at once
//!   (`--max-in-flight`). One arriving while the cap is reached is refused at
//!   once with 503 and `Retry-After` rather than queued: a queue would only
//!   turn overload into latency for everyone. The permit is held until the
//!   answer's head is ready, so a stream holds none while it runs.

use std::sync::Arc;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::error::Overloaded;
use tower::timeout::error::Elapsed;
use tower::ServiceBuilder;

use super::problem::Problem;
use super::state::AppState;
use crate::metrics::Metrics;

/// Marks an answer refused by load shedding. Shedding is the server doing
/// what it should under overload, not a failure: such answers are counted
/// (`markaz_http_shed_total`) but not logged one by one, since a log line
/// per refusal would spend the CPU that shedding exists to save, and let a
/// flood of requests flood the logs too.
#[derive(Clone, Copy, Debug)]
pub struct Shed;

/// What a shed client is asked to wait, in seconds.
const SHED_RETRY_AFTER_SECS: u64 = 1;

/// Answers a command or query that takes longer than `timeout` with 503.
pub fn with_timeout(routes: Router<AppState>, timeout: Duration) -> Router<AppState> {
    routes.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(|error: BoxError| async move {
                layer_failure(&error)
            }))
            .timeout(timeout),
    )
}

/// Refuses requests beyond `max_in_flight` answered at once with 503.
pub fn shed_load(
    routes: Router<AppState>,
    max_in_flight: usize,
    metrics: Arc<Metrics>,
) -> Router<AppState> {
    // One semaphore for every route (a plain concurrency-limit layer would
    // give each route its own).
    let limit = GlobalConcurrencyLimitLayer::new(max_in_flight.max(1));
    routes.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(move |error: BoxError| {
                let metrics = Arc::clone(&metrics);
                async move {
                    if error.is::<Overloaded>() {
                        metrics.record_shed();
                    }
                    layer_failure(&error)
                }
            }))
            .load_shed()
            .layer(limit),
    )
}

/// The answer for an error raised by one of these layers.
fn layer_failure(error: &BoxError) -> Response {
    if error.is::<Overloaded>() {
        let mut response = Problem::unavailable(
            "the server is answering as many requests as it can: retry after the seconds \
             given in Retry-After",
            SHED_RETRY_AFTER_SECS,
        )
        .into_response();
        response.extensions_mut().insert(Shed);
        return response;
    }
    if error.is::<Elapsed>() {
        return Problem::unavailable(
            "the request took too long and was abandoned: retry it (with the same \
             Idempotency-Key for a command)",
            SHED_RETRY_AFTER_SECS,
        )
        .into_response();
    }
    Problem::internal(error).into_response()
}
