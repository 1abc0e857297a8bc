//! An event store wrapper that counts and times appends for `/metrics` and
//! remembers whether the last append failed, which `/readyz` reports as the
//! state of the event writer.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use markaz_store::{
    AppendOutcome, EventFeed, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError,
};

use super::registry::Metrics;

impl Metrics {
    /// Wraps `store` so that its appends are counted and timed here.
    pub fn meter_store(self: &Arc<Self>, store: Arc<dyn EventStore>) -> Arc<dyn EventStore> {
        Arc::new(MeteredStore {
            inner: store,
            metrics: Arc::clone(self),
        })
    }
}

/// An event store whose appends are recorded in `Metrics`.
struct MeteredStore {
    inner: Arc<dyn EventStore>,
    metrics: Arc<Metrics>,
}

#[async_trait]
impl EventStore for MeteredStore {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let count = events.len();
        let started = Instant::now();
        let result = self.inner.append(stream, expected, events).await;
        self.metrics
            .record_append(count, started.elapsed(), result.is_ok());
        match &result {
            Ok(_) => self.metrics.writer_succeeded(),
            // A conflict or a refused request is the caller's, not the writer's.
            Err(StoreError::WrongExpectedVersion { .. })
            | Err(StoreError::DuplicateEventId { .. })
            | Err(StoreError::InvalidRequest(_)) => {}
            Err(error) => self.metrics.writer_failed(error.to_string()),
        }
        result
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner
            .read_stream(stream, from_version, max_count)
            .await
    }

    async fn read_all(
        &self,
        after: u64,
        max_count: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(after, max_count).await
    }

    async fn subscribe_all(&self, after: u64) -> Result<EventFeed, StoreError> {
        self.inner.subscribe_all(after).await
    }

    async fn count_between(&self, after: u64, up_to: u64, limit: u64) -> Result<u64, StoreError> {
        self.inner.count_between(after, up_to, limit).await
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        self.inner.stream_version(stream).await
    }

    async fn head_position(&self) -> Result<u64, StoreError> {
        self.inner.head_position().await
    }

    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
}
