//! How a refused or failed command becomes a problem answer.
//!
//! Lifecycle refusals are 409 with the domain's reason, a stale `If-Match`
//! 412, a case the caller may not see 404, contention and an unavailable
//! store 503 with `Retry-After`; anything else is a 500 logged with its cause.

use markaz_domain::DomainError;
use markaz_store::command_loop::CommandError;
use markaz_store::StoreError;

use super::complaints::complaint_not_found;
use super::problem::Problem;
use super::visible_complaint::GuardedError;

/// Maps a refused or failed command to its problem answer.
pub fn command_problem(error: CommandError<DomainError>) -> Problem {
    loop_problem(error, domain_problem)
}

pub fn domain_problem(error: DomainError) -> Problem {
    match error {
        DomainError::NotFound => complaint_not_found(),
        DomainError::NotAllowed { reason } => Problem::forbidden(reason),
        domain => Problem::conflict(domain.code(), domain.to_string()),
    }
}

pub fn guarded_problem(error: GuardedError) -> Problem {
    match error {
        GuardedError::NotVisible => complaint_not_found(),
        GuardedError::Precondition { expected, actual } => {
            Problem::precondition_failed(expected, actual)
        }
        GuardedError::Domain(domain) => domain_problem(domain),
    }
}

/// The command loop's own failures, with `refused` for the aggregate's refusals.
pub fn loop_problem<E: std::error::Error + 'static>(
    error: CommandError<E>,
    refused: impl FnOnce(E) -> Problem,
) -> Problem {
    match error {
        CommandError::Domain(domain) => refused(domain),
        CommandError::PreconditionFailed { expected, actual } => {
            Problem::precondition_failed(expected, actual)
        }
        CommandError::Contention { .. } => Problem::unavailable(
            "the complaint is being changed by others right now: try again",
            1,
        ),
        CommandError::Store(StoreError::Unavailable(detail)) => {
            Problem::unavailable(format!("the event store is unavailable: {detail}"), 1)
        }
        other => Problem::internal(&other),
    }
}
