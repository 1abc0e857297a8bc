//! Folding complaint events into status rows.

use markaz_domain::{ComplaintEvent, ComplaintFiled, ComplaintStatus};
use rusqlite::Transaction;

use super::row::StatusRow;
use crate::event::ComplaintChange;
use crate::hashing::FastMap;
use crate::projection::{ApplyError, Projection};

/// The status tracking projection.
pub struct StatusProjection;

pub const NAME: &str = "status";

impl Projection for StatusProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, tx: &Transaction<'_>, changes: &[&ComplaintChange]) -> Result<(), ApplyError> {
        // Each touched row is read once and written once per batch, in key
        // order so that the file is laid out the same way by every rebuild.
        // `true` marks rows read from the file: only their changing columns are written.
        let mut rows: FastMap<&str, (bool, Box<StatusRow>)> =
            FastMap::with_capacity_and_hasher(changes.len(), Default::default());
        for change in changes {
            if let ComplaintEvent::Filed(filed) = &change.event {
                rows.insert(&change.key, (false, Box::new(filed_row(change, filed))));
                continue;
            }
            if !rows.contains_key(change.key.as_str()) {
                let loaded = StatusRow::load(tx, &change.key)?.ok_or_else(|| {
                    ApplyError::UnknownComplaint {
                        projection: NAME,
                        complaint: change.key.clone(),
                        version: change.version,
                    }
                })?;
                rows.insert(&change.key, (true, Box::new(loaded)));
            }
            if let Some((_, row)) = rows.get_mut(change.key.as_str()) {
                apply_change(row, change);
            }
        }
        let mut rows: Vec<(&str, (bool, Box<StatusRow>))> = rows.into_iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (_, (stored, row)) in &rows {
            if *stored {
                row.save_changes(tx)?;
            } else {
                row.save(tx)?;
            }
        }
        Ok(())
    }
}

fn filed_row(change: &ComplaintChange, filed: &ComplaintFiled) -> StatusRow {
    let at = change.occurred_at.as_micros();
    let complainant = &filed.complainant;
    let mut row = StatusRow {
        complaint_id: change.key.clone(),
        tracking_code: filed.tracking_code.as_str().to_owned(),
        markaz: filed.markaz.as_str().to_owned(),
        category: filed.category.as_str().to_owned(),
        gender_desk: filed.gender_desk,
        status: ComplaintStatus::Filed.as_str().to_owned(),
        current_unit: filed.markaz.as_str().to_owned(),
        complainant_name: complainant.name.as_str().to_owned(),
        complainant_gender: complainant.gender.as_str().to_owned(),
        complainant_phone: complainant.phone.as_str().to_owned(),
        complainant_cnic: complainant.cnic.as_ref().map(|c| c.as_str().to_owned()),
        complainant_address: complainant.address.as_ref().map(|a| a.as_str().to_owned()),
        description: filed.description.as_str().to_owned(),
        location: filed.location.as_ref().map(|l| l.as_str().to_owned()),
        channel: filed.channel.as_str().to_owned(),
        filed_at: at,
        first_action_at: None,
        acknowledged_at: None,
        resolved_at: None,
        withdrawn_at: None,
        acknowledge_by: filed.acknowledge_by.as_micros(),
        resolve_by: filed.resolve_by.as_micros(),
        outcome: None,
        rating: None,
        reopen_count: 0,
        version: change.version,
        position: change.position,
        updated_at: at,
        history: Vec::new(),
    };
    row.push_history(ComplaintStatus::Filed.as_str(), at);
    row
}

fn apply_change(row: &mut StatusRow, change: &ComplaintChange) {
    let at = change.occurred_at.as_micros();
    let set_status = |row: &mut StatusRow, status: ComplaintStatus| {
        row.status = status.as_str().to_owned();
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
            row.current_unit = referred.to.as_str().to_owned();
            set_status(row, ComplaintStatus::Referred);
        }
        ComplaintEvent::Resolved(resolved) => {
            row.first_action_at.get_or_insert(at);
            row.resolved_at = Some(at);
            row.outcome = Some(resolved.outcome.as_str().to_owned());
            set_status(row, ComplaintStatus::Resolved);
        }
        ComplaintEvent::Rated(rated) => {
            row.rating = Some(rated.stars.stars());
        }
        ComplaintEvent::Reopened(_) => {
            // As in the domain: back with the centre, acknowledged, not resolved.
            row.status = ComplaintStatus::Acknowledged.as_str().to_owned();
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
    }
    row.version = change.version;
    row.position = change.position;
    row.updated_at = at;
}
