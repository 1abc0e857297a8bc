//! Folding events into state.

use crate::time::Timestamp;
use crate::values::ReferralKind;

use super::event::ComplaintEvent;
use super::state::{ComplaintState, ComplaintStatus, DeadlineStep};

/// Applies one event. `at` is the event's `occurred_at` from its metadata,
/// which payloads do not repeat.
pub fn evolve(mut state: ComplaintState, event: &ComplaintEvent, at: Timestamp) -> ComplaintState {
    state.version += 1;
    let leaves_filed = matches!(
        event,
        ComplaintEvent::Acknowledged(_)
            | ComplaintEvent::Referred(_)
            | ComplaintEvent::Resolved(_)
            | ComplaintEvent::Withdrawn(_)
    );
    if leaves_filed && state.acknowledged_at.is_none() {
        state.acknowledged_at = Some(at);
    }
    let closes = matches!(
        event,
        ComplaintEvent::Resolved(_) | ComplaintEvent::Withdrawn(_)
    );
    if closes && state.closed_at.is_none() {
        state.closed_at = Some(at);
    }
    match event {
        ComplaintEvent::Filed(filed) => {
            state.status = Some(ComplaintStatus::Filed);
            state.id = Some(filed.complaint_id);
            state.tracking_code = Some(filed.tracking_code.clone());
            state.markaz = Some(filed.markaz.clone());
            state.category = Some(filed.category.clone());
            state.gender_desk = filed.gender_desk;
            state.filed_at = Some(at);
            state.acknowledge_by = Some(filed.acknowledge_by);
            state.resolve_by = Some(filed.resolve_by);
        }
        ComplaintEvent::Acknowledged(_) => {
            state.status = Some(ComplaintStatus::Acknowledged);
        }
        ComplaintEvent::Referred(referred) => {
            state.status = Some(ComplaintStatus::Referred);
            state.current_unit = Some(referred.to.clone());
            // A case sent to the gender desk becomes one of its cases for good:
            // what it holds is now confidential, whoever filed it.
            if referred.kind == ReferralKind::GenderDesk {
                state.gender_desk = true;
            }
        }
        ComplaintEvent::Resolved(_) => {
            state.status = Some(ComplaintStatus::Resolved);
            state.resolved_at = Some(at);
        }
        ComplaintEvent::Rated(_) => {
            state.rated = true;
        }
        ComplaintEvent::Reopened(_) => {
            // Reopened work is back with the centre, already acknowledged.
            state.status = Some(ComplaintStatus::Acknowledged);
            state.resolved_at = None;
            state.reopen_count += 1;
        }
        ComplaintEvent::Withdrawn(_) => {
            state.status = Some(ComplaintStatus::Withdrawn);
        }
        ComplaintEvent::DeadlineReminder(reminder) => {
            state
                .deadline_steps
                .push((reminder.deadline, DeadlineStep::Reminder));
        }
        ComplaintEvent::DeadlineMissed(missed) => {
            state
                .deadline_steps
                .push((missed.deadline, DeadlineStep::Missed));
        }
        ComplaintEvent::Escalated(escalated) => {
            state
                .deadline_steps
                .push((escalated.deadline, DeadlineStep::Escalated(escalated.level)));
            state.escalated_to = state.escalated_to.max(Some(escalated.level));
        }
    }
    state
}
