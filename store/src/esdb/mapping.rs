//! Pure translations between our records and EventStoreDB's: event type names,
//! the JSON custom metadata, versions versus 0-based revisions, positions and
//! client errors. Nothing here talks to a server, so all of it is unit-tested.

use kurrentdb::{CurrentRevision, StreamState};
use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::{ExpectedVersion, NewEvent, RecordedEvent, StoreError};

/// The separator between an event type and its schema version in an
/// EventStoreDB event type name (`ComplaintFiled.v2`).
const SCHEMA_SEPARATOR: &str = ".v";

/// What cannot be decoded from a stored EventStoreDB event.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("event type name {0:?} does not end in .v<schema version>")]
    TypeName(String),
    #[error("custom metadata is not the expected JSON object: {0}")]
    MetadataJson(String),
    #[error("hash {0:?} is not 64 hexadecimal digits")]
    Hash(String),
    #[error(
        "schema version {in_metadata} in the metadata differs from {in_type} in the type name"
    )]
    SchemaMismatch { in_type: u16, in_metadata: u16 },
    #[error("the server reported no position for the event")]
    NoPosition,
}

/// The JSON custom metadata stored with every event. Field names are part of
/// the stored format: rename nothing.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MetadataJson {
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
    /// Human-readable copy of `occurred_at_micros` for the EventStoreDB UI.
    pub occurred_at: String,
    /// The authoritative time.
    pub occurred_at_micros: i64,
    pub schema_version: u16,
    /// The hash-chain value, lowercase hex.
    pub hash: String,
}

/// The parts of an EventStoreDB event we write, before they become a
/// `kurrentdb::EventData` (whose fields cannot be inspected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEvent {
    pub id: Uuid,
    pub type_name: String,
    pub data: Vec<u8>,
    pub metadata_json: Vec<u8>,
}

impl EncodedEvent {
    /// The event as the client sends it: binary data, JSON metadata, our id.
    pub fn into_event_data(self) -> kurrentdb::EventData {
        kurrentdb::EventData::binary(self.type_name, self.data.into())
            .id(self.id)
            .metadata(self.metadata_json.into())
    }
}

/// The parts of a stored EventStoreDB event we read back.
#[derive(Debug, Clone, Copy)]
pub struct StoredParts<'a> {
    pub stream: &'a str,
    pub revision: u64,
    pub position: u64,
    pub id: Uuid,
    pub type_name: &'a str,
    pub data: &'a [u8],
    pub custom_metadata: &'a [u8],
}

/// `ComplaintFiled` version 2 becomes `ComplaintFiled.v2`.
pub fn type_name(event_type: &str, schema_version: u16) -> String {
    format!("{event_type}{SCHEMA_SEPARATOR}{schema_version}")
}

/// Splits `ComplaintFiled.v2` into `("ComplaintFiled", 2)`.
pub fn parse_type_name(name: &str) -> Result<(String, u16), DecodeError> {
    let malformed = || DecodeError::TypeName(name.to_owned());
    let (event_type, version) = name.rsplit_once(SCHEMA_SEPARATOR).ok_or_else(malformed)?;
    if event_type.is_empty() || version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let version = version.parse::<u16>().map_err(|_| malformed())?;
    Ok((event_type.to_owned(), version))
}

/// The bytes sent for one event whose chained hash is `hash`.
pub fn encode_event(event: &NewEvent, hash: &[u8; 32]) -> Result<EncodedEvent, StoreError> {
    let metadata = &event.metadata;
    let json = MetadataJson {
        actor: metadata.actor.clone(),
        correlation_id: metadata.correlation_id,
        causation_id: metadata.causation_id,
        occurred_at: metadata.occurred_at.to_rfc3339(),
        occurred_at_micros: metadata.occurred_at.as_micros(),
        schema_version: event.schema_version,
        hash: hex::encode(hash),
    };
    let metadata_json = serde_json::to_vec(&json).map_err(|e| {
        StoreError::InvalidRequest(format!(
            "event {} metadata cannot be written as JSON: {e}",
            metadata.event_id
        ))
    })?;
    Ok(EncodedEvent {
        id: metadata.event_id,
        type_name: type_name(&event.event_type, event.schema_version),
        data: event.payload.clone(),
        metadata_json,
    })
}

/// Rebuilds our record from a stored event.
pub fn decode_event(parts: StoredParts<'_>) -> Result<RecordedEvent, DecodeError> {
    let (event_type, schema_version) = parse_type_name(parts.type_name)?;
    let json: MetadataJson = serde_json::from_slice(parts.custom_metadata)
        .map_err(|e| DecodeError::MetadataJson(e.to_string()))?;
    if json.schema_version != schema_version {
        return Err(DecodeError::SchemaMismatch {
            in_type: schema_version,
            in_metadata: json.schema_version,
        });
    }
    let hash = decode_hash(&json.hash)?;
    Ok(RecordedEvent {
        stream: parts.stream.to_owned(),
        version: revision_to_version(parts.revision),
        position: parts.position,
        event_type,
        schema_version,
        payload: parts.data.to_vec(),
        metadata: EventMetadata {
            event_id: parts.id,
            occurred_at: Timestamp::from_micros(json.occurred_at_micros),
            actor: json.actor,
            correlation_id: json.correlation_id,
            causation_id: json.causation_id,
        },
        hash,
    })
}

/// Reads only the hash out of the custom metadata (what an append needs from
/// the previous event).
pub fn decode_hash_from_metadata(custom_metadata: &[u8]) -> Result<[u8; 32], DecodeError> {
    #[derive(Deserialize)]
    struct HashOnly {
        hash: String,
    }
    let only: HashOnly = serde_json::from_slice(custom_metadata)
        .map_err(|e| DecodeError::MetadataJson(e.to_string()))?;
    decode_hash(&only.hash)
}

fn decode_hash(text: &str) -> Result<[u8; 32], DecodeError> {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(text, &mut hash).map_err(|_| DecodeError::Hash(text.to_owned()))?;
    Ok(hash)
}

/// Our 1-based stream version of the event at 0-based `revision`.
pub fn revision_to_version(revision: u64) -> u64 {
    revision.saturating_add(1)
}

/// The EventStoreDB expectation for an append that must land right after
/// version `version` of the stream (0 = the stream must not exist).
pub fn stream_state_after(version: u64) -> StreamState {
    match version {
        0 => StreamState::NoStream,
        n => StreamState::StreamRevision(n - 1),
    }
}

/// The version an append must land right after, if the caller fixed one.
/// `Any` has none: it is turned into the exact revision read just before
/// appending, because only exact revisions make repeats idempotent.
pub fn required_version(expected: ExpectedVersion) -> Option<u64> {
    match expected {
        ExpectedVersion::NoStream => Some(0),
        ExpectedVersion::Exact(version) => Some(version),
        ExpectedVersion::Any => None,
    }
}

/// Whether a stream at `version` satisfies `expected`.
pub fn expectation_met(expected: ExpectedVersion, version: u64) -> bool {
    required_version(expected).is_none_or(|required| required == version)
}

/// Refuses stream names that the server would reject or that would never
/// show up in our global feed (outside the configured prefixes).
pub fn check_stream_name(stream: &str, prefixes: &[String]) -> Result<(), StoreError> {
    if is_our_stream(stream, prefixes) {
        return Ok(());
    }
    Err(StoreError::InvalidRequest(format!(
        "stream {stream:?} does not start with one of {prefixes:?}, so its events would never reach the global feed: use one of these prefixes or configure it"
    )))
}

/// Our version for a revision reported by the server (0 when no stream).
pub fn current_version(current: CurrentRevision) -> u64 {
    match current {
        CurrentRevision::Current(revision) => revision_to_version(revision),
        CurrentRevision::NoStream => 0,
    }
}

/// The global position of an event: its commit position in `$all`. Servers
/// that cannot tell a position from a stream read send `u64::MAX`; for
/// single-write events the prepare position is the same number, so it is
/// used when only it is known.
pub fn event_position(commit: u64, prepare: u64) -> Result<u64, DecodeError> {
    match (commit, prepare) {
        (u64::MAX, u64::MAX) => Err(DecodeError::NoPosition),
        (u64::MAX, prepare) => Ok(prepare),
        (commit, _) => Ok(commit),
    }
}

/// The `$all` position to start reading or subscribing at for our exclusive
/// `after` (0 = from the very start).
pub fn start_position(after: u64) -> kurrentdb::StreamPosition<kurrentdb::Position> {
    if after == 0 {
        kurrentdb::StreamPosition::Start
    } else {
        kurrentdb::StreamPosition::Position(kurrentdb::Position {
            commit: after,
            prepare: after,
        })
    }
}

/// Whether a stream belongs to Markaz: not a system stream (`$...`) and
/// starting with one of our prefixes.
pub fn is_our_stream(stream: &str, prefixes: &[String]) -> bool {
    !stream.starts_with('$') && prefixes.iter().any(|p| stream.starts_with(p.as_str()))
}

/// Whether an event read from `$all` is one Markaz wrote: in one of our
/// streams, and not a record the server writes into that stream itself
/// (`$streamDeleted` when a stream is deleted, `$metadata`, ...), which
/// would otherwise fail to decode and stop every reader of the feed there.
pub fn is_our_event(stream: &str, event_type: &str, prefixes: &[String]) -> bool {
    !event_type.starts_with('$') && is_our_stream(stream, prefixes)
}

// gRPC status codes (fixed by the gRPC specification), named here so that the
// client's transport crate need not be a dependency.
const GRPC_CANCELLED: i32 = 1;
const GRPC_INVALID_ARGUMENT: i32 = 3;
const GRPC_RESOURCE_EXHAUSTED: i32 = 8;
const GRPC_ABORTED: i32 = 10;
const GRPC_UNAVAILABLE: i32 = 14;

/// Whether an error leaves the outcome of a call unknown (or the call simply
/// did not reach a leader), so that repeating the identical call is right.
pub fn is_retryable(error: &kurrentdb::Error) -> bool {
    use kurrentdb::Error as E;
    match error {
        E::DeadlineExceeded
        | E::ServerError(_)
        | E::NotLeaderException(_)
        | E::ConnectionClosed
        | E::GrpcConnectionError(_) => true,
        E::Grpc { code, .. } => matches!(
            i32::from(*code),
            GRPC_CANCELLED | GRPC_RESOURCE_EXHAUSTED | GRPC_ABORTED | GRPC_UNAVAILABLE
        ),
        _ => false,
    }
}

/// The kind of call that failed, for error messages and for what a wrong
/// expected version means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Append(ExpectedVersion),
    Read,
}

/// Our error for a client error on `stream` (empty for `$all` calls).
pub fn store_error(error: kurrentdb::Error, stream: &str, call: Call) -> StoreError {
    use kurrentdb::Error as E;
    let place = if stream.is_empty() {
        "$all".to_owned()
    } else {
        format!("stream {stream}")
    };
    match (error, call) {
        (E::WrongExpectedVersion { current, .. }, Call::Append(expected)) => {
            StoreError::WrongExpectedVersion {
                stream: stream.to_owned(),
                expected,
                actual: current_version(current),
            }
        }
        (E::Grpc { code, message }, Call::Append(_)) if i32::from(code) == GRPC_INVALID_ARGUMENT => {
            StoreError::InvalidRequest(format!(
                "EventStoreDB rejected the append to {place} ({message}); an append must fit the server's MaxAppendSize (1 MiB by default): split large batches"
            ))
        }
        (ref e, Call::Append(_)) if is_retryable(e) => StoreError::Unavailable(format!(
            "EventStoreDB did not confirm the append to {place} ({e}); it may or may not be stored, so retry with the same event ids and expected version"
        )),
        (ref e, Call::Read) if is_retryable(e) => StoreError::Unavailable(format!(
            "EventStoreDB did not answer a read of {place} ({e}); try again"
        )),
        (E::AccessDenied, _) => StoreError::Backend(format!(
            "EventStoreDB denied access to {place}: give the connection string's user read and write rights on our streams and $all"
        )),
        (E::ResourceDeleted, _) => StoreError::Backend(format!(
            "{place} was deleted in EventStoreDB and cannot be used again"
        )),
        (E::UnsupportedFeature, _) => StoreError::Backend(format!(
            "the EventStoreDB server does not support an operation needed for {place}: upgrade the server"
        )),
        (other, _) => StoreError::Backend(format!("EventStoreDB failed on {place}: {other}")),
    }
}

/// Our error for an event that cannot be decoded.
pub fn corrupt(stream: &str, revision: u64, error: DecodeError) -> StoreError {
    StoreError::Corrupt(format!(
        "event {} of stream {stream} in EventStoreDB: {error}",
        revision_to_version(revision)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use markaz_domain::metadata::{OfficerId, Role};

    fn new_event() -> NewEvent {
        NewEvent {
            event_type: "ComplaintFiled".into(),
            schema_version: 2,
            payload: vec![1, 2, 3, 0, 255],
            metadata: EventMetadata {
                event_id: Uuid::from_u128(0x1111),
                occurred_at: Timestamp::from_micros(1_764_400_000_123_456),
                actor: Actor::Officer {
                    id: OfficerId(Uuid::from_u128(0x2222)),
                    role: Role::GenderDesk,
                },
                correlation_id: Uuid::from_u128(0x3333),
                causation_id: Uuid::from_u128(0x4444),
            },
        }
    }

    fn parts<'a>(encoded: &'a EncodedEvent, stream: &'a str) -> StoredParts<'a> {
        StoredParts {
            stream,
            revision: 4,
            position: 98_765,
            id: encoded.id,
            type_name: &encoded.type_name,
            data: &encoded.data,
            custom_metadata: &encoded.metadata_json,
        }
    }

    #[test]
    fn type_names_carry_the_schema_version() {
        assert_eq!(type_name("ComplaintFiled", 2), "ComplaintFiled.v2");
        assert_eq!(
            parse_type_name("ComplaintFiled.v2"),
            Ok(("ComplaintFiled".to_owned(), 2))
        );
        assert_eq!(parse_type_name("A.v1.v7"), Ok(("A.v1".to_owned(), 7)));
        for bad in [
            "ComplaintFiled",
            ".v2",
            "X.v",
            "X.v-1",
            "X.v+1",
            "X.v70000",
            "X.v2a",
        ] {
            assert_eq!(
                parse_type_name(bad),
                Err(DecodeError::TypeName(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn round_trip_new_event_to_recorded_event() {
        let event = new_event();
        let hash = [0xab; 32];
        let encoded = encode_event(&event, &hash).unwrap();
        assert_eq!(encoded.id, event.metadata.event_id);
        assert_eq!(encoded.type_name, "ComplaintFiled.v2");
        assert_eq!(encoded.data, event.payload);

        let recorded = decode_event(parts(&encoded, "complaint-7")).unwrap();
        assert_eq!(
            recorded,
            RecordedEvent {
                stream: "complaint-7".into(),
                version: 5,
                position: 98_765,
                event_type: event.event_type.clone(),
                schema_version: 2,
                payload: event.payload.clone(),
                metadata: event.metadata.clone(),
                hash,
            }
        );
        assert_eq!(decode_hash_from_metadata(&encoded.metadata_json), Ok(hash));
    }

    #[test]
    fn metadata_json_is_readable() {
        let encoded = encode_event(&new_event(), &[0x0f; 32]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&encoded.metadata_json).unwrap();
        assert_eq!(value["occurred_at"], "2025-11-29T07:06:40.123456Z");
        assert_eq!(value["occurred_at_micros"], 1_764_400_000_123_456_i64);
        assert_eq!(value["schema_version"], 2);
        assert_eq!(value["hash"], "0f".repeat(32));
        assert_eq!(value["actor"]["kind"], "officer");
        assert_eq!(value["actor"]["role"], "gender_desk");
        assert_eq!(
            value["correlation_id"],
            Uuid::from_u128(0x3333).to_string().as_str()
        );
        assert_eq!(
            value["causation_id"],
            Uuid::from_u128(0x4444).to_string().as_str()
        );
    }

    #[test]
    fn system_and_citizen_actors_round_trip() {
        for actor in [Actor::System, Actor::Citizen] {
            let mut event = new_event();
            event.metadata.actor = actor;
            let encoded = encode_event(&event, &[0; 32]).unwrap();
            let recorded = decode_event(parts(&encoded, "seal-1")).unwrap();
            assert_eq!(recorded.metadata, event.metadata);
        }
    }

    #[test]
    fn malformed_stored_events_are_reported() {
        let encoded = encode_event(&new_event(), &[1; 32]).unwrap();

        let mut bad_type = encoded.clone();
        bad_type.type_name = "ComplaintFiled".into();
        assert!(matches!(
            decode_event(parts(&bad_type, "complaint-1")),
            Err(DecodeError::TypeName(_))
        ));

        let mut bad_json = encoded.clone();
        bad_json.metadata_json = b"{\"actor\":".to_vec();
        assert!(matches!(
            decode_event(parts(&bad_json, "complaint-1")),
            Err(DecodeError::MetadataJson(_))
        ));

        let mut missing_field: serde_json::Value =
            serde_json::from_slice(&encoded.metadata_json).unwrap();
        missing_field
            .as_object_mut()
            .unwrap()
            .remove("occurred_at_micros");
        let mut missing = encoded.clone();
        missing.metadata_json = serde_json::to_vec(&missing_field).unwrap();
        assert!(matches!(
            decode_event(parts(&missing, "complaint-1")),
            Err(DecodeError::MetadataJson(_))
        ));

        for bad_hash in ["zz".repeat(32), "ab".repeat(31), "ab".repeat(33)] {
            let mut value: serde_json::Value =
                serde_json::from_slice(&encoded.metadata_json).unwrap();
            value["hash"] = serde_json::Value::String(bad_hash.clone());
            let mut bad = encoded.clone();
            bad.metadata_json = serde_json::to_vec(&value).unwrap();
            assert_eq!(
                decode_event(parts(&bad, "complaint-1")),
                Err(DecodeError::Hash(bad_hash))
            );
        }

        let mut other_version = encoded.clone();
        other_version.type_name = "ComplaintFiled.v3".into();
        assert_eq!(
            decode_event(parts(&other_version, "complaint-1")),
            Err(DecodeError::SchemaMismatch {
                in_type: 3,
                in_metadata: 2
            })
        );

        let message = corrupt("complaint-1", 0, DecodeError::NoPosition).to_string();
        assert!(
            message.contains("event 1 of stream complaint-1"),
            "{message}"
        );
    }

    #[test]
    fn expected_versions_map_to_zero_based_revisions() {
        let sent = |expected| required_version(expected).map(stream_state_after);
        assert_eq!(sent(ExpectedVersion::NoStream), Some(StreamState::NoStream));
        assert_eq!(sent(ExpectedVersion::Exact(0)), Some(StreamState::NoStream));
        assert_eq!(
            sent(ExpectedVersion::Exact(1)),
            Some(StreamState::StreamRevision(0))
        );
        assert_eq!(
            sent(ExpectedVersion::Exact(42)),
            Some(StreamState::StreamRevision(41))
        );
        assert_eq!(sent(ExpectedVersion::Any), None);
        assert_eq!(stream_state_after(0), StreamState::NoStream);
        assert_eq!(stream_state_after(3), StreamState::StreamRevision(2));
        assert_eq!(revision_to_version(0), 1);
        assert_eq!(revision_to_version(9), 10);
    }

    #[test]
    fn expectations_are_checked_like_the_server_does() {
        assert!(expectation_met(ExpectedVersion::NoStream, 0));
        assert!(!expectation_met(ExpectedVersion::NoStream, 1));
        assert!(expectation_met(ExpectedVersion::Exact(0), 0));
        assert!(expectation_met(ExpectedVersion::Exact(4), 4));
        assert!(!expectation_met(ExpectedVersion::Exact(4), 5));
        assert!(!expectation_met(ExpectedVersion::Exact(4), 3));
        assert!(expectation_met(ExpectedVersion::Any, 0));
        assert!(expectation_met(ExpectedVersion::Any, 17));
    }

    #[test]
    fn appends_go_only_to_streams_of_the_global_feed() {
        let prefixes = vec!["complaint-".to_owned()];
        assert!(check_stream_name("complaint-1", &prefixes).is_ok());
        for bad in ["", "$all", "$et-x", "officer-1", "complaint"] {
            assert!(
                matches!(
                    check_stream_name(bad, &prefixes),
                    Err(StoreError::InvalidRequest(m)) if m.contains("complaint-")
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn wrong_expected_version_carries_our_actual_version() {
        let cases = [
            (CurrentRevision::NoStream, 0),
            (CurrentRevision::Current(0), 1),
            (CurrentRevision::Current(6), 7),
        ];
        for (current, actual) in cases {
            let error = kurrentdb::Error::WrongExpectedVersion {
                expected: StreamState::StreamRevision(2),
                current,
            };
            match store_error(
                error,
                "complaint-9",
                Call::Append(ExpectedVersion::Exact(3)),
            ) {
                StoreError::WrongExpectedVersion {
                    stream,
                    expected,
                    actual: got,
                } => {
                    assert_eq!(stream, "complaint-9");
                    assert_eq!(expected, ExpectedVersion::Exact(3));
                    assert_eq!(got, actual);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn an_oversized_append_is_an_invalid_request() {
        let error = kurrentdb::Error::Grpc {
            code: GRPC_INVALID_ARGUMENT.into(),
            message: "Maximum Append Size of 1048576 Exceeded.".into(),
        };
        assert!(matches!(
            store_error(error, "complaint-1", Call::Append(ExpectedVersion::Exact(1))),
            StoreError::InvalidRequest(m) if m.contains("MaxAppendSize") && m.contains("1048576")
        ));
    }

    #[test]
    fn a_wrong_version_outside_an_append_is_a_backend_failure() {
        let error = kurrentdb::Error::WrongExpectedVersion {
            expected: StreamState::Any,
            current: CurrentRevision::NoStream,
        };
        assert!(matches!(
            store_error(error, "complaint-1", Call::Read),
            StoreError::Backend(_)
        ));
    }

    #[test]
    fn unknown_outcomes_are_retryable_and_others_are_not() {
        use kurrentdb::Error as E;
        let retryable = [
            E::DeadlineExceeded,
            E::ServerError("boom".into()),
            E::NotLeaderException(kurrentdb::Endpoint {
                host: "node2".into(),
                port: 2113,
            }),
            E::ConnectionClosed,
            E::GrpcConnectionError(kurrentdb::GrpcConnectionError::MaxDiscoveryAttemptReached(
                3,
            )),
            E::Grpc {
                code: GRPC_UNAVAILABLE.into(),
                message: "down".into(),
            },
        ];
        for error in retryable {
            assert!(is_retryable(&error), "{error:?}");
            let message = error.to_string();
            let append = store_error(error, "seal-1", Call::Append(ExpectedVersion::Any));
            assert!(
                matches!(&append, StoreError::Unavailable(m) if m.contains("same event ids") && m.contains(&message)),
                "{append:?}"
            );
        }
        assert!(matches!(
            store_error(E::DeadlineExceeded, "", Call::Read),
            StoreError::Unavailable(m) if m.contains("read of $all")
        ));
        let permanent = [
            E::AccessDenied,
            E::ResourceDeleted,
            E::UnsupportedFeature,
            E::InternalParsingError("x".into()),
            E::Grpc {
                code: GRPC_INVALID_ARGUMENT.into(),
                message: "bad".into(),
            },
            E::WrongExpectedVersion {
                expected: StreamState::NoStream,
                current: CurrentRevision::Current(0),
            },
        ];
        for error in permanent {
            assert!(!is_retryable(&error), "{error:?}");
        }
        assert!(matches!(
            store_error(E::AccessDenied, "officer-1", Call::Read),
            StoreError::Backend(m) if m.contains("stream officer-1")
        ));
        assert!(matches!(
            store_error(E::ResourceDeleted, "", Call::Append(ExpectedVersion::Any)),
            StoreError::Backend(m) if m.contains("$all")
        ));
    }

    #[test]
    fn positions_come_from_commit_positions() {
        assert_eq!(event_position(1_000, 1_000), Ok(1_000));
        assert_eq!(event_position(2_000, 1_500), Ok(2_000));
        assert_eq!(event_position(u64::MAX, 1_500), Ok(1_500));
        assert_eq!(
            event_position(u64::MAX, u64::MAX),
            Err(DecodeError::NoPosition)
        );
        assert_eq!(start_position(0), kurrentdb::StreamPosition::Start);
        assert_eq!(
            start_position(77),
            kurrentdb::StreamPosition::Position(kurrentdb::Position {
                commit: 77,
                prepare: 77
            })
        );
    }

    #[test]
    fn server_records_in_our_streams_are_not_ours() {
        let prefixes = vec!["complaint-".to_owned()];
        assert!(is_our_event("complaint-1", "ComplaintFiled", &prefixes));
        assert!(!is_our_event("complaint-1", "$streamDeleted", &prefixes));
        assert!(!is_our_event("complaint-1", "$metadata", &prefixes));
        assert!(!is_our_event("access-1", "CaseAccessed", &prefixes));
    }

    #[test]
    fn only_our_streams_are_ours() {
        let prefixes = vec!["complaint-".to_owned(), "officer-".to_owned()];
        assert!(is_our_stream("complaint-1", &prefixes));
        assert!(is_our_stream("officer-abc", &prefixes));
        assert!(!is_our_stream("access-1", &prefixes));
        assert!(!is_our_stream("$stats-127.0.0.1:2113", &prefixes));
        assert!(!is_our_stream("$$complaint-1", &prefixes));
        assert!(!is_our_stream("complaint", &prefixes));
    }
}
