//! Folding complaint events into the gender-desk tables.
//!
//! Only gender-desk cases are kept; events of other cases are skipped (the
//! status projection is the one that notices unknown complaints). As in the
//! domain, a case belongs to the desk when it is filed for it or, from then
//! on, once it is referred to the gender desk. Such a case joins the queue
//! with the fixed facts of its filing, read from the status projection's row
//! in the same transaction (the status projection applies each batch first).

use std::borrow::Cow;
use std::collections::BTreeMap;

use markaz_domain::values::ReferralKind;
use markaz_domain::{ComplaintEvent, ComplaintStatus, EscalationLevel};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::event::ComplaintChange;
use crate::hashing::FastMap;
use crate::projection::{ApplyError, Projection};

pub const NAME: &str = "gender_desk";

/// The gender desk projection.
pub struct GenderDeskProjection;

/// A desk case; texts of cases filed in the batch are borrowed from the events.
#[derive(Clone, Debug)]
struct CaseRow<'a> {
    complaint_id: Cow<'a, str>,
    markaz: Cow<'a, str>,
    tracking_code: Cow<'a, str>,
    category: Cow<'a, str>,
    status: ComplaintStatus,
    current_unit: Cow<'a, str>,
    filed_at: i64,
    first_action_at: Option<i64>,
    acknowledge_by: i64,
    resolve_by: i64,
    updated_at: i64,
    escalation: Option<Cow<'a, str>>,
}

impl Projection for GenderDeskProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, tx: &Transaction<'_>, changes: &[&ComplaintChange]) -> Result<(), ApplyError> {
        let mut cases: FastMap<&str, Box<CaseRow<'_>>> = FastMap::default();
        let mut not_ours: FastMap<&str, ()> = FastMap::default();
        // Markaz names are borrowed too; only those of cases read back are copied.
        let mut counts: BTreeMap<(Cow<'_, str>, &'static str), i64> = BTreeMap::new();
        for change in changes {
            let key = change.key.as_str();
            if let ComplaintEvent::Filed(filed) = &change.event {
                if !filed.gender_desk {
                    not_ours.insert(key, ());
                    continue;
                }
                let at = change.occurred_at.as_micros();
                let case = CaseRow {
                    complaint_id: Cow::Borrowed(key),
                    markaz: Cow::Borrowed(filed.markaz.as_str()),
                    tracking_code: Cow::Borrowed(filed.tracking_code.as_str()),
                    category: Cow::Borrowed(filed.category.as_str()),
                    status: ComplaintStatus::Filed,
                    current_unit: Cow::Borrowed(filed.markaz.as_str()),
                    filed_at: at,
                    first_action_at: None,
                    acknowledge_by: filed.acknowledge_by.as_micros(),
                    resolve_by: filed.resolve_by.as_micros(),
                    updated_at: at,
                    escalation: None,
                };
                *counts
                    .entry((case.markaz.clone(), case.status.as_str()))
                    .or_default() += 1;
                cases.insert(key, Box::new(case));
                continue;
            }
            let joins_the_desk = matches!(
                &change.event,
                ComplaintEvent::Referred(referred) if referred.kind == ReferralKind::GenderDesk
            );
            if not_ours.contains_key(key) && !joins_the_desk {
                continue;
            }
            if !cases.contains_key(key) {
                match load(tx, key)? {
                    Some(case) => {
                        cases.insert(key, Box::new(case));
                    }
                    None if joins_the_desk => {
                        let case = joining_case(tx, key)?;
                        *counts
                            .entry((case.markaz.clone(), case.status.as_str()))
                            .or_default() += 1;
                        not_ours.remove(key);
                        cases.insert(key, Box::new(case));
                    }
                    None => {
                        not_ours.insert(key, ());
                        continue;
                    }
                }
            }
            let Some(case) = cases.get_mut(key) else {
                continue;
            };
            let before = case.status;
            apply_change(case, change);
            if case.status != before {
                *counts
                    .entry((case.markaz.clone(), before.as_str()))
                    .or_default() -= 1;
                *counts
                    .entry((case.markaz.clone(), case.status.as_str()))
                    .or_default() += 1;
            }
        }
        let mut cases: Vec<(&str, Box<CaseRow<'_>>)> = cases.into_iter().collect();
        cases.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (_, case) in &cases {
            save(tx, case)?;
        }
        let mut statement = tx.prepare_cached(
            "INSERT INTO gender_desk_counts (markaz, status, cases) VALUES (?1, ?2, ?3)
             ON CONFLICT (markaz, status) DO UPDATE SET cases = cases + excluded.cases",
        )?;
        for ((markaz, status), delta) in counts.iter().filter(|(_, delta)| **delta != 0) {
            statement.execute(rusqlite::params![markaz, status, delta])?;
        }
        // Zero rows are dropped so the table is the same however events were batched.
        tx.prepare_cached("DELETE FROM gender_desk_counts WHERE cases = 0")?
            .execute([])?;
        Ok(())
    }
}

fn apply_change<'a>(case: &mut CaseRow<'a>, change: &'a ComplaintChange) {
    let at = change.occurred_at.as_micros();
    match &change.event {
        ComplaintEvent::Filed(_) | ComplaintEvent::Rated(_) => {}
        ComplaintEvent::Acknowledged(_) => {
            case.first_action_at.get_or_insert(at);
            case.status = ComplaintStatus::Acknowledged;
        }
        ComplaintEvent::Referred(referred) => {
            case.first_action_at.get_or_insert(at);
            case.current_unit = Cow::Borrowed(referred.to.as_str());
            case.status = ComplaintStatus::Referred;
        }
        ComplaintEvent::Resolved(_) => {
            case.first_action_at.get_or_insert(at);
            case.status = ComplaintStatus::Resolved;
        }
        ComplaintEvent::Reopened(_) => case.status = ComplaintStatus::Acknowledged,
        ComplaintEvent::Withdrawn(_) => {
            case.first_action_at.get_or_insert(at);
            case.status = ComplaintStatus::Withdrawn;
        }
        ComplaintEvent::DeadlineReminder(_) | ComplaintEvent::DeadlineMissed(_) => {}
        ComplaintEvent::Escalated(escalated) => {
            let higher = case
                .escalation
                .as_deref()
                .and_then(|level| EscalationLevel::parse(level).ok())
                .is_none_or(|level| escalated.level >= level);
            if higher {
                case.escalation = Some(Cow::Borrowed(escalated.level.as_str()));
            }
        }
    }
    case.updated_at = at;
}

fn load(tx: &Transaction<'_>, complaint_id: &str) -> Result<Option<CaseRow<'static>>, ApplyError> {
    let row = tx
        .prepare_cached(
            "SELECT complaint_id, markaz, tracking_code, category, status, current_unit, filed_at,
                    first_action_at, acknowledge_by, resolve_by, updated_at, escalation
             FROM gender_desk_cases WHERE complaint_id = ?1",
        )?
        .query_row([complaint_id], |row| {
            Ok((
                row.get::<_, String>(4)?,
                CaseRow {
                    complaint_id: Cow::Owned(row.get(0)?),
                    markaz: Cow::Owned(row.get(1)?),
                    tracking_code: Cow::Owned(row.get(2)?),
                    category: Cow::Owned(row.get(3)?),
                    status: ComplaintStatus::Filed,
                    current_unit: Cow::Owned(row.get(5)?),
                    filed_at: row.get(6)?,
                    first_action_at: row.get(7)?,
                    acknowledge_by: row.get(8)?,
                    resolve_by: row.get(9)?,
                    updated_at: row.get(10)?,
                    escalation: row.get::<_, Option<String>>(11)?.map(Cow::Owned),
                },
            ))
        })
        .optional()?;
    let Some((status, mut case)) = row else {
        return Ok(None);
    };
    case.status = ComplaintStatus::parse(&status).ok_or_else(|| ApplyError::BadRow {
        projection: NAME,
        detail: format!("unknown status `{status}` for complaint {complaint_id}"),
    })?;
    Ok(Some(case))
}

/// A case referred to the desk, built from its status row. It joins as
/// referred: the referral being applied is what brings it.
fn joining_case(tx: &Transaction<'_>, complaint_id: &str) -> Result<CaseRow<'static>, ApplyError> {
    tx.prepare_cached(
        "SELECT markaz, tracking_code, category, current_unit, filed_at, first_action_at,
                acknowledge_by, resolve_by, updated_at, escalation
         FROM complaint_status WHERE complaint_id = ?1",
    )?
    .query_row([complaint_id], |row| {
        Ok(CaseRow {
            complaint_id: Cow::Owned(complaint_id.to_owned()),
            markaz: Cow::Owned(row.get(0)?),
            tracking_code: Cow::Owned(row.get(1)?),
            category: Cow::Owned(row.get(2)?),
            status: ComplaintStatus::Referred,
            current_unit: Cow::Owned(row.get(3)?),
            filed_at: row.get(4)?,
            first_action_at: row.get(5)?,
            acknowledge_by: row.get(6)?,
            resolve_by: row.get(7)?,
            updated_at: row.get(8)?,
            escalation: row.get::<_, Option<String>>(9)?.map(Cow::Owned),
        })
    })
    .optional()?
    .ok_or_else(|| ApplyError::BadRow {
        projection: NAME,
        detail: format!(
            "complaint {complaint_id} was referred to the gender desk but has no status row"
        ),
    })
}

fn save(tx: &Transaction<'_>, case: &CaseRow<'_>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO gender_desk_cases (complaint_id, markaz, tracking_code, category, status,
             current_unit, filed_at, first_action_at, acknowledge_by, resolve_by, updated_at, is_open,
             escalation)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6,
             ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (complaint_id) DO UPDATE SET status = excluded.status,
             current_unit = excluded.current_unit, first_action_at = excluded.first_action_at,
             updated_at = excluded.updated_at, is_open = excluded.is_open,
             escalation = excluded.escalation",
    )?
    .execute(params![
        case.complaint_id,
        case.markaz,
        case.tracking_code,
        case.category,
        case.status.as_str(),
        case.current_unit,
        case.filed_at,
        case.first_action_at,
        case.acknowledge_by,
        case.resolve_by,
        case.updated_at,
        case.status.is_open(),
        case.escalation,
    ])?;
    Ok(())
}
