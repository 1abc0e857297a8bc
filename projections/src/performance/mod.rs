//! Performance: rollups per local day and month of each markaz, by unit,
//! officer, category and day, with duration histograms, summed at query time
//! over any date range.

pub mod calendar;
mod durations;
mod measures;
mod projection;
mod query;
mod rollup;

/// The tables the performance projection alone writes (besides its
/// calendar, which is written before any event): a rebuild fills them on a
/// connection of their own and copies them in at the end (see `rebuild`).
pub const TABLES: [&str; 3] = [
    "performance_cases",
    "performance_rollup",
    "performance_superseded",
];

pub use calendar::{adopt, Calendar, CalendarError, DEFAULT_TIME_ZONE};
pub use durations::{
    Durations, Quantile, EXACT_BELOW_SECONDS, MAX_TRACKED_SECONDS, RELATIVE_ERROR,
};
pub use measures::Measures;
pub use projection::{PerformanceProjection, NAME};
pub(crate) use query::performance;
pub use query::{GroupBy, OpenBacklog, PerformanceReport, PerformanceRow};
