//! Reading the global log page by page: the one loop every walk of the whole
//! log (verification, seals, exports, copies) shares.

use crate::contract::{EventStore, RecordedEvent, StoreError};

/// Events read per page unless a caller says otherwise.
pub const DEFAULT_PAGE: usize = 1_000;

/// The pages of the global log after a position, in order.
pub struct LogPages<'a> {
    store: &'a dyn EventStore,
    after: u64,
    page_size: usize,
    up_to: Option<u64>,
    done: bool,
}

impl<'a> LogPages<'a> {
    /// The events with position greater than `after`.
    pub fn after(store: &'a dyn EventStore, after: u64) -> Self {
        Self {
            store,
            after,
            page_size: DEFAULT_PAGE,
            up_to: None,
            done: false,
        }
    }

    /// Reads `page_size` events at a time (at least one).
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Stops after the event at `position` (a snapshot of the log as it was
    /// when a walk started, however much is written meanwhile).
    pub fn up_to(mut self, position: u64) -> Self {
        self.up_to = Some(position);
        self
    }

    /// The position of the last event returned (the start position before any).
    pub fn position(&self) -> u64 {
        self.after
    }

    /// The next page, or `None` at the end. A short page is not taken as the
    /// end, since not every backend fills its pages; an empty one is.
    pub async fn next_page(&mut self) -> Result<Option<Vec<RecordedEvent>>, StoreError> {
        if self.done || self.up_to.is_some_and(|end| self.after >= end) {
            return Ok(None);
        }
        let mut page = self.store.read_all(self.after, self.page_size).await?;
        if let Some(end) = self.up_to {
            if page.last().is_some_and(|last| last.position >= end) {
                page.retain(|event| event.position <= end);
                self.done = true;
            }
        }
        match page.last() {
            Some(last) => {
                self.after = last.position;
                Ok(Some(page))
            }
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
}
