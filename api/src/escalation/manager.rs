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

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use markaz_domain::{
    Actor, ComplaintAction, ComplaintCommand, ComplaintEvent, ComplaintId, DeadlineAction,
    Timestamp,
};
use markaz_store::command_loop::decode_recorded;
use markaz_store::RecordedEvent;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::policy::{EscalationPolicy, PlannedStep};
use super::schedule::Schedule;
use crate::commands::{CommandFailure, Commands};

/// Namespace of the command ids of deadline steps.
const STEP_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0015_8000_0000_0000_0001);

/// The longest pause between attempts while the store fails.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

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
pub struct EscalationProcess {
    progress: watch::Receiver<Progress>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl EscalationProcess {
    /// Starts following the log from its beginning.
    pub fn start(commands: Commands, policy: EscalationPolicy) -> Self {
        let (progress_tx, progress) = watch::channel(Progress::default());
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(commands, policy, progress_tx, stop_rx));
        EscalationProcess {
            progress,
            stop,
            task,
        }
    }

    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// Waits until the process knows the log up to `position` and has sent
    /// every step due by `time`.
    pub async fn settled(&self, position: u64, time: Timestamp) -> Progress {
        let mut progress = self.progress.clone();
        let settled = progress
            .wait_for(|p| p.position >= position && p.checked_until.is_some_and(|t| t >= time))
            .await;
        match settled {
            Ok(progress) => *progress,
            Err(_) => *self.progress.borrow(),
        }
    }

    /// Stops after the step in progress, if any.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the escalation process failed");
        }
    }

    /// Ends the process at once, wherever it is (as a killed process would).
    pub fn kill(self) {
        self.task.abort();
    }
}

async fn run(
    commands: Commands,
    policy: EscalationPolicy,
    progress: watch::Sender<Progress>,
    mut stop: watch::Receiver<bool>,
) {
    let clock = Arc::clone(commands.clock());
    let mut schedule = Schedule::default();
    let mut position = 0u64;
    let mut written = 0u64;
    let mut backoff = Duration::from_millis(100);
    'subscribe: loop {
        let feed = match commands.store().head_position().await {
            Ok(head) => commands
                .store()
                .subscribe_all(position)
                .await
                .map(|feed| (head, feed)),
            Err(error) => Err(error),
        };
        let (head, mut feed) = match feed {
            Ok(feed) => feed,
            Err(error) => {
                tracing::warn!(%error, ?backoff, "escalation: cannot follow the log, retrying");
                if pause(&mut stop, &mut backoff).await {
                    return;
                }
                continue 'subscribe;
            }
        };
        loop {
            let caught_up = position >= head;
            let now = clock.now();
            if caught_up {
                match send_due(&commands, &policy, &mut schedule, now).await {
                    Ok(count) => {
                        written += count;
                        backoff = Duration::from_millis(100);
                        progress.send_replace(Progress {
                            position,
                            checked_until: Some(now),
                            steps_written: written,
                            cases_followed: schedule.len(),
                        });
                    }
                    Err(error) => {
                        tracing::warn!(%error, ?backoff, "escalation: a step failed, retrying");
                        if pause(&mut stop, &mut backoff).await {
                            return;
                        }
                        continue;
                    }
                }
            }
            tokio::select! {
                biased;
                _ = stop.changed() => return,
                item = feed.next() => match item {
                    Some(Ok(recorded)) => {
                        position = recorded.position;
                        follow(&policy, &mut schedule, &recorded);
                    }
                    Some(Err(error)) => {
                        tracing::warn!(%error, "escalation: the log feed failed, resubscribing");
                        if pause(&mut stop, &mut backoff).await {
                            return;
                        }
                        continue 'subscribe;
                    }
                    None => continue 'subscribe,
                },
                _ = clock.tick(now, schedule.next_due()), if caught_up => {}
            }
        }
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

/// Waits out a doubling pause (real time: the store is what is awaited);
/// true when asked to stop meanwhile.
async fn pause(stop: &mut watch::Receiver<bool>, backoff: &mut Duration) -> bool {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
    tokio::select! {
        _ = stop.changed() => true,
        _ = tokio::time::sleep(wait) => *stop.borrow(),
    }
}
