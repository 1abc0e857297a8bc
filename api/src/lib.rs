//! The HTTP API and the `markaz` command.
//!
//! `app` starts one complete server (event store, projections, officer
//! directory, HTTP); `http` holds the routes and the rules they enforce;
//! `cli` the command line; `config` how options are merged.

pub mod aggregates;
pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod http;
pub mod idempotency_store;
pub mod ids;
pub mod logging;
pub mod metrics;
pub mod officers;
pub mod server;
