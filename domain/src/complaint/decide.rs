//! The lifecycle rules: which command is allowed in which state, and what
//! events it produces.

use crate::catalogue::Category;
use crate::metadata::{Actor, Role};
use crate::values::Gender;

use super::command::{ComplaintAction, ComplaintCommand, DeadlineAction, FileComplaint};
use super::error::DomainError;
use super::event::{
    CaseEscalated, ComplaintAcknowledged, ComplaintEvent, ComplaintFiled, ComplaintRated,
    ComplaintReferred, ComplaintReopened, ComplaintResolved, ComplaintWithdrawn, DeadlineMissed,
    DeadlineReminder, GenderDeskReasons,
};
use super::state::{ComplaintState, ComplaintStatus, DeadlineStep};
use crate::calendar::DeadlineTerms;

/// Decides what `command` does to the complaint in `state`.
///
/// Pure: the same state and command always give the same answer. Role
/// permissions are the API's business; only the rules that belong to the
/// complaint itself are checked here (citizens rate, officers act, auditors and
/// admins change nothing).
pub fn decide(
    state: &ComplaintState,
    command: &ComplaintCommand,
) -> Result<Vec<ComplaintEvent>, DomainError> {
    let action = &command.action;
    let status = match (state.status, action) {
        (None, ComplaintAction::File(file)) => {
            require_acting_officer(&command.actor)?;
            return Ok(vec![ComplaintEvent::Filed(filed(file, command)?)]);
        }
        (None, _) => return Err(DomainError::NotFound),
        (Some(_), ComplaintAction::File(_)) => return Err(DomainError::AlreadyFiled),
        (Some(status), _) => status,
    };
    match action {
        ComplaintAction::Rate { .. } => require_citizen(&command.actor)?,
        ComplaintAction::Deadline(step) => {
            require_system(&command.actor)?;
            return deadline_step(state, step, command);
        }
        _ => require_acting_officer(&command.actor)?,
    }
    let refuse = |reason: &str| DomainError::InvalidTransition {
        action: action.name(),
        status,
        reason: reason.to_owned(),
    };
    use ComplaintStatus::{Acknowledged, Filed, Referred, Resolved, Withdrawn};
    let event = match action {
        ComplaintAction::File(_) => return Err(DomainError::AlreadyFiled),
        ComplaintAction::Deadline(step) => return deadline_step(state, step, command),
        ComplaintAction::Acknowledge { note } => match status {
            Filed => ComplaintEvent::Acknowledged(ComplaintAcknowledged { note: note.clone() }),
            Acknowledged => return Err(refuse("it is already acknowledged")),
            Referred => {
                return Err(refuse(
                    "it has been referred on: refer it again or resolve it",
                ))
            }
            Resolved => return Err(refuse("it is resolved: reopen it first")),
            Withdrawn => return Err(refuse("a withdrawn complaint is closed for good")),
        },
        ComplaintAction::Refer { to, kind, reason } => match status {
            Filed | Acknowledged | Referred => ComplaintEvent::Referred(ComplaintReferred {
                to: to.clone(),
                kind: *kind,
                reason: reason.clone(),
            }),
            Resolved => return Err(refuse("it is resolved: reopen it first")),
            Withdrawn => return Err(refuse("a withdrawn complaint is closed for good")),
        },
        ComplaintAction::Resolve { outcome, summary } => match status {
            Filed | Acknowledged | Referred => ComplaintEvent::Resolved(ComplaintResolved {
                outcome: *outcome,
                summary: summary.clone(),
            }),
            Resolved => return Err(refuse("it is already resolved")),
            Withdrawn => return Err(refuse("a withdrawn complaint is closed for good")),
        },
        ComplaintAction::Reopen {
            reason,
            window_days,
        } => match (status, state.resolved_at) {
            (Resolved, Some(resolved_at)) => {
                if command.at > resolved_at.plus_days(*window_days) {
                    return Err(DomainError::ReopenWindowClosed {
                        resolved_at,
                        window_days: *window_days,
                    });
                }
                ComplaintEvent::Reopened(ComplaintReopened {
                    reason: reason.clone(),
                })
            }
            (Withdrawn, _) => return Err(refuse("a withdrawn complaint is closed for good")),
            _ => return Err(refuse("only a resolved complaint can be reopened")),
        },
        ComplaintAction::Rate { stars, comment } => match status {
            Resolved if state.rated => return Err(DomainError::AlreadyRated),
            Resolved => ComplaintEvent::Rated(ComplaintRated {
                stars: *stars,
                comment: comment.clone(),
            }),
            Withdrawn => return Err(refuse("a withdrawn complaint cannot be rated")),
            _ => return Err(refuse("it can be rated once it is resolved")),
        },
        ComplaintAction::Withdraw { reason } => match status {
            Filed | Acknowledged | Referred => ComplaintEvent::Withdrawn(ComplaintWithdrawn {
                reason: reason.clone(),
            }),
            Resolved => return Err(refuse("it is already resolved")),
            Withdrawn => return Err(refuse("it is already withdrawn")),
        },
    };
    Ok(vec![event])
}

/// The filing event, with the gender-desk decision, the deadlines of the
/// catalogue entry in force counted on the calendar in force, and both rules
/// and that calendar recorded in it.
fn filed(file: &FileComplaint, command: &ComplaintCommand) -> Result<ComplaintFiled, DomainError> {
    let reasons = gender_desk_reasons(file, &file.category);
    let acknowledge = file.category.acknowledge_rule();
    let resolve = file.category.resolve_rule();
    let due = |rule| {
        file.calendar
            .due(command.at, rule)
            .map_err(|error| DomainError::InvalidDeadline(error.to_string()))
    };
    let acknowledge_by = due(acknowledge)?;
    let resolve_by = due(resolve)?;
    Ok(ComplaintFiled {
        complaint_id: file.complaint_id,
        tracking_code: file.tracking_code.clone(),
        markaz: file.markaz.clone(),
        category: file.category.code.clone(),
        complainant: file.complainant.clone(),
        description: file.description.clone(),
        location: file.location.clone(),
        channel: file.channel,
        gender_desk: reasons.any(),
        gender_desk_reasons: reasons,
        acknowledge_by,
        resolve_by,
        non_cognizable: file.category.non_cognizable,
        deadline_terms: Some(DeadlineTerms {
            acknowledge,
            resolve,
            calendar: file
                .calendar
                .record(command.at, acknowledge_by.max(resolve_by)),
        }),
        contact: file.contact,
        language: file.language,
    })
}

/// A step of a deadline's escalation. It is recorded once: a step already
/// recorded, or a deadline met by the step's time, decides nothing (the
/// escalation process counts both as done), so two processes, or one
/// restarted, never record a step twice.
fn deadline_step(
    state: &ComplaintState,
    step: &DeadlineAction,
    command: &ComplaintCommand,
) -> Result<Vec<ComplaintEvent>, DomainError> {
    if state.due_at(step.deadline) != Some(step.due_at) {
        return Err(DomainError::InvalidDeadline(format!(
            "the case's deadline to {} is not {}",
            step.deadline, step.due_at
        )));
    }
    let met = state
        .met_at(step.deadline)
        .is_some_and(|met_at| met_at <= command.at);
    if met || state.has_step(step.deadline, step.step) {
        return Ok(Vec::new());
    }
    let event = match step.step {
        DeadlineStep::Reminder => ComplaintEvent::DeadlineReminder(DeadlineReminder {
            deadline: step.deadline,
            due_at: step.due_at,
            scheduled_at: command.at,
            rule: step.rule.clone(),
        }),
        DeadlineStep::Missed => ComplaintEvent::DeadlineMissed(DeadlineMissed {
            deadline: step.deadline,
            due_at: step.due_at,
            scheduled_at: command.at,
            rule: step.rule.clone(),
        }),
        DeadlineStep::Escalated(level) => ComplaintEvent::Escalated(CaseEscalated {
            deadline: step.deadline,
            due_at: step.due_at,
            scheduled_at: command.at,
            level,
            rule: step.rule.clone(),
        }),
    };
    Ok(vec![event])
}

fn gender_desk_reasons(file: &FileComplaint, category: &Category) -> GenderDeskReasons {
    GenderDeskReasons {
        requested: file.gender_desk_requested,
        complainant_gender: matches!(
            file.complainant.gender,
            Gender::Female | Gender::Transgender
        ),
        sensitive_category: category.gender_sensitive,
    }
}

fn require_acting_officer(actor: &Actor) -> Result<(), DomainError> {
    match actor {
        Actor::Officer {
            role: Role::Auditor | Role::Admin,
            ..
        } => Err(DomainError::NotAllowed {
            reason: "auditors and admins may not change a complaint: ask a desk officer or \
                     supervisor"
                .to_owned(),
        }),
        Actor::Officer { .. } => Ok(()),
        Actor::Citizen | Actor::System => Err(DomainError::NotAllowed {
            reason: "only an officer may do this".to_owned(),
        }),
    }
}

fn require_system(actor: &Actor) -> Result<(), DomainError> {
    match actor {
        Actor::System => Ok(()),
        _ => Err(DomainError::NotAllowed {
            reason: "deadline steps are recorded by the escalation process, not by hand".to_owned(),
        }),
    }
}

fn require_citizen(actor: &Actor) -> Result<(), DomainError> {
    match actor {
        Actor::Citizen => Ok(()),
        _ => Err(DomainError::NotAllowed {
            reason: "only the citizen who complained may rate the service, with the \
                     tracking code"
                .to_owned(),
        }),
    }
}
