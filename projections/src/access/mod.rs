//! The access history of every case, indexed by case (`case_accesses`): who
//! was shown a complaint or a service request, when, through which view, with
//! or without personal data.
//!
//! Both access events feed it: the batched `CasesAccessed` (one per answer,
//! in the reading officer's stream) gives one row per case it names, and the
//! older `CaseAccessed` (one per case, in the case's own stream) one row. An
//! old event named every case a complaint, service requests included: its row
//! is filed under a service request when the read models know a request with
//! that id (the service projection applies each batch first), so a request's
//! history holds its reads from before and after the change.
//!
//! A history is read in log order, a page at a time, continuing after the
//! position of the last row of the previous page.

use markaz_domain::{AccessedView, CaseKind, CaseRef, OfficerId, Role, Timestamp};
use rusqlite::{params, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::event::{AccessChange, ComplaintChange};
use crate::projection::{ApplyError, Projection};
use crate::read_models::{QueryError, ReadModels};

pub const NAME: &str = "case_accesses";

/// The access projection.
pub struct AccessProjection;

impl Projection for AccessProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(
        &self,
        _tx: &Transaction<'_>,
        _changes: &[&ComplaintChange],
    ) -> Result<(), ApplyError> {
        Ok(())
    }

    fn apply_accesses(
        &self,
        tx: &Transaction<'_>,
        changes: &[&AccessChange],
    ) -> Result<(), ApplyError> {
        // A case named twice in one event is one row: either flag set wins.
        let mut insert = tx.prepare_cached(
            "INSERT INTO case_accesses (case_id, case_kind, position, version, at, officer_id,
                 role, what, personal_data, gender_desk)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (case_id, position) DO UPDATE SET
                 personal_data = max(personal_data, excluded.personal_data),
                 gender_desk = max(gender_desk, excluded.gender_desk)",
        )?;
        let mut is_request =
            tx.prepare_cached("SELECT 1 FROM service_requests WHERE request_id = ?1")?;
        for change in changes {
            let officer = change.officer.to_string();
            for read in &change.cases {
                let id = read.case.uuid().hyphenated().to_string();
                let kind = if change.legacy
                    && is_request
                        .query_row([&id], |_| Ok(()))
                        .optional()?
                        .is_some()
                {
                    CaseKind::ServiceRequest
                } else {
                    read.case.kind()
                };
                insert.execute(params![
                    id,
                    kind.as_str(),
                    change.position as i64,
                    change.version as i64,
                    change.occurred_at.as_micros(),
                    officer,
                    change.role.as_str(),
                    change.what.as_str(),
                    read.personal_data,
                    read.gender_desk,
                ])?;
            }
        }
        Ok(())
    }
}

/// One recorded access to a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseAccess {
    /// The global position of the access event.
    pub position: u64,
    /// The access event's version in its own stream.
    pub version: u64,
    pub at: Timestamp,
    pub officer: OfficerId,
    pub role: Role,
    pub what: AccessedView,
    pub personal_data: bool,
    pub gender_desk: bool,
}

/// One page of a case's access history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPage {
    pub entries: Vec<CaseAccess>,
    /// The position to continue after, when more entries follow.
    pub next_after: Option<u64>,
}

impl ReadModels {
    /// Up to `limit` recorded accesses to `case` after global position
    /// `after` (0: from the first), oldest first.
    pub async fn case_accesses(
        &self,
        case: CaseRef,
        after: u64,
        limit: usize,
    ) -> Result<AccessPage, QueryError> {
        let limit = limit.max(1);
        self.run(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT position, version, at, officer_id, role, what, personal_data, gender_desk
                 FROM case_accesses
                 WHERE case_id = ?1 AND case_kind = ?2 AND position > ?3
                 ORDER BY position LIMIT ?4",
            )?;
            let rows = statement.query_map(
                params![
                    case.uuid().hyphenated().to_string(),
                    case.kind().as_str(),
                    i64::try_from(after).unwrap_or(i64::MAX),
                    // One more than asked, to know whether another page follows.
                    (limit + 1) as i64,
                ],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, bool>(6)?,
                        row.get::<_, bool>(7)?,
                    ))
                },
            )?;
            let mut entries = Vec::new();
            for row in rows {
                let (position, version, at, officer, role, what, personal_data, gender_desk) = row?;
                let bad = |detail: String| QueryError::BadRow {
                    table: NAME,
                    detail,
                };
                entries.push(CaseAccess {
                    position: position.max(0) as u64,
                    version: version.max(0) as u64,
                    at: Timestamp::from_micros(at),
                    officer: Uuid::try_parse(&officer)
                        .map(OfficerId)
                        .map_err(|_| bad(format!("officer id `{officer}`")))?,
                    role: Role::parse(&role).ok_or_else(|| bad(format!("role `{role}`")))?,
                    what: AccessedView::parse(&what).map_err(|_| bad(format!("view `{what}`")))?,
                    personal_data,
                    gender_desk,
                });
            }
            let next_after = if entries.len() > limit {
                entries.truncate(limit);
                entries.last().map(|last| last.position)
            } else {
                None
            };
            Ok(AccessPage {
                entries,
                next_after,
            })
        })
        .await
    }
}
