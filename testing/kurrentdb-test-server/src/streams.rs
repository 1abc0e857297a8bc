//! The `Streams` service: Append, Read (streams, `$all`, subscriptions),
//! Delete and Tombstone, answered from the in-memory log as the server
//! answers them, including its error trailers.

// `tonic::Status` is the error type of the generated service trait; the functions
// return it as is rather than boxing what the trait then has to unbox.
#![allow(clippy::result_large_err)]

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures::Stream;
use prost::bytes::Bytes;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::faults::Faults;
use crate::log::{Current, Expected, Log, Proposed, ReadError, Record, WriteError};
use crate::proto::event_store::client::streams::{
    self as pb, append_req, append_resp, read_req, read_resp, streams_server,
};
use crate::proto::event_store::client::{self as shared, StreamIdentifier};

/// The filter window when the client sends `count` instead of a maximum.
const DEFAULT_FILTER_WINDOW: u32 = 32;
/// Messages a subscription may have in flight before it waits for the client.
const SUBSCRIPTION_BUFFER: usize = 64;

/// The expected revision of a delete or a tombstone: the two requests
/// carry the same choice in types of their own.
macro_rules! expected_revision {
    ($options:path, $given:expr) => {{
        use $options as options;
        match $given {
            Some(options::ExpectedStreamRevision::Revision(r)) => Expected::Revision(r),
            Some(options::ExpectedStreamRevision::NoStream(())) => Expected::NoStream,
            Some(options::ExpectedStreamRevision::StreamExists(())) => Expected::StreamExists,
            _ => Expected::Any,
        }
    }};
}
/// Counters a test can read to see what the client did.
#[derive(Debug, Default)]
pub struct Stats {
    pub appends: AtomicU64,
    pub subscriptions: AtomicU64,
}

/// The state every call shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub log: Arc<Mutex<Log>>,
    /// The number of records in the log, for live subscriptions to wait on.
    pub length: watch::Sender<usize>,
    pub faults: Faults,
    pub stats: Arc<Stats>,
}

impl Shared {
    pub fn log(&self) -> MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn notify(&self, log: &Log) {
        self.length.send_replace(log.records().len());
    }
}

pub(crate) struct StreamsService {
    pub shared: Shared,
}

type ReadStream = Pin<Box<dyn Stream<Item = Result<pb::ReadResp, Status>> + Send>>;
type BatchStream = Pin<Box<dyn Stream<Item = Result<pb::BatchAppendResp, Status>> + Send>>;

#[tonic::async_trait]
impl streams_server::Streams for StreamsService {
    type ReadStream = ReadStream;
    type BatchAppendStream = BatchStream;

    async fn read(&self, request: Request<pb::ReadReq>) -> Result<Response<ReadStream>, Status> {
        self.shared.faults.on_call().await?;
        let options = request
            .into_inner()
            .options
            .ok_or_else(|| Status::invalid_argument("read options are required"))?;
        let stream_option = options
            .stream_option
            .clone()
            .ok_or_else(|| Status::invalid_argument("a stream or $all is required"))?;
        let backwards =
            options.read_direction == read_req::options::ReadDirection::Backwards as i32;
        let filter = Filter::from_options(&options)?;
        match (stream_option, options.count_option) {
            (
                read_req::options::StreamOption::All(all),
                Some(read_req::options::CountOption::Subscription(_)),
            ) => {
                let after = match all.all_option {
                    Some(read_req::options::all_options::AllOption::Position(p)) => {
                        Some(p.commit_position)
                    }
                    Some(read_req::options::all_options::AllOption::End(())) => {
                        Some(self.shared.log().end_position())
                    }
                    _ => None,
                };
                Ok(Response::new(self.subscribe_all(after, filter)))
            }
            (
                read_req::options::StreamOption::Stream(_),
                Some(read_req::options::CountOption::Subscription(_)),
            ) => Err(Status::unimplemented(
                "this test server subscribes to $all only",
            )),
            (read_req::options::StreamOption::Stream(stream), count) => {
                let count = match count {
                    Some(read_req::options::CountOption::Count(count)) => count,
                    _ => u64::MAX,
                };
                let messages = self.read_stream(stream, backwards, count)?;
                Ok(Response::new(Box::pin(futures::stream::iter(
                    messages.into_iter().map(Ok),
                ))))
            }
            (read_req::options::StreamOption::All(all), count) => {
                let count = match count {
                    Some(read_req::options::CountOption::Count(count)) => count,
                    _ => u64::MAX,
                };
                let messages = self.read_all(all, backwards, count, &filter);
                Ok(Response::new(Box::pin(futures::stream::iter(
                    messages.into_iter().map(Ok),
                ))))
            }
        }
    }

    async fn append(
        &self,
        request: Request<Streaming<pb::AppendReq>>,
    ) -> Result<Response<pb::AppendResp>, Status> {
        self.shared.faults.on_call().await?;
        let mut incoming = request.into_inner();
        let Some(pb::AppendReq {
            content: Some(append_req::Content::Options(options)),
        }) = incoming.message().await?
        else {
            return Err(Status::invalid_argument(
                "the first append message must carry the options",
            ));
        };
        let stream = stream_name(options.stream_identifier.as_ref())?;
        let expected = match options.expected_stream_revision {
            Some(append_req::options::ExpectedStreamRevision::Revision(r)) => Expected::Revision(r),
            Some(append_req::options::ExpectedStreamRevision::NoStream(())) => Expected::NoStream,
            Some(append_req::options::ExpectedStreamRevision::Any(())) => Expected::Any,
            Some(append_req::options::ExpectedStreamRevision::StreamExists(())) => {
                Expected::StreamExists
            }
            None => {
                return Err(Status::invalid_argument(
                    "an expected stream revision is required",
                ))
            }
        };
        let mut events = Vec::new();
        while let Some(message) = incoming.message().await? {
            match message.content {
                Some(append_req::Content::ProposedMessage(proposed)) => {
                    events.push(proposed_event(proposed)?)
                }
                _ => {
                    return Err(Status::invalid_argument(
                        "only events may follow the append options",
                    ))
                }
            }
        }
        self.shared.stats.appends.fetch_add(1, Ordering::Relaxed);
        let outcome = {
            let mut log = self.shared.log();
            let outcome = log.append(&stream, expected, events);
            log.flush().map_err(|error| {
                Status::internal(format!(
                    "the test server's file could not be written: {error}"
                ))
            })?;
            self.shared.notify(&log);
            outcome
        };
        if outcome.is_ok() && self.shared.faults.take_lost_answer() {
            return Err(Status::unavailable(
                "the connection broke before the answer was sent (injected)",
            ));
        }
        let result = match outcome {
            Ok(written) => append_resp::Result::Success(append_resp::Success {
                current_revision_option: Some(
                    append_resp::success::CurrentRevisionOption::CurrentRevision(written.revision),
                ),
                position_option: Some(append_resp::success::PositionOption::Position(
                    append_resp::Position {
                        commit_position: written.position,
                        prepare_position: written.position,
                    },
                )),
            }),
            Err(WriteError::WrongExpectedVersion { current, expected }) => {
                append_resp::Result::WrongExpectedVersion(wrong_expected_version(current, expected))
            }
            Err(WriteError::StreamDeleted) => return Err(stream_deleted(&stream)),
        };
        Ok(Response::new(pb::AppendResp {
            result: Some(result),
        }))
    }

    async fn delete(
        &self,
        request: Request<pb::DeleteReq>,
    ) -> Result<Response<pb::DeleteResp>, Status> {
        self.shared.faults.on_call().await?;
        let options = request
            .into_inner()
            .options
            .ok_or_else(|| Status::invalid_argument("delete options are required"))?;
        let stream = stream_name(options.stream_identifier.as_ref())?;
        let expected =
            expected_revision!(pb::delete_req::options, options.expected_stream_revision);
        let position = self.remove(&stream, expected, Log::soft_delete)?;
        Ok(Response::new(pb::DeleteResp {
            position_option: Some(pb::delete_resp::PositionOption::Position(
                pb::delete_resp::Position {
                    commit_position: position,
                    prepare_position: position,
                },
            )),
        }))
    }

    async fn tombstone(
        &self,
        request: Request<pb::TombstoneReq>,
    ) -> Result<Response<pb::TombstoneResp>, Status> {
        self.shared.faults.on_call().await?;
        let options = request
            .into_inner()
            .options
            .ok_or_else(|| Status::invalid_argument("tombstone options are required"))?;
        let stream = stream_name(options.stream_identifier.as_ref())?;
        let expected =
            expected_revision!(pb::tombstone_req::options, options.expected_stream_revision);
        let position = self.remove(&stream, expected, Log::tombstone)?;
        Ok(Response::new(pb::TombstoneResp {
            position_option: Some(pb::tombstone_resp::PositionOption::Position(
                pb::tombstone_resp::Position {
                    commit_position: position,
                    prepare_position: position,
                },
            )),
        }))
    }

    async fn batch_append(
        &self,
        _request: Request<Streaming<pb::BatchAppendReq>>,
    ) -> Result<Response<BatchStream>, Status> {
        Err(Status::unimplemented(
            "this test server does not implement BatchAppend",
        ))
    }
}

impl StreamsService {
    /// Deletes or tombstones `stream` (`how`), makes it durable and wakes
    /// the subscribers; answers the position of the deletion.
    fn remove(
        &self,
        stream: &str,
        expected: Expected,
        how: fn(&mut Log, &str, Expected) -> Result<u64, WriteError>,
    ) -> Result<u64, Status> {
        let mut log = self.shared.log();
        let outcome = how(&mut log, stream, expected);
        log.flush().map_err(|error| {
            Status::internal(format!(
                "the test server's file could not be written: {error}"
            ))
        })?;
        self.shared.notify(&log);
        outcome.map_err(|e| delete_error(stream, e))
    }

    fn read_stream(
        &self,
        options: read_req::options::StreamOptions,
        backwards: bool,
        count: u64,
    ) -> Result<Vec<pb::ReadResp>, Status> {
        let identifier = options.stream_identifier.clone();
        let stream = stream_name(identifier.as_ref())?;
        let log = self.shared.log();
        let records = match log.stream(&stream) {
            Ok(records) => records,
            Err(ReadError::NotFound) => {
                return Ok(vec![pb::ReadResp {
                    content: Some(read_resp::Content::StreamNotFound(
                        read_resp::StreamNotFound {
                            stream_identifier: identifier,
                        },
                    )),
                }])
            }
            Err(ReadError::Deleted) => return Err(stream_deleted(&stream)),
        };
        use read_req::options::stream_options::RevisionOption;
        let limit = usize::try_from(count).unwrap_or(usize::MAX);
        let chosen: Vec<&Record> = match (backwards, options.revision_option) {
            (false, Some(RevisionOption::Revision(from))) => records
                .into_iter()
                .filter(|r| r.revision >= from)
                .take(limit)
                .collect(),
            (false, Some(RevisionOption::End(()))) => Vec::new(),
            (false, _) => records.into_iter().take(limit).collect(),
            (true, Some(RevisionOption::Revision(from))) => records
                .into_iter()
                .rev()
                .filter(|r| r.revision <= from)
                .take(limit)
                .collect(),
            (true, Some(RevisionOption::Start(()))) => Vec::new(),
            (true, _) => records.into_iter().rev().take(limit).collect(),
        };
        Ok(chosen.into_iter().map(event_message).collect())
    }

    fn read_all(
        &self,
        options: read_req::options::AllOptions,
        backwards: bool,
        count: u64,
        filter: &Filter,
    ) -> Vec<pb::ReadResp> {
        use read_req::options::all_options::AllOption;
        let log = self.shared.log();
        let limit = usize::try_from(count).unwrap_or(usize::MAX);
        let records = log.records().iter().filter(|r| filter.matches(r));
        let chosen: Vec<&Record> = match (backwards, options.all_option) {
            // A forward read from a position includes the record there.
            (false, Some(AllOption::Position(p))) => records
                .filter(|r| r.position >= p.commit_position)
                .take(limit)
                .collect(),
            (false, Some(AllOption::End(()))) => Vec::new(),
            (false, _) => records.take(limit).collect(),
            // A backward read from a position returns what lies before it.
            (true, Some(AllOption::Position(p))) => {
                let all: Vec<&Record> = records.collect();
                all.into_iter()
                    .rev()
                    .filter(|r| r.position < p.commit_position)
                    .take(limit)
                    .collect()
            }
            (true, Some(AllOption::Start(()))) => Vec::new(),
            (true, _) => {
                let all: Vec<&Record> = records.collect();
                all.into_iter().rev().take(limit).collect()
            }
        };
        chosen.into_iter().map(event_message).collect()
    }

    /// A catch-up subscription to `$all` after `after` (exclusive; `None` is
    /// the beginning): confirmation, the stored events, checkpoints, `CaughtUp`,
    /// then live events as they are written.
    fn subscribe_all(&self, after: Option<u64>, filter: Filter) -> ReadStream {
        self.shared
            .stats
            .subscriptions
            .fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = mpsc::channel(SUBSCRIPTION_BUFFER);
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let _ = run_subscription(shared, after, filter, sender).await;
        });
        Box::pin(ReceiverStream::new(receiver))
    }
}

/// Feeds one subscription until the client goes away or a fault drops it.
async fn run_subscription(
    shared: Shared,
    after: Option<u64>,
    filter: Filter,
    sender: mpsc::Sender<Result<pb::ReadResp, Status>>,
) -> Result<(), mpsc::error::SendError<Result<pb::ReadResp, Status>>> {
    let mut length = shared.length.subscribe();
    let confirmation = read_resp::Content::Confirmation(read_resp::SubscriptionConfirmation {
        subscription_id: Uuid::new_v4().to_string(),
    });
    sender
        .send(Ok(pb::ReadResp {
            content: Some(confirmation),
        }))
        .await?;
    let mut next = {
        let log = shared.log();
        match after {
            Some(after) => log.records().partition_point(|r| r.position <= after),
            None => 0,
        }
    };
    let mut delivered = 0u64;
    let mut considered = 0u64;
    let mut caught_up = false;
    loop {
        let batch: Vec<Record> = shared.log().records()[next..].to_vec();
        for record in &batch {
            next += 1;
            considered += 1;
            if filter.matches(record) {
                if shared
                    .faults
                    .drop_after()
                    .is_some_and(|limit| delivered >= limit)
                {
                    sender
                        .send(Err(Status::unavailable("subscription dropped (injected)")))
                        .await?;
                    return Ok(());
                }
                let delay = shared.faults.delay();
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                sender.send(Ok(event_message(record))).await?;
                delivered += 1;
            }
            if considered.is_multiple_of(filter.checkpoint_interval) {
                let checkpoint = read_resp::Content::Checkpoint(read_resp::Checkpoint {
                    commit_position: record.position,
                    prepare_position: record.position,
                    timestamp: Some(now()),
                });
                sender
                    .send(Ok(pb::ReadResp {
                        content: Some(checkpoint),
                    }))
                    .await?;
            }
        }
        if !caught_up {
            caught_up = true;
            let position = shared
                .log()
                .records()
                .get(next.wrapping_sub(1))
                .map(|r| r.position)
                .unwrap_or(0);
            let content = read_resp::Content::CaughtUp(read_resp::CaughtUp {
                timestamp: Some(now()),
                stream_revision: None,
                position: Some(read_resp::Position {
                    commit_position: position,
                    prepare_position: position,
                }),
            });
            sender
                .send(Ok(pb::ReadResp {
                    content: Some(content),
                }))
                .await?;
        }
        tokio::select! {
            changed = length.wait_for(|&len| len > next) => {
                if changed.is_err() {
                    return Ok(());
                }
            }
            () = sender.closed() => return Ok(()),
        }
    }
}

/// The `$all` filter of a read or subscription.
#[derive(Clone, Debug)]
struct Filter {
    on_stream: bool,
    prefixes: Vec<String>,
    regex: Option<String>,
    active: bool,
    checkpoint_interval: u64,
}

impl Filter {
    fn from_options(options: &read_req::Options) -> Result<Filter, Status> {
        use read_req::options::filter_options;
        let none = Filter {
            on_stream: true,
            prefixes: Vec::new(),
            regex: None,
            active: false,
            checkpoint_interval: u64::from(DEFAULT_FILTER_WINDOW),
        };
        let Some(read_req::options::FilterOption::Filter(filter)) = &options.filter_option else {
            return Ok(none);
        };
        let (on_stream, expression) = match &filter.filter {
            Some(filter_options::Filter::StreamIdentifier(e)) => (true, e),
            Some(filter_options::Filter::EventType(e)) => (false, e),
            None => return Ok(none),
        };
        let window = match filter.window {
            Some(filter_options::Window::Max(max)) if max > 0 => max,
            _ => DEFAULT_FILTER_WINDOW,
        };
        let regex = (!expression.regex.is_empty()).then(|| expression.regex.clone());
        if regex.as_deref().is_some_and(|r| {
            !r.starts_with('^') || r[1..].contains(['.', '*', '+', '?', '[', '(', '|', '\\'])
        }) {
            return Err(Status::unimplemented(
                "this test server supports prefix filters and plain ^prefix expressions only",
            ));
        }
        Ok(Filter {
            on_stream,
            prefixes: expression.prefix.clone(),
            regex,
            active: true,
            checkpoint_interval: u64::from(window)
                * u64::from(filter.checkpoint_interval_multiplier.max(1)),
        })
    }

    fn matches(&self, record: &Record) -> bool {
        if !self.active {
            return true;
        }
        let subject = if self.on_stream {
            &record.stream
        } else {
            &record.event_type
        };
        self.prefixes
            .iter()
            .any(|p| subject.starts_with(p.as_str()))
            || self
                .regex
                .as_deref()
                .is_some_and(|r| subject.starts_with(&r[1..]))
    }
}

fn stream_name(identifier: Option<&StreamIdentifier>) -> Result<String, Status> {
    let identifier =
        identifier.ok_or_else(|| Status::invalid_argument("a stream identifier is required"))?;
    String::from_utf8(identifier.stream_name.to_vec())
        .map_err(|_| Status::invalid_argument("the stream name is not UTF-8"))
}

fn proposed_event(proposed: append_req::ProposedMessage) -> Result<Proposed, Status> {
    let id = match proposed.id.and_then(|id| id.value) {
        Some(shared::uuid::Value::String(text)) => Uuid::parse_str(&text).ok(),
        Some(shared::uuid::Value::Structured(s)) => {
            #[allow(clippy::cast_sign_loss)]
            let bits = (u128::from(s.most_significant_bits as u64) << 64)
                | u128::from(s.least_significant_bits as u64);
            Some(Uuid::from_u128(bits))
        }
        None => None,
    }
    .ok_or_else(|| Status::invalid_argument("every event needs an id"))?;
    let (Some(event_type), Some(content_type)) = (
        proposed.metadata.get("type"),
        proposed.metadata.get("content-type"),
    ) else {
        let mut status = Status::invalid_argument("missing-required-metadata-property");
        status.metadata_mut().insert(
            "exception",
            MetadataValue::from_static("missing-required-metadata-property"),
        );
        return Err(status);
    };
    Ok(Proposed {
        id,
        event_type: event_type.clone(),
        content_type: content_type.clone(),
        custom_metadata: proposed.custom_metadata,
        data: proposed.data,
    })
}

fn event_message(record: &Record) -> pb::ReadResp {
    let metadata = [
        ("type".to_owned(), record.event_type.clone()),
        ("content-type".to_owned(), record.content_type.clone()),
        ("created".to_owned(), record.created.to_string()),
    ]
    .into_iter()
    .collect();
    let event = read_resp::read_event::RecordedEvent {
        id: Some(shared::Uuid {
            value: Some(shared::uuid::Value::String(record.id.to_string())),
        }),
        stream_identifier: Some(StreamIdentifier {
            stream_name: Bytes::from(record.stream.clone().into_bytes()),
        }),
        stream_revision: record.revision,
        prepare_position: record.position,
        commit_position: record.position,
        metadata,
        custom_metadata: record.custom_metadata.clone(),
        data: record.data.clone(),
    };
    pb::ReadResp {
        content: Some(read_resp::Content::Event(read_resp::ReadEvent {
            event: Some(event),
            link: None,
            position: Some(read_resp::read_event::Position::CommitPosition(
                record.position,
            )),
        })),
    }
}

fn wrong_expected_version(
    current: Current,
    expected: Expected,
) -> append_resp::WrongExpectedVersion {
    use append_resp::wrong_expected_version as w;
    let (current_legacy, current_now) = match current {
        Current::NoStream => (
            w::CurrentRevisionOption2060::NoStream2060(()),
            w::CurrentRevisionOption::CurrentNoStream(()),
        ),
        Current::Revision(r) => (
            w::CurrentRevisionOption2060::CurrentRevision2060(r),
            w::CurrentRevisionOption::CurrentRevision(r),
        ),
    };
    let (expected_legacy, expected_now) = match expected {
        Expected::Any => (
            w::ExpectedRevisionOption2060::Any2060(()),
            w::ExpectedRevisionOption::ExpectedAny(()),
        ),
        Expected::StreamExists => (
            w::ExpectedRevisionOption2060::StreamExists2060(()),
            w::ExpectedRevisionOption::ExpectedStreamExists(()),
        ),
        // The legacy field has no "no stream" case; the server sends "any" there.
        Expected::NoStream => (
            w::ExpectedRevisionOption2060::Any2060(()),
            w::ExpectedRevisionOption::ExpectedNoStream(()),
        ),
        Expected::Revision(r) => (
            w::ExpectedRevisionOption2060::ExpectedRevision2060(r),
            w::ExpectedRevisionOption::ExpectedRevision(r),
        ),
    };
    append_resp::WrongExpectedVersion {
        current_revision_option_20_6_0: Some(current_legacy),
        expected_revision_option_20_6_0: Some(expected_legacy),
        current_revision_option: Some(current_now),
        expected_revision_option: Some(expected_now),
    }
}

fn stream_deleted(stream: &str) -> Status {
    let mut status = Status::failed_precondition(format!("Event stream '{stream}' is deleted."));
    let metadata = status.metadata_mut();
    metadata.insert("exception", MetadataValue::from_static("stream-deleted"));
    if let Ok(name) = MetadataValue::try_from(stream) {
        metadata.insert("stream-name", name);
    }
    status
}

fn delete_error(stream: &str, error: WriteError) -> Status {
    match error {
        WriteError::StreamDeleted => stream_deleted(stream),
        WriteError::WrongExpectedVersion { current, expected } => {
            let mut status = Status::failed_precondition(format!(
                "Append failed due to WrongExpectedVersion. Stream: {stream}, Expected version: {expected:?}, Actual version: {current:?}"
            ));
            let metadata = status.metadata_mut();
            metadata.insert(
                "exception",
                MetadataValue::from_static("wrong-expected-version"),
            );
            if let Ok(name) = MetadataValue::try_from(stream) {
                metadata.insert("stream-name", name);
            }
            let expected = match expected {
                Expected::Revision(r) => r.to_string(),
                Expected::Any => "-2".into(),
                Expected::NoStream => "-1".into(),
                Expected::StreamExists => "-4".into(),
            };
            let actual = match current {
                Current::Revision(r) => r.to_string(),
                Current::NoStream => "-1".into(),
            };
            for (key, value) in [("expected-version", expected), ("actual-version", actual)] {
                if let Ok(value) = MetadataValue::try_from(value) {
                    metadata.insert(key, value);
                }
            }
            status
        }
    }
}

fn now() -> prost_types::Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    prost_types::Timestamp {
        seconds: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(since_epoch.subsec_nanos()).unwrap_or(0),
    }
}
