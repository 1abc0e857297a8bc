//! Messages to complainants, kept as an outbox: each message is an aggregate
//! of its own (`notification-<uuid>`, the id derived from the event that
//! called for it, so an intent is queued once however often it is seen),
//! queued with its finished text, then sent or failed attempt by attempt
//! with the gateway's answer. A message given up on may be retried by an
//! operator.

use uuid::Uuid;

use crate::time::Timestamp;
use crate::values::{ComplaintId, Language, Phone};

/// The id of one message (one intent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NotificationId(pub Uuid);

impl NotificationId {
    const PREFIX: &'static str = "notification-";

    /// The message that `cause` (an event id) calls for.
    pub fn for_cause(cause: Uuid) -> Self {
        const NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0016_8000_0000_0000_0001);
        NotificationId(Uuid::new_v5(&NAMESPACE, cause.as_bytes()))
    }

    pub fn stream_name(&self) -> String {
        format!("{}{}", Self::PREFIX, self.0)
    }

    pub fn from_stream_name(name: &str) -> Option<Self> {
        name.strip_prefix(Self::PREFIX)
            .and_then(|id| Uuid::try_parse(id).ok())
            .map(NotificationId)
    }
}

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationEvent {
    Queued(NotificationQueued),
    Sent(NotificationSent),
    Failed(NotificationFailed),
    /// An operator asked for a message given up on to be tried again.
    Retried,
}

impl NotificationEvent {
    pub fn type_name(&self) -> &'static str {
        match self {
            NotificationEvent::Queued(_) => "NotificationQueued",
            NotificationEvent::Sent(_) => "NotificationSent",
            NotificationEvent::Failed(_) => "NotificationFailed",
            NotificationEvent::Retried => "NotificationRetried",
        }
    }
}

/// A message to send: to whom, in which language, the finished text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationQueued {
    pub complaint_id: ComplaintId,
    /// The event that called for the message.
    pub cause: Uuid,
    /// Which template wrote it (`filed`, `acknowledged`, ..., `updated`).
    pub template: String,
    pub language: Language,
    pub to: Phone,
    pub text: String,
    /// SMS parts the text takes.
    pub parts: u8,
}

/// The gateway took the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationSent {
    pub attempt: u32,
    pub gateway: String,
    /// What the gateway answered (its message id, or its words).
    pub answer: String,
}

/// An attempt failed; `retry_at` says when the next one is due (`None`: the
/// sender gave up, an operator may retry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationFailed {
    pub attempt: u32,
    pub gateway: String,
    pub answer: String,
    pub retry_at: Option<Timestamp>,
}

/// A message as it stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotificationState {
    pub queued: Option<NotificationQueued>,
    pub queued_at: Option<Timestamp>,
    pub attempts: u32,
    pub sent: bool,
    /// When the next attempt is due; `None` once sent or given up on.
    pub next_attempt_at: Option<Timestamp>,
    pub last_answer: Option<String>,
}

impl NotificationState {
    pub fn given_up(&self) -> bool {
        self.queued.is_some() && !self.sent && self.next_attempt_at.is_none()
    }
}

/// A command on this aggregate (see `Command`).
pub type NotificationCommand = crate::decider::Command<NotificationAction>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationAction {
    Queue(NotificationQueued),
    /// The outcome of attempt `attempt` (which must be the next one).
    RecordSent(NotificationSent),
    RecordFailed(NotificationFailed),
    Retry,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("no such message: check the id")]
    NotFound,
    #[error("the message was sent already: there is nothing to retry")]
    AlreadySent,
    #[error("the message is still being tried: wait until it has failed for good")]
    StillTrying,
}

/// Decides a command on a message. Repeats decide nothing: a message queued
/// again, an attempt recorded twice, or an outcome for an attempt already
/// recorded (another sender's) leave the message as it is.
pub fn decide_notification(
    state: &NotificationState,
    command: &NotificationCommand,
) -> Result<Vec<NotificationEvent>, NotificationError> {
    match (&command.action, &state.queued) {
        (NotificationAction::Queue(_), Some(_)) => Ok(Vec::new()),
        (NotificationAction::Queue(queued), None) => {
            Ok(vec![NotificationEvent::Queued(queued.clone())])
        }
        (_, None) => Err(NotificationError::NotFound),
        (NotificationAction::RecordSent(sent), Some(_)) => {
            if state.sent || sent.attempt != state.attempts + 1 {
                return Ok(Vec::new());
            }
            Ok(vec![NotificationEvent::Sent(sent.clone())])
        }
        (NotificationAction::RecordFailed(failed), Some(_)) => {
            if state.sent || failed.attempt != state.attempts + 1 {
                return Ok(Vec::new());
            }
            Ok(vec![NotificationEvent::Failed(failed.clone())])
        }
        (NotificationAction::Retry, Some(_)) if state.sent => Err(NotificationError::AlreadySent),
        (NotificationAction::Retry, Some(_)) if !state.given_up() => {
            Err(NotificationError::StillTrying)
        }
        (NotificationAction::Retry, Some(_)) => Ok(vec![NotificationEvent::Retried]),
    }
}

pub fn evolve_notification(
    mut state: NotificationState,
    event: &NotificationEvent,
    at: Timestamp,
) -> NotificationState {
    match event {
        NotificationEvent::Queued(queued) => {
            state.queued = Some(queued.clone());
            state.queued_at = Some(at);
            state.next_attempt_at = Some(at);
        }
        NotificationEvent::Sent(sent) => {
            state.attempts = sent.attempt;
            state.sent = true;
            state.next_attempt_at = None;
            state.last_answer = Some(sent.answer.clone());
        }
        NotificationEvent::Failed(failed) => {
            state.attempts = failed.attempt;
            state.next_attempt_at = failed.retry_at;
            state.last_answer = Some(failed.answer.clone());
        }
        NotificationEvent::Retried => state.next_attempt_at = Some(at),
    }
    state
}
