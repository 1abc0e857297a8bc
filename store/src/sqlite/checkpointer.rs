//! Checkpoints of the event file, off the writer's path.
//!
//! SQLite's default is to checkpoint inside the commit that takes the WAL past
//! 1000 frames: that commit then copies the frames into the database file and
//! syncs it, 10 to 30 ms in which no group commits, and every append queued
//! behind it waits (the filings' p99). Here the writer's WAL hook only wakes a
//! thread of its own, which runs the same PASSIVE checkpoint on a second
//! connection while the writer goes on appending to the log.
//!
//! The thread is woken once the log holds `START_FRAMES` frames it has not
//! copied yet (not merely once the log is that long: a log that cannot
//! restart yet would otherwise wake it, and cost an fsync of the database
//! file, after every commit). A PASSIVE checkpoint copies the frames that were
//! in the log when it began; the writer restarts the log from its beginning
//! at its next transaction only once every frame is copied. So the thread
//! takes a few more short passes to catch up with what was committed
//! meanwhile, and when it is within `FINISH_FRAMES` of the end the writer
//! copies the rest itself: a short pause once per pass of the thread, where
//! SQLite's inline checkpoint copies the whole log. Should the log still reach `BACKSTOP_FRAMES` (the thread falling behind or
//! failing, or readers keeping the log from restarting), the writer
//! checkpoints inline, as SQLite would by default, which bounds the log in
//! every case.

use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::sync::Arc;

use rusqlite::wal::CheckpointMode;
use rusqlite::Connection;

use super::schema;
use crate::contract::StoreError;

/// Frames not yet copied that wake the thread (SQLite's own default threshold).
const START_FRAMES: i32 = 1_000;
/// Frames in the log at which the writer checkpoints inline (about 40 MiB).
const BACKSTOP_FRAMES: i32 = 10_000;
/// Frames the thread left uncopied that the writer copies itself.
const FINISH_FRAMES: i32 = 128;
/// Passes one wake-up takes at most to copy what arrived during the first.
const CATCH_UP_PASSES: usize = 4;

/// Hands the writer's checkpoints to a thread of their own.
pub fn start(path: &Path, writer: &mut Connection) -> Result<(), StoreError> {
    let conn = schema::open_checkpointer(path)?;
    let shared = Arc::new(Shared::default());
    let (wake, woken) = sync_channel(1);
    let thread_shared = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("markaz-store-checkpoint".into())
        .spawn(move || run(&conn, &woken, &thread_shared))
        .map_err(|e| StoreError::Backend(format!("cannot start the checkpoint thread: {e}")))?;
    let mut policy = Policy::default();
    writer
        .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames| {
            match policy.after_commit(&shared, frames) {
                Action::Nothing => {}
                Action::Wake => match wake.try_send(()) {
                    // Full: a wake-up is already pending. Disconnected: the
                    // thread is gone and the backstop takes over.
                    Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
                },
                // Busy (the thread is checkpointing) or failed: the next
                // commit tries again.
                Action::Inline => drop(wal.checkpoint()),
            }
            Ok(())
        }))
        .map_err(super::sql_error)
}

/// What the writer and the thread know of each other.
#[derive(Default)]
struct Shared {
    /// How many times the writer has seen the log restart from its beginning.
    generation: AtomicU32,
    /// The generation (high half) and frames copied (low half) as of the
    /// thread's last pass.
    progress: AtomicU64,
}

impl Shared {
    fn record_progress(&self, generation: u32, copied: i32) {
        let copied = u64::from(copied.max(0).unsigned_abs());
        self.progress
            .store(u64::from(generation) << 32 | copied, Ordering::Release);
    }

    /// The raw progress, and the frames of the current log the thread has
    /// copied.
    fn progress(&self, generation: u32) -> (u64, i32) {
        let progress = self.progress.load(Ordering::Acquire);
        if (progress >> 32) as u32 != generation {
            return (progress, 0);
        }
        let copied = i32::try_from(progress & u64::from(u32::MAX)).unwrap_or(i32::MAX);
        (progress, copied)
    }
}

/// What to do after a commit.
#[derive(Debug, PartialEq, Eq)]
enum Action {
    Nothing,
    Wake,
    Inline,
}

/// The writer's side: decides after each commit from the frames in the log.
#[derive(Default)]
struct Policy {
    last_frames: i32,
    /// The thread's progress when the writer last finished a checkpoint.
    finished_after: u64,
}

impl Policy {
    fn after_commit(&mut self, shared: &Shared, frames: i32) -> Action {
        // The log only shrinks when the writer restarted it. (A restart
        // whose first commit outgrows the old log goes unnoticed: the thread
        // is then woken late, and the backstop still bounds the log.)
        if frames < self.last_frames {
            shared.generation.fetch_add(1, Ordering::AcqRel);
        }
        self.last_frames = frames;
        if frames >= BACKSTOP_FRAMES {
            return Action::Inline;
        }
        let generation = shared.generation.load(Ordering::Acquire);
        let (progress, copied) = shared.progress(generation);
        let pending = frames - copied;
        if pending >= START_FRAMES {
            return Action::Wake;
        }
        // The thread has copied all but the last few commits of a long log:
        // the writer copies those itself (a short pause, once per pass of the
        // thread), so that its next transaction can restart the log.
        let nearly_done = copied > 0 && frames >= START_FRAMES && pending <= FINISH_FRAMES;
        if nearly_done && self.finished_after != progress {
            self.finished_after = progress;
            return Action::Inline;
        }
        Action::Nothing
    }
}

/// The checkpoint thread: one catch-up per wake-up, until the writer is gone.
fn run(conn: &Connection, woken: &Receiver<()>, shared: &Shared) {
    while woken.recv().is_ok() {
        if let Err(error) = catch_up(conn, shared) {
            tracing::warn!(%error, "event file checkpoint failed; the writer will checkpoint inline");
        }
    }
}

/// Copies the log into the database file, passing again while commits
/// arrived during the last pass; a pass with nothing to copy costs nothing.
fn catch_up(conn: &Connection, shared: &Shared) -> rusqlite::Result<()> {
    let mut last_in_log = None;
    for _ in 0..CATCH_UP_PASSES {
        // Read first: a pass that began before a restart the writer has not
        // noticed yet is then recorded under the old generation, and ignored.
        let generation = shared.generation.load(Ordering::Acquire);
        let (in_log, copied) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE)?;
        shared.record_progress(generation, copied);
        // A reader's snapshot holds back the rest (copied once it has moved
        // on, after a later wake-up), or nothing was committed meanwhile.
        if copied < in_log || last_in_log == Some(in_log) {
            break;
        }
        last_in_log = Some(in_log);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_is_woken_by_frames_it_has_not_copied_and_the_writer_finishes_once() {
        let shared = Shared::default();
        let mut policy = Policy::default();
        assert_eq!(
            policy.after_commit(&shared, START_FRAMES - 1),
            Action::Nothing
        );
        assert_eq!(policy.after_commit(&shared, START_FRAMES), Action::Wake);
        // The thread copied 1,000 frames while the log grew by 10: the writer
        // copies those 10 itself, once.
        shared.record_progress(0, START_FRAMES);
        assert_eq!(
            policy.after_commit(&shared, START_FRAMES + 10),
            Action::Inline
        );
        assert_eq!(
            policy.after_commit(&shared, START_FRAMES + 20),
            Action::Nothing
        );
        // A reader kept the log from restarting: it grows on, and the thread
        // is woken again by 1,000 frames it has not copied.
        assert_eq!(
            policy.after_commit(&shared, 2 * START_FRAMES - 1),
            Action::Nothing
        );
        assert_eq!(policy.after_commit(&shared, 2 * START_FRAMES), Action::Wake);
        // Too far behind for the writer to finish: it leaves it to the thread.
        shared.record_progress(0, 2 * START_FRAMES - FINISH_FRAMES - 1);
        assert_eq!(
            policy.after_commit(&shared, 2 * START_FRAMES + 1),
            Action::Nothing
        );
        assert_eq!(
            policy.after_commit(&shared, BACKSTOP_FRAMES),
            Action::Inline
        );
        assert_eq!(
            policy.after_commit(&shared, BACKSTOP_FRAMES + 1),
            Action::Inline
        );
    }

    #[test]
    fn progress_from_before_a_restart_does_not_count() {
        let shared = Shared::default();
        let mut policy = Policy::default();
        assert_eq!(policy.after_commit(&shared, 1_500), Action::Wake);
        shared.record_progress(0, 1_500);
        // The log restarted: its frames are new although fewer than the old
        // progress, and a pass recorded under the old generation is stale.
        assert_eq!(policy.after_commit(&shared, 20), Action::Nothing);
        shared.record_progress(0, 1_500);
        assert_eq!(policy.after_commit(&shared, START_FRAMES), Action::Wake);
        shared.record_progress(1, START_FRAMES);
        assert_eq!(
            policy.after_commit(&shared, START_FRAMES + 5),
            Action::Inline
        );
    }
}
