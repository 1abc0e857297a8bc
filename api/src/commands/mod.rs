//! The command layer: the one way in for every caller that changes Markaz
//! (the HTTP handlers, and through them the pages; `markaz demo`; the CLI;
//! process managers to come). It takes a typed command and its caller,
//! stamps the time (from one clock, injectable in tests) and the metadata in
//! one place, applies visibility and `If-Match`, runs the store's command
//! loop and returns a typed outcome. Callers turn outcomes and failures into
//! their own kind of answer; none of them builds events or metadata itself.

mod case;
mod clock;
mod complaints;
mod failure;
mod notifications;
pub(crate) mod officers;
mod services;
mod visibility;

use std::sync::Arc;

use markaz_domain::{Actor, MarkazCode, Timestamp, TrackingCode};
use markaz_store::command_loop::CommandMeta;
use markaz_store::EventStore;
use uuid::Uuid;

pub use case::{Acted, CaseCommand, CaseId, CaseState};
pub use clock::{Clock, ManualClock, SystemClock};
pub use complaints::{Filed, NewComplaint};
pub use failure::CommandFailure;
pub use officers::{NewOfficer, Registered, RegistryError};
pub use services::{NewServiceRequest, RequestedService};
pub use visibility::{may_see, service_visible, visible, Guarded, GuardedCommand, GuardedError};

/// Sends commands to the event store.
#[derive(Clone)]
pub struct Commands {
    store: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
}

impl Commands {
    pub fn new(store: Arc<dyn EventStore>, clock: Arc<dyn Clock>) -> Self {
        Commands { store, clock }
    }

    /// On the store, at the operating system's time.
    pub fn with_system_clock(store: Arc<dyn EventStore>) -> Self {
        Commands::new(store, Arc::new(SystemClock))
    }

    pub fn store(&self) -> &dyn EventStore {
        self.store.as_ref()
    }

    /// The clock commands take their time from (process managers wait on it).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The time now, by this layer's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A fresh tracking code at `markaz`: the one scheme of complaints and
    /// service requests, so one `/track` serves both.
    fn new_tracking_code(&self, markaz: &MarkazCode) -> Result<TrackingCode, CommandFailure> {
        let random = crate::ids::random_u64()
            .map_err(|error| CommandFailure::Internal(error.to_string()))?;
        Ok(TrackingCode::from_random(markaz, random))
    }

    /// A command built at this moment by `actor`, and the metadata its events get.
    fn stamp<C>(
        &self,
        command_id: Uuid,
        actor: Actor,
        build: impl FnOnce(Uuid, Timestamp, Actor) -> C,
    ) -> (C, CommandMeta) {
        let at = self.clock.now();
        let meta = command_meta(command_id, at, actor.clone());
        (build(command_id, at, actor), meta)
    }
}

/// The metadata of a command that starts its own chain of causes (a request
/// from outside): it is its own correlation and cause.
pub fn command_meta(command_id: Uuid, at: Timestamp, actor: Actor) -> CommandMeta {
    CommandMeta {
        command_id,
        at,
        actor,
        correlation_id: command_id,
        causation_id: command_id,
    }
}
