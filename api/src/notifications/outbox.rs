//! The outbox process: follows the event log and the clock. For each
//! complaint event that calls for a message to a complainant who may be
//! written to, it queues the message (`NotificationQueued`, on a stream whose
//! id derives from the event's id: one intent, one message, however often the
//! log is read again); for each queued message due, it hands the message to
//! the gateway and records the answer (`NotificationSent`, or
//! `NotificationFailed` with the next attempt's time, doubling from
//! `first_retry`, until `max_attempts`).
//!
//! After a restart it reads the log again and sends what is still due; a
//! message whose gateway answer was lost in a crash is sent again with the
//! same id, which a gateway honouring ids drops. Only events newer than
//! `max_age` are written about, so a first start on an old log (or a demo's
//! planned history) texts nobody about the past.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use markaz_domain::{
    Actor, ComplaintEvent, ComplaintId, NotificationAction, NotificationCommand, NotificationEvent,
    NotificationFailed, NotificationId, NotificationQueued, NotificationSent, NotificationState,
    Timestamp,
};
use markaz_store::command_loop::decode_recorded;
use markaz_store::RecordedEvent;
use uuid::Uuid;

use super::gateway::{Gateway, OutgoingSms};
use super::segments;
use super::templates::{intent, render, CaseContact};
use crate::commands::{CommandFailure, Commands};
use crate::process_manager::{Process, Progress as ProcessProgress, Running};

/// The outbox's rules (`[notifications]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationPolicy {
    pub enabled: bool,
    /// Events older than this (by the clock) call for no message.
    pub max_age: Duration,
    /// Attempts before a message is given up on (an operator may retry it).
    pub max_attempts: u32,
    /// The pause after the first failed attempt; it doubles after each.
    pub first_retry: Duration,
    /// The origin of the tracking links (`public_url`), without a slash.
    pub link_origin: String,
    /// The zone whose dates messages name.
    pub time_zone: markaz_projections::Tz,
}

impl Default for NotificationPolicy {
    fn default() -> Self {
        NotificationPolicy {
            enabled: false,
            max_age: Duration::from_secs(24 * 3_600),
            max_attempts: 8,
            first_retry: Duration::from_secs(30),
            link_origin: "http://127.0.0.1:8080".to_owned(),
            time_zone: markaz_domain::WorkingCalendar::pakistan().time_zone(),
        }
    }
}

/// How far the outbox has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxProgress {
    pub position: u64,
    /// Every message due by this time has been attempted.
    pub checked_until: Option<Timestamp>,
    pub sent: u64,
    pub failed_attempts: u64,
    /// Messages queued and neither sent nor given up on.
    pub pending: usize,
    /// When the oldest pending message was queued.
    pub oldest_pending: Option<Timestamp>,
    /// Messages given up on, waiting for an operator.
    pub given_up: usize,
}

/// A running outbox.
pub type Outbox = Running<OutboxProcess>;

impl Running<OutboxProcess> {
    pub fn start(
        commands: Commands,
        gateway: Arc<dyn Gateway>,
        policy: NotificationPolicy,
    ) -> Self {
        Running::spawn(
            commands,
            OutboxProcess {
                gateway,
                policy,
                state: OutboxState::default(),
            },
        )
    }
}

/// The outbox as a process manager.
pub struct OutboxProcess {
    gateway: Arc<dyn Gateway>,
    policy: NotificationPolicy,
    state: OutboxState,
}

impl ProcessProgress for OutboxProgress {
    fn position(&self) -> u64 {
        self.position
    }

    fn checked_until(&self) -> Option<Timestamp> {
        self.checked_until
    }
}

#[async_trait]
impl Process for OutboxProcess {
    type Progress = OutboxProgress;

    const NAME: &'static str = "outbox";

    fn follow(&mut self, recorded: &RecordedEvent, now: Timestamp) {
        follow(&self.policy, &mut self.state, recorded, now);
    }

    async fn round(
        &mut self,
        commands: &Commands,
        position: u64,
        now: Timestamp,
    ) -> Result<OutboxProgress, CommandFailure> {
        queue_intents(commands, &mut self.state, now).await?;
        send_due(
            commands,
            self.gateway.as_ref(),
            &self.policy,
            &mut self.state,
            now,
        )
        .await?;
        Ok(self.state.progress(position, now))
    }

    fn next_due(&self) -> Option<Timestamp> {
        self.state.due.first().map(|(at, _)| *at)
    }
}

/// What the outbox follows.
#[derive(Default)]
struct OutboxState {
    cases: HashMap<ComplaintId, CaseContact>,
    /// Intents seen and not yet queued.
    to_queue: Vec<(NotificationId, NotificationQueued)>,
    /// Messages not sent: their stream version and state.
    messages: HashMap<NotificationId, (u64, NotificationState)>,
    /// (next attempt, message) of the messages with one due.
    due: BTreeSet<(Timestamp, NotificationId)>,
    sent: u64,
    failed_attempts: u64,
}

impl OutboxState {
    fn keep(&mut self, id: NotificationId, version: u64, state: NotificationState) {
        if let Some((_, old)) = self.messages.get(&id) {
            if let Some(at) = old.next_attempt_at {
                self.due.remove(&(at, id));
            }
        }
        // A sent message is kept (not due) until the log brings back the
        // event that sent it: an earlier event of it read later must not
        // make it due again.
        if let Some(at) = state.next_attempt_at.filter(|_| !state.sent) {
            self.due.insert((at, id));
        }
        self.messages.insert(id, (version, state));
    }

    fn progress(&self, position: u64, now: Timestamp) -> OutboxProgress {
        let pending = self
            .messages
            .values()
            .filter(|(_, state)| !state.sent && state.next_attempt_at.is_some());
        OutboxProgress {
            position,
            checked_until: Some(now),
            sent: self.sent,
            failed_attempts: self.failed_attempts,
            pending: pending.clone().count(),
            oldest_pending: pending.filter_map(|(_, state)| state.queued_at).min(),
            given_up: self
                .messages
                .values()
                .filter(|(_, state)| state.given_up())
                .count(),
        }
    }
}

/// Folds one event of the log: complaint events into the cases (and the
/// messages they call for), notification events into the messages.
fn follow(
    policy: &NotificationPolicy,
    state: &mut OutboxState,
    recorded: &RecordedEvent,
    now: Timestamp,
) {
    if let Some(id) = NotificationId::from_stream_name(&recorded.stream) {
        let Ok(event) = decode_recorded::<NotificationEvent>(recorded) else {
            tracing::error!(
                position = recorded.position,
                "outbox: a message event cannot be read"
            );
            return;
        };
        let (version, current) = state
            .messages
            .get(&id)
            .cloned()
            .unwrap_or((0, NotificationState::default()));
        if recorded.version <= version {
            if recorded.version == version && current.sent {
                state.messages.remove(&id);
            }
            return;
        }
        let next =
            markaz_domain::evolve_notification(current, &event, recorded.metadata.occurred_at);
        if next.sent {
            if let Some(at) = next.next_attempt_at {
                state.due.remove(&(at, id));
            }
            forget(state, id);
        } else {
            state.keep(id, recorded.version, next);
        }
        return;
    }
    let Some(case_id) = ComplaintId::from_stream_name(&recorded.stream) else {
        return;
    };
    let Ok(event) = decode_recorded::<ComplaintEvent>(recorded) else {
        tracing::error!(
            position = recorded.position,
            "outbox: a complaint event cannot be read"
        );
        return;
    };
    match &event {
        ComplaintEvent::Filed(filed) => {
            state.cases.insert(case_id, CaseContact::from_filing(filed));
        }
        ComplaintEvent::Referred(referred)
            if referred.kind == markaz_domain::ReferralKind::GenderDesk =>
        {
            if let Some(case) = state.cases.get_mut(&case_id) {
                case.gender_desk = true;
            }
        }
        _ => {}
    }
    let Some(case) = state.cases.get(&case_id) else {
        return;
    };
    let occurred = recorded.metadata.occurred_at;
    let age = now.as_micros().saturating_sub(occurred.as_micros());
    let too_old = age > i64::try_from(policy.max_age.as_micros()).unwrap_or(i64::MAX);
    if too_old || !case.may_text() {
        return;
    }
    let zone = policy.time_zone;
    let local_date = |at: Timestamp| {
        at.to_datetime()
            .with_timezone(&zone)
            .format("%Y-%m-%d")
            .to_string()
    };
    let Some(intent) = intent(&event, case, local_date) else {
        return;
    };
    // Neutral messages carry no link: the tracking page names the category.
    let link = if case.gender_desk {
        String::new()
    } else {
        format!(
            "{}/track/{}",
            policy.link_origin,
            case.tracking_code.as_str()
        )
    };
    let text = render(&intent, case, &link);
    let parts = u8::try_from(segments::count(&text).parts).unwrap_or(u8::MAX);
    let id = NotificationId::for_cause(recorded.metadata.event_id);
    state.to_queue.push((
        id,
        NotificationQueued {
            complaint_id: case_id,
            cause: recorded.metadata.event_id,
            template: intent.template.to_owned(),
            language: case.language,
            to: case.phone.clone(),
            text,
            parts,
        },
    ));
    if matches!(event, ComplaintEvent::Withdrawn(_)) {
        state.cases.remove(&case_id);
    }
}

/// Drops a message that the log shows sent.
fn forget(state: &mut OutboxState, id: NotificationId) {
    if let Some((_, old)) = state.messages.remove(&id) {
        if let Some(at) = old.next_attempt_at {
            state.due.remove(&(at, id));
        }
    }
}

/// The deterministic command id of `what` on message `id`.
fn command_id(id: NotificationId, what: &str) -> Uuid {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0016_8000_0000_0000_0002);
    let mut name = id.0.as_bytes().to_vec();
    name.extend_from_slice(what.as_bytes());
    Uuid::new_v5(&NAMESPACE, &name)
}

async fn queue_intents(
    commands: &Commands,
    state: &mut OutboxState,
    now: Timestamp,
) -> Result<(), CommandFailure> {
    while let Some((id, queued)) = state.to_queue.first().cloned() {
        let command = NotificationCommand {
            command_id: command_id(id, "queue"),
            at: now,
            actor: Actor::System,
            action: NotificationAction::Queue(queued),
        };
        let (version, message) = commands.notification(id, &command).await?;
        // Queued before (a log read again): the log has told its story already.
        let known = state.messages.get(&id).map_or(0, |(v, _)| *v);
        if !message.sent && version >= known {
            state.keep(id, version, message);
        }
        state.to_queue.remove(0);
    }
    Ok(())
}

async fn send_due(
    commands: &Commands,
    gateway: &dyn Gateway,
    policy: &NotificationPolicy,
    state: &mut OutboxState,
    now: Timestamp,
) -> Result<(), CommandFailure> {
    while let Some(&(at, id)) = state.due.first() {
        if at > now {
            break;
        }
        let Some((_, message)) = state.messages.get(&id).cloned() else {
            state.due.remove(&(at, id));
            continue;
        };
        let Some(queued) = message.queued.clone() else {
            state.due.remove(&(at, id));
            continue;
        };
        let attempt = message.attempts + 1;
        let sms = OutgoingSms {
            id: id.to_string(),
            to: queued.to.as_str().to_owned(),
            text: queued.text.clone(),
            parts: queued.parts,
        };
        let action = match gateway.send(&sms).await {
            Ok(answer) => {
                state.sent += 1;
                NotificationAction::RecordSent(NotificationSent {
                    attempt,
                    gateway: gateway.name().to_owned(),
                    answer,
                })
            }
            Err(error) => {
                state.failed_attempts += 1;
                let retry_at = (attempt < policy.max_attempts).then(|| {
                    let pause = policy
                        .first_retry
                        .saturating_mul(1 << (attempt - 1).min(16));
                    let micros = i64::try_from(pause.as_micros()).unwrap_or(i64::MAX);
                    Timestamp::from_micros(now.as_micros().saturating_add(micros))
                });
                tracing::warn!(message = %id, attempt, %error, "outbox: the gateway did not take a message");
                NotificationAction::RecordFailed(NotificationFailed {
                    attempt,
                    gateway: gateway.name().to_owned(),
                    answer: error.to_string(),
                    retry_at,
                })
            }
        };
        let what = match &action {
            NotificationAction::RecordSent(_) => format!("sent-{attempt}"),
            _ => format!("failed-{attempt}"),
        };
        let command = NotificationCommand {
            command_id: command_id(id, &what),
            at: now,
            actor: Actor::System,
            action,
        };
        let (version, message) = commands.notification(id, &command).await?;
        state.keep(id, version, message);
    }
    Ok(())
}
