//! The complaint aggregate: commands, events, state and the pure
//! `decide`/`evolve` functions that implement the lifecycle.

mod command;
mod decide;
mod error;
mod event;
mod evolve;
mod state;

pub use command::DeadlineAction;
pub use command::{Complainant, ComplaintAction, ComplaintCommand, FileComplaint};
pub use decide::decide;
pub use error::DomainError;
pub use event::{
    CaseEscalated, ComplaintAcknowledged, ComplaintEvent, ComplaintFiled, ComplaintRated,
    ComplaintReferred, ComplaintReopened, ComplaintResolved, ComplaintWithdrawn, DeadlineMissed,
    DeadlineReminder, GenderDeskReasons,
};
pub use evolve::evolve;
pub use state::{ComplaintState, ComplaintStatus, DeadlineStep};
