//! Why a complaint command was refused.

use crate::time::Timestamp;

use super::state::ComplaintStatus;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("no such complaint: check the id or tracking code")]
    NotFound,
    #[error("the complaint has already been filed: file a new complaint with a new id")]
    AlreadyFiled,
    #[error("cannot {action} a complaint that is {status}: {reason}")]
    InvalidTransition {
        action: &'static str,
        status: ComplaintStatus,
        reason: String,
    },
    #[error("the complaint has already been rated: a rating can be given only once")]
    AlreadyRated,
    #[error(
        "the reopen window closed {window_days} days after the resolution at {resolved_at}: \
         file a new complaint instead"
    )]
    ReopenWindowClosed {
        resolved_at: Timestamp,
        window_days: u32,
    },
    #[error("not allowed: {reason}")]
    NotAllowed { reason: String },
    #[error("the deadline cannot be set: {0}")]
    InvalidDeadline(String),
}

impl DomainError {
    /// A stable snake_case code for problem types and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::NotFound => "not_found",
            DomainError::AlreadyFiled => "already_filed",
            DomainError::InvalidTransition { .. } => "invalid_transition",
            DomainError::AlreadyRated => "already_rated",
            DomainError::ReopenWindowClosed { .. } => "reopen_window_closed",
            DomainError::NotAllowed { .. } => "not_allowed",
            DomainError::InvalidDeadline(_) => "invalid_deadline",
        }
    }
}
