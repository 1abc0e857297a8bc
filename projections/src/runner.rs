//! The projection runner: follows the global feed from the projections'
//! checkpoints and applies what is ready in batches, one transaction each.
//!
//! Progress is published on a watch channel after every commit, which is what
//! `wait_for_position` awaits (read-your-writes without polling). A failure
//! (the store unreachable, a full disk, a read-only or locked read-model
//! file, an event that cannot be decoded) pauses the runner: the error is
//! logged, kept in the status and returned to waiters, nothing after the
//! failing event is applied, and the runner tries again after a pause that
//! doubles up to `MAX_RETRY_PAUSE`. Each attempt reopens the read-model file
//! and starts from the checkpoints committed in it (a failed batch rolled
//! back as a whole), so when the fault clears the runner resumes by itself
//! with no event lost or applied twice. The error is cleared from the status
//! once a batch commits again, or the read models are found to hold the
//! whole log.
//!
//! Under a steady stream of appends, commits are paced: after a commit that
//! took `t`, the next one starts no sooner than `commit_spacing × t` later
//! (at most `MAX_COMMIT_PAUSE`), and the events arriving meanwhile join it.
//! Each commit rewrites the pages it touched (index interiors, leaves, the
//! checkpoints) to the WAL, so committing every few events spends most of the
//! runner's time on those rewrites and on checkpoints, in competition with the
//! appends themselves. The pause follows the cost of a commit: a millisecond
//! commit is followed by a few milliseconds' wait, so the read models of a
//! quiet server stay as fresh as before, while a loaded one commits larger
//! batches and spends about `1 / (1 + commit_spacing)` of its time committing
//! (less once the pause reaches its cap). A full batch (`batch_size`) is
//! committed without waiting.
//!
//! Batches are applied on a thread of their own at a lower scheduling
//! priority (see `batch_thread`), so that under load the requests come first.
//!
//! The runner also notices when a rebuild has swapped a new read-model file in
//! (see `database`): it then reopens the file and follows the feed from the
//! new file's checkpoints. It checks before every batch and, while idle, every
//! `swap_check_every`. Queries move to the new file at once, so for at most
//! that long after a swap a position reported as reached may be one the new
//! file has not applied yet (when the live file had gone past the rebuild's
//! end); the runner then applies it within the next batch.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{FutureExt, Stream, StreamExt};
use markaz_store::{EventStore, RecordedEvent, StoreError};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::batch_thread::BatchThread;
use crate::database::{open_tracked_writer, DatabaseError, FileIdentity, OpenConnection};
use crate::status::PublicViews;
use crate::writer::{BatchError, ProjectionWriter};

/// How the runner batches and watches.
#[derive(Clone, Debug)]
pub struct RunnerOptions {
    /// The most events applied in one transaction.
    pub batch_size: usize,
    /// How often an idle runner checks whether a rebuild swapped the file.
    pub swap_check_every: Duration,
    /// After a commit that took `t`, the next waits until `commit_spacing × t`
    /// has passed (at most `MAX_COMMIT_PAUSE`); 0 commits as soon as events
    /// are ready.
    pub commit_spacing: u32,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            batch_size: 500,
            swap_check_every: Duration::from_secs(1),
            commit_spacing: 3,
        }
    }
}

/// Why the runner stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("reading the event log failed: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("the event feed ended; restart the server to follow the log again")]
    FeedEnded,
    #[error("a projection batch task stopped unexpectedly: {0}")]
    Task(String),
    #[error("the read models have applied the log up to position {checkpoint}, but the log ends at {head}: they belong to another log (was it restored from a backup?); run `markaz projections rebuild`")]
    AheadOfLog { checkpoint: u64, head: u64 },
}

impl RunnerError {
    /// The position of the event that stopped the runner because this build
    /// cannot decode it, if that is why it stopped.
    pub fn undecodable_position(&self) -> Option<u64> {
        match self {
            RunnerError::Batch(BatchError::Decode(error)) => Some(error.position()),
            _ => None,
        }
    }

    /// Whether the failure is the environment's (a store that does not answer,
    /// a feed that ended), expected to pass, rather than one that needs an
    /// operator (a full disk, a file made read-only, an unreadable event).
    /// Both are retried; they are logged at different levels.
    fn is_transient(&self) -> bool {
        matches!(
            self,
            RunnerError::Store(StoreError::Unavailable(_)) | RunnerError::FeedEnded
        )
    }
}

/// The first pause before following the log again after a failure; it
/// doubles up to `MAX_RETRY_PAUSE`, and starts again from here once the
/// runner has recovered.
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(200);
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// The longest wait between two commits under `RunnerOptions::commit_spacing`.
pub const MAX_COMMIT_PAUSE: Duration = Duration::from_millis(100);

/// Why `wait_for_position` gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    #[error("the read models reached position {reached}, not yet {wanted}; retry shortly")]
    Timeout { wanted: u64, reached: u64 },
    #[error("the projections stopped at position {reached}: {reason}")]
    Stopped { reached: u64, reason: String },
}

/// The most events a lag is counted up to: far above any readiness limit, and
/// a bound on the reading a status request may cost on EventStoreDB.
pub const LAG_COUNT_LIMIT: u64 = 100_000;

#[derive(Clone, Debug, Default)]
struct Progress {
    /// The lowest committed checkpoint.
    position: u64,
    checkpoints: Vec<(&'static str, u64)>,
    failure: Option<String>,
    /// The event that stopped the runner because it cannot be decoded.
    undecodable: Option<u64>,
}

/// One projection's place, for status pages and metrics.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectionPosition {
    pub name: String,
    pub checkpoint: u64,
    pub lag: u64,
}

/// The runner as a status page shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunnerStatus {
    /// The last event of the log.
    pub head: u64,
    /// The lowest checkpoint of the projections.
    pub position: u64,
    /// Events after `position` up to `head` (at most `LAG_COUNT_LIMIT`).
    pub lag: u64,
    pub projections: Vec<ProjectionPosition>,
    /// Why the runner stopped, if it did.
    pub error: Option<String>,
    /// The position of the event this build cannot decode, when that is
    /// why the runner stopped: the read models stand still, commands and
    /// timelines (read from the log) go on.
    pub undecodable_position: Option<u64>,
    /// For how long, in whole seconds, the read models have stood at
    /// `position` while behind the log, as seen by the calls of `status`
    /// (0 while they move or are caught up). A feed that stalls without
    /// failing (a subscription that keeps resubscribing, say) shows here
    /// long before it gives up.
    pub stalled_secs: u64,
}

/// A running projection runner. Dropping it stops the runner (a batch being
/// applied at that moment still commits or rolls back as a whole, after the
/// drop); `stop` also waits for that batch.
pub struct RunnerHandle {
    store: Arc<dyn EventStore>,
    progress: watch::Receiver<Progress>,
    task: JoinHandle<()>,
    batch_thread: Arc<BatchThread>,
    /// The position `status` last saw the read models behind the log at, and
    /// since when: the stall clock.
    behind_at: Mutex<Option<(u64, std::time::Instant)>>,
}

impl RunnerHandle {
    /// Starts following `store` into the read-model file at `path` (created and
    /// migrated if needed). Must be called inside a tokio runtime.
    pub fn start(
        store: Arc<dyn EventStore>,
        path: PathBuf,
        options: RunnerOptions,
    ) -> Result<RunnerHandle, RunnerError> {
        let writer = open(&path)?;
        let batch_thread =
            Arc::new(BatchThread::start().map_err(|e| RunnerError::Task(e.to_string()))?);
        let (sender, progress) = watch::channel(progress_of(&writer.1));
        let task = tokio::spawn(run(
            Arc::clone(&store),
            path,
            options,
            writer,
            Arc::clone(&batch_thread),
            sender,
        ));
        Ok(RunnerHandle {
            store,
            progress,
            task,
            batch_thread,
            behind_at: Mutex::new(None),
        })
    }

    /// The lowest committed checkpoint of the projections.
    pub fn position(&self) -> u64 {
        self.progress.borrow().position
    }

    /// Waits until every projection has committed `position`, at most `timeout`.
    pub async fn wait_for_position(
        &self,
        position: u64,
        timeout: Duration,
    ) -> Result<(), WaitError> {
        let mut progress = self.progress.clone();
        let wait = progress.wait_for(|p| p.position >= position || p.failure.is_some());
        let reached = match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(seen)) => seen.clone(),
            // The runner task is gone: report what it left behind.
            Ok(Err(_)) | Err(_) => self.progress.borrow().clone(),
        };
        if reached.position >= position {
            return Ok(());
        }
        match reached.failure {
            Some(reason) => Err(WaitError::Stopped {
                reached: reached.position,
                reason,
            }),
            None => Err(WaitError::Timeout {
                wanted: position,
                reached: reached.position,
            }),
        }
    }

    /// Waits until every projection has committed `position` with no failure
    /// pending (a runner retrying after a fault has recovered), at most
    /// `timeout`; returns whether it did.
    pub async fn wait_for_recovery(&self, position: u64, timeout: Duration) -> bool {
        let mut progress = self.progress.clone();
        let recovered = progress.wait_for(|p| p.position >= position && p.failure.is_none());
        let outcome = tokio::time::timeout(timeout, recovered).await;
        matches!(outcome, Ok(Ok(_)))
    }

    /// Checkpoints, head, lag (in events, counted by the store: positions are
    /// byte offsets on EventStoreDB) and the error that stopped the runner.
    /// How long the read models have stood at `position` while behind the
    /// log (`lag` > 0), by what successive calls saw; moving or catching up
    /// restarts the clock.
    fn stalled_secs(&self, position: u64, lag: u64) -> u64 {
        let mut behind_at = self
            .behind_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if lag == 0 {
            *behind_at = None;
            return 0;
        }
        match *behind_at {
            Some((seen, since)) if seen == position => since.elapsed().as_secs(),
            _ => {
                *behind_at = Some((position, std::time::Instant::now()));
                0
            }
        }
    }

    pub async fn status(&self) -> Result<RunnerStatus, StoreError> {
        let head = self.store.head_position().await?;
        let progress = self.progress.borrow().clone();
        let lag = self
            .store
            .count_between(progress.position, head, LAG_COUNT_LIMIT)
            .await?;
        let mut projections = Vec::with_capacity(progress.checkpoints.len());
        for (name, checkpoint) in &progress.checkpoints {
            let lag = if *checkpoint == progress.position {
                lag
            } else {
                self.store
                    .count_between(*checkpoint, head, LAG_COUNT_LIMIT)
                    .await?
            };
            projections.push(ProjectionPosition {
                name: (*name).to_owned(),
                checkpoint: *checkpoint,
                lag,
            });
        }
        let stalled_secs = self.stalled_secs(progress.position, lag);
        Ok(RunnerStatus {
            head,
            position: progress.position,
            lag,
            projections,
            error: progress.failure,
            undecodable_position: progress.undecodable,
            stalled_secs,
        })
    }

    /// Whether the runner is still following the log.
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// Stops the runner and waits until it no longer writes: its task has
    /// ended and the batch it had handed to the batch thread, if any, has
    /// committed or rolled back as a whole. Another runner may then start on
    /// the same file.
    pub async fn stop(self) {
        self.task.abort();
        let mut this = self;
        let _ = (&mut this.task).await;
        // The thread runs its jobs in order, so once this empty one has run,
        // every batch queued before it has finished. (A thread that stopped
        // has nothing left to finish.)
        let _ = this.batch_thread.run(|| ()).await;
    }
}

impl Drop for RunnerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type TrackedWriter = (FileIdentity, ProjectionWriter);

fn open(path: &std::path::Path) -> Result<TrackedWriter, RunnerError> {
    let OpenConnection { conn, identity } = open_tracked_writer(path)?;
    let writer = ProjectionWriter::new(conn, PublicViews::EachBatch).map_err(DatabaseError::Sql)?;
    Ok((identity, writer))
}

fn progress_of(writer: &ProjectionWriter) -> Progress {
    Progress {
        position: writer.set.position(),
        checkpoints: writer.set.checkpoints(),
        failure: None,
        undecodable: None,
    }
}

async fn run(
    store: Arc<dyn EventStore>,
    path: PathBuf,
    options: RunnerOptions,
    writer: TrackedWriter,
    batch_thread: Arc<BatchThread>,
    progress: watch::Sender<Progress>,
) {
    let mut writer = Some(writer);
    let mut pause = FIRST_RETRY_PAUSE;
    loop {
        let attempt = match writer.take() {
            Some(writer) => Ok(writer),
            None => open(&path),
        };
        let error = match attempt {
            Ok(writer) => {
                let follow = follow(
                    Arc::clone(&store),
                    &path,
                    &options,
                    writer,
                    &batch_thread,
                    &progress,
                );
                match follow.await {
                    Ok(()) => return,
                    Err(error) => error,
                }
            }
            Err(error) => error,
        };
        let recovered_since_last = progress.borrow().failure.is_none();
        if recovered_since_last {
            pause = FIRST_RETRY_PAUSE;
        }
        progress.send_modify(|p| {
            p.failure = Some(error.to_string());
            p.undecodable = error.undecodable_position();
        });
        let retry_in_ms = pause.as_millis() as u64;
        if error.is_transient() {
            tracing::warn!(%error, retry_in_ms, "projections paused; retrying");
        } else {
            tracing::error!(%error, retry_in_ms, "projections failed; retrying (fix the cause, e.g. free disk space)");
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_RETRY_PAUSE);
    }
}

async fn follow(
    store: Arc<dyn EventStore>,
    path: &std::path::Path,
    options: &RunnerOptions,
    mut writer: TrackedWriter,
    batch_thread: &BatchThread,
    progress: &watch::Sender<Progress>,
) -> Result<(), RunnerError> {
    let batch_size = options.batch_size.max(1);
    loop {
        let checkpoint = writer.1.set.position();
        let head = store.head_position().await?;
        if checkpoint > head {
            return Err(RunnerError::AheadOfLog { checkpoint, head });
        }
        progress.send_modify(|p| {
            p.position = writer.1.set.position();
            p.checkpoints = writer.1.set.checkpoints();
            // Nothing left to apply: nothing is failing.
            if checkpoint == head {
                p.failure = None;
                p.undecodable = None;
            }
        });
        let mut feed = store.subscribe_all(writer.1.set.position()).await?;
        let mut swap_check = tokio::time::interval(options.swap_check_every);
        swap_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        swap_check.reset();
        let mut next_commit = Instant::now();
        loop {
            let first = tokio::select! {
                next = feed.next() => match next {
                    Some(event) => event?,
                    None => return Err(RunnerError::FeedEnded),
                },
                _ = swap_check.tick() => {
                    if FileIdentity::of(path)? != writer.0 {
                        break;
                    }
                    continue;
                }
            };
            let mut batch: Vec<RecordedEvent> = vec![first];
            fill_batch(&mut feed, &mut batch, batch_size, next_commit).await?;
            if FileIdentity::of(path)? != writer.0 {
                // A rebuilt file was swapped in: this batch is dropped and the
                // feed followed again from the new file's checkpoints.
                break;
            }
            let commit_started = Instant::now();
            let (identity, mut projections) = writer;
            let (projections, result) = batch_thread
                .run(move || {
                    let result = projections.apply_recorded(batch);
                    (projections, result)
                })
                .await
                .map_err(|e| RunnerError::Task(e.to_string()))?;
            writer = (identity, projections);
            // What the batch committed before a failing event counts too.
            progress.send_modify(|p| {
                p.position = writer.1.set.position();
                p.checkpoints = writer.1.set.checkpoints();
                if result.is_ok() {
                    p.failure = None;
                    p.undecodable = None;
                }
            });
            result?;
            let took = commit_started.elapsed();
            let pause = took.saturating_mul(options.commit_spacing);
            next_commit = Instant::now() + pause.min(MAX_COMMIT_PAUSE);
        }
        tracing::info!(path = %path.display(), "read-model file was rebuilt; reopening it");
        writer = open(path)?;
    }
}

/// Adds to `batch` what the feed holds, up to `batch_size` events, waiting
/// until `commit_after` for more to arrive. Stops early when the feed has
/// ended (the caller's next read reports it); a failing event is returned as
/// the error, and the batch is then not applied.
async fn fill_batch<T>(
    feed: &mut (impl Stream<Item = Result<T, StoreError>> + Unpin),
    batch: &mut Vec<T>,
    batch_size: usize,
    commit_after: Instant,
) -> Result<(), StoreError> {
    let deadline = tokio::time::sleep_until(commit_after);
    tokio::pin!(deadline);
    while batch.len() < batch_size {
        let next = match feed.next().now_or_never() {
            Some(next) => next,
            None if Instant::now() >= commit_after => return Ok(()),
            None => tokio::select! {
                next = feed.next() => next,
                _ = &mut deadline => return Ok(()),
            },
        };
        match next {
            Some(event) => batch.push(event?),
            None => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use futures::channel::mpsc;

    use super::*;

    type Feed = mpsc::UnboundedReceiver<Result<u64, StoreError>>;

    fn feed_with(ready: &[u64]) -> (mpsc::UnboundedSender<Result<u64, StoreError>>, Feed) {
        let (sender, feed) = mpsc::unbounded();
        for &item in ready {
            sender.unbounded_send(Ok(item)).unwrap();
        }
        (sender, feed)
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_due_now_takes_what_is_ready_without_waiting() {
        let (_sender, mut feed) = feed_with(&[2, 3]);
        let mut batch = vec![1];
        let started = Instant::now();
        fill_batch(&mut feed, &mut batch, 500, started)
            .await
            .unwrap();
        assert_eq!(batch, [1, 2, 3]);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn events_arriving_before_the_commit_is_due_join_the_batch() {
        let (sender, mut feed) = feed_with(&[2]);
        // Arrivals spaced in virtual time (the clock is paused and advances
        // only when every task waits), so the test takes no real time.
        tokio::spawn(async move {
            for item in [3, 4] {
                tokio::time::sleep(Duration::from_millis(10)).await;
                sender.unbounded_send(Ok(item)).unwrap();
            }
            // Sent after the commit is due: left for the next batch.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = sender.unbounded_send(Ok(5));
        });
        let mut batch = vec![1];
        let started = Instant::now();
        let due = started + Duration::from_millis(50);
        fill_batch(&mut feed, &mut batch, 500, due).await.unwrap();
        assert_eq!(batch, [1, 2, 3, 4]);
        assert_eq!(started.elapsed(), Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_batch_is_committed_without_waiting_for_the_interval() {
        let (_sender, mut feed) = feed_with(&[2, 3, 4, 5]);
        let mut batch = vec![1];
        let started = Instant::now();
        let due = started + Duration::from_secs(60);
        fill_batch(&mut feed, &mut batch, 3, due).await.unwrap();
        assert_eq!(batch, [1, 2, 3]);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn an_ended_feed_stops_the_wait_and_a_failing_event_is_returned() {
        let (sender, mut feed) = feed_with(&[2]);
        drop(sender);
        let mut batch = vec![1];
        let started = Instant::now();
        fill_batch(
            &mut feed,
            &mut batch,
            500,
            started + Duration::from_secs(60),
        )
        .await
        .unwrap();
        assert_eq!((batch, started.elapsed()), (vec![1, 2], Duration::ZERO));

        let (sender, mut feed) = feed_with(&[2]);
        sender
            .unbounded_send(Err(StoreError::Unavailable("gone".into())))
            .unwrap();
        let mut batch = vec![1];
        let failed = fill_batch(&mut feed, &mut batch, 500, Instant::now()).await;
        assert!(matches!(failed, Err(StoreError::Unavailable(_))));
    }
}
