//! Why a service request command was refused.

use super::state::ServiceStatus;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("no such service request: check the id or tracking code")]
    NotFound,
    #[error("the service request has already been made: make a new request with a new id")]
    AlreadyRequested,
    #[error("cannot {action} a service request that is {status}: {reason}")]
    InvalidTransition {
        action: &'static str,
        status: ServiceStatus,
        reason: String,
    },
    #[error("the service has already been rated: a rating can be given only once")]
    AlreadyRated,
    /// The calendar's reason, as text: `CalendarError` is not `Clone`.
    #[error("the deadline cannot be computed: {0}")]
    Deadline(String),
    #[error("not allowed: {reason}")]
    NotAllowed { reason: String },
}

impl ServiceError {
    /// A stable snake_case code for problem types and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound => "not_found",
            ServiceError::AlreadyRequested => "already_requested",
            ServiceError::InvalidTransition { .. } => "invalid_transition",
            ServiceError::AlreadyRated => "already_rated",
            ServiceError::Deadline(_) => "deadline",
            ServiceError::NotAllowed { .. } => "not_allowed",
        }
    }
}
