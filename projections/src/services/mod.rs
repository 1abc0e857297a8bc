//! The service-request read models: one row per request (the staff view
//! and its list), the public tracking answer of each request (written into
//! `public_tracking` beside the complaints', so one `/track` serves both),
//! the referrals to police stations, the documents issued (the public
//! verification page), and the performance figures per service.

mod performance;
mod projection;
mod row;
mod view;

pub use performance::{ServicePerformance, ServicePerformanceRow, StationTimes};
pub use projection::ServiceProjection;
pub use view::{
    content_digest, DocumentStatus, IssuedDocument, ServiceFilter, ServiceRequestView,
    ServiceTrackingView, MAX_LIST,
};
