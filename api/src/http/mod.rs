//! The HTTP layer: routes, extractors, error answers and the privacy rules.

pub mod audit;
pub mod auth;
pub mod body;
pub mod complaint_input;
pub mod health;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod privacy;
pub mod problem;
pub mod rate_limit;
pub mod router;
pub mod sse;
