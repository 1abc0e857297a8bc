//! Performance: daily rollups per markaz, unit, officer and category, with
//! duration histograms, summed at query time over any date range.

mod measures;
mod projection;
mod query;
mod rollup;

pub use measures::{Measures, ACK_MINUTES_BOUNDS, RESOLVE_HOURS_BOUNDS};
pub use projection::PerformanceProjection;
pub(crate) use query::performance;
pub use query::{GroupBy, OpenBacklog, PerformanceRow};
