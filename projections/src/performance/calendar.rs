//! The local calendar of each markaz: the time zone whose days and months
//! its performance figures are counted in.
//!
//! A markaz in Quetta lives on Pakistan time (UTC+5): counted on UTC days,
//! everything filed between midnight and 05:00 would land on the previous day,
//! and on the 1st of a month in the previous month. Rollups are bucketed when
//! events are applied, so the zone is fixed in the read-model file
//! (`performance_calendar`) before the first event is applied, and a file
//! counted in other zones is refused until it is rebuilt (`adopt`).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use markaz_domain::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use crate::database::{open_writer, DatabaseError, Durability};

/// The zone of every markaz without one of its own, unless configured.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Karachi;

const DAY_MICROS: i64 = 86_400_000_000;

/// Time zones by markaz.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    default: Tz,
    by_markaz: BTreeMap<String, Tz>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::new(DEFAULT_TIME_ZONE)
    }
}

/// Why a calendar could not be built, read or adopted.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("`{0}` is not a time zone of the IANA database: give a name like Asia/Karachi")]
    UnknownZone(String),
    #[error(
        "the read models in {path} count days in {stored}, but the configuration says {wanted}: \
         run `markaz projections rebuild` with this configuration to count them again, then \
         start the server"
    )]
    Mismatch {
        path: String,
        stored: String,
        wanted: String,
    },
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

impl From<rusqlite::Error> for CalendarError {
    fn from(error: rusqlite::Error) -> Self {
        CalendarError::Database(DatabaseError::Sql(error))
    }
}

/// Parses an IANA zone name (`Asia/Karachi`).
pub fn parse_zone(name: &str) -> Result<Tz, CalendarError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| CalendarError::UnknownZone(name.trim().to_owned()))
}

impl Calendar {
    /// Every markaz in `default`.
    pub fn new(default: Tz) -> Self {
        Calendar {
            default,
            by_markaz: BTreeMap::new(),
        }
    }

    /// Gives `markaz` a zone of its own.
    pub fn with_markaz(mut self, markaz: &str, zone: Tz) -> Self {
        if zone == self.default {
            self.by_markaz.remove(markaz);
        } else {
            self.by_markaz.insert(markaz.to_owned(), zone);
        }
        self
    }

    pub fn default_zone(&self) -> Tz {
        self.default
    }

    /// The zone of `markaz`.
    pub fn zone_of(&self, markaz: &str) -> Tz {
        if self.by_markaz.is_empty() {
            return self.default;
        }
        self.by_markaz.get(markaz).copied().unwrap_or(self.default)
    }

    /// The markaz with zones of their own.
    pub fn overrides(&self) -> impl Iterator<Item = (&str, Tz)> {
        self.by_markaz.iter().map(|(m, z)| (m.as_str(), *z))
    }

    /// The calendar as one line, for messages: `Asia/Karachi` or
    /// `Asia/Karachi (QTA: Asia/Kabul)`.
    pub fn describe(&self) -> String {
        if self.by_markaz.is_empty() {
            return self.default.name().to_owned();
        }
        let overrides: Vec<String> = self
            .overrides()
            .map(|(markaz, zone)| format!("{markaz}: {}", zone.name()))
            .collect();
        format!("{} ({})", self.default.name(), overrides.join(", "))
    }

    /// The calendar stored in a read-model file.
    pub fn read(conn: &Connection) -> rusqlite::Result<Calendar> {
        let zone = |name: &str| {
            parse_zone(name).map_err(|error| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Text,
                    error.into(),
                )
            })
        };
        let mut statement =
            conn.prepare_cached("SELECT markaz, time_zone FROM performance_calendar")?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut calendar = Calendar::default();
        for (markaz, name) in &rows {
            if markaz.is_empty() {
                calendar.default = zone(name)?;
            }
        }
        for (markaz, name) in &rows {
            if !markaz.is_empty() {
                calendar = calendar.with_markaz(markaz, zone(name)?);
            }
        }
        Ok(calendar)
    }

    /// Stores this calendar in a read-model file (replacing its zones).
    pub fn write(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.execute("DELETE FROM performance_calendar", [])?;
        conn.execute(
            "INSERT INTO performance_calendar (markaz, time_zone) VALUES ('', ?1)",
            [self.default.name()],
        )?;
        for (markaz, zone) in self.overrides() {
            conn.execute(
                "INSERT INTO performance_calendar (markaz, time_zone) VALUES (?1, ?2)",
                params![markaz, zone.name()],
            )?;
        }
        Ok(())
    }

    /// The local day (days since 1970-01-01) of an instant in `zone`.
    pub fn local_day(zone: Tz, micros: i64) -> i64 {
        let utc = Timestamp::from_micros(micros).to_datetime();
        let date = utc.with_timezone(&zone).date_naive();
        (date - NaiveDate::default()).num_days()
    }

    /// The first instant (microseconds) of local day `date` in `zone`.
    pub fn start_of_day(zone: Tz, date: NaiveDate) -> i64 {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        match zone.from_local_datetime(&midnight).earliest() {
            Some(start) => start.timestamp_micros(),
            // A zone that skips midnight (a DST change at 00:00): the day
            // starts at the first instant after the gap, within the hour.
            None => (1..=24 * 4)
                .find_map(|quarter| {
                    let later = midnight + chrono::Duration::minutes(15 * quarter);
                    zone.from_local_datetime(&later).earliest()
                })
                .map_or(midnight.and_utc().timestamp_micros(), |start| {
                    start.timestamp_micros()
                }),
        }
    }

    /// The last microsecond of local day `date` in `zone`.
    pub fn end_of_day(zone: Tz, date: NaiveDate) -> i64 {
        let next = date.succ_opt().unwrap_or(date);
        Self::start_of_day(zone, next) - 1
    }

    /// Today's date in `zone` at `now`.
    pub fn today(zone: Tz, now: Timestamp) -> NaiveDate {
        now.to_datetime().with_timezone(&zone).date_naive()
    }
}

/// Local days of instants, remembering the last few days found: events come
/// in nearly time order, so most lookups hit one of them.
#[derive(Default)]
pub struct DayFinder {
    last: Vec<(Tz, i64, i64, i64)>,
    /// Where the next day found is remembered once `last` is full.
    next: usize,
}

/// How many days a `DayFinder` remembers.
const DAYS_REMEMBERED: usize = 8;

impl DayFinder {
    pub fn day(&mut self, zone: Tz, micros: i64) -> i64 {
        for (z, start, end, day) in &self.last {
            if *z == zone && micros >= *start && micros <= *end {
                return *day;
            }
        }
        let day = Calendar::local_day(zone, micros);
        let date = NaiveDate::default()
            .checked_add_signed(chrono::Duration::days(day))
            .unwrap_or_default();
        let start = Calendar::start_of_day(zone, date);
        let end = Calendar::end_of_day(zone, date);
        // A day of a zone is between 23 and 25 hours long; anything else
        // (an instant outside chrono's range) is not remembered.
        if (end - start) > DAY_MICROS * 2 || end < start {
            return day;
        }
        if self.last.len() < DAYS_REMEMBERED {
            self.last.push((zone, start, end, day));
        } else {
            self.last[self.next] = (zone, start, end, day);
            self.next = (self.next + 1) % DAYS_REMEMBERED;
        }
        day
    }
}

/// Makes the read-model file at `path` count days in `calendar`'s zones: a
/// file that has applied no performance event yet takes them; a file counted
/// in other zones is refused (it must be rebuilt: rollups cannot be moved
/// from one calendar to another). Creates and migrates the file if needed.
pub fn adopt(path: &Path, calendar: &Calendar) -> Result<(), CalendarError> {
    let conn = open_writer(path, Durability::Live)?;
    adopt_in(&conn, calendar).map_err(|error| match error {
        CalendarError::Mismatch { stored, wanted, .. } => CalendarError::Mismatch {
            path: path.display().to_string(),
            stored,
            wanted,
        },
        other => other,
    })
}

/// `adopt` on an open connection.
pub fn adopt_in(conn: &Connection, calendar: &Calendar) -> Result<(), CalendarError> {
    let stored = Calendar::read(conn)?;
    if &stored == calendar {
        return Ok(());
    }
    let applied: Option<i64> = conn
        .query_row(
            "SELECT position FROM projection_checkpoints WHERE projection = ?1",
            [super::projection::NAME],
            |row| row.get(0),
        )
        .optional()?;
    if applied.unwrap_or(0) > 0 {
        return Err(CalendarError::Mismatch {
            path: String::new(),
            stored: stored.describe(),
            wanted: calendar.describe(),
        });
    }
    Ok(calendar.write(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn two_in_the_morning_in_karachi_is_the_local_day_not_the_utc_one() {
        // 2026-03-01 02:00 PKT is 2026-02-28 21:00 UTC.
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 2, 28, 21, 0, 0)
            .unwrap()
            .timestamp_micros();
        let day = Calendar::local_day(DEFAULT_TIME_ZONE, at);
        assert_eq!(day, (date(2026, 3, 1) - NaiveDate::default()).num_days());
        assert_eq!(
            Calendar::start_of_day(DEFAULT_TIME_ZONE, date(2026, 3, 1)),
            chrono::Utc
                .with_ymd_and_hms(2026, 2, 28, 19, 0, 0)
                .unwrap()
                .timestamp_micros()
        );
        let mut finder = DayFinder::default();
        assert_eq!(finder.day(DEFAULT_TIME_ZONE, at), day);
        assert_eq!(finder.day(DEFAULT_TIME_ZONE, at + 3_600_000_000), day);
        assert_eq!(
            finder.day(DEFAULT_TIME_ZONE, at - 2 * 3_600_000_000 - 1),
            day - 1
        );
    }

    #[test]
    fn zones_are_per_markaz_with_a_default() {
        let calendar = Calendar::default().with_markaz("KBL", chrono_tz::Asia::Kabul);
        assert_eq!(calendar.zone_of("KCH"), DEFAULT_TIME_ZONE);
        assert_eq!(calendar.zone_of("KBL"), chrono_tz::Asia::Kabul);
        assert_eq!(calendar.describe(), "Asia/Karachi (KBL: Asia/Kabul)");
        assert!(parse_zone("Asia/Quetta").is_err());
        assert_eq!(parse_zone(" Asia/Karachi ").unwrap(), DEFAULT_TIME_ZONE);
    }
}
