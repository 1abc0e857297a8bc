//! The server's in-memory transaction log and stream index: revisions,
//! byte-offset-like positions, expected-revision checks with the durable
//! idempotency check, soft deletion (truncate-before) and tombstones.
//!
//! Positions imitate the server's: every record advances the log by its size
//! in bytes plus a header, so positions are large, increasing and far apart;
//! an event's commit and prepare positions are equal (each append is an
//! implicit transaction of its own records).
//!
//! With a file (`Log::open`), every record is also written to it as one JSON
//! line once its operation is done, and a server started on the same file
//! reads them back: the same records at the same positions, deletions and
//! tombstones included. The file is flushed after each operation, not
//! fsynced: it survives the server, not the machine.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use prost::bytes::Bytes;
use uuid::Uuid;

/// Where the first record starts: a real log begins after its chunk header and
/// the server's own start-up records.
const FIRST_POSITION: u64 = 2_000;
/// Bytes every record takes besides its names and payloads.
const RECORD_OVERHEAD: u64 = 109;
/// The revision a tombstone takes (`long.MaxValue` in the server).
pub const TOMBSTONE_REVISION: u64 = i64::MAX as u64;

/// One event in the log.
#[derive(Clone, Debug)]
pub struct Record {
    pub stream: String,
    pub revision: u64,
    pub id: Uuid,
    pub event_type: String,
    pub content_type: String,
    /// 100-nanosecond ticks since the Unix epoch, as the server sends them.
    pub created: i64,
    pub custom_metadata: Bytes,
    pub data: Bytes,
    pub position: u64,
}

/// An event as a client proposes it.
#[derive(Clone, Debug)]
pub struct Proposed {
    pub id: Uuid,
    pub event_type: String,
    pub content_type: String,
    pub custom_metadata: Bytes,
    pub data: Bytes,
}

/// What a client expects of a stream before writing or deleting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Any,
    NoStream,
    StreamExists,
    Revision(u64),
}

/// The state of a stream as the client sees it in a wrong-version answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Current {
    NoStream,
    Revision(u64),
}

#[derive(Debug, PartialEq, Eq)]
pub enum WriteError {
    WrongExpectedVersion {
        current: Current,
        expected: Expected,
    },
    StreamDeleted,
}

/// A successful write: the stream's last revision and the last record's position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub revision: u64,
    pub position: u64,
}

#[derive(Default, Debug)]
struct StreamIndex {
    /// Indices into the log of the stream's records, in revision order.
    records: Vec<usize>,
    /// Revisions below this one are deleted (the `$tb` of a soft delete).
    truncate_before: u64,
    tombstoned: bool,
}

impl StreamIndex {
    fn last_revision(&self, log: &[Record]) -> Option<u64> {
        self.records.last().map(|&i| log[i].revision)
    }

    /// True when the stream has been soft-deleted and nothing was written since.
    fn is_deleted(&self, log: &[Record]) -> bool {
        self.last_revision(log)
            .is_none_or(|last| last < self.truncate_before)
    }
}

/// The whole log.
#[derive(Default, Debug)]
pub struct Log {
    records: Vec<Record>,
    streams: HashMap<String, StreamIndex>,
    end: u64,
    /// The file the records go to, and how many of them are in it already.
    journal: Option<(BufWriter<File>, usize)>,
}

impl Log {
    /// A log holding only what a fresh server writes at start: the default
    /// access settings, a `$`-typed system event in a `$` stream.
    pub fn new() -> Log {
        let mut log = Log {
            end: FIRST_POSITION,
            ..Log::default()
        };
        let settings = br#"{"$userStreamAcl":{"$r":"$all","$w":"$all","$d":"$all","$mr":"$all","$mw":"$all"},"$systemStreamAcl":{"$r":"$admins","$w":"$admins","$d":"$admins","$mr":"$admins","$mw":"$admins"}}"#;
        log.push("$settings", 0, system_event("update-default-acl", settings));
        log
    }

    /// The log kept in `path`: the records already there, read back, or a
    /// fresh log whose records start the file.
    pub fn open(path: &Path) -> std::io::Result<Log> {
        let lines: Vec<String> = match File::open(path) {
            Ok(file) => BufReader::new(file).lines().collect::<Result<_, _>>()?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(error),
        };
        let mut log = Log::new();
        if !lines.is_empty() {
            log = Log {
                end: FIRST_POSITION,
                ..Log::default()
            };
            for (number, line) in lines.iter().enumerate() {
                let record = journal::parse(line).map_err(|problem| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} line {}: {problem}", path.display(), number + 1),
                    )
                })?;
                log.restore(record);
            }
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        // A log read back is all in the file; a fresh one's records are not yet.
        let written = if lines.is_empty() {
            0
        } else {
            log.records.len()
        };
        log.journal = Some((BufWriter::new(file), written));
        log.flush()?;
        Ok(log)
    }

    /// Writes the records not yet in the file, if there is one.
    pub fn flush(&mut self) -> std::io::Result<()> {
        let Some((file, written)) = &mut self.journal else {
            return Ok(());
        };
        for record in &self.records[*written..] {
            writeln!(file, "{}", journal::line(record))?;
        }
        *written = self.records.len();
        file.flush()
    }

    /// Puts a record read from the file back in its place, with the effect
    /// its operation had (a `$tb` in a `$$` stream, a tombstone).
    fn restore(&mut self, record: Record) {
        let size = record_size(
            &record.stream,
            &record.event_type,
            &record.content_type,
            &record.custom_metadata,
            &record.data,
        );
        self.end = record.position + size.div_ceil(8) * 8;
        let stream = record.stream.clone();
        if record.event_type == "$streamDeleted" {
            self.streams.entry(stream.clone()).or_default().tombstoned = true;
        }
        if record.event_type == "$metadata" {
            if let Some(target) = stream.strip_prefix("$$") {
                let truncate_before = serde_json::from_slice::<serde_json::Value>(&record.data)
                    .ok()
                    .and_then(|meta| meta["$tb"].as_u64());
                if let Some(truncate_before) = truncate_before {
                    self.streams
                        .entry(target.to_owned())
                        .or_default()
                        .truncate_before = truncate_before;
                }
            }
        }
        self.records.push(record);
        let index = self.records.len() - 1;
        self.streams.entry(stream).or_default().records.push(index);
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The position just past the last record (where the next one will go).
    pub fn end_position(&self) -> u64 {
        self.end
    }

    fn push(&mut self, stream: &str, revision: u64, event: Proposed) -> usize {
        let size = record_size(
            stream,
            &event.event_type,
            &event.content_type,
            &event.custom_metadata,
            &event.data,
        );
        let record = Record {
            stream: stream.to_owned(),
            revision,
            id: event.id,
            event_type: event.event_type,
            content_type: event.content_type,
            created: now_ticks(),
            custom_metadata: event.custom_metadata,
            data: event.data,
            position: self.end,
        };
        // Records are aligned to 8 bytes, as the server's are not, so that
        // positions also differ from any plain running sum of sizes.
        self.end += size.div_ceil(8) * 8;
        self.records.push(record);
        let index = self.records.len() - 1;
        self.streams
            .entry(stream.to_owned())
            .or_default()
            .records
            .push(index);
        index
    }

    /// Appends `events` to `stream` if `expected` holds; repeats of an earlier
    /// append (the same ids right after the expected revision) succeed without
    /// writing, as the server's durable idempotency check does.
    pub fn append(
        &mut self,
        stream: &str,
        expected: Expected,
        events: Vec<Proposed>,
    ) -> Result<Written, WriteError> {
        let index = self.streams.get(stream);
        if index.is_some_and(|s| s.tombstoned) {
            return Err(WriteError::StreamDeleted);
        }
        let last = index.and_then(|s| s.last_revision(&self.records));
        let deleted = index.is_none_or(|s| s.is_deleted(&self.records));
        let holds = match expected {
            Expected::Any => true,
            Expected::NoStream => deleted,
            Expected::StreamExists => !deleted,
            Expected::Revision(revision) => last == Some(revision),
        };
        if !holds {
            if let Some(written) = self.repeated(stream, expected, &events) {
                return Ok(written);
            }
            return Err(WriteError::WrongExpectedVersion {
                current: self.current(stream),
                expected,
            });
        }
        if let Expected::Any = expected {
            if let Some(written) = self.repeated(stream, expected, &events) {
                return Ok(written);
            }
        }
        let first = last.map_or(0, |last| last + 1);
        let mut written = Written {
            revision: first,
            position: 0,
        };
        for (event, revision) in events.into_iter().zip(first..) {
            let i = self.push(stream, revision, event);
            written = Written {
                revision,
                position: self.records[i].position,
            };
        }
        Ok(written)
    }

    /// The earlier write that `events` repeat, if they are exactly the records
    /// after the expected revision (or, for `Any`, the stream's last records).
    fn repeated(&self, stream: &str, expected: Expected, events: &[Proposed]) -> Option<Written> {
        let index = self.streams.get(stream)?;
        let records: Vec<&Record> = index.records.iter().map(|&i| &self.records[i]).collect();
        let start = match expected {
            Expected::Revision(revision) => {
                records.iter().position(|r| r.revision == revision)? + 1
            }
            Expected::NoStream => 0,
            Expected::Any | Expected::StreamExists => {
                let first = records
                    .iter()
                    .position(|r| Some(&r.id) == events.first().map(|e| &e.id))?;
                first
            }
        };
        let slice = records.get(start..start + events.len())?;
        if events.is_empty() || !slice.iter().zip(events).all(|(r, e)| r.id == e.id) {
            return None;
        }
        let last = slice.last()?;
        Some(Written {
            revision: last.revision,
            position: last.position,
        })
    }

    fn current(&self, stream: &str) -> Current {
        match self.streams.get(stream) {
            Some(index) if !index.is_deleted(&self.records) => index
                .last_revision(&self.records)
                .map_or(Current::NoStream, Current::Revision),
            _ => Current::NoStream,
        }
    }

    fn check_for_delete(&self, stream: &str, expected: Expected) -> Result<(), WriteError> {
        let index = self.streams.get(stream);
        if index.is_some_and(|s| s.tombstoned) {
            return Err(WriteError::StreamDeleted);
        }
        let last = index.and_then(|s| s.last_revision(&self.records));
        let deleted = index.is_none_or(|s| s.is_deleted(&self.records));
        let holds = match expected {
            Expected::Any => true,
            Expected::NoStream => deleted,
            Expected::StreamExists => !deleted,
            Expected::Revision(revision) => last == Some(revision),
        };
        if holds {
            Ok(())
        } else {
            Err(WriteError::WrongExpectedVersion {
                current: self.current(stream),
                expected,
            })
        }
    }

    /// Soft delete: records `$tb` (truncate before) in the stream's metadata
    /// stream `$$<stream>`; the stream reads as not found, and a later append
    /// continues the old numbering. Returns the metadata event's position.
    pub fn soft_delete(&mut self, stream: &str, expected: Expected) -> Result<u64, WriteError> {
        self.check_for_delete(stream, expected)?;
        let truncate_before = self
            .streams
            .get(stream)
            .and_then(|s| s.last_revision(&self.records))
            .map_or(0, |last| last + 1);
        self.streams
            .entry(stream.to_owned())
            .or_default()
            .truncate_before = truncate_before;
        let meta_stream = format!("$${stream}");
        let revision = self
            .streams
            .get(&meta_stream)
            .and_then(|s| s.last_revision(&self.records))
            .map_or(0, |last| last + 1);
        let data = format!(r#"{{"$tb":{truncate_before}}}"#).into_bytes();
        let i = self.push(&meta_stream, revision, system_event("$metadata", &data));
        Ok(self.records[i].position)
    }

    /// Hard delete: writes the `$streamDeleted` tombstone into the stream; every
    /// later read, append or delete of it fails with stream-deleted.
    pub fn tombstone(&mut self, stream: &str, expected: Expected) -> Result<u64, WriteError> {
        self.check_for_delete(stream, expected)?;
        let i = self.push(
            stream,
            TOMBSTONE_REVISION,
            system_event("$streamDeleted", b""),
        );
        let index = self.streams.entry(stream.to_owned()).or_default();
        index.tombstoned = true;
        Ok(self.records[i].position)
    }

    /// The readable records of `stream` (after its truncate-before point),
    /// or why there are none.
    pub fn stream(&self, stream: &str) -> Result<Vec<&Record>, ReadError> {
        let Some(index) = self.streams.get(stream) else {
            return Err(ReadError::NotFound);
        };
        if index.tombstoned {
            return Err(ReadError::Deleted);
        }
        if index.is_deleted(&self.records) {
            return Err(ReadError::NotFound);
        }
        Ok(index
            .records
            .iter()
            .map(|&i| &self.records[i])
            .filter(|r| r.revision >= index.truncate_before)
            .collect())
    }

    /// The metadata the stream carries, as the JSON of its `$$` stream's last event.
    #[cfg(test)]
    pub fn stream_metadata(&self, stream: &str) -> Option<&Record> {
        let index = self.streams.get(&format!("$${stream}"))?;
        index.records.last().map(|&i| &self.records[i])
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    Deleted,
}

/// The bytes a record takes in the log, before alignment.
fn record_size(
    stream: &str,
    event_type: &str,
    content_type: &str,
    metadata: &[u8],
    data: &[u8],
) -> u64 {
    RECORD_OVERHEAD
        + stream.len() as u64
        + event_type.len() as u64
        + content_type.len() as u64
        + metadata.len() as u64
        + data.len() as u64
}

/// One record as one line of the file: JSON, the bytes in hex.
mod journal {
    use prost::bytes::Bytes;
    use serde_json::{json, Value};
    use uuid::Uuid;

    use super::Record;

    pub fn line(record: &Record) -> String {
        json!({
            "stream": record.stream,
            "revision": record.revision,
            "id": record.id.to_string(),
            "event_type": record.event_type,
            "content_type": record.content_type,
            "created": record.created,
            "metadata": hex(&record.custom_metadata),
            "data": hex(&record.data),
            "position": record.position,
        })
        .to_string()
    }

    pub fn parse(line: &str) -> Result<Record, String> {
        let value: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let text = |field: &str| {
            value[field]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{field}` is missing"))
        };
        let number = |field: &str| {
            value[field]
                .as_u64()
                .ok_or_else(|| format!("`{field}` is not a number"))
        };
        Ok(Record {
            stream: text("stream")?,
            revision: number("revision")?,
            id: Uuid::parse_str(&text("id")?).map_err(|e| e.to_string())?,
            event_type: text("event_type")?,
            content_type: text("content_type")?,
            created: value["created"]
                .as_i64()
                .ok_or("`created` is not a number")?,
            custom_metadata: unhex(&text("metadata")?)?,
            data: unhex(&text("data")?)?,
            position: number("position")?,
        })
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Result<Bytes, String> {
        if !text.len().is_multiple_of(2) {
            return Err("odd-length hex".to_owned());
        }
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
            .collect::<Result<Vec<u8>, _>>()
            .map(Bytes::from)
    }
}

fn system_event(event_type: &str, data: &[u8]) -> Proposed {
    Proposed {
        id: Uuid::new_v4(),
        event_type: event_type.to_owned(),
        content_type: "application/json".to_owned(),
        custom_metadata: Bytes::new(),
        data: Bytes::copy_from_slice(data),
    }
}

fn now_ticks() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_nanos() / 100).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_opened_again_on_its_file_has_the_same_records_and_deletions() {
        let dir = std::env::temp_dir().join(format!("kurrentdb-log-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log.jsonl");
        let mut log = Log::open(&path).unwrap();
        log.append("kept", Expected::NoStream, vec![event(), event()])
            .unwrap();
        log.append("deleted", Expected::NoStream, vec![event()])
            .unwrap();
        log.soft_delete("deleted", Expected::Any).unwrap();
        log.append("gone", Expected::NoStream, vec![event()])
            .unwrap();
        log.tombstone("gone", Expected::Any).unwrap();
        log.flush().unwrap();
        let before: Vec<(String, u64, Uuid, u64)> = log
            .records()
            .iter()
            .map(|r| (r.stream.clone(), r.revision, r.id, r.position))
            .collect();
        let end = log.end_position();
        drop(log);

        let mut again = Log::open(&path).unwrap();
        let after: Vec<(String, u64, Uuid, u64)> = again
            .records()
            .iter()
            .map(|r| (r.stream.clone(), r.revision, r.id, r.position))
            .collect();
        assert_eq!(after, before);
        assert_eq!(again.end_position(), end);
        assert_eq!(again.stream("kept").map(|r| r.len()), Ok(2));
        assert_eq!(again.stream("deleted").err(), Some(ReadError::NotFound));
        assert_eq!(again.stream("gone").err(), Some(ReadError::Deleted));
        // The soft-deleted stream continues its numbering, and new records
        // reach the file too.
        let written = again
            .append("deleted", Expected::NoStream, vec![event()])
            .unwrap();
        assert_eq!(written.revision, 1);
        again.flush().unwrap();
        drop(again);
        let third = Log::open(&path).unwrap();
        assert_eq!(third.records().len(), before.len() + 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn event() -> Proposed {
        Proposed {
            id: Uuid::new_v4(),
            event_type: "Filed".into(),
            content_type: "application/octet-stream".into(),
            custom_metadata: Bytes::new(),
            data: Bytes::from_static(b"payload"),
        }
    }

    #[test]
    fn positions_are_large_increasing_and_not_consecutive() {
        let mut log = Log::new();
        let a = log.append("s", Expected::NoStream, vec![event()]).unwrap();
        let b = log
            .append("s", Expected::Revision(0), vec![event()])
            .unwrap();
        assert!(a.position > 1_000);
        assert!(b.position > a.position + 1);
    }

    #[test]
    fn a_repeated_append_is_answered_with_the_original_result() {
        let mut log = Log::new();
        let events = vec![event(), event()];
        let first = log.append("s", Expected::NoStream, events.clone()).unwrap();
        let again = log.append("s", Expected::NoStream, events.clone()).unwrap();
        assert_eq!(first, again);
        assert_eq!(log.stream("s").unwrap().len(), 2);
        let partial = log.append("s", Expected::NoStream, vec![events[0].clone(), event()]);
        assert!(matches!(
            partial,
            Err(WriteError::WrongExpectedVersion {
                current: Current::Revision(1),
                ..
            })
        ));
    }

    #[test]
    fn a_soft_deleted_stream_reads_as_missing_and_continues_its_numbering() {
        let mut log = Log::new();
        log.append("s", Expected::NoStream, vec![event(), event()])
            .unwrap();
        log.soft_delete("s", Expected::Revision(1)).unwrap();
        assert_eq!(log.stream("s").unwrap_err(), ReadError::NotFound);
        let written = log.append("s", Expected::NoStream, vec![event()]).unwrap();
        assert_eq!(written.revision, 2);
        let visible = log.stream("s").unwrap();
        assert_eq!(visible.len(), 1);
        assert_eq!(visible[0].revision, 2);
        let meta = log.stream_metadata("s").unwrap();
        assert_eq!(&meta.data[..], br#"{"$tb":2}"#);
    }

    #[test]
    fn a_tombstoned_stream_refuses_everything() {
        let mut log = Log::new();
        log.append("s", Expected::NoStream, vec![event()]).unwrap();
        log.tombstone("s", Expected::Any).unwrap();
        assert_eq!(log.stream("s").unwrap_err(), ReadError::Deleted);
        assert_eq!(
            log.append("s", Expected::Any, vec![event()]),
            Err(WriteError::StreamDeleted)
        );
        assert_eq!(
            log.soft_delete("s", Expected::Any),
            Err(WriteError::StreamDeleted)
        );
    }
}
