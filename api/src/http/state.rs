//! The state every request handler shares: the store, the command layer,
//! the read models, the officer directory and the limits.
//!
//! It lives in the HTTP layer, not beside `app::start` that builds it, so
//! the handlers depend on it and `app` on them, and nothing the other way.

use std::sync::Arc;

use markaz_domain::{Catalogue, ServiceCatalogue};
use markaz_projections::{ReadModels, RunnerHandle};
use markaz_store::EventStore;
use tokio::sync::watch;

use super::rate_limit::RateLimits;
use super::stream_limits::StreamLimits;
use crate::commands::Commands;
use crate::config::Config;
use crate::idempotency_store::IdempotencyStore;
use crate::metrics::Metrics;
use crate::officers::OfficerDirectory;

/// Everything a request handler may need.
///
/// The router clones it into every request (with each route's service and for
/// each `State` extractor), so it is one shared allocation: a clone is one
/// reference count, not one per part, which under load on several cores is a
/// measurable share of a cheap request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }

    /// The shared parts, if this is the last clone (at shutdown).
    pub fn into_shared(self) -> Option<Shared> {
        Arc::try_unwrap(self.0).ok()
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What `AppState` shares.
pub struct Shared {
    pub config: Arc<Config>,
    pub store: Arc<dyn EventStore>,
    /// The one way commands reach the store (see `commands`).
    pub commands: Commands,
    pub officers: Arc<OfficerDirectory>,
    pub idempotency: IdempotencyStore,
    pub catalogue: Arc<Catalogue>,
    /// The services offered beside complaints; their deadlines are counted
    /// on the category catalogue's working calendar.
    pub services: Arc<ServiceCatalogue>,
    pub read_models: ReadModels,
    /// Follows the event log into the read models; `wait_for_position` gives
    /// read-your-writes.
    pub projections: Arc<RunnerHandle>,
    pub metrics: Arc<Metrics>,
    pub rate_limits: Arc<RateLimits>,
    /// Live event streams open, in all and per officer.
    pub streams: StreamLimits,
    /// Becomes true when shutdown begins: endless answers (the event stream) end then.
    pub shutdown: watch::Receiver<bool>,
}
