//! The writing side shared by the runner and the rebuild: one connection and
//! the projections with their checkpoints.

use markaz_store::RecordedEvent;
use rusqlite::Connection;

use crate::event::{project, DecodeError, ProjectedEvent};
use crate::projection::{ApplyError, ProjectionSet};
use crate::status::PublicViews;

/// Why a batch stopped part-way or failed.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Decode(Box<DecodeError>),
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

impl From<DecodeError> for BatchError {
    fn from(error: DecodeError) -> Self {
        BatchError::Decode(Box::new(error))
    }
}

/// A writing connection and the projections it feeds.
pub struct ProjectionWriter {
    pub conn: Connection,
    pub set: ProjectionSet,
}

impl ProjectionWriter {
    pub fn new(conn: Connection, public_views: PublicViews) -> Result<Self, rusqlite::Error> {
        let set = ProjectionSet::load(&conn, public_views)?;
        Ok(ProjectionWriter { conn, set })
    }

    /// Decodes and applies `events` in one transaction. If an event cannot be
    /// decoded, the events before it are applied and committed, and the decode
    /// error is returned: the projections stop exactly in front of it.
    pub fn apply_recorded(&mut self, events: Vec<RecordedEvent>) -> Result<(), BatchError> {
        let first = events.first().map_or(0, |e| e.position);
        let last = events.last().map_or(0, |e| e.position);
        let span = tracing::info_span!("projection_batch", first, last, events = events.len());
        let _entered = span.enter();
        let mut decoded = Vec::with_capacity(events.len());
        let mut failure = None;
        for event in events {
            match project(event) {
                Ok(event) => decoded.push(event),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        self.set.apply_batch(&mut self.conn, &decoded)?;
        match failure {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }

    /// Applies already decoded events in one transaction.
    pub fn apply_decoded(&mut self, events: &[ProjectedEvent]) -> Result<(), ApplyError> {
        let first = events.first().map_or(0, |e| e.position);
        let last = events.last().map_or(0, |e| e.position);
        let span = tracing::info_span!("projection_batch", first, last, events = events.len());
        let _entered = span.enter();
        self.set.apply_batch(&mut self.conn, events)
    }
}
