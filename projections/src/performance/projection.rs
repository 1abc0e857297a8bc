//! Folding complaint events into performance rollups.
//!
//! Attribution: the *unit* of an event is the unit responsible for the case
//! when it happened (the markaz until the first referral, then the latest
//! referral target; a referral itself counts for the unit that referred);
//! the *officer* is the officer who acted (a rating, given by the citizen,
//! counts for the officer who last resolved the case); the *day* is the local
//! day (in the markaz's time zone, see `calendar`) the event occurred.
//!
//! Reopened cases: every resolution is counted in `resolutions`, but the
//! first alone is timed against filing (`first_resolve_seconds`) and judged
//! against the resolution deadline. A resolution followed by another is
//! recorded as superseded, so that a range counts each case once, at its
//! latest resolution in the range. A reopening marks the resolution it undoes
//! (`resolutions_reopened`, in that resolution's cell) and takes its time out
//! of `final_resolve_seconds`, which therefore holds the time to the latest
//! resolution of cases that are resolved now. A withdrawal is not an officer
//! action: it does not stop the acknowledgement clock, and one that comes
//! before any officer acted is counted on its own (`withdrawn_before_action`).

use std::borrow::Cow;
use std::sync::Mutex;

use markaz_domain::{Actor, ComplaintEvent};
use rusqlite::{params, OptionalExtension, Transaction};

use super::calendar::{Calendar, DayFinder};
use super::measures::Measures;
use super::rollup::CellDeltas;
use crate::event::ComplaintChange;
use crate::hashing::FastMap;
use crate::projection::{ApplyError, Projection};

pub const NAME: &str = "performance";

/// The performance projection.
#[derive(Default)]
pub struct PerformanceProjection {
    /// The batch's rollup deltas, reused from batch to batch (see `CellDeltas`).
    deltas: Mutex<CellDeltas>,
    /// The zones whose days the rollups count in, as stored in the file.
    calendar: Calendar,
    days: Mutex<DayFinder>,
}

impl PerformanceProjection {
    /// The projection counting days in `calendar` (read from the file it writes).
    pub fn new(calendar: Calendar) -> Self {
        PerformanceProjection {
            calendar,
            ..PerformanceProjection::default()
        }
    }
}

/// What the projection remembers of a case. Texts of cases filed in the
/// batch are borrowed from the events (this runs for every event of a rebuild).
#[derive(Clone, Debug)]
struct CaseState<'a> {
    markaz: Cow<'a, str>,
    category: Cow<'a, str>,
    unit: Cow<'a, str>,
    holder: String,
    resolver: Option<String>,
    filed_at: i64,
    filed_day: i64,
    open_since: i64,
    acknowledge_by: i64,
    resolve_by: i64,
    responded: bool,
    last_resolved_at: Option<i64>,
    last_resolved_unit: Option<String>,
    resolutions: i64,
    is_open: bool,
    /// Read from the file (only the changing columns are written back).
    stored: bool,
}

impl Projection for PerformanceProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, tx: &Transaction<'_>, changes: &[&ComplaintChange]) -> Result<(), ApplyError> {
        let mut cases: FastMap<&str, Box<CaseState<'_>>> =
            FastMap::with_capacity_and_hasher(changes.len(), Default::default());
        let mut cells = self
            .deltas
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cells.clear();
        let cells = &mut *cells;
        let mut days = self
            .days
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut calendar = Days {
            calendar: &self.calendar,
            finder: &mut days,
        };
        for change in changes {
            let key = change.key.as_str();
            if !matches!(change.event, ComplaintEvent::Filed(_)) && !cases.contains_key(key) {
                let loaded = load(tx, key)?.ok_or_else(|| ApplyError::UnknownComplaint {
                    projection: NAME,
                    complaint: change.key.clone(),
                    version: change.version,
                })?;
                cases.insert(key, Box::new(loaded));
            }
            fold(&mut cases, cells, &mut calendar, change);
        }
        let mut cases: Vec<(&str, Box<CaseState<'_>>)> = cases.into_iter().collect();
        cases.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, case) in &cases {
            save(tx, key, case)?;
        }
        cells.write(tx)?;
        Ok(())
    }
}

/// The local day of instants, by markaz.
struct Days<'c> {
    calendar: &'c Calendar,
    finder: &'c mut DayFinder,
}

impl Days<'_> {
    fn of(&mut self, markaz: &str, micros: i64) -> i64 {
        self.finder.day(self.calendar.zone_of(markaz), micros)
    }
}

fn fold<'a>(
    cases: &mut FastMap<&'a str, Box<CaseState<'a>>>,
    cells: &mut CellDeltas,
    days: &mut Days<'_>,
    change: &'a ComplaintChange,
) {
    let at = change.occurred_at.as_micros();
    let officer = ActorKey::of(&change.actor);
    let officer = officer.as_str();
    if let ComplaintEvent::Filed(filed) = &change.event {
        let day = days.of(filed.markaz.as_str(), at);
        let case = CaseState {
            markaz: Cow::Borrowed(filed.markaz.as_str()),
            category: Cow::Borrowed(filed.category.as_str()),
            unit: Cow::Borrowed(filed.markaz.as_str()),
            holder: officer.to_owned(),
            resolver: None,
            filed_at: at,
            filed_day: day,
            open_since: at,
            acknowledge_by: filed.acknowledge_by.as_micros(),
            resolve_by: filed.resolve_by.as_micros(),
            responded: false,
            last_resolved_at: None,
            last_resolved_unit: None,
            resolutions: 0,
            is_open: true,
            stored: false,
        };
        cell(cells, &case, day, officer).filed += 1;
        cases.insert(&change.key, Box::new(case));
        return;
    }
    let Some(case) = cases.get_mut(change.key.as_str()) else {
        return;
    };
    // A reminder counts nothing (and must not leave an empty cell behind).
    if matches!(change.event, ComplaintEvent::DeadlineReminder(_)) {
        return;
    }
    let day = days.of(&case.markaz, at);
    // The cell of the case's latest resolution, for what a later resolution
    // or a reopening corrects.
    let corrects = matches!(
        change.event,
        ComplaintEvent::Resolved(_) | ComplaintEvent::Reopened(_)
    );
    let previous = match (
        case.last_resolved_at,
        &case.last_resolved_unit,
        &case.resolver,
    ) {
        (Some(resolved_at), Some(unit), Some(resolver)) if corrects => Some(PreviousResolution {
            at: resolved_at,
            day: days.of(&case.markaz, resolved_at),
            unit: unit.clone(),
            resolver: resolver.clone(),
        }),
        _ => None,
    };
    let credited = match (&change.event, &case.resolver) {
        (ComplaintEvent::Rated(_), Some(resolver)) => resolver.as_str(),
        // The escalation process acts for the service: a missed deadline
        // is counted against the officer holding the case.
        (
            ComplaintEvent::DeadlineReminder(_)
            | ComplaintEvent::DeadlineMissed(_)
            | ComplaintEvent::Escalated(_),
            _,
        ) => case.holder.as_str(),
        _ => officer,
    };
    let measures = cell(cells, case, day, credited);
    let first_action = matches!(
        change.event,
        ComplaintEvent::Acknowledged(_) | ComplaintEvent::Referred(_) | ComplaintEvent::Resolved(_)
    ) && !case.responded;
    if first_action {
        measures.first_actions += 1;
        measures.ack_seconds.record(at - case.filed_at, 1);
        measures.ack_within_sla += i64::from(at <= case.acknowledge_by);
        case.responded = true;
    }
    match &change.event {
        ComplaintEvent::Filed(_) => {}
        ComplaintEvent::Acknowledged(_) => measures.acknowledged += 1,
        ComplaintEvent::Referred(referred) => {
            measures.referred += 1;
            case.unit = Cow::Borrowed(referred.to.as_str());
        }
        ComplaintEvent::Resolved(_) => {
            measures.resolutions += 1;
            measures.final_resolve_seconds.record(at - case.filed_at, 1);
            if case.resolutions == 0 {
                measures.first_resolutions += 1;
                measures.first_resolve_seconds.record(at - case.filed_at, 1);
                measures.resolved_within_sla += i64::from(at <= case.resolve_by);
            }
            if let Some(previous) = &previous {
                cells.supersede(
                    previous.day,
                    day,
                    [
                        &case.markaz,
                        &previous.unit,
                        &previous.resolver,
                        &case.category,
                    ],
                );
            }
            case.resolutions += 1;
            case.last_resolved_at = Some(at);
            match &mut case.last_resolved_unit {
                Some(unit) => replace(unit, &case.unit),
                None => case.last_resolved_unit = Some(case.unit.to_string()),
            }
            match &mut case.resolver {
                Some(resolver) if resolver == officer => {}
                Some(resolver) => replace(resolver, officer),
                None => case.resolver = Some(officer.to_owned()),
            }
            case.is_open = false;
        }
        ComplaintEvent::Rated(rated) => {
            let stars = usize::from(rated.stars.stars()).clamp(1, 5);
            measures.ratings[stars - 1] += 1;
        }
        ComplaintEvent::Reopened(_) => {
            measures.reopened += 1;
            if let Some(previous) = &previous {
                let undone = cells.cell(
                    previous.day,
                    &case.markaz,
                    &previous.unit,
                    &previous.resolver,
                    &case.category,
                );
                undone.resolutions_reopened += 1;
                undone
                    .final_resolve_seconds
                    .record(previous.at - case.filed_at, -1);
            }
            case.is_open = true;
            case.open_since = at;
        }
        ComplaintEvent::Withdrawn(_) => {
            measures.withdrawn += 1;
            measures.withdrawn_before_action += i64::from(!case.responded);
            case.is_open = false;
        }
        ComplaintEvent::DeadlineReminder(_) => {}
        ComplaintEvent::DeadlineMissed(_) => measures.deadlines_missed += 1,
        ComplaintEvent::Escalated(_) => measures.escalations += 1,
    }
    if matches!(change.actor, Actor::Officer { .. }) && case.holder != officer {
        replace(&mut case.holder, officer);
    }
}

/// The latest resolution of a case, as a later resolution or a reopening
/// needs it to correct what was recorded for it.
struct PreviousResolution {
    at: i64,
    day: i64,
    unit: String,
    resolver: String,
}

/// Overwrites `text` in the memory it already has.
fn replace(text: &mut String, with: &str) {
    text.clear();
    text.push_str(with);
}

/// The officer named in an actor as `crate::event::actor_key` gives it,
/// formatted on the stack: it is needed for every event.
enum ActorKey {
    Officer([u8; uuid::fmt::Hyphenated::LENGTH]),
    Other(&'static str),
}

impl ActorKey {
    fn of(actor: &Actor) -> ActorKey {
        match actor {
            Actor::Officer { id, .. } => {
                let mut buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
                id.0.hyphenated().encode_lower(&mut buffer);
                ActorKey::Officer(buffer)
            }
            Actor::Citizen => ActorKey::Other("citizen"),
            Actor::System => ActorKey::Other("system"),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Always ASCII: a hyphenated UUID.
            ActorKey::Officer(buffer) => std::str::from_utf8(buffer).unwrap_or_default(),
            ActorKey::Other(name) => name,
        }
    }
}

fn cell<'c>(
    cells: &'c mut CellDeltas,
    case: &CaseState<'_>,
    day: i64,
    officer: &str,
) -> &'c mut Measures {
    cells.cell(day, &case.markaz, &case.unit, officer, &case.category)
}

fn load(tx: &Transaction<'_>, complaint_id: &str) -> rusqlite::Result<Option<CaseState<'static>>> {
    tx.prepare_cached(
        "SELECT markaz, category, unit, holder, resolver, filed_at, filed_day, open_since,
                acknowledge_by, resolve_by, responded, last_resolved_at, last_resolved_unit,
                resolutions, is_open
         FROM performance_cases WHERE complaint_id = ?1",
    )?
    .query_row([complaint_id], |row| {
        Ok(CaseState {
            markaz: Cow::Owned(row.get(0)?),
            category: Cow::Owned(row.get(1)?),
            unit: Cow::Owned(row.get(2)?),
            holder: row.get(3)?,
            resolver: row.get(4)?,
            filed_at: row.get(5)?,
            filed_day: row.get(6)?,
            open_since: row.get(7)?,
            acknowledge_by: row.get(8)?,
            resolve_by: row.get(9)?,
            responded: row.get(10)?,
            last_resolved_at: row.get(11)?,
            last_resolved_unit: row.get(12)?,
            resolutions: row.get(13)?,
            is_open: row.get(14)?,
            stored: true,
        })
    })
    .optional()
}

fn save(tx: &Transaction<'_>, complaint_id: &str, case: &CaseState<'_>) -> rusqlite::Result<()> {
    if case.stored {
        tx.prepare_cached(
            "UPDATE performance_cases SET unit = ?2, holder = ?3, resolver = ?4, responded = ?5,
                 is_open = ?6, open_since = ?7, last_resolved_at = ?8, last_resolved_unit = ?9,
                 resolutions = ?10
             WHERE complaint_id = ?1",
        )?
        .execute(params![
            complaint_id,
            case.unit,
            case.holder,
            case.resolver,
            case.responded,
            case.is_open,
            case.open_since,
            case.last_resolved_at,
            case.last_resolved_unit,
            case.resolutions,
        ])?;
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO performance_cases (complaint_id, markaz, category, unit, holder, resolver,
             filed_at, filed_day, open_since, acknowledge_by, resolve_by, responded,
             last_resolved_at, last_resolved_unit, resolutions, is_open)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (complaint_id) DO UPDATE SET unit = excluded.unit, holder = excluded.holder,
             resolver = excluded.resolver, responded = excluded.responded,
             open_since = excluded.open_since, last_resolved_at = excluded.last_resolved_at,
             last_resolved_unit = excluded.last_resolved_unit,
             resolutions = excluded.resolutions, is_open = excluded.is_open",
    )?
    .execute(params![
        complaint_id,
        case.markaz,
        case.category,
        case.unit,
        case.holder,
        case.resolver,
        case.filed_at,
        case.filed_day,
        case.open_since,
        case.acknowledge_by,
        case.resolve_by,
        case.responded,
        case.last_resolved_at,
        case.last_resolved_unit,
        case.resolutions,
        case.is_open,
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use markaz_domain::{OfficerId, Role};

    use super::*;
    use crate::event::actor_key;

    #[test]
    fn actor_keys_on_the_stack_match_the_stored_form() {
        for actor in [
            Actor::Officer {
                id: OfficerId(uuid::Uuid::from_u128(
                    0x0FF1_CE00_ABCD_0000_0000_0000_1234_5678,
                )),
                role: Role::Desk,
            },
            Actor::Citizen,
            Actor::System,
        ] {
            assert_eq!(ActorKey::of(&actor).as_str(), actor_key(&actor));
        }
    }
}
