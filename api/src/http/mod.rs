//! The HTTP layer: routes, extractors, error answers and the privacy rules.

pub mod audit;
pub mod auth;
pub mod body;
pub mod command_errors;
pub mod complaint_input;
pub mod complaints;
pub mod export;
pub mod gender_desk;
pub mod health;
pub mod idempotency;
pub mod if_match;
pub mod metrics;
pub mod officers;
pub mod openapi;
pub mod performance;
pub mod privacy;
pub mod problem;
pub mod queries;
pub mod query_params;
pub mod rate_limit;
pub mod receipt;
pub mod request_context;
pub mod router;
pub mod sse;
pub mod tracking;
