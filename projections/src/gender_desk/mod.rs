//! Gender desk: the gender-desk cases of each markaz, with a queue of the open
//! ones (oldest first) and counts by status for the desk's dashboard.

mod projection;
mod view;

pub use projection::GenderDeskProjection;
pub(crate) use view::gender_desk_queue;
pub use view::{GenderDeskCase, GenderDeskCounts, GenderDeskQueue};
