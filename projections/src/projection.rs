//! The projections behind one interface, and the one transaction that
//! applies a batch of events to them together with their checkpoints.
//!
//! Each projection has its own checkpoint row, so a projection added later (or
//! reset on its own) replays from its own position while the others skip what
//! they have already seen. The events are still read and decoded once per
//! batch for all of them.

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::access::AccessProjection;
use crate::event::{AccessChange, ComplaintChange, ProjectedEvent, ServiceChange};
use crate::gender_desk::GenderDeskProjection;
use crate::performance::{Calendar, PerformanceProjection};
use crate::services::ServiceProjection;
use crate::status::{PublicViews, StatusProjection};

/// A read model fed by complaint events.
pub trait Projection: Send {
    /// The name of its checkpoint row.
    fn name(&self) -> &'static str;

    /// Applies `changes` (in log order) inside `tx`. Any state kept across
    /// events lives in `tx` only, so a rolled-back batch leaves nothing behind.
    fn apply(&self, tx: &Transaction<'_>, changes: &[&ComplaintChange]) -> Result<(), ApplyError>;

    /// Applies the service-request events of the batch (in log order), for
    /// the projections that read them.
    fn apply_services(
        &self,
        _tx: &Transaction<'_>,
        _changes: &[&ServiceChange],
    ) -> Result<(), ApplyError> {
        Ok(())
    }

    /// Applies the access events of the batch (in log order), for the
    /// projections that read them.
    fn apply_accesses(
        &self,
        _tx: &Transaction<'_>,
        _changes: &[&AccessChange],
    ) -> Result<(), ApplyError> {
        Ok(())
    }
}

/// Why a batch could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "projection {projection}: event at version {version} of complaint {complaint} arrived \
         before the complaint was filed; the read models are out of step with the log, \
         rebuild them with `markaz projections rebuild`"
    )]
    UnknownComplaint {
        projection: &'static str,
        complaint: String,
        version: u64,
    },
    #[error("projection {projection}: stored read-model row is unreadable: {detail}; rebuild the read models")]
    BadRow {
        projection: &'static str,
        detail: String,
    },
    #[error("writing the read models failed: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// All projections, each with the checkpoint it has committed.
pub struct ProjectionSet {
    projections: Vec<Box<dyn Projection>>,
    checkpoints: Vec<u64>,
}

impl ProjectionSet {
    /// Status tracking, gender desk, performance, services and case accesses, at their stored
    /// checkpoints; `public_views` says when the status projection writes the
    /// public tracking answers.
    pub fn load(conn: &Connection, public_views: PublicViews) -> Result<Self, rusqlite::Error> {
        let projections: Vec<Box<dyn Projection>> = vec![
            Box::new(StatusProjection { public_views }),
            Box::new(GenderDeskProjection),
            Box::new(PerformanceProjection::new(Calendar::read(conn)?)),
            Box::new(ServiceProjection),
            // Last: it reads the service requests the batch made.
            Box::new(AccessProjection),
        ];
        let checkpoints = projections
            .iter()
            .map(|projection| read_checkpoint(conn, projection.name()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProjectionSet {
            projections,
            checkpoints,
        })
    }

    /// Keeps only the projections `keep` names (a rebuild splits the set
    /// between two connections).
    pub fn retain(&mut self, keep: impl Fn(&'static str) -> bool) {
        let (projections, checkpoints) = std::mem::take(&mut self.projections)
            .into_iter()
            .zip(std::mem::take(&mut self.checkpoints))
            .filter(|(projection, _)| keep(projection.name()))
            .unzip();
        self.projections = projections;
        self.checkpoints = checkpoints;
    }

    /// The lowest checkpoint: where the feed must be followed from.
    pub fn position(&self) -> u64 {
        self.checkpoints.iter().copied().min().unwrap_or(0)
    }

    /// Each projection's name and checkpoint.
    pub fn checkpoints(&self) -> Vec<(&'static str, u64)> {
        self.projections
            .iter()
            .map(|p| p.name())
            .zip(self.checkpoints.iter().copied())
            .collect()
    }

    /// Applies `events` (consecutive, in log order) to every projection that
    /// has not seen them and moves every checkpoint to the last event, all in
    /// one transaction. The in-memory checkpoints change only after commit.
    ///
    /// Which events a projection has seen is decided by the checkpoints in the
    /// file, read again under the write lock, not by the ones this set loaded:
    /// another writer may have committed since (a runner stopped while its
    /// batch was still being applied, a second process on the same file), and
    /// applying its events again would count them twice.
    pub fn apply_batch(
        &mut self,
        conn: &mut Connection,
        events: &[ProjectedEvent],
    ) -> Result<(), ApplyError> {
        let Some(last) = events.last().map(|event| event.position) else {
            return Ok(());
        };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let committed = self
            .projections
            .iter()
            .map(|projection| read_checkpoint(&tx, projection.name()))
            .collect::<Result<Vec<_>, _>>()?;
        for (projection, checkpoint) in self.projections.iter().zip(&committed) {
            if last <= *checkpoint {
                continue;
            }
            let changes: Vec<&ComplaintChange> = events
                .iter()
                .filter(|event| event.position > *checkpoint)
                .filter_map(|event| event.change.as_ref())
                .collect();
            projection.apply(&tx, &changes)?;
            let services: Vec<&ServiceChange> = events
                .iter()
                .filter(|event| event.position > *checkpoint)
                .filter_map(|event| event.service.as_ref())
                .collect();
            projection.apply_services(&tx, &services)?;
            let accesses: Vec<&AccessChange> = events
                .iter()
                .filter(|event| event.position > *checkpoint)
                .filter_map(|event| event.access.as_ref())
                .collect();
            projection.apply_accesses(&tx, &accesses)?;
            write_checkpoint(&tx, projection.name(), last)?;
        }
        tx.commit()?;
        self.checkpoints = committed
            .into_iter()
            .map(|checkpoint| checkpoint.max(last))
            .collect();
        Ok(())
    }
}

fn read_checkpoint(conn: &Connection, projection: &str) -> Result<u64, rusqlite::Error> {
    let position: Option<i64> = conn
        .prepare_cached("SELECT position FROM projection_checkpoints WHERE projection = ?1")?
        .query_row([projection], |row| row.get(0))
        .optional()?;
    Ok(position.map_or(0, |p| p.max(0) as u64))
}

fn write_checkpoint(
    tx: &Transaction<'_>,
    projection: &str,
    position: u64,
) -> Result<(), rusqlite::Error> {
    tx.execute(
        "INSERT INTO projection_checkpoints (projection, position) VALUES (?1, ?2)
         ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
        params![projection, position as i64],
    )?;
    Ok(())
}
