//! Checkpoints of the event file, off the writer's path.
//!
//! SQLite's default is to checkpoint inside the commit that takes the WAL past
//! 1000 frames: that commit then copies the frames into the database file and
//! syncs it, 10 to 30 ms in which no group commits, and every append queued
//! behind it waits (the filings' p99). Here the writer's WAL hook only wakes a
//! thread of its own, which runs the same PASSIVE checkpoint on a second
//! connection while the writer goes on appending to the log.
//!
//! A PASSIVE checkpoint copies the frames that were in the log when it began;
//! the writer can restart the log from its beginning only once every frame is
//! copied, so the thread takes a few more short passes to catch up with what
//! was committed meanwhile. Should it fall far behind (or fail), the writer
//! checkpoints inline once the log reaches `BACKSTOP_FRAMES`, as SQLite would
//! by default, which keeps the log bounded in every case.

use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};

use rusqlite::wal::CheckpointMode;
use rusqlite::Connection;

use super::schema;
use crate::contract::StoreError;

/// Frames in the log that wake the checkpointer (SQLite's own default threshold).
const START_FRAMES: i32 = 1_000;
/// Frames in the log at which the writer checkpoints inline (about 40 MiB).
const BACKSTOP_FRAMES: i32 = 10_000;
/// Passes one wake-up takes at most to copy what arrived during the first.
const CATCH_UP_PASSES: usize = 4;

/// Hands the writer's checkpoints to a thread of their own.
pub fn start(path: &Path, writer: &mut Connection) -> Result<(), StoreError> {
    let conn = schema::open_checkpointer(path)?;
    let (wake, woken) = sync_channel(1);
    std::thread::Builder::new()
        .name("markaz-store-checkpoint".into())
        .spawn(move || run(&conn, &woken))
        .map_err(|e| StoreError::Backend(format!("cannot start the checkpoint thread: {e}")))?;
    writer
        .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames| {
            after_commit(&wake, frames, || {
                // Busy (the thread is checkpointing) or failed: the next
                // commit tries again, and the thread goes on regardless.
                let _ = wal.checkpoint();
            });
            Ok(())
        }))
        .map_err(super::sql_error)
}

/// What the writer does after each commit, given the frames now in the log.
fn after_commit(wake: &SyncSender<()>, frames: i32, checkpoint_inline: impl FnOnce()) {
    if frames >= BACKSTOP_FRAMES {
        checkpoint_inline();
    } else if frames >= START_FRAMES {
        match wake.try_send(()) {
            // Full: a wake-up is already pending. Disconnected: the thread
            // is gone and the backstop takes over.
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

/// The checkpoint thread: one catch-up per wake-up, until the writer is gone.
fn run(conn: &Connection, woken: &Receiver<()>) {
    while woken.recv().is_ok() {
        if let Err(error) = catch_up(conn) {
            tracing::warn!(%error, "event file checkpoint failed; the writer will checkpoint inline");
        }
    }
}

/// Copies the log into the database file, passing again while commits that
/// arrived during a pass are left and the passes make progress.
fn catch_up(conn: &Connection) -> rusqlite::Result<()> {
    let mut copied_before = -1;
    for _ in 0..CATCH_UP_PASSES {
        let (in_log, copied) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE)?;
        // Done, or a reader's snapshot holds back the rest (its frames can
        // be copied once it has moved on; the next commit wakes the thread).
        if copied >= in_log || copied == copied_before {
            break;
        }
        copied_before = copied;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_wake_the_thread_past_the_threshold_and_checkpoint_inline_past_the_backstop() {
        let (wake, woken) = sync_channel(1);
        let mut inline = 0;
        after_commit(&wake, START_FRAMES - 1, || inline += 1);
        assert!(woken.try_recv().is_err());
        after_commit(&wake, START_FRAMES, || inline += 1);
        // A second wake-up while one is pending neither blocks nor queues.
        after_commit(&wake, START_FRAMES + 10, || inline += 1);
        assert!(woken.try_recv().is_ok());
        assert!(woken.try_recv().is_err());
        assert_eq!(inline, 0);
        after_commit(&wake, BACKSTOP_FRAMES, || inline += 1);
        assert_eq!(inline, 1);
        drop(woken);
        after_commit(&wake, START_FRAMES, || inline += 1);
        assert_eq!(inline, 1);
    }
}
