//! Catch-up-then-live feeds of the global log.
//!
//! A feed reads committed pages after its last delivered position. When it has
//! caught up it waits for the writer to publish a higher committed head, then
//! reads again. Because it only ever reads committed rows, and positions are
//! assigned densely in commit order, it can neither skip nor repeat an event:
//! there is no separate "live" channel whose seam could open a gap.
//!
//! The writer's announcement only covers appends made by this process. Another
//! process may write the same file (`markaz officers add`, `markaz demo` or an
//! import next to a running server), so a feed that has heard nothing for a
//! short while looks for new rows anyway: one indexed read, twice a second.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::watch;

use super::reader::{read_all, ReaderPool};
use crate::contract::{EventFeed, RecordedEvent, StoreError};

/// Events read per page while catching up.
const PAGE: usize = 512;

/// How long a caught-up feed waits for this process's writer before it looks
/// for rows that another process appended.
const FOREIGN_WRITE_CHECK: Duration = Duration::from_millis(500);

struct FeedState {
    readers: Arc<ReaderPool>,
    committed: watch::Receiver<u64>,
    after: u64,
    buffer: VecDeque<RecordedEvent>,
    finished: bool,
    /// Read even though this process announced nothing new.
    look_for_foreign_writes: bool,
}

/// Every event after `after`, then every new one as it is committed.
pub fn feed(readers: Arc<ReaderPool>, committed: watch::Receiver<u64>, after: u64) -> EventFeed {
    let state = FeedState {
        readers,
        committed,
        after,
        buffer: VecDeque::new(),
        finished: false,
        look_for_foreign_writes: false,
    };
    futures::stream::unfold(state, |mut state| async move {
        if state.finished {
            return None;
        }
        let item = state.next_event().await;
        if item.is_err() {
            state.finished = true;
        }
        Some((item, state))
    })
    .boxed()
}

impl FeedState {
    async fn next_event(&mut self) -> Result<RecordedEvent, StoreError> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                self.after = event.position;
                return Ok(event);
            }
            let head = *self.committed.borrow_and_update();
            if head > self.after || std::mem::take(&mut self.look_for_foreign_writes) {
                let after = self.after;
                let page = self
                    .readers
                    .run(move |conn| read_all(conn, after, PAGE))
                    .await?;
                if !page.is_empty() {
                    self.buffer.extend(page);
                    continue;
                }
            }
            match tokio::time::timeout(FOREIGN_WRITE_CHECK, self.committed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_closed)) => {
                    return Err(StoreError::Unavailable(
                        "the event store was closed; subscribe again after reopening it".into(),
                    ))
                }
                Err(_quiet) => self.look_for_foreign_writes = true,
            }
        }
    }
}
