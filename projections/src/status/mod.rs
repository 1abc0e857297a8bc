//! Status tracking: one row per complaint with everything the staff view and
//! the public tracking view show.

mod projection;
mod row;
mod view;

pub use projection::StatusProjection;
pub use row::{HistoryEntry, StatusRow};
pub use view::{
    evaluate_sla, ComplainantView, ComplaintFilter, ComplaintList, ComplaintView, CursorError,
    ListError, SlaState, SlaView, StatusChange, TrackingView,
};
pub(crate) use view::{list_complaints, status_by_id, status_by_tracking_code, tracking_by_code};
