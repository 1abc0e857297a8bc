//! Faults a test can switch on while the server runs: failed calls, delays,
//! dropped subscriptions, and appends stored without their answer.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tonic::metadata::MetadataValue;
use tonic::Status;

/// How a failed call is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `Unavailable`: the node is down or restarting.
    Unavailable,
    /// `DeadlineExceeded`: the node did not answer in time.
    DeadlineExceeded,
    /// The node is a follower: `NotFound` with the `not-leader` exception and
    /// the leader's endpoint (this same server) in the trailers.
    NotLeader,
}

#[derive(Default, Debug)]
struct State {
    failure: Option<(Failure, u32)>,
    delay: Duration,
    drop_subscriptions_after: Option<u64>,
    lose_append_answers: u32,
}

/// The switchboard of faults, shared by the test and the server.
#[derive(Clone, Debug)]
pub struct Faults {
    state: Arc<Mutex<State>>,
    port: u16,
}

impl Faults {
    pub(crate) fn new(port: u16) -> Faults {
        Faults {
            state: Arc::default(),
            port,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock leaves valid data behind.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next `calls` calls (reads, appends, deletes, subscriptions) fail.
    pub fn fail_next(&self, failure: Failure, calls: u32) {
        self.state().failure = Some((failure, calls));
    }

    /// Every answer (and every subscription message) waits `delay` first.
    pub fn delay_answers(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// Every subscription, present and future, is dropped with `Unavailable`
    /// after it has delivered `events` events; `None` switches this off.
    pub fn drop_subscriptions_after(&self, events: Option<u64>) {
        self.state().drop_subscriptions_after = events;
    }

    /// The next `appends` appends are stored, but answered with `Unavailable`
    /// as if the connection broke before the answer arrived.
    pub fn lose_append_answers(&self, appends: u32) {
        self.state().lose_append_answers = appends;
    }

    /// Switches every fault off.
    pub fn clear(&self) {
        *self.state() = State::default();
    }

    /// Called at the start of every call: waits the configured delay, then
    /// answers with the injected failure if one is due.
    pub(crate) async fn on_call(&self) -> Result<(), Status> {
        let (delay, failure) = {
            let mut state = self.state();
            let failure = match &mut state.failure {
                Some((failure, left)) if *left > 0 => {
                    *left -= 1;
                    Some(*failure)
                }
                _ => None,
            };
            (state.delay, failure)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match failure {
            Some(failure) => Err(self.status(failure)),
            None => Ok(()),
        }
    }

    pub(crate) fn delay(&self) -> Duration {
        self.state().delay
    }

    pub(crate) fn drop_after(&self) -> Option<u64> {
        self.state().drop_subscriptions_after
    }

    /// True (once per lost answer) when this append's answer must be lost.
    pub(crate) fn take_lost_answer(&self) -> bool {
        let mut state = self.state();
        if state.lose_append_answers > 0 {
            state.lose_append_answers -= 1;
            true
        } else {
            false
        }
    }

    fn status(&self, failure: Failure) -> Status {
        match failure {
            Failure::Unavailable => Status::unavailable("Server Is Not Ready (injected)"),
            Failure::DeadlineExceeded => Status::deadline_exceeded("Timeout expired (injected)"),
            Failure::NotLeader => {
                let mut status = Status::not_found("Leader info available (injected)");
                let metadata = status.metadata_mut();
                metadata.insert("exception", MetadataValue::from_static("not-leader"));
                metadata.insert(
                    "leader-endpoint-host",
                    MetadataValue::from_static("127.0.0.1"),
                );
                if let Ok(port) = MetadataValue::try_from(self.port.to_string()) {
                    metadata.insert("leader-endpoint-port", port);
                }
                status
            }
        }
    }
}
