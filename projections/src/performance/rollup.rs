//! Where rollup cells live: a batch aggregates events per finest cell (local
//! day, markaz, unit, officer, category) in memory only, and stores the
//! per-dimension day and month rollups derived from those cells, which are
//! all that queries read, and the superseded resolutions (see the migration
//! `0004_local_calendar.sql`) that let a range count each case once.

use crate::hashing::FastMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::types::ToSql;
use rusqlite::{Row, Transaction};

use super::measures::{add_encoded_ratings, encode_ratings, Measures, COUNT_COLUMNS};

/// What a performance query groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Unit = 1,
    Officer = 2,
    Category = 3,
    Day = 4,
    /// By category, every markaz summed (markaz ''): what a query of all
    /// markaz by category reads, a twentieth of the per-markaz rows.
    CategoryAllMarkaz = 5,
    /// By day, every markaz summed (markaz '', group '').
    DayAllMarkaz = 6,
}

impl Dimension {
    /// The same grouping with every markaz summed, for the groupings whose
    /// answer does not name the markaz.
    pub fn all_markaz(self) -> Option<Dimension> {
        match self {
            Dimension::Category => Some(Dimension::CategoryAllMarkaz),
            Dimension::Day => Some(Dimension::DayAllMarkaz),
            _ => None,
        }
    }

    /// Whether rows of this dimension are per day only (no month rows).
    fn days_only(self) -> bool {
        matches!(self, Dimension::Day | Dimension::DayAllMarkaz)
    }
}

/// The length of the period a rollup row covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grain {
    Day = 0,
    Month = 1,
}

pub fn date_of_day(day: i64) -> NaiveDate {
    NaiveDate::default() // 1970-01-01
        .checked_add_days(chrono::Days::new(day.max(0) as u64))
        .unwrap_or(NaiveDate::MAX)
}

pub fn day_of_date(date: NaiveDate) -> i64 {
    (date - NaiveDate::default()).num_days()
}

/// Months since 1970-01 of a day.
pub fn month_of_day(day: i64) -> i64 {
    let date = date_of_day(day);
    i64::from(date.year() - 1970) * 12 + i64::from(date.month0())
}

/// The strings of a batch (markaz, units, officers, categories) as small
/// numbers, so that aggregating events compares and copies integers only.
#[derive(Default)]
struct Names {
    ids: FastMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    /// Each id's place in the alphabetical order of the names.
    fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.name(*a).cmp(self.name(*b)));
        let mut rank = vec![0; order.len()];
        for (place, id) in order.into_iter().enumerate() {
            rank[id as usize] = place as u32;
        }
        rank
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }
}

/// The finest cell a batch aggregates in (not stored): (day, markaz, unit,
/// officer, category).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct CellKey {
    day: i64,
    markaz: u32,
    unit: u32,
    officer: u32,
    category: u32,
}

/// A per-dimension rollup cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct RollupKey {
    dimension: Dimension,
    grain: Grain,
    period: i64,
    markaz: u32,
    group: u32,
}

/// The measures a batch adds, per finest cell.
#[derive(Default)]
pub struct CellDeltas {
    names: Names,
    cells: FastMap<CellKey, Measures>,
    /// Kept between batches (emptied, not freed): a batch of a rebuild fills
    /// tens of megabytes, and allocating them afresh each time costs more than
    /// the aggregation itself.
    rollups: FastMap<RollupKey, Measures>,
    /// The month rollups of a batch, summed from its day rollups (kept as above).
    months: FastMap<RollupKey, Measures>,
    /// Resolutions superseded by a later resolution of the same case, per
    /// dimension: (dimension, next day, day, markaz, group).
    superseded: FastMap<(Dimension, i64, i64, u32, u32), i64>,
}

impl CellDeltas {
    /// The delta of one cell, created empty on first use.
    pub fn cell(
        &mut self,
        day: i64,
        markaz: &str,
        unit: &str,
        officer: &str,
        category: &str,
    ) -> &mut Measures {
        let key = CellKey {
            day,
            markaz: self.names.id(markaz),
            unit: self.names.id(unit),
            officer: self.names.id(officer),
            category: self.names.id(category),
        };
        self.cells.entry(key).or_default()
    }

    /// Records that a resolution on `day` (of the cell named) was followed by
    /// another resolution of the same case on `next_day`: counted in that
    /// cell, and kept by the days of both so that a range whose end falls
    /// between them can leave it out of what it subtracts.
    pub fn supersede(
        &mut self,
        day: i64,
        next_day: i64,
        [markaz, unit, officer, category]: [&str; 4],
    ) {
        let cell = self.cell(day, markaz, unit, officer, category);
        cell.superseded += 1;
        cell.superseded_same_day += i64::from(next_day == day);
        let markaz = self.names.id(markaz);
        let everyone = self.names.id("");
        // Grouped by day, a group's range is its own day: the rollup rows'
        // `superseded_same_day` is all a query needs.
        let groups = [
            (Dimension::Unit, self.names.id(unit)),
            (Dimension::Officer, self.names.id(officer)),
            (Dimension::Category, self.names.id(category)),
        ];
        for (dimension, group) in groups {
            *self
                .superseded
                .entry((dimension, next_day, day, markaz, group))
                .or_default() += 1;
            if let Some(all) = dimension.all_markaz() {
                *self
                    .superseded
                    .entry((all, next_day, day, everyone, group))
                    .or_default() += 1;
            }
        }
    }

    /// Empties the deltas for the next batch, keeping their memory.
    pub fn clear(&mut self) {
        self.names.ids.clear();
        self.names.names.clear();
        self.cells.clear();
        self.rollups.clear();
        self.months.clear();
        self.superseded.clear();
    }

    /// Adds the per-dimension rollups derived from the cells to the stored
    /// rows, in a fixed order.
    pub fn write(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let everyone = self.names.id("");
        let rollups = &mut self.rollups;
        for (cell, delta) in &self.cells {
            for key in day_rollup_keys(cell, everyone) {
                rollups.entry(key).or_default().add(delta);
            }
        }
        // The rows of every markaz summed, from the batch's day rows by
        // category and by day (far fewer than its cells).
        for (day_key, delta) in rollups.iter() {
            let Some(all) = day_key.dimension.all_markaz() else {
                continue;
            };
            let key = RollupKey {
                dimension: all,
                markaz: everyone,
                ..*day_key
            };
            self.months.entry(key).or_default().add(delta);
        }
        rollups.extend(self.months.drain());
        // A month row is the sum of its day rows, and a batch has far fewer
        // day rows than cells: summing those is cheaper than adding every
        // cell to its month rows too.
        let mut month_of: FastMap<i64, i64> = FastMap::default();
        for (day_key, delta) in rollups.iter() {
            if day_key.dimension.days_only() {
                continue; // Queries by day read day rows only.
            }
            let month = *month_of
                .entry(day_key.period)
                .or_insert_with(|| month_of_day(day_key.period));
            let key = RollupKey {
                grain: Grain::Month,
                period: month,
                ..*day_key
            };
            self.months.entry(key).or_default().add(delta);
        }
        rollups.extend(self.months.drain());
        // Rows are written in primary-key order: appending to the B-tree in
        // order is much cheaper than inserting at random places.
        let rank = self.names.ranks();
        let mut rollups: Vec<(&RollupKey, &Measures)> = self.rollups.iter().collect();
        rollups.sort_unstable_by_key(|(key, _)| {
            (
                key.dimension,
                key.grain,
                key.period,
                rank[key.markaz as usize],
                rank[key.group as usize],
            )
        });
        let rollup = TableSql::new(
            "performance_rollup",
            "dimension, grain, period, markaz, group_key",
            "dimension = ?1 AND grain = ?2 AND period = ?3 AND markaz = ?4 AND group_key = ?5",
        );
        for (key, delta) in &rollups {
            let names = &self.names;
            let key_values: [&dyn ToSql; 5] = [
                &(key.dimension as i64),
                &(key.grain as i64),
                &key.period,
                &names.name(key.markaz),
                &names.name(key.group),
            ];
            add_measures(tx, &rollup, key_values, delta)?;
        }
        let mut superseded: Vec<_> = self.superseded.iter().collect();
        superseded.sort_unstable_by_key(|((dimension, next_day, day, markaz, group), _)| {
            (
                *dimension,
                *next_day,
                *day,
                rank[*markaz as usize],
                rank[*group as usize],
            )
        });
        let mut upsert = tx.prepare_cached(
            "INSERT INTO performance_superseded
                 (dimension, day, next_day, markaz, group_key, resolutions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT DO UPDATE SET resolutions = resolutions + excluded.resolutions",
        )?;
        for ((dimension, next_day, day, markaz, group), count) in superseded {
            upsert.execute(rusqlite::params![
                *dimension as i64,
                day,
                next_day,
                self.names.name(*markaz),
                self.names.name(*group),
                count
            ])?;
        }
        Ok(())
    }
}

/// The per-dimension day cells one fine cell adds to.
fn day_rollup_keys(cell: &CellKey, everyone: u32) -> [RollupKey; 4] {
    let key = |dimension, period, group| RollupKey {
        dimension,
        grain: Grain::Day,
        period,
        markaz: cell.markaz,
        group,
    };
    [
        key(Dimension::Unit, cell.day, cell.unit),
        key(Dimension::Officer, cell.day, cell.officer),
        key(Dimension::Category, cell.day, cell.category),
        key(Dimension::Day, cell.day, everyone),
    ]
}

pub(crate) const MEASURE_COLUMNS: &str = "filed, acknowledged, referred, resolutions, \
    first_resolutions, resolutions_reopened, withdrawn, withdrawn_before_action, reopened, \
    first_actions, ack_within_sla, resolved_within_sla, deadlines_missed, escalations, superseded, \
    superseded_same_day, ratings, ack_seconds, first_resolve_seconds, final_resolve_seconds";

/// Adds the measures of a row whose first measure column is at `first`.
pub(crate) fn add_row(into: &mut Measures, row: &Row<'_>, first: usize) -> rusqlite::Result<()> {
    let mut counts = [0i64; COUNT_COLUMNS];
    for (index, count) in counts.iter_mut().enumerate() {
        *count = row.get(first + index)?;
    }
    into.add_counts(counts);
    let bad_blob = |index: usize, problem: String| {
        rusqlite::Error::FromSqlConversionFailure(
            first + index,
            rusqlite::types::Type::Blob,
            problem.into(),
        )
    };
    let blob =
        |index: usize| -> rusqlite::Result<&[u8]> { Ok(row.get_ref(first + index)?.as_blob()?) };
    add_encoded_ratings(&mut into.ratings, blob(COUNT_COLUMNS)?)
        .map_err(|e| bad_blob(COUNT_COLUMNS, e))?;
    into.ack_seconds
        .add_encoded(blob(COUNT_COLUMNS + 1)?)
        .map_err(|e| bad_blob(COUNT_COLUMNS + 1, e))?;
    into.first_resolve_seconds
        .add_encoded(blob(COUNT_COLUMNS + 2)?)
        .map_err(|e| bad_blob(COUNT_COLUMNS + 2, e))?;
    into.final_resolve_seconds
        .add_encoded(blob(COUNT_COLUMNS + 3)?)
        .map_err(|e| bad_blob(COUNT_COLUMNS + 3, e))?;
    Ok(())
}

/// Binds the five key values and the measures of `m` as the 25 parameters
/// of an insert, and runs it.
fn bind_measures(
    key: &[&dyn ToSql; 5],
    m: &Measures,
    run: impl FnOnce(&[&dyn ToSql]) -> rusqlite::Result<usize>,
) -> rusqlite::Result<usize> {
    let c = m.counts();
    let ratings = encode_ratings(&m.ratings);
    let ratings = ratings.as_slice();
    let ack = m.ack_seconds.encode();
    let first = m.first_resolve_seconds.encode();
    let last = m.final_resolve_seconds.encode();
    run(&[
        key[0], key[1], key[2], key[3], key[4], &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6],
        &c[7], &c[8], &c[9], &c[10], &c[11], &c[12], &c[13], &c[14], &c[15], &ratings, &ack,
        &first, &last,
    ])
}

/// The three statements that add measures to one rollup table.
struct TableSql {
    insert: String,
    select: String,
    replace: String,
}

impl TableSql {
    fn new(table: &str, key_columns: &str, key_match: &str) -> TableSql {
        let placeholders = (1..=5 + COUNT_COLUMNS + 4)
            .map(|n| format!("?{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        TableSql {
            insert: format!(
                "INSERT INTO {table} ({key_columns}, {MEASURE_COLUMNS}) VALUES ({placeholders})
                 ON CONFLICT DO NOTHING"
            ),
            select: format!("SELECT {MEASURE_COLUMNS} FROM {table} WHERE {key_match}"),
            replace: format!(
                "REPLACE INTO {table} ({key_columns}, {MEASURE_COLUMNS}) VALUES ({placeholders})"
            ),
        }
    }
}

/// Adds `delta` to the row with the given five key values. Most cells of a
/// batch are new, so the insert is tried first; only when the row exists is it
/// read, summed (histograms are blobs) and replaced.
fn add_measures(
    tx: &Transaction<'_>,
    sql: &TableSql,
    key: [&dyn ToSql; 5],
    delta: &Measures,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(&sql.insert)?;
    let inserted = bind_measures(&key, delta, |params| insert.execute(params))?;
    if inserted == 1 {
        return Ok(());
    }
    let mut total = delta.clone();
    tx.prepare_cached(&sql.select)?
        .query_row(key, |row| add_row(&mut total, row, 0))?;
    let mut replace = tx.prepare_cached(&sql.replace)?;
    bind_measures(&key, &total, |params| replace.execute(params))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months_count_from_the_epoch() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let day = day_of_date(date);
        assert_eq!(date_of_day(day), date);
        assert_eq!(month_of_day(day), 56 * 12 + 2);
    }
}
