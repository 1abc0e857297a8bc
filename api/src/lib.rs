//! The HTTP API and the `markaz` command.
//!
//! `app` starts one complete server (event store, projections, officer
//! directory, HTTP); `commands` is the one way every caller changes Markaz;
//! `http` holds the routes and the rules they enforce; `cli` the command
//! line; `config` how options are merged.

pub mod app;
pub mod audit;
pub mod cli;
pub mod commands;
pub mod config;
pub mod documents;
pub mod escalation;
pub mod http;
pub mod idempotency_store;
pub mod ids;
pub mod logging;
pub mod metrics;
pub mod notifications;
pub mod officers;
pub mod process_manager;
pub mod server;
pub mod timeline;
pub mod web;
