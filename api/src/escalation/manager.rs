//! The escalation process: follows the event log and the clock, and when a
//! step of a deadline falls due, sends it through the command layer as a
//! command of the system at the step's true time.
//!
//! Exactly once without coordination: a step's command id is derived from
//! the case, the deadline, its due time and the step, so its event id is
//! too. Two processes (or one restarted after a kill) send the same command;
//! the store takes its events once, the command loop finds them on a retry
//! or a conflict, and the decider records nothing for a step already
//! recorded. After a stop, the process reads the log to its head first, then
//! sends every step that fell due meanwhile in time order, each at its own
//! time.

use async_trait::async_trait;
use markaz_domain::{
    Actor, ComplaintAction, ComplaintCommand, ComplaintEvent, ComplaintId, DeadlineAction,
    Timestamp,
};
use markaz_store::command_loop::decode_recorded;
use markaz_store::RecordedEvent;
use uuid::Uuid;

use super::policy::{EscalationPolicy, PlannedStep};
use super::schedule::Schedule;
use crate::commands::{CommandFailure, Commands};
use crate::process_manager::{Process, Progress as ProcessProgress, Running};

/// Namespace of the command ids of deadline steps.
const STEP_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0015_8000_0000_0000_0001);

/// How far the process has got: everything up to `position` in the log is
/// known, and every step due by `checked_until` has been sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub position: u64,
    pub checked_until: Option<Timestamp>,
    /// Steps this process sent whose event is on the case's stream (written
    /// by this command now or by an earlier attempt of it).
    pub steps_written: u64,
    /// Cases with a deadline step still to come.
    pub cases_followed: usize,
}

/// A running escalation process.
pub type EscalationProcess = Running<Escalation>;

impl Running<Escalation> {
    /// Starts following the log from its beginning.
    pub fn start(commands: Commands, policy: EscalationPolicy) -> Self {
        Running::spawn(
            commands,
            Escalation {
                policy,
                schedule: Schedule::default(),
                written: 0,
            },
        )
    }
}

/// The escalation as a process manager: the schedule of every followed case.
pub struct Escalation {
    policy: EscalationPolicy,
    schedule: Schedule,
    written: u64,
}

impl ProcessProgress for Progress {
    fn position(&self) -> u64 {
        self.position
    }

    fn checked_until(&self) -> Option<Timestamp> {
        self.checked_until
    }
}

#[async_trait]
impl Process for Escalation {
    type Progress = Progress;

    const NAME: &'static str = "escalation";

    fn follow(&mut self, recorded: &RecordedEvent, _now: Timestamp) {
        follow(&self.policy, &mut self.schedule, recorded);
    }

    async fn round(
        &mut self,
        commands: &Commands,
        position: u64,
        now: Timestamp,
    ) -> Result<Progress, CommandFailure> {
        self.written += send_due(commands, &self.policy, &mut self.schedule, now).await?;
        Ok(Progress {
            position,
            checked_until: Some(now),
            steps_written: self.written,
            cases_followed: self.schedule.len(),
        })
    }

    fn next_due(&self) -> Option<Timestamp> {
        self.schedule.next_due()
    }
}

/// Folds one event of the log into the schedule (complaint events only).
fn follow(policy: &EscalationPolicy, schedule: &mut Schedule, recorded: &RecordedEvent) {
    let Some(id) = ComplaintId::from_stream_name(&recorded.stream) else {
        return;
    };
    match decode_recorded::<ComplaintEvent>(recorded) {
        Ok(event) => schedule.apply(policy, id, &event, recorded.metadata.occurred_at),
        // The projections stop at an unreadable event; the escalation of one
        // case is not worth stopping every other case's for.
        Err(error) => tracing::error!(
            %error,
            position = recorded.position,
            "escalation: an event cannot be read; its case is not escalated"
        ),
    }
}

/// Sends every step due by `now`, earliest first; returns how many wrote
/// an event. A refused step (the case's stream says otherwise) is logged and
/// passed over; a failure to reach the store stops the round.
async fn send_due(
    commands: &Commands,
    policy: &EscalationPolicy,
    schedule: &mut Schedule,
    now: Timestamp,
) -> Result<u64, CommandFailure> {
    let mut written = 0;
    while let Some((id, step)) = schedule.due(policy, now) {
        let command = step_command(id, &step);
        match commands.submit(id, &command).await {
            Ok(acted) => {
                let wrote = acted.events > 0;
                tracing::info!(
                    complaint = %id,
                    deadline = %step.deadline,
                    step = step.step.as_str(),
                    at = %step.at,
                    "deadline step"
                );
                written += u64::from(wrote);
            }
            Err(
                failure @ (CommandFailure::Contention
                | CommandFailure::Unavailable(_)
                | CommandFailure::Internal(_)),
            ) => return Err(failure),
            Err(refused) => tracing::warn!(
                complaint = %id,
                deadline = %step.deadline,
                step = step.step.as_str(),
                error = %refused,
                "escalation: a deadline step was refused; passing over it"
            ),
        }
        schedule.handled(policy, id, &step);
    }
    Ok(written)
}

/// The command of a step: its id derives from the case, the deadline, its
/// due time and the step, never from the clock or the process.
pub fn step_command(id: ComplaintId, step: &PlannedStep) -> ComplaintCommand {
    let mut name = Vec::with_capacity(64);
    name.extend_from_slice(id.as_uuid().as_bytes());
    name.extend_from_slice(step.deadline.as_str().as_bytes());
    name.extend_from_slice(&step.due_at.as_micros().to_be_bytes());
    name.extend_from_slice(step.step.as_str().as_bytes());
    ComplaintCommand {
        command_id: Uuid::new_v5(&STEP_NAMESPACE, &name),
        at: step.at,
        actor: Actor::System,
        action: ComplaintAction::Deadline(DeadlineAction {
            deadline: step.deadline,
            due_at: step.due_at,
            step: step.step,
            rule: step.rule.clone(),
        }),
    }
}
