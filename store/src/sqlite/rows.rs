//! How an event maps to and from a row of the `events` table.

use markaz_domain::metadata::{Actor, EventMetadata};
use markaz_domain::time::Timestamp;
use rusqlite::Row;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::{RecordedEvent, StoreError};

/// The columns every event query selects, in the order `recorded_from_row` reads them.
pub const EVENT_COLUMNS: &str =
    "position, stream, version, event_id, event_type, schema_version, occurred_at, payload, metadata, hash";

/// The metadata fields without a column of their own, stored as JSON so that
/// the file stays readable with the `sqlite3` shell. The hash covers the
/// decoded values, not this text.
#[derive(Serialize, Deserialize)]
struct MetadataColumn {
    actor: Actor,
    correlation_id: Uuid,
    causation_id: Uuid,
}

/// The `metadata` column of an event.
pub fn metadata_column(metadata: &EventMetadata) -> Result<String, StoreError> {
    serde_json::to_string(&MetadataColumn {
        actor: metadata.actor.clone(),
        correlation_id: metadata.correlation_id,
        causation_id: metadata.causation_id,
    })
    .map_err(|e| StoreError::InvalidRequest(format!("event metadata cannot be stored: {e}")))
}

/// A raw row as read, before its columns are checked.
pub struct EventRow {
    position: i64,
    stream: String,
    version: i64,
    event_id: Vec<u8>,
    event_type: String,
    schema_version: i64,
    occurred_at: i64,
    payload: Vec<u8>,
    metadata: String,
    hash: Vec<u8>,
}

impl EventRow {
    /// Reads the columns of `EVENT_COLUMNS`.
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(EventRow {
            position: row.get(0)?,
            stream: row.get(1)?,
            version: row.get(2)?,
            event_id: row.get(3)?,
            event_type: row.get(4)?,
            schema_version: row.get(5)?,
            occurred_at: row.get(6)?,
            payload: row.get(7)?,
            metadata: row.get(8)?,
            hash: row.get(9)?,
        })
    }

    /// Checks the columns and builds the event.
    pub fn into_recorded(self) -> Result<RecordedEvent, StoreError> {
        let corrupt = |what: &str| {
            StoreError::Corrupt(format!("event at position {} has {what}", self.position))
        };
        let event_id = Uuid::from_slice(&self.event_id).map_err(|_| corrupt("a malformed id"))?;
        let hash: [u8; 32] = self
            .hash
            .as_slice()
            .try_into()
            .map_err(|_| corrupt("a malformed hash"))?;
        let column: MetadataColumn =
            serde_json::from_str(&self.metadata).map_err(|_| corrupt("malformed metadata"))?;
        Ok(RecordedEvent {
            position: u64::try_from(self.position).map_err(|_| corrupt("a negative position"))?,
            version: u64::try_from(self.version).map_err(|_| corrupt("a negative version"))?,
            schema_version: u16::try_from(self.schema_version)
                .map_err(|_| corrupt("an out-of-range schema version"))?,
            stream: self.stream,
            event_type: self.event_type,
            payload: self.payload,
            metadata: EventMetadata {
                event_id,
                occurred_at: Timestamp::from_micros(self.occurred_at),
                actor: column.actor,
                correlation_id: column.correlation_id,
                causation_id: column.causation_id,
            },
            hash,
        })
    }
}
