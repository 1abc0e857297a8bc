//! Where rollup cells live: a batch aggregates events per finest cell (day,
//! markaz, unit, officer, category) in memory only, and stores the
//! per-dimension day and month rollups derived from those cells, which are
//! all that queries read.

use crate::hashing::FastMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::types::ToSql;
use rusqlite::{Row, Transaction};

use super::measures::{add_encoded, encode_counts_into, Measures, ACK_BUCKETS, RESOLVE_BUCKETS};

const DAY_MICROS: i64 = 86_400_000_000;

/// What a performance query groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Unit = 1,
    Officer = 2,
    Category = 3,
    Day = 4,
}

/// The length of the period a rollup row covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grain {
    Day = 0,
    Month = 1,
}

/// The UTC day (days since 1970-01-01) of an instant in microseconds.
pub fn day_of(micros: i64) -> i64 {
    micros.div_euclid(DAY_MICROS)
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

    /// Empties the deltas for the next batch, keeping their memory.
    pub fn clear(&mut self) {
        self.names.ids.clear();
        self.names.names.clear();
        self.cells.clear();
        self.rollups.clear();
        self.months.clear();
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
        // A month row is the sum of its day rows, and a batch has far fewer
        // day rows than cells: summing those is cheaper than adding every
        // cell to its month rows too.
        let mut month_of: FastMap<i64, i64> = FastMap::default();
        for (day_key, delta) in rollups.iter() {
            if day_key.dimension == Dimension::Day {
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

pub(crate) const MEASURE_COLUMNS: &str = "filed, acknowledged, referred, resolved, withdrawn, \
    reopened, ack_within_sla, resolved_within_sla, ratings, ack_minutes, resolve_hours";

/// Adds the measures of a row whose first measure column is at `first`.
pub(crate) fn add_row(into: &mut Measures, row: &Row<'_>, first: usize) -> rusqlite::Result<()> {
    let count = |index: usize| -> rusqlite::Result<u64> {
        Ok(row.get::<_, i64>(first + index)?.max(0) as u64)
    };
    into.filed += count(0)?;
    into.acknowledged += count(1)?;
    into.referred += count(2)?;
    into.resolved += count(3)?;
    into.withdrawn += count(4)?;
    into.reopened += count(5)?;
    into.ack_within_sla += count(6)?;
    into.resolved_within_sla += count(7)?;
    let blob = |index: usize, into: &mut [u64]| -> rusqlite::Result<()> {
        let bytes = row.get_ref(first + index)?.as_blob()?;
        add_encoded(into, bytes).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                first + index,
                rusqlite::types::Type::Blob,
                e.into(),
            )
        })
    };
    blob(8, &mut into.ratings)?;
    blob(9, &mut into.ack_minutes)?;
    blob(10, &mut into.resolve_hours)?;
    Ok(())
}

/// The stored form of a cell's measures, encoded without allocating.
struct StoredMeasures {
    counts: [i64; 8],
    ratings: [u8; 4 * 5],
    ack_minutes: [u8; 4 * ACK_BUCKETS],
    resolve_hours: [u8; 4 * RESOLVE_BUCKETS],
}

impl StoredMeasures {
    fn new() -> Self {
        StoredMeasures {
            counts: [0; 8],
            ratings: [0; 4 * 5],
            ack_minutes: [0; 4 * ACK_BUCKETS],
            resolve_hours: [0; 4 * RESOLVE_BUCKETS],
        }
    }

    /// Binds `key` and `m` as the 16 parameters of an insert.
    fn bind<'a>(
        &'a mut self,
        key: &[&'a dyn ToSql; 5],
        m: &Measures,
        run: impl FnOnce(&[&dyn ToSql]) -> rusqlite::Result<usize>,
    ) -> rusqlite::Result<usize> {
        self.counts = [
            m.filed as i64,
            m.acknowledged as i64,
            m.referred as i64,
            m.resolved as i64,
            m.withdrawn as i64,
            m.reopened as i64,
            m.ack_within_sla as i64,
            m.resolved_within_sla as i64,
        ];
        let ratings = encode_counts_into(&m.ratings, &mut self.ratings);
        let ack = encode_counts_into(&m.ack_minutes, &mut self.ack_minutes);
        let resolve = encode_counts_into(&m.resolve_hours, &mut self.resolve_hours);
        let c = &self.counts;
        run(&[
            key[0], key[1], key[2], key[3], key[4], &c[0], &c[1], &c[2], &c[3], &c[4], &c[5],
            &c[6], &c[7], &ratings, &ack, &resolve,
        ])
    }
}

/// The three statements that add measures to one rollup table.
struct TableSql {
    insert: String,
    select: String,
    replace: String,
}

impl TableSql {
    fn new(table: &str, key_columns: &str, key_match: &str) -> TableSql {
        let placeholders = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16";
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
    let inserted = StoredMeasures::new().bind(&key, delta, |params| insert.execute(params))?;
    if inserted == 1 {
        return Ok(());
    }
    let mut total = delta.clone();
    tx.prepare_cached(&sql.select)?
        .query_row(key, |row| add_row(&mut total, row, 0))?;
    let mut replace = tx.prepare_cached(&sql.replace)?;
    StoredMeasures::new().bind(&key, &total, |params| replace.execute(params))?;
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
        assert_eq!(day_of(-1), -1);
        assert_eq!(day_of(DAY_MICROS), 1);
    }
}
