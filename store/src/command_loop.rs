//! Command handling for any aggregate: load the stream, fold it with
//! `evolve`, `decide`, append with the exact version that was read, and on a
//! version conflict reload and decide again (a bounded number of times).
//!
//! Event ids derive from the command id, so a command repeated after an
//! unknown outcome is recognised: if its events are already in the stream the
//! original result is returned instead of deciding again (which would usually
//! fail, e.g. "already acknowledged"). A version the caller expects (HTTP
//! `If-Match`) belongs to the decision, not to the loop: a decider that
//! carries it refuses the command on the state it is given (see the command
//! layer's guarded decider), so a version conflict decides it again on the
//! new state and the precondition is judged there.

use markaz_domain::codec::AggregateEvent;
use markaz_domain::decider::Decider;
use markaz_domain::metadata::{event_id_for, Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use uuid::Uuid;

use crate::contract::{
    AppendOutcome, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError,
};
use crate::hash_chain::{chain_hash, GENESIS_HASH};

/// How many times a command is decided before giving up under contention.
pub const MAX_ATTEMPTS: usize = 5;

/// Events read per page while loading a stream.
const LOAD_PAGE: usize = 500;

/// An aggregate the loop can run: a pure `Decider` whose events the codec
/// stores. Every such decider is one; nothing registers here.
pub trait Aggregate:
    Decider<
    State: Send,
    Command: Sync,
    Event: AggregateEvent + Clone + Send,
    Error: Send + Sync + 'static,
>
{
}

impl<D> Aggregate for D where
    D: Decider<
        State: Send,
        Command: Sync,
        Event: AggregateEvent + Clone + Send,
        Error: Send + Sync + 'static,
    >
{
}

/// Reads a stored event as an event of the aggregate whose stream holds it.
pub fn decode_recorded<E: AggregateEvent>(recorded: &RecordedEvent) -> Result<E, DecodeError> {
    E::decode(
        &recorded.event_type,
        recorded.schema_version,
        &recorded.payload,
    )?
    .ok_or_else(|| DecodeError::WrongAggregate {
        event_type: recorded.event_type.clone(),
        aggregate: E::AGGREGATE,
    })
}

/// The new events a command decided, with the metadata they get.
pub fn new_events<E: AggregateEvent>(
    decided: &[E],
    meta: &CommandMeta,
    occurred_at: Timestamp,
) -> Vec<NewEvent> {
    decided
        .iter()
        .enumerate()
        .map(|(index, event)| {
            let encoded = event.encode();
            NewEvent {
                event_type: encoded.event_type.to_owned(),
                schema_version: encoded.schema_version,
                payload: encoded.payload,
                metadata: meta.metadata(index, occurred_at),
            }
        })
        .collect()
}

/// Why a stored event could not be read as an event of an aggregate.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{0}")]
    Codec(#[from] markaz_domain::codec::CodecError),
    #[error("event type `{event_type}` does not belong to a {aggregate} stream")]
    WrongAggregate {
        event_type: String,
        aggregate: &'static str,
    },
}

/// Who sends a command, when, and in answer to what: becomes each event's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandMeta {
    /// Unique per request; event ids derive from it.
    pub command_id: Uuid,
    pub at: Timestamp,
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
}

impl CommandMeta {
    /// The metadata of the command's `index`-th event, which occurs at
    /// `occurred_at` (see `occurred_after`).
    fn metadata(&self, index: usize, occurred_at: Timestamp) -> EventMetadata {
        EventMetadata {
            event_id: event_id_for(self.command_id, index),
            occurred_at,
            actor: self.actor.clone(),
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
        }
    }
}

/// A stored event together with its decoded form.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedEvent<E> {
    pub recorded: RecordedEvent,
    pub event: E,
}

/// A stream read and folded.
pub struct Loaded<A: Aggregate> {
    pub state: A::State,
    /// The stream's version (0 if it does not exist).
    pub version: u64,
    /// The position of the stream's last event (0 if none).
    pub last_position: u64,
    pub events: Vec<DecodedEvent<A::Event>>,
}

/// An event written by a handled command.
#[derive(Clone, Debug, PartialEq)]
pub struct WrittenEvent<E> {
    pub version: u64,
    pub event: E,
    pub metadata: EventMetadata,
}

/// The result of a handled command.
pub struct Handled<A: Aggregate> {
    /// The stream's version after the command.
    pub version: u64,
    /// The global position of the command's last event (of the stream's last
    /// event if the command produced none).
    pub position: u64,
    pub events: Vec<WrittenEvent<A::Event>>,
    pub state: A::State,
    /// The hash-chain value of the stream's last event after the command:
    /// the receipt of a filing.
    pub hash: [u8; 32],
}

impl<A: Aggregate> std::fmt::Debug for Handled<A>
where
    A::State: std::fmt::Debug,
    A::Event: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handled")
            .field("version", &self.version)
            .field("position", &self.position)
            .field("events", &self.events)
            .field("state", &self.state)
            .field("hash", &hex::encode(self.hash))
            .finish()
    }
}

/// Why a command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error + 'static> {
    #[error(transparent)]
    Domain(E),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event {version} of stream {stream} cannot be read: {source}")]
    Decode {
        stream: String,
        version: u64,
        source: DecodeError,
    },
    #[error(
        "stream {stream} changed under {attempts} attempts in a row; try the command again later"
    )]
    Contention { stream: String, attempts: usize },
}

/// Reads `stream` from the start and folds it.
pub async fn load<A: Aggregate>(
    store: &dyn EventStore,
    stream: &str,
) -> Result<Loaded<A>, CommandError<A::Error>> {
    let mut loaded = Loaded::<A> {
        state: A::initial(),
        version: 0,
        last_position: 0,
        events: Vec::new(),
    };
    loop {
        let page = store
            .read_stream(stream, loaded.version + 1, LOAD_PAGE)
            .await?;
        let full = page.len() == LOAD_PAGE;
        for recorded in page {
            let event = decode_recorded(&recorded).map_err(|source| CommandError::Decode {
                stream: stream.to_owned(),
                version: recorded.version,
                source,
            })?;
            loaded.state = A::evolve(loaded.state, &event, recorded.metadata.occurred_at);
            loaded.version = recorded.version;
            loaded.last_position = recorded.position;
            loaded.events.push(DecodedEvent { recorded, event });
        }
        if !full {
            return Ok(loaded);
        }
    }
}

/// Handles one command against `stream`; see the module doc.
pub async fn handle_command<A: Aggregate>(
    store: &dyn EventStore,
    stream: &str,
    command: &A::Command,
    meta: &CommandMeta,
) -> Result<Handled<A>, CommandError<A::Error>>
where
    A::Event: Clone,
{
    for _ in 0..MAX_ATTEMPTS {
        let loaded = load::<A>(store, stream).await?;
        if let Some(done) = already_handled::<A>(&loaded, meta) {
            // The answer of the first attempt: the case as that command left
            // it, not as later commands have changed it since.
            return Ok(Handled {
                version: done.version,
                position: done.position,
                events: done.events,
                state: state_at::<A>(&loaded, done.version),
                hash: done.hash,
            });
        }
        let decided = A::decide(&loaded.state, command).map_err(CommandError::Domain)?;
        let occurred_at = occurred_after(&loaded, meta.at);
        if decided.is_empty() {
            let hash = loaded
                .events
                .last()
                .map_or(GENESIS_HASH, |last| last.recorded.hash);
            return Ok(Handled {
                version: loaded.version,
                position: loaded.last_position,
                events: Vec::new(),
                state: loaded.state,
                hash,
            });
        }
        let new_events = new_events(&decided, meta, occurred_at);
        let expected = ExpectedVersion::Exact(loaded.version);
        match store.append(stream, expected, new_events).await {
            Ok(outcome) => {
                return Ok(written::<A>(
                    loaded.state,
                    loaded.version,
                    decided,
                    meta,
                    occurred_at,
                    outcome,
                ))
            }
            Err(StoreError::WrongExpectedVersion { actual, .. }) => {
                tracing::debug!(stream, actual, "version conflict, deciding again");
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(CommandError::Contention {
        stream: stream.to_owned(),
        attempts: MAX_ATTEMPTS,
    })
}

/// Handles a command that starts a new stream (a filing): decides it on the
/// initial state and appends with "no stream" expected, without reading the
/// stream first. If the stream exists after all, the full loop answers: it
/// finds this command's own events there (a retry) or refuses the command on
/// the stream's real state.
///
/// A retry whose first append did land is acknowledged by the store without
/// writing; its events may differ from the ones decided now (new randomness),
/// so when the stored hash is not the hash of this decision, the answer is
/// read back from the stream.
pub async fn handle_create<A: Aggregate>(
    store: &dyn EventStore,
    stream: &str,
    command: &A::Command,
    meta: &CommandMeta,
) -> Result<Handled<A>, CommandError<A::Error>> {
    let decided = A::decide(&A::initial(), command).map_err(CommandError::Domain)?;
    let new_events = new_events(&decided, meta, meta.at);
    let decided_hash = new_events
        .iter()
        .zip(1..)
        .fold(GENESIS_HASH, |previous, (event, version)| {
            chain_hash(&previous, stream, version, event)
        });
    match store
        .append(stream, ExpectedVersion::NoStream, new_events)
        .await
    {
        Ok(outcome) if outcome.hash == decided_hash => Ok(written::<A>(
            A::initial(),
            0,
            decided,
            meta,
            meta.at,
            outcome,
        )),
        Ok(_) | Err(StoreError::WrongExpectedVersion { .. }) => {
            handle_command::<A>(store, stream, command, meta).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The result of a command whose `decided` events were just appended after
/// `version`, onto `state`.
fn written<A: Aggregate>(
    mut state: A::State,
    version: u64,
    decided: Vec<A::Event>,
    meta: &CommandMeta,
    occurred_at: Timestamp,
    outcome: AppendOutcome,
) -> Handled<A> {
    let mut events = Vec::with_capacity(decided.len());
    for (index, event) in decided.into_iter().enumerate() {
        state = A::evolve(state, &event, occurred_at);
        events.push(WrittenEvent {
            version: version + 1 + index as u64,
            event,
            metadata: meta.metadata(index, occurred_at),
        });
    }
    Handled {
        version: outcome.version,
        position: outcome.position,
        events,
        state,
        hash: outcome.hash,
    }
}

/// What a command that already ran left: the version after it, its last
/// position and hash, and its events.
struct PriorResult<E> {
    version: u64,
    position: u64,
    hash: [u8; 32],
    events: Vec<WrittenEvent<E>>,
}

/// The result of this command if its events are already stored (a repeat
/// after an unknown outcome), found by the ids derived from its command id.
/// When the command's events occur: at the command's time, or at the time of
/// the stream's last event if that is later. A command decided again after a
/// version conflict keeps the time it was received, which can be a moment
/// before an event another command appended meanwhile; the stream's times
/// must still run forward, since reading a case as it stood at a past moment
/// takes the prefix of its events up to that moment.
fn occurred_after<A: Aggregate>(loaded: &Loaded<A>, at: Timestamp) -> Timestamp {
    loaded
        .events
        .last()
        .map_or(at, |last| at.max(last.recorded.metadata.occurred_at))
}

/// The state folded from the loaded events up to `version`.
fn state_at<A: Aggregate>(loaded: &Loaded<A>, version: u64) -> A::State {
    loaded
        .events
        .iter()
        .take_while(|e| e.recorded.version <= version)
        .fold(A::initial(), |state, e| {
            A::evolve(state, &e.event, e.recorded.metadata.occurred_at)
        })
}

fn already_handled<A: Aggregate>(
    loaded: &Loaded<A>,
    meta: &CommandMeta,
) -> Option<PriorResult<A::Event>>
where
    A::Event: Clone,
{
    let first_id = event_id_for(meta.command_id, 0);
    let start = loaded
        .events
        .iter()
        .position(|e| e.recorded.metadata.event_id == first_id)?;
    let written: Vec<WrittenEvent<A::Event>> = loaded.events[start..]
        .iter()
        .enumerate()
        .take_while(|(index, e)| {
            e.recorded.metadata.event_id == event_id_for(meta.command_id, *index)
        })
        .map(|(_, e)| WrittenEvent {
            version: e.recorded.version,
            event: e.event.clone(),
            metadata: e.recorded.metadata.clone(),
        })
        .collect();
    let last = &loaded.events[start + written.len() - 1].recorded;
    Some(PriorResult {
        version: last.version,
        position: last.position,
        hash: last.hash,
        events: written,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sqlite::SqliteStore;

    /// A counter with a ceiling: enough rules to exercise the loop.
    struct Counter;

    #[derive(Debug, thiserror::Error)]
    #[error("the counter is full")]
    struct Full;

    /// One added to the counter.
    #[derive(Clone, Debug, PartialEq)]
    struct Added;

    impl Decider for Counter {
        type State = u64;
        type Command = u64;
        type Event = Added;
        type Error = Full;

        fn decide(state: &u64, add: &u64) -> Result<Vec<Added>, Full> {
            if state + add > 100 {
                return Err(Full);
            }
            Ok((0..*add).map(|_| Added).collect())
        }

        fn evolve(state: u64, _: &Added, _: Timestamp) -> u64 {
            state + 1
        }
    }

    impl AggregateEvent for Added {
        const AGGREGATE: &'static str = "counter";

        fn encode(&self) -> markaz_domain::codec::EncodedEvent {
            markaz_domain::codec::EncodedEvent {
                event_type: "Added",
                schema_version: 1,
                payload: Vec::new(),
            }
        }

        fn decode(
            event_type: &str,
            _: u16,
            _: &[u8],
        ) -> Result<Option<Added>, markaz_domain::codec::CodecError> {
            Ok((event_type == "Added").then_some(Added))
        }
    }

    fn meta() -> CommandMeta {
        CommandMeta {
            command_id: Uuid::new_v4(),
            at: Timestamp::from_micros(1),
            actor: Actor::System,
            correlation_id: Uuid::new_v4(),
            causation_id: Uuid::new_v4(),
        }
    }

    fn store() -> (tempfile::TempDir, Arc<SqliteStore>) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(dir.path().join("events.db")).expect("open");
        (dir, Arc::new(store))
    }

    #[tokio::test]
    async fn decides_appends_and_returns_the_new_state() {
        let (_dir, store) = store();
        let handled = handle_command::<Counter>(store.as_ref(), "counter-1", &3, &meta())
            .await
            .expect("handle");
        assert_eq!(
            (handled.version, handled.position, handled.state),
            (3, 3, 3)
        );
        assert_eq!(handled.events.len(), 3);
        let again = handle_command::<Counter>(store.as_ref(), "counter-1", &2, &meta())
            .await
            .expect("handle again");
        assert_eq!((again.version, again.state), (5, 5));
    }

    #[tokio::test]
    async fn a_repeated_command_returns_its_first_result() {
        let (_dir, store) = store();
        let command_meta = meta();
        let first = handle_command::<Counter>(store.as_ref(), "counter-1", &2, &command_meta)
            .await
            .expect("first");
        handle_command::<Counter>(store.as_ref(), "counter-1", &1, &meta())
            .await
            .expect("another command");
        let repeat = handle_command::<Counter>(store.as_ref(), "counter-1", &2, &command_meta)
            .await
            .expect("repeat");
        assert_eq!(
            (repeat.version, repeat.position),
            (first.version, first.position)
        );
        assert_eq!(repeat.events, first.events);
        assert_eq!(store.stream_version("counter-1").await.expect("version"), 3);
    }

    #[tokio::test]
    async fn a_command_received_before_the_last_event_occurs_after_it() {
        let (_dir, store) = store();
        let at = |micros| CommandMeta {
            at: Timestamp::from_micros(micros),
            ..meta()
        };
        handle_command::<Counter>(store.as_ref(), "counter-1", &1, &at(1_000))
            .await
            .expect("the later command lands first");
        // Received earlier, decided after it (as after a version conflict).
        let handled = handle_command::<Counter>(store.as_ref(), "counter-1", &1, &at(500))
            .await
            .expect("the earlier command");
        assert_eq!(
            handled.events[0].metadata.occurred_at,
            Timestamp::from_micros(1_000)
        );
        let stored = store.read_stream("counter-1", 1, 10).await.expect("read");
        let times: Vec<i64> = stored
            .iter()
            .map(|event| event.metadata.occurred_at.as_micros())
            .collect();
        assert_eq!(times, [1_000, 1_000]);
    }

    #[tokio::test]
    async fn domain_errors_change_nothing() {
        let (_dir, store) = store();
        handle_command::<Counter>(store.as_ref(), "counter-1", &1, &meta())
            .await
            .expect("first");
        let full = handle_command::<Counter>(store.as_ref(), "counter-1", &100, &meta()).await;
        assert!(matches!(full, Err(CommandError::Domain(Full))));
        assert_eq!(store.stream_version("counter-1").await.expect("version"), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_commands_are_retried_until_they_land() {
        let (_dir, store) = store();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut done = 0;
                for _ in 0..10 {
                    match handle_command::<Counter>(store.as_ref(), "counter-1", &1, &meta()).await
                    {
                        Ok(_) => done += 1,
                        Err(CommandError::Contention { .. }) => {}
                        Err(other) => panic!("unexpected error: {other}"),
                    }
                }
                done
            }));
        }
        let mut landed = 0;
        for task in tasks {
            landed += task.await.expect("task");
        }
        // Every command that reported success is in the stream, and nothing else.
        assert_eq!(
            store.stream_version("counter-1").await.expect("version"),
            landed
        );
        assert!(landed > 0);
        let loaded = load::<Counter>(store.as_ref(), "counter-1")
            .await
            .expect("load");
        assert_eq!(loaded.state, landed);
    }
}
