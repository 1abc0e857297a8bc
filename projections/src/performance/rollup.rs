//! Where rollup cells live: the finest grain (day, markaz, unit, officer,
//! category) and the per-dimension day and month rollups derived from it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::types::Value;
use rusqlite::{Row, Transaction};

use super::measures::{add_encoded, encode_counts, Measures};

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

/// The finest rollup cell.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub day: i64,
    pub markaz: String,
    pub unit: String,
    pub officer: String,
    pub category: String,
}

/// A per-dimension rollup cell.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RollupKey {
    pub dimension: Dimension,
    pub grain: Grain,
    pub period: i64,
    pub markaz: String,
    pub group_key: String,
}

/// The per-dimension cells one fine cell adds to.
pub fn rollup_keys(cell: &CellKey) -> Vec<RollupKey> {
    let month = month_of_day(cell.day);
    let mut keys = Vec::with_capacity(7);
    for (dimension, group_key) in [
        (Dimension::Unit, &cell.unit),
        (Dimension::Officer, &cell.officer),
        (Dimension::Category, &cell.category),
    ] {
        for (grain, period) in [(Grain::Day, cell.day), (Grain::Month, month)] {
            keys.push(RollupKey {
                dimension,
                grain,
                period,
                markaz: cell.markaz.clone(),
                group_key: group_key.clone(),
            });
        }
    }
    keys.push(RollupKey {
        dimension: Dimension::Day,
        grain: Grain::Day,
        period: cell.day,
        markaz: cell.markaz.clone(),
        group_key: String::new(),
    });
    keys
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

fn measure_params(m: &Measures) -> [Value; 11] {
    [
        Value::Integer(m.filed as i64),
        Value::Integer(m.acknowledged as i64),
        Value::Integer(m.referred as i64),
        Value::Integer(m.resolved as i64),
        Value::Integer(m.withdrawn as i64),
        Value::Integer(m.reopened as i64),
        Value::Integer(m.ack_within_sla as i64),
        Value::Integer(m.resolved_within_sla as i64),
        Value::Blob(encode_counts(&m.ratings)),
        Value::Blob(encode_counts(&m.ack_minutes)),
        Value::Blob(encode_counts(&m.resolve_hours)),
    ]
}

/// Adds the batch's fine cells and the rollups derived from them to the stored rows.
pub fn write_deltas(
    tx: &Transaction<'_>,
    cells: &BTreeMap<CellKey, Measures>,
) -> rusqlite::Result<()> {
    let mut rollups: BTreeMap<RollupKey, Measures> = BTreeMap::new();
    for (cell, delta) in cells {
        for key in rollup_keys(cell) {
            rollups.entry(key).or_default().add(delta);
        }
        add_cell(tx, cell, delta)?;
    }
    for (key, delta) in &rollups {
        add_rollup(tx, key, delta)?;
    }
    Ok(())
}

fn add_cell(tx: &Transaction<'_>, key: &CellKey, delta: &Measures) -> rusqlite::Result<()> {
    let key_values: Vec<Value> = vec![
        key.day.into(),
        key.markaz.clone().into(),
        key.unit.clone().into(),
        key.officer.clone().into(),
        key.category.clone().into(),
    ];
    add_measures(
        tx,
        "performance_daily",
        "day, markaz, unit, officer, category",
        "day = ?1 AND markaz = ?2 AND unit = ?3 AND officer = ?4 AND category = ?5",
        key_values,
        delta,
    )
}

fn add_rollup(tx: &Transaction<'_>, key: &RollupKey, delta: &Measures) -> rusqlite::Result<()> {
    let key_values: Vec<Value> = vec![
        (key.dimension as i64).into(),
        (key.grain as i64).into(),
        key.period.into(),
        key.markaz.clone().into(),
        key.group_key.clone().into(),
    ];
    add_measures(
        tx,
        "performance_rollup",
        "dimension, grain, period, markaz, group_key",
        "dimension = ?1 AND grain = ?2 AND period = ?3 AND markaz = ?4 AND group_key = ?5",
        key_values,
        delta,
    )
}

/// Adds `delta` to the row of `table` with the given five key values. Most
/// cells of a batch are new, so the insert is tried first; only when the row
/// exists is it read, summed (histograms are blobs) and replaced.
fn add_measures(
    tx: &Transaction<'_>,
    table: &str,
    key_columns: &str,
    key_match: &str,
    key_values: Vec<Value>,
    delta: &Measures,
) -> rusqlite::Result<()> {
    let placeholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";
    let mut values = key_values.clone();
    values.extend(measure_params(delta));
    let inserted = tx
        .prepare_cached(&format!(
            "INSERT INTO {table} ({key_columns}, {MEASURE_COLUMNS}) VALUES ({placeholders})
             ON CONFLICT DO NOTHING"
        ))?
        .execute(rusqlite::params_from_iter(&values))?;
    if inserted == 1 {
        return Ok(());
    }
    let mut total = delta.clone();
    tx.prepare_cached(&format!(
        "SELECT {MEASURE_COLUMNS} FROM {table} WHERE {key_match}"
    ))?
    .query_row(rusqlite::params_from_iter(&key_values), |row| {
        add_row(&mut total, row, 0)
    })?;
    let mut values = key_values;
    values.extend(measure_params(&total));
    tx.prepare_cached(&format!(
        "REPLACE INTO {table} ({key_columns}, {MEASURE_COLUMNS}) VALUES ({placeholders})"
    ))?
    .execute(rusqlite::params_from_iter(values))?;
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
