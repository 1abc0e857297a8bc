//! Catch-up-then-live feeds of the global log.
//!
//! A feed reads committed pages after its last delivered position. When it has
//! caught up it waits for the writer to publish a higher committed head, then
//! reads again. Because it only ever reads committed rows, and positions are
//! assigned densely in commit order, it can neither skip nor repeat an event:
//! there is no separate "live" channel whose seam could open a gap.

use std::collections::VecDeque;
use std::sync::Arc;

use futures::StreamExt;
use tokio::sync::watch;

use super::reader::{read_all, ReaderPool};
use crate::contract::{EventFeed, RecordedEvent, StoreError};

/// Events read per page while catching up.
const PAGE: usize = 512;

struct FeedState {
    readers: Arc<ReaderPool>,
    committed: watch::Receiver<u64>,
    after: u64,
    buffer: VecDeque<RecordedEvent>,
    finished: bool,
}

/// Every event after `after`, then every new one as it is committed.
pub fn feed(readers: Arc<ReaderPool>, committed: watch::Receiver<u64>, after: u64) -> EventFeed {
    let state = FeedState {
        readers,
        committed,
        after,
        buffer: VecDeque::new(),
        finished: false,
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
            if head > self.after {
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
            if self.committed.changed().await.is_err() {
                return Err(StoreError::Unavailable(
                    "the event store was closed; subscribe again after reopening it".into(),
                ));
            }
        }
    }
}
