//! How a refused or failed command becomes a problem answer.
//!
//! Lifecycle refusals are 409 with the domain's reason, a stale `If-Match`
//! 412, a case the caller may not see 404, contention and an unavailable
//! store 503 with `Retry-After`; anything else is a 500 logged with its cause.

use markaz_domain::DomainError;

use super::complaints::complaint_not_found;
use super::problem::Problem;
use crate::commands::CommandFailure;

/// Maps a refused or failed command to its problem answer.
pub fn failure_problem(failure: CommandFailure) -> Problem {
    match failure {
        CommandFailure::NotFound => complaint_not_found(),
        CommandFailure::NotAllowed(reason) => Problem::forbidden(reason),
        CommandFailure::Stale { expected, actual } => {
            Problem::precondition_failed(expected, actual)
        }
        CommandFailure::Refused(domain) => refused_problem(domain),
        CommandFailure::RefusedService(refused) => {
            Problem::conflict(refused.code(), refused.to_string())
        }
        CommandFailure::Contention => Problem::unavailable(
            "the complaint is being changed by others right now: try again",
            1,
        ),
        CommandFailure::Unavailable(detail) => {
            Problem::unavailable(format!("the event store is unavailable: {detail}"), 1)
        }
        CommandFailure::Internal(detail) => Problem::internal(&detail),
    }
}

fn refused_problem(error: DomainError) -> Problem {
    match error {
        DomainError::NotFound => complaint_not_found(),
        DomainError::NotAllowed { reason } => Problem::forbidden(reason),
        domain => Problem::conflict(domain.code(), domain.to_string()),
    }
}
