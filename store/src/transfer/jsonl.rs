//! The JSON Lines export: one event per line, in global order.
//!
//! Each line holds everything needed to put the event back exactly (stream,
//! version, event id, type, schema version, time, actor, correlation and
//! causation ids, the postcard payload in hex and the chain hash) and, for
//! people, the JSON view of its payload under `data`. The payload bytes are
//! authoritative; `data` is a view that an import ignores.
//!
//! Keys are written in a fixed order (the declaration order of `Line`, and
//! sorted keys inside `data`), so two exports of the same log are
//! byte-identical. Times appear twice: `occurred_at` in RFC 3339 (UTC,
//! microseconds) for people and `occurred_at_micros`, which an import reads
//! and checks against the text.

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};
use uuid::Uuid;

use super::PAGE;
use crate::contract::{EventStore, RecordedEvent, StoreError};
use crate::log_pages::LogPages;

/// The longest line an import accepts; real events are a few kilobytes.
pub const MAX_LINE_BYTES: u64 = 4 * 1024 * 1024;

/// One line of the export. Field order here is the key order in the file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    position: u64,
    stream: String,
    version: u64,
    event_id: Uuid,
    event_type: String,
    schema_version: u16,
    occurred_at: String,
    occurred_at_micros: i64,
    actor: Actor,
    correlation_id: Uuid,
    causation_id: Uuid,
    hash: String,
    payload_hex: String,
    data: Value,
    /// Present only when the payload could not be decoded by this build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_error: Option<String>,
}

/// Why a line of an export could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    #[error("cannot read the export: {0}")]
    Read(#[from] std::io::Error),
    #[error("line {line} is longer than {MAX_LINE_BYTES} bytes; this is not a Markaz export")]
    LineTooLong { line: u64 },
    #[error("line {line} is not a valid export line: {reason}")]
    Malformed { line: u64, reason: String },
}

/// The export line of `event`, ending with a newline.
pub fn to_line(event: &RecordedEvent) -> Vec<u8> {
    let (data, data_error) =
        match markaz_domain::decode(&event.event_type, event.schema_version, &event.payload) {
            Ok(decoded) => (sorted_keys(markaz_domain::to_json(&decoded)), None),
            Err(error) => (Value::Null, Some(error.to_string())),
        };
    let line = Line {
        position: event.position,
        stream: event.stream.clone(),
        version: event.version,
        event_id: event.metadata.event_id,
        event_type: event.event_type.clone(),
        schema_version: event.schema_version,
        occurred_at: event.metadata.occurred_at.to_rfc3339(),
        occurred_at_micros: event.metadata.occurred_at.as_micros(),
        actor: event.metadata.actor.clone(),
        correlation_id: event.metadata.correlation_id,
        causation_id: event.metadata.causation_id,
        hash: hex::encode(event.hash),
        payload_hex: hex::encode(&event.payload),
        data,
        data_error,
    };
    // Strings, integers and JSON values with string keys always serialize.
    let mut bytes = serde_json::to_vec(&line)
        .unwrap_or_else(|error| unreachable!("export line serialization: {error}"));
    bytes.push(b'\n');
    bytes
}

/// The event a line describes. `line` is its 1-based number, for messages.
pub fn from_line(text: &[u8], line: u64) -> Result<RecordedEvent, JsonlError> {
    let malformed = |reason: String| JsonlError::Malformed { line, reason };
    let parsed: Line =
        serde_json::from_slice(text).map_err(|error| malformed(error.to_string()))?;
    let occurred_at = Timestamp::from_micros(parsed.occurred_at_micros);
    if occurred_at.to_rfc3339() != parsed.occurred_at {
        return Err(malformed(format!(
            "occurred_at {} does not match occurred_at_micros {}",
            parsed.occurred_at, parsed.occurred_at_micros
        )));
    }
    let hash = hex::decode(&parsed.hash)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| malformed("hash is not 64 hex digits".into()))?;
    let payload = hex::decode(&parsed.payload_hex)
        .map_err(|error| malformed(format!("payload_hex is not hex: {error}")))?;
    if parsed.version == 0 {
        return Err(malformed("version must be 1 or more".into()));
    }
    Ok(RecordedEvent {
        stream: parsed.stream,
        version: parsed.version,
        position: parsed.position,
        event_type: parsed.event_type,
        schema_version: parsed.schema_version,
        payload,
        metadata: EventMetadata {
            event_id: parsed.event_id,
            occurred_at,
            actor: parsed.actor,
            correlation_id: parsed.correlation_id,
            causation_id: parsed.causation_id,
        },
        hash,
    })
}

/// `value` with the keys of every object in sorted order, whatever map type
/// serde_json was built with.
fn sorted_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut sorted = Map::new();
            for (key, value) in entries {
                sorted.insert(key, sorted_keys(value));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// Where an export stands between two pages.
enum Cursor {
    Start { after: u64 },
    Reading { after: u64, head: u64 },
    Done,
}

/// Every event with position > `after`, up to the head the log had when the
/// export started, a page at a time. Events appended meanwhile are left for
/// the next export, so an export is a consistent snapshot and always ends.
pub fn export_pages(
    store: Arc<dyn EventStore>,
    after: u64,
) -> BoxStream<'static, Result<Vec<RecordedEvent>, StoreError>> {
    stream::try_unfold(Cursor::Start { after }, move |cursor| {
        let store = Arc::clone(&store);
        async move {
            let (after, head) = match cursor {
                Cursor::Done => return Ok(None),
                Cursor::Start { after } => (after, store.head_position().await?),
                Cursor::Reading { after, head } => (after, head),
            };
            // The stream owns its store, so each step takes the next page of
            // a `LogPages` started where the last one ended.
            let mut pages = LogPages::after(store.as_ref(), after)
                .page_size(PAGE)
                .up_to(head);
            let Some(page) = pages.next_page().await? else {
                return Ok(None);
            };
            let next = if pages.position() >= head {
                Cursor::Done
            } else {
                Cursor::Reading {
                    after: pages.position(),
                    head,
                }
            };
            Ok(Some((page, next)))
        }
    })
    .boxed()
}

/// The export lines of `events`, one after the other.
pub fn to_lines(events: &[RecordedEvent]) -> Vec<u8> {
    events.iter().flat_map(to_line).collect()
}

/// `export_pages` as export lines, a chunk per page.
pub fn export(
    store: Arc<dyn EventStore>,
    after: u64,
) -> BoxStream<'static, Result<Vec<u8>, StoreError>> {
    export_pages(store, after)
        .map(|page| page.map(|events| to_lines(&events)))
        .boxed()
}

/// Reads events back from an export, one line at a time, with bounded memory.
pub struct LineReader<R> {
    reader: R,
    line: u64,
    buffer: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(reader: R) -> Self {
        LineReader {
            reader,
            line: 0,
            buffer: Vec::new(),
        }
    }

    /// The next event and its line number, or `None` at the end. Blank lines
    /// (such as a final newline) are skipped.
    pub async fn next_event(&mut self) -> Result<Option<(u64, RecordedEvent)>, JsonlError> {
        loop {
            self.buffer.clear();
            self.line += 1;
            let read = (&mut self.reader)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut self.buffer)
                .await?;
            if read == 0 {
                return Ok(None);
            }
            if self.buffer.len() as u64 > MAX_LINE_BYTES {
                return Err(JsonlError::LineTooLong { line: self.line });
            }
            let text = self.buffer.trim_ascii_end();
            if text.is_empty() {
                continue;
            }
            return from_line(text, self.line).map(|event| Some((self.line, event)));
        }
    }
}

#[cfg(test)]
mod tests {
    use markaz_domain::metadata::{OfficerId, Role};

    use super::*;

    fn event(payload: Vec<u8>) -> RecordedEvent {
        RecordedEvent {
            stream: "complaint-1".into(),
            version: 3,
            position: 17,
            event_type: "ComplaintAcknowledged".into(),
            schema_version: 1,
            payload,
            metadata: EventMetadata {
                event_id: Uuid::from_u128(5),
                occurred_at: Timestamp::from_micros(1_767_225_600_123_456),
                actor: Actor::Officer {
                    id: OfficerId(Uuid::from_u128(7)),
                    role: Role::GenderDesk,
                },
                correlation_id: Uuid::from_u128(8),
                causation_id: Uuid::from_u128(9),
            },
            hash: [0xab; 32],
        }
    }

    #[test]
    fn a_line_round_trips_every_field() {
        let original = event(vec![0, 1, 2, 255]);
        let line = to_line(&original);
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(from_line(&line, 1).unwrap(), original);
    }

    #[test]
    fn keys_come_in_a_fixed_order_with_readable_times() {
        // `ComplaintAcknowledged` v1 with no note is the single byte 0.
        let line = String::from_utf8(to_line(&event(vec![0]))).unwrap();
        let expected = concat!(
            r#"{"position":17,"stream":"complaint-1","version":3,"#,
            r#""event_id":"00000000-0000-0000-0000-000000000005","#,
            r#""event_type":"ComplaintAcknowledged","schema_version":1,"#,
            r#""occurred_at":"2026-01-01T00:00:00.123456Z","occurred_at_micros":1767225600123456,"#,
            r#""actor":{"kind":"officer","id":"00000000-0000-0000-0000-000000000007","role":"gender_desk"},"#,
            r#""correlation_id":"00000000-0000-0000-0000-000000000008","#,
            r#""causation_id":"00000000-0000-0000-0000-000000000009","#,
            r#""hash":"abababababababababababababababababababababababababababababababab","#,
            r#""payload_hex":"00","data":{"note":null}}"#,
            "\n"
        );
        assert_eq!(line, expected);
    }

    #[test]
    fn an_undecodable_payload_is_exported_with_the_reason() {
        let line = String::from_utf8(to_line(&event(vec![9, 9, 9]))).unwrap();
        assert!(line.contains(r#""data":null,"data_error":""#), "{line}");
        assert_eq!(
            from_line(line.as_bytes(), 1).unwrap().payload,
            vec![9, 9, 9]
        );
    }

    #[test]
    fn nested_keys_are_sorted() {
        let value = serde_json::json!({"b": {"z": 1, "a": [{"y": 1, "x": 2}]}, "a": 0});
        assert_eq!(
            serde_json::to_string(&sorted_keys(value)).unwrap(),
            r#"{"a":0,"b":{"a":[{"x":2,"y":1}],"z":1}}"#
        );
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let good = String::from_utf8(to_line(&event(vec![0]))).unwrap();
        let cases = [
            ("not json", "expected"),
            (
                &good.replace("\"version\":3", "\"version\":0") as &str,
                "version",
            ),
            (
                &good.replace("00.123456Z", "01.123456Z"),
                "does not match occurred_at_micros",
            ),
            (&good.replace("\"hash\":\"ab", "\"hash\":\"zz"), "hash"),
            (
                &good.replace("\"payload_hex\":\"00\"", "\"payload_hex\":\"0\""),
                "payload_hex",
            ),
            (
                &good.replace("{\"position\"", "{\"extra\":1,\"position\""),
                "unknown field",
            ),
        ];
        for (text, needle) in cases {
            match from_line(text.trim_end().as_bytes(), 42) {
                Err(JsonlError::Malformed { line: 42, reason }) => {
                    assert!(reason.contains(needle), "{needle}: {reason}")
                }
                other => panic!("{needle}: expected a malformed line, got {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn the_reader_skips_blank_lines_and_counts_lines() {
        let first = event(vec![0]);
        let mut second = event(vec![1, 2]);
        second.version = 4;
        let mut file = to_line(&first);
        file.extend_from_slice(b"\r\n");
        file.extend_from_slice(&to_line(&second));
        let mut reader = LineReader::new(file.as_slice());
        assert_eq!(reader.next_event().await.unwrap(), Some((1, first)));
        assert_eq!(reader.next_event().await.unwrap(), Some((3, second)));
        assert_eq!(reader.next_event().await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_endless_line_is_refused() {
        let file = vec![b'x'; MAX_LINE_BYTES as usize + 10];
        let mut reader = LineReader::new(file.as_slice());
        assert!(matches!(
            reader.next_event().await,
            Err(JsonlError::LineTooLong { line: 1 })
        ));
    }
}
