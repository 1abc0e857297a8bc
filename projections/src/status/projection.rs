//! Folding complaint events into status rows.

use std::borrow::Cow;

use markaz_domain::values::ReferralKind;
use markaz_domain::{ComplaintEvent, ComplaintFiled, ComplaintStatus, EscalationLevel};
use rusqlite::Transaction;

use super::row::PendingRow;
use crate::event::ComplaintChange;
use crate::hashing::FastMap;
use crate::projection::{ApplyError, Projection};

/// The status tracking projection.
pub struct StatusProjection {
    pub public_views: PublicViews,
}

/// When the public tracking answers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicViews {
    /// With every batch: the live read models.
    EachBatch,
    /// Once, by `public::fill_public_views` after the last batch: a rebuild,
    /// which would otherwise insert into a table keyed by random codes and
    /// render a case again in every batch that touches it.
    AtTheEnd,
}

pub const NAME: &str = "status";

impl Projection for StatusProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, tx: &Transaction<'_>, changes: &[&ComplaintChange]) -> Result<(), ApplyError> {
        // Each touched row is read once and written once per batch, in key
        // order so that the file is laid out the same way by every rebuild.
        // Rows hold only what events change and borrow the events' texts:
        // copying every filing into owned strings cost more than writing it.
        let mut rows: FastMap<&str, Box<PendingRow<'_>>> =
            FastMap::with_capacity_and_hasher(changes.len(), Default::default());
        for change in changes {
            if let ComplaintEvent::Filed(filed) = &change.event {
                rows.insert(&change.key, Box::new(filed_row(change, filed)));
                continue;
            }
            if !rows.contains_key(change.key.as_str()) {
                let loaded = PendingRow::load(tx, &change.key)?.ok_or_else(|| {
                    ApplyError::UnknownComplaint {
                        projection: NAME,
                        complaint: change.key.clone(),
                        version: change.version,
                    }
                })?;
                rows.insert(&change.key, Box::new(loaded));
            }
            if let Some(row) = rows.get_mut(change.key.as_str()) {
                apply_change(row, change);
            }
        }
        let mut rows: Vec<(&str, Box<PendingRow<'_>>)> = rows.into_iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut json = Vec::with_capacity(1024);
        let public_views = self.public_views == PublicViews::EachBatch;
        for (key, row) in &rows {
            row.save(tx, key, public_views, &mut json)?;
        }
        Ok(())
    }
}

fn filed_row<'a>(change: &ComplaintChange, filed: &'a ComplaintFiled) -> PendingRow<'a> {
    let at = change.occurred_at.as_micros();
    let mut row = PendingRow {
        filed: Some(filed),
        tracking_code: Cow::Borrowed(filed.tracking_code.as_str()),
        category: Cow::Borrowed(filed.category.as_str()),
        acknowledge_by: filed.acknowledge_by.as_micros(),
        resolve_by: filed.resolve_by.as_micros(),
        filed_at: at,
        status: Cow::Borrowed(ComplaintStatus::Filed.as_str()),
        current_unit: Cow::Borrowed(filed.markaz.as_str()),
        gender_desk: filed.gender_desk,
        first_action_at: None,
        acknowledged_at: None,
        resolved_at: None,
        withdrawn_at: None,
        outcome: None,
        rating: None,
        reopen_count: 0,
        version: change.version,
        position: change.position,
        updated_at: at,
        history: Vec::with_capacity(6),
        escalation: None,
        escalated_at: None,
        deadlines_missed: 0,
    };
    row.push_history(ComplaintStatus::Filed.as_str(), at);
    row
}

fn apply_change<'a>(row: &mut PendingRow<'a>, change: &'a ComplaintChange) {
    let at = change.occurred_at.as_micros();
    let set_status = |row: &mut PendingRow<'a>, status: ComplaintStatus| {
        row.status = Cow::Borrowed(status.as_str());
        row.push_history(status.as_str(), at);
    };
    match &change.event {
        ComplaintEvent::Filed(_) => {}
        ComplaintEvent::Acknowledged(_) => {
            row.first_action_at.get_or_insert(at);
            row.acknowledged_at.get_or_insert(at);
            set_status(row, ComplaintStatus::Acknowledged);
        }
        ComplaintEvent::Referred(referred) => {
            row.first_action_at.get_or_insert(at);
            row.current_unit = Cow::Borrowed(referred.to.as_str());
            // As in the domain: sent to the gender desk, it stays a desk case.
            row.gender_desk |= referred.kind == ReferralKind::GenderDesk;
            set_status(row, ComplaintStatus::Referred);
        }
        ComplaintEvent::Resolved(resolved) => {
            row.first_action_at.get_or_insert(at);
            row.resolved_at = Some(at);
            row.outcome = Some(Cow::Borrowed(resolved.outcome.as_str()));
            set_status(row, ComplaintStatus::Resolved);
        }
        ComplaintEvent::Rated(rated) => {
            row.rating = Some(rated.stars.stars());
        }
        ComplaintEvent::Reopened(_) => {
            // As in the domain: back with the centre, acknowledged, not resolved.
            row.status = Cow::Borrowed(ComplaintStatus::Acknowledged.as_str());
            row.resolved_at = None;
            row.outcome = None;
            row.reopen_count += 1;
            row.push_history("reopened", at);
        }
        ComplaintEvent::Withdrawn(_) => {
            row.first_action_at.get_or_insert(at);
            row.withdrawn_at = Some(at);
            set_status(row, ComplaintStatus::Withdrawn);
        }
        // Steps of the escalation process: not actions, not in the public history.
        ComplaintEvent::DeadlineReminder(_) => {}
        ComplaintEvent::DeadlineMissed(_) => row.deadlines_missed += 1,
        ComplaintEvent::Escalated(escalated) => {
            let higher = row
                .escalation
                .as_deref()
                .and_then(|level| EscalationLevel::parse(level).ok())
                .is_none_or(|level| escalated.level >= level);
            if higher {
                row.escalation = Some(Cow::Borrowed(escalated.level.as_str()));
                row.escalated_at = Some(at);
            }
        }
    }
    row.version = change.version;
    row.position = change.position;
    row.updated_at = at;
}
