//! Read models of Markaz: the projection runner, the read-model database and
//! its queries (status tracking, gender desk, performance), and the rebuild.
//!
//! The read models live in their own SQLite file (`readmodels.sqlite` in the
//! data directory), separate from the event log: it can be deleted and rebuilt
//! from the log at any time. Every projection commits its changes and its
//! checkpoint in one transaction, so after a crash it resumes exactly where it
//! stopped.

pub mod database;
pub mod event;
pub mod gender_desk;
mod hashing;
pub mod migrations;
pub mod performance;
pub mod projection;
pub mod read_models;
pub mod rebuild;
pub mod runner;
pub mod status;
pub mod writer;

pub use database::{DatabaseError, READ_MODEL_FILE};
pub use gender_desk::{GenderDeskCase, GenderDeskCounts, GenderDeskQueue};
pub use migrations::MigrationError;
pub use performance::{GroupBy, OpenBacklog, PerformanceRow};
pub use read_models::{
    read_model_path, PerformanceQuery, QueryError, ReadModels, StoredCheckpoint,
};
pub use rebuild::{rebuild, rebuild_into, rebuild_with_progress_bar, RebuildError, RebuildSummary};
pub use runner::{RunnerError, RunnerHandle, RunnerOptions, RunnerStatus, WaitError};
pub use status::{
    ComplainantView, ComplaintFilter, ComplaintList, ComplaintView, SlaState, SlaView, TrackingView,
};
