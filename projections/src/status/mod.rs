//! Status tracking: one row per complaint with everything the staff view
//! shows, and the public tracking view of each stored ready to send.

mod projection;
mod public;
mod public_json;
mod row;
mod view;

pub use projection::{PublicViews, StatusProjection};
pub use public::TrackingJson;
pub(crate) use public::{fill_public_views, tracking_by_code};
pub use row::{HistoryEntry, StatusRow};
pub use view::{
    evaluate_sla, ComplainantView, ComplaintFilter, ComplaintList, ComplaintView, CursorError,
    ListError, SlaState, SlaView, StatusChange, TrackingView,
};
pub(crate) use view::{list_complaints, status_by_id, status_by_tracking_code};
