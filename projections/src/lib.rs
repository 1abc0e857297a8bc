//! Read models of Markaz: the projection runner, the read-model database and
//! its queries (status tracking, gender desk, performance), and the rebuild.
//!
//! The read models live in their own SQLite file (`readmodels.sqlite` in the
//! data directory), separate from the event log: it can be deleted and rebuilt
//! from the log at any time. Its schema comes from the numbered SQL files of
//! `migrations/`, guarded by checksums (`migrations`).
//!
//! * `runner`: follows the store's global feed and applies ready events in
//!   batches; each batch's read-model changes and every projection's
//!   checkpoint commit in one transaction (`projection`), so a crash loses or
//!   double-counts nothing. `RunnerHandle::wait_for_position` gives
//!   read-your-writes.
//! * `status`, `gender_desk`, `performance`, `services`, `access` (who was
//!   shown each case, indexed by case): the projections and their queries; `read_models::ReadModels` is what the HTTP API calls.
//! * `rebuild`: replays the log into a new file and swaps it in atomically;
//!   `database` explains how running readers and the runner follow the swap.
//!
//! SLA judgements (`status::evaluate_sla`) and backlog ages are computed at
//! query time from a `now` passed in, never stored.

pub mod access;
mod batch_thread;
pub mod database;
pub mod event;
pub mod gender_desk;
mod hashing;
pub mod migrations;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod performance;
pub mod projection;
pub mod read_models;
pub mod rebuild;
pub mod runner;
pub mod services;
pub mod status;
pub mod writer;

pub use access::{AccessPage, CaseAccess};
pub use chrono_tz::Tz;
pub use database::{DatabaseError, READ_MODEL_FILE};
pub use gender_desk::{GenderDeskCase, GenderDeskCounts, GenderDeskQueue};
pub use migrations::MigrationError;
pub use performance::{
    Calendar, CalendarError, GroupBy, OpenBacklog, PerformanceReport, PerformanceRow,
    DEFAULT_TIME_ZONE,
};
pub use read_models::{
    read_model_path, PerformanceQuery, QueryError, ReadModels, StoredCheckpoint,
};
pub use rebuild::{rebuild, rebuild_into, RebuildError, RebuildSummary};
pub use runner::{RunnerError, RunnerHandle, RunnerOptions, RunnerStatus, WaitError};
pub use services::{
    content_digest, DocumentStatus, IssuedDocument, ServiceFilter, ServicePerformance,
    ServicePerformanceRow, ServiceRequestView, ServiceTrackingView, StationTimes,
};
pub use status::{
    ComplainantView, ComplaintFilter, ComplaintList, ComplaintView, SlaState, SlaView,
    TrackingJson, TrackingView,
};
