//! What every process manager shares (the deadline escalation, the outbox).
//!
//! A process follows the event log from its beginning and the clock. Once it
//! has read the log up to the head it found when it subscribed, it runs a
//! round (sends what is due, through the command layer) and publishes its
//! progress; then it waits for the next event, for its next due time or for
//! a stop. On any failure of the store it pauses, doubling the pause up to a
//! limit, and goes on from where it was. A process says only what it does
//! with one event, what a round is and when it next has something due.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use markaz_domain::Timestamp;
use markaz_store::RecordedEvent;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::commands::{CommandFailure, Commands};

/// The first pause after a failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest pause between attempts while the store fails.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How far a process has got: tests and readiness wait on it.
pub trait Progress: Copy + Default + Send + Sync + 'static {
    /// Everything up to this position in the log is known.
    fn position(&self) -> u64;
    /// Everything due by this time has been done.
    fn checked_until(&self) -> Option<Timestamp>;
}

/// One kind of process manager.
#[async_trait]
pub trait Process: Send + 'static {
    type Progress: Progress;

    /// The name its log lines start with.
    const NAME: &'static str;

    /// Takes in one event of the log, read at `now`.
    fn follow(&mut self, recorded: &RecordedEvent, now: Timestamp);

    /// Does what is due by `now`, the log being known up to `position`, and
    /// says how far the process has got.
    async fn round(
        &mut self,
        commands: &Commands,
        position: u64,
        now: Timestamp,
    ) -> Result<Self::Progress, CommandFailure>;

    /// When something falls due next, if anything does.
    fn next_due(&self) -> Option<Timestamp>;
}

/// A running process manager.
pub struct Running<P: Process> {
    progress: watch::Receiver<P::Progress>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl<P: Process> Running<P> {
    /// Starts `process`, following the log from its beginning.
    pub fn spawn(commands: Commands, process: P) -> Self {
        let (progress_tx, progress) = watch::channel(P::Progress::default());
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(commands, process, progress_tx, stop_rx));
        Running {
            progress,
            stop,
            task,
        }
    }

    pub fn progress(&self) -> P::Progress {
        *self.progress.borrow()
    }

    /// A watch of the progress (for `/metrics`).
    pub fn watch(&self) -> watch::Receiver<P::Progress> {
        self.progress.clone()
    }

    /// Waits until the process knows the log up to `position` and has done
    /// everything due by `time`.
    pub async fn settled(&self, position: u64, time: Timestamp) -> P::Progress {
        let mut progress = self.progress.clone();
        let settled = progress
            .wait_for(|p| p.position() >= position && p.checked_until().is_some_and(|t| t >= time))
            .await;
        match settled {
            Ok(progress) => *progress,
            Err(_) => *self.progress.borrow(),
        }
    }

    /// Stops after the round in progress, if any.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, process = P::NAME, "the process failed");
        }
    }

    /// Ends the process at once, wherever it is (as a killed process would).
    pub fn kill(self) {
        self.task.abort();
    }
}

async fn run<P: Process>(
    commands: Commands,
    mut process: P,
    progress: watch::Sender<P::Progress>,
    mut stop: watch::Receiver<bool>,
) {
    let clock = commands.clock().clone();
    let mut position = 0u64;
    let mut backoff = FIRST_BACKOFF;
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
                tracing::warn!(%error, ?backoff, "{}: cannot follow the log, retrying", P::NAME);
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
                match process.round(&commands, position, now).await {
                    Ok(done) => {
                        backoff = FIRST_BACKOFF;
                        progress.send_replace(done);
                    }
                    Err(error) => {
                        tracing::warn!(%error, ?backoff, "{}: a round failed, retrying", P::NAME);
                        if pause(&mut stop, &mut backoff).await {
                            return;
                        }
                        continue;
                    }
                }
            }
            let next_due = process.next_due();
            tokio::select! {
                biased;
                _ = stop.changed() => return,
                item = feed.next() => match item {
                    Some(Ok(recorded)) => {
                        position = recorded.position;
                        process.follow(&recorded, now);
                    }
                    Some(Err(error)) => {
                        tracing::warn!(%error, "{}: the log feed failed, resubscribing", P::NAME);
                        if pause(&mut stop, &mut backoff).await {
                            return;
                        }
                        continue 'subscribe;
                    }
                    None => continue 'subscribe,
                },
                _ = clock.tick(now, next_due), if caught_up => {}
            }
        }
    }
}

/// Waits out the backoff (doubling it for next time); true if asked to stop.
async fn pause(stop: &mut watch::Receiver<bool>, backoff: &mut Duration) -> bool {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
    tokio::select! {
        _ = stop.changed() => true,
        _ = tokio::time::sleep(wait) => *stop.borrow(),
    }
}
