//! What the process measures about itself: the registry of counters and
//! histograms, and the event store wrapper that feeds it. Kept apart from
//! `http` so that the application and the handlers both depend on it rather
//! than on each other.

pub mod metered_store;
pub mod registry;

pub use registry::{ConnectionGuard, InFlightGuard, Metrics, SseClientGuard, WriterFailure};
