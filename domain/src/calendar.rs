//! The working calendar: which days a police service centre works, its dated
//! public holidays, and deadlines counted in working days.
//!
//! Holidays are a dated list, never computed: the moveable ones (the two
//! Eids, Ashura, Eid Milad-un-Nabi) follow the lunar calendar and are
//! notified by the federal government each year after the moon is sighted,
//! sometimes a day off the forecast. A deadline is computed once, when a case
//! is filed, and recorded in its event, so a later change of the calendar
//! (a holiday notified, a working week changed) never moves an old promise.
//!
//! Days are local days of the calendar's time zone (Pakistan Standard Time by
//! default: a case filed at 02:00 in Quetta is filed on that local day).

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// The most working days a deadline may count: about ten years, the same
/// bound as a deadline in hours (a typo of a few zeros is recorded forever).
pub const MAX_WORKING_DAYS: u32 = 3_000;

/// How a deadline is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeadlineRule {
    /// Clock hours from the moment of filing, nights and holidays included
    /// (for what may not wait: someone may be in danger).
    Hours(u32),
    /// By the end of the Nth working day after the day of filing. The day of
    /// filing never counts, even a working one: part of it has gone.
    WorkingDays(u32),
}

/// A public holiday, as notified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name_en: String,
    pub name_ur: String,
}

/// Why a calendar was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("time zone `{0}` is not an IANA zone name: write one like Asia/Karachi")]
    UnknownTimeZone(String),
    #[error("working day `{0}` is not a day: write mon, tue, wed, thu, fri, sat or sun")]
    UnknownWeekday(String),
    #[error("the working week has no working day: list at least one in working_days")]
    NoWorkingDay,
    #[error("holiday date `{0}` is not a date: write it as YYYY-MM-DD")]
    BadDate(String),
    #[error("holiday {0} appears more than once: give each date one entry")]
    DuplicateHoliday(NaiveDate),
    #[error("holiday {0} has no name: give both name_en and name_ur")]
    UnnamedHoliday(NaiveDate),
    #[error("a deadline may count at most {MAX_WORKING_DAYS} working days, not {0}")]
    TooManyWorkingDays(u32),
}

/// The working week, the holidays and the time zone whose days they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingCalendar {
    time_zone: Tz,
    /// Indexed by `Weekday::num_days_from_monday`.
    working_week: [bool; 7],
    holidays: BTreeMap<NaiveDate, Holiday>,
}

impl WorkingCalendar {
    /// Builds a calendar; at least one day of the week must be a working day
    /// (otherwise no working-day deadline could ever fall due).
    pub fn new(
        time_zone: Tz,
        working_days: &[Weekday],
        holidays: Vec<Holiday>,
    ) -> Result<Self, CalendarError> {
        let mut working_week = [false; 7];
        for day in working_days {
            working_week[day.num_days_from_monday() as usize] = true;
        }
        if !working_week.contains(&true) {
            return Err(CalendarError::NoWorkingDay);
        }
        let mut by_date = BTreeMap::new();
        for holiday in holidays {
            if holiday.name_en.trim().is_empty() || holiday.name_ur.trim().is_empty() {
                return Err(CalendarError::UnnamedHoliday(holiday.date));
            }
            let date = holiday.date;
            if by_date.insert(date, holiday).is_some() {
                return Err(CalendarError::DuplicateHoliday(date));
            }
        }
        Ok(WorkingCalendar {
            time_zone,
            working_week,
            holidays: by_date,
        })
    }

    /// A police service centre in Pakistan: Monday to Saturday, Pakistan
    /// Standard Time, and the federal public holidays in [`PAKISTAN_HOLIDAYS`].
    pub fn pakistan() -> Self {
        use Weekday::*;
        let holidays = PAKISTAN_HOLIDAYS
            .iter()
            .map(|(date, name_en, name_ur)| Holiday {
                date: NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .unwrap_or_else(|_| unreachable!("the seeded dates are valid")),
                name_en: (*name_en).to_owned(),
                name_ur: (*name_ur).to_owned(),
            })
            .collect();
        WorkingCalendar::new(
            chrono_tz::Asia::Karachi,
            &[Mon, Tue, Wed, Thu, Fri, Sat],
            holidays,
        )
        .unwrap_or_else(|_| unreachable!("the seeded calendar is valid"))
    }

    /// The same calendar counted in another zone's days (a markaz configured
    /// with a zone of its own).
    pub fn in_time_zone(mut self, time_zone: Tz) -> Self {
        self.time_zone = time_zone;
        self
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The working days of the week, Monday first.
    pub fn working_days(&self) -> Vec<Weekday> {
        (0..7u8)
            .filter(|&index| self.working_week[usize::from(index)])
            .filter_map(|index| Weekday::try_from(index).ok())
            .collect()
    }

    pub fn holidays(&self) -> impl Iterator<Item = &Holiday> {
        self.holidays.values()
    }

    /// The holiday on a local day, if any.
    pub fn holiday(&self, day: NaiveDate) -> Option<&Holiday> {
        self.holidays.get(&day)
    }

    /// Whether the centre works on a local day: a day of its working week
    /// that is no holiday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.working_week[day.weekday().num_days_from_monday() as usize]
            && !self.holidays.contains_key(&day)
    }

    /// The local day an instant falls on.
    pub fn local_day(&self, at: Timestamp) -> NaiveDate {
        at.to_datetime().with_timezone(&self.time_zone).date_naive()
    }

    /// When a deadline measured by `rule` from `from` falls due.
    pub fn due(&self, from: Timestamp, rule: DeadlineRule) -> Result<Timestamp, CalendarError> {
        match rule {
            DeadlineRule::Hours(hours) => Ok(from.plus_hours(hours)),
            DeadlineRule::WorkingDays(days) => self.plus_working_days(from, days),
        }
    }

    /// The end of the `days`th working day after the local day of `from`
    /// (the first instant of the next local day, so a case is late from that
    /// midnight on). Zero days means the end of the day of filing.
    pub fn plus_working_days(
        &self,
        from: Timestamp,
        days: u32,
    ) -> Result<Timestamp, CalendarError> {
        if days > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyWorkingDays(days));
        }
        let mut day = self.local_day(from);
        let mut counted = 0;
        // Ends: the week has a working day, and the holidays are finite.
        while counted < days {
            day = next_day(day);
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        Ok(self.start_of(next_day(day)))
    }

    /// The first instant of a local day. Where a zone skips midnight (a
    /// daylight-saving change at 00:00) the day starts at its first existing
    /// instant.
    fn start_of(&self, day: NaiveDate) -> Timestamp {
        let midnight = day.and_time(chrono::NaiveTime::MIN);
        let local = self
            .time_zone
            .from_local_datetime(&midnight)
            .earliest()
            .or_else(|| {
                self.time_zone
                    .from_local_datetime(&(midnight + chrono::TimeDelta::hours(1)))
                    .earliest()
            });
        match local {
            Some(at) => Timestamp::from_datetime(at.with_timezone(&chrono::Utc)),
            // No zone skips more than an hour at midnight; reading the day as
            // UTC is the least wrong answer if one ever did.
            None => Timestamp::from_datetime(midnight.and_utc()),
        }
    }

    /// Reads the `[calendar]` table and `[[holiday]]` tables of a catalogue
    /// file (see [`CalendarTables`]); without a `[calendar]` table the week
    /// and zone are Pakistan's, and the holidays are those listed (none
    /// listed: Pakistan's seeded ones).
    pub fn from_tables(tables: CalendarTables) -> Result<Self, CalendarError> {
        let seeded = WorkingCalendar::pakistan();
        let time_zone = match tables
            .calendar
            .as_ref()
            .and_then(|c| c.time_zone.as_deref())
        {
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| CalendarError::UnknownTimeZone(name.to_owned()))?,
            None => seeded.time_zone,
        };
        let working_days = match tables
            .calendar
            .as_ref()
            .and_then(|c| c.working_days.as_ref())
        {
            Some(days) => days
                .iter()
                .map(|day| parse_weekday(day))
                .collect::<Result<Vec<_>, _>>()?,
            None => seeded.working_days(),
        };
        let holidays = match tables.holiday {
            Some(entries) => entries
                .into_iter()
                .map(HolidayEntry::into_holiday)
                .collect::<Result<Vec<_>, _>>()?,
            None => seeded.holidays.into_values().collect(),
        };
        WorkingCalendar::new(time_zone, &working_days, holidays)
    }
}

impl WorkingCalendar {
    /// The calendar as a filing records it: the zone, the working week and
    /// the holidays from the day of `from` to the day of `until` (the ones a
    /// deadline of the filing could have skipped), so the case keeps the
    /// calendar its promise was counted on.
    pub fn record(&self, from: Timestamp, until: Timestamp) -> RecordedCalendar {
        let first = self.local_day(from);
        let last = self.local_day(until);
        RecordedCalendar {
            time_zone: self.time_zone.name().to_owned(),
            working_days: self.working_days(),
            holidays: self
                .holidays
                .range(first..=last)
                .map(|(date, _)| *date)
                .collect(),
        }
    }
}

/// The working calendar a filing's deadlines were counted on, as recorded in
/// the filing: the zone's name, the working week (Monday first) and the
/// holidays that fell between the filing and its last deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCalendar {
    pub time_zone: String,
    pub working_days: Vec<Weekday>,
    pub holidays: Vec<NaiveDate>,
}

/// How a filing's two deadlines were measured and the calendar they were
/// counted on. Filings recorded before the working calendar (schema v1 and
/// v2) have none: their deadlines were clock hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineTerms {
    pub acknowledge: DeadlineRule,
    pub resolve: DeadlineRule,
    pub calendar: RecordedCalendar,
}

impl DeadlineRule {
    /// The rule in words for timelines and exports (`8 hours`, `2 working days`).
    pub fn describe(self) -> String {
        match self {
            DeadlineRule::Hours(1) => "1 hour".to_owned(),
            DeadlineRule::Hours(hours) => format!("{hours} hours"),
            DeadlineRule::WorkingDays(1) => "1 working day".to_owned(),
            DeadlineRule::WorkingDays(days) => format!("{days} working days"),
        }
    }
}

impl Default for WorkingCalendar {
    fn default() -> Self {
        WorkingCalendar::pakistan()
    }
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX)
}

fn parse_weekday(text: &str) -> Result<Weekday, CalendarError> {
    let day = match text.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return Err(CalendarError::UnknownWeekday(text.to_owned())),
    };
    Ok(day)
}

/// The calendar's part of a catalogue file:
///
/// ```toml
/// [calendar]
/// time_zone = "Asia/Karachi"
/// working_days = ["mon", "tue", "wed", "thu", "fri", "sat"]
///
/// [[holiday]]
/// date = 2027-03-10            # a TOML date, or the text "2027-03-10"
/// name_en = "Eid ul-Fitr"
/// name_ur = "عید الفطر"
/// ```
///
/// Listing any `[[holiday]]` replaces the seeded holidays entirely, so a
/// file says every holiday it means.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarTables {
    #[serde(default)]
    pub calendar: Option<CalendarTable>,
    #[serde(default)]
    pub holiday: Option<Vec<HolidayEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarTable {
    pub time_zone: Option<String>,
    pub working_days: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayEntry {
    pub date: DateField,
    pub name_en: String,
    pub name_ur: String,
}

/// A holiday's date as a TOML date or as text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DateField {
    Toml(toml::value::Datetime),
    Text(String),
}

impl HolidayEntry {
    fn into_holiday(self) -> Result<Holiday, CalendarError> {
        let date = match self.date {
            DateField::Text(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| CalendarError::BadDate(text))?,
            DateField::Toml(value) => match (value.date, value.time, value.offset) {
                (Some(date), None, None) => NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                )
                .ok_or_else(|| CalendarError::BadDate(value.to_string()))?,
                _ => return Err(CalendarError::BadDate(value.to_string())),
            },
        };
        Ok(Holiday {
            date,
            name_en: self.name_en,
            name_ur: self.name_ur,
        })
    }
}

/// The seeded federal public holidays: the fixed-date ones of 2026 and 2027,
/// and the moveable ones of 2026 as the federal government notified them
/// (Eid ul-Fitr on 20 and 21 March). The moveable holidays of 2027 are not
/// notified yet: add them to the catalogue file when they are
/// (docs/operations.md shows how).
pub const PAKISTAN_HOLIDAYS: &[(&str, &str, &str)] = &[
    ("2026-02-05", "Kashmir Solidarity Day", "یوم یکجہتی کشمیر"),
    ("2026-03-20", "Eid ul-Fitr", "عید الفطر"),
    ("2026-03-21", "Eid ul-Fitr", "عید الفطر"),
    ("2026-03-23", "Pakistan Day", "یوم پاکستان"),
    ("2026-05-01", "Labour Day", "یوم مزدور"),
    ("2026-05-28", "Youm-e-Takbeer", "یوم تکبیر"),
    ("2026-08-14", "Independence Day", "یوم آزادی"),
    ("2026-11-09", "Iqbal Day", "یوم اقبال"),
    ("2026-12-25", "Quaid-e-Azam Day", "یوم قائداعظم"),
    ("2027-02-05", "Kashmir Solidarity Day", "یوم یکجہتی کشمیر"),
    ("2027-03-23", "Pakistan Day", "یوم پاکستان"),
    ("2027-05-01", "Labour Day", "یوم مزدور"),
    ("2027-05-28", "Youm-e-Takbeer", "یوم تکبیر"),
    ("2027-08-14", "Independence Day", "یوم آزادی"),
    ("2027-11-09", "Iqbal Day", "یوم اقبال"),
    ("2027-12-25", "Quaid-e-Azam Day", "یوم قائداعظم"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn at(local: &str) -> Timestamp {
        let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|_| panic!("bad test time {local}"));
        let local = chrono_tz::Asia::Karachi
            .from_local_datetime(&naive)
            .single()
            .unwrap_or_else(|| panic!("ambiguous {local}"));
        Timestamp::from_datetime(local.with_timezone(&chrono::Utc))
    }

    fn with_holidays(text: &str) -> WorkingCalendar {
        let tables: CalendarTables = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        WorkingCalendar::from_tables(tables).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn two_working_days_from_a_saturday_afternoon_before_eid_skip_sunday_and_eid() {
        // Eid ul-Adha on Monday and Tuesday: Saturday's filing is due at the
        // end of Thursday (Wednesday is day one, Thursday day two).
        let calendar = with_holidays(
            r#"
            [[holiday]]
            date = 2027-05-17
            name_en = "Eid ul-Adha"
            name_ur = "عید الاضحی"
            [[holiday]]
            date = "2027-05-18"
            name_en = "Eid ul-Adha"
            name_ur = "عید الاضحی"
            "#,
        );
        let filed = at("2027-05-15 15:30"); // a Saturday
        let due = calendar.due(filed, DeadlineRule::WorkingDays(2));
        assert_eq!(due, Ok(at("2027-05-21 00:00")));
    }

    #[test]
    fn the_day_of_filing_never_counts_and_zero_days_is_its_end() {
        let calendar = WorkingCalendar::pakistan();
        let monday_morning = at("2027-01-04 09:00");
        assert_eq!(
            calendar.plus_working_days(monday_morning, 1),
            Ok(at("2027-01-06 00:00"))
        );
        assert_eq!(
            calendar.plus_working_days(monday_morning, 0),
            Ok(at("2027-01-05 00:00"))
        );
    }

    #[test]
    fn a_filing_at_two_in_the_morning_counts_from_its_local_day() {
        // 02:00 in Quetta on Tuesday is still Monday in UTC.
        let calendar = WorkingCalendar::pakistan();
        let due = calendar.plus_working_days(at("2027-01-05 02:00"), 1);
        assert_eq!(due, Ok(at("2027-01-07 00:00")));
    }

    #[test]
    fn seeded_holidays_and_sundays_are_not_working_days() {
        let calendar = WorkingCalendar::pakistan();
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        assert!(!calendar.is_working_day(day("2027-03-23")), "Pakistan Day");
        assert!(!calendar.is_working_day(day("2027-01-03")), "a Sunday");
        assert!(calendar.is_working_day(day("2027-01-02")), "a Saturday");
        // Pakistan Day 2027 is a Tuesday: from Monday, one working day is Wednesday.
        assert_eq!(
            calendar.plus_working_days(at("2027-03-22 10:00"), 1),
            Ok(at("2027-03-25 00:00"))
        );
    }

    #[test]
    fn hours_ignore_the_calendar() {
        let calendar = WorkingCalendar::pakistan();
        let filed = at("2027-03-22 20:00");
        assert_eq!(
            calendar.due(filed, DeadlineRule::Hours(8)),
            Ok(at("2027-03-23 04:00"))
        );
    }

    #[test]
    fn a_five_day_week_and_a_zone_come_from_the_file() {
        let calendar = with_holidays(
            r#"
            [calendar]
            time_zone = "Asia/Dubai"
            working_days = ["mon", "tue", "wed", "thu", "fri"]
            [[holiday]]
            date = 2027-01-01
            name_en = "New Year"
            name_ur = "نیا سال"
            "#,
        );
        assert_eq!(calendar.time_zone(), chrono_tz::Asia::Dubai);
        assert_eq!(calendar.holidays().count(), 1);
        assert!(!calendar.is_working_day(NaiveDate::from_ymd_opt(2027, 1, 2).unwrap_or_default()));
    }

    #[test]
    fn bad_calendars_are_refused_with_what_to_fix() {
        let refuse = |text: &str| {
            let tables: CalendarTables = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            WorkingCalendar::from_tables(tables).err()
        };
        assert_eq!(
            refuse("[calendar]\nworking_days = []"),
            Some(CalendarError::NoWorkingDay)
        );
        assert_eq!(
            refuse("[calendar]\nworking_days = [\"friyay\"]"),
            Some(CalendarError::UnknownWeekday("friyay".into()))
        );
        assert_eq!(
            refuse("[calendar]\ntime_zone = \"Mars/Olympus\""),
            Some(CalendarError::UnknownTimeZone("Mars/Olympus".into()))
        );
        assert!(matches!(
            refuse("[[holiday]]\ndate = \"2027-02-30\"\nname_en = \"x\"\nname_ur = \"y\""),
            Some(CalendarError::BadDate(_))
        ));
        assert!(matches!(
            refuse("[[holiday]]\ndate = 2027-02-05T10:00:00\nname_en = \"x\"\nname_ur = \"y\""),
            Some(CalendarError::BadDate(_))
        ));
        assert!(matches!(
            refuse(
                "[[holiday]]\ndate = 2027-02-05\nname_en = \"x\"\nname_ur = \"y\"\n\
                 [[holiday]]\ndate = 2027-02-05\nname_en = \"x\"\nname_ur = \"y\""
            ),
            Some(CalendarError::DuplicateHoliday(_))
        ));
        assert_eq!(
            WorkingCalendar::pakistan().plus_working_days(Timestamp::from_micros(0), 3_001),
            Err(CalendarError::TooManyWorkingDays(3_001))
        );
    }
}
