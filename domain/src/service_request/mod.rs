//! The service-request aggregate (character certificates, police
//! verification, tenant and employee registration, lost-document reports,
//! FIR copies, vehicle verification): commands, events, state and the pure
//! `decide`/`evolve` of its lifecycle, beside the complaint's. Which services
//! exist is the service catalogue's business (`crate::service_catalogue`).

mod command;
mod decide;
mod error;
mod event;
mod field;
mod id;
mod state;

pub use command::{Applicant, RequestService, ServiceAction, ServiceCommand};
pub use decide::{decide_service, evolve_service, ServiceRequestDecider};
pub use error::ServiceError;
pub use event::{
    DocumentCollected, DocumentIssued, DocumentReissued, DocumentRevoked, ServiceAcknowledged,
    ServiceEvent, ServiceRated, ServiceRefused, ServiceRequested, ServiceSentForVerification,
    ServiceWithdrawn, StationAnswered, StationFinding,
};
pub use field::{FieldKind, FieldValue};
pub use id::{DocumentNumber, ServiceRequestId};
pub use state::{ServiceState, ServiceStatus};
