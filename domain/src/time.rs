//! The one timestamp type of the domain.
//!
//! Events must encode time the same way forever, whatever a library's default
//! serialisation does next year, so a timestamp is an `i64` count of
//! microseconds since the Unix epoch (UTC) and is serialised as exactly that.

use std::fmt;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A UTC instant with microsecond precision, encoded as microseconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `micros` microseconds after 1970-01-01T00:00:00Z.
    pub const fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    /// Microseconds since the epoch: the stable encoding.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Converts a chrono time, dropping anything finer than a microsecond.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Timestamp(at.timestamp_micros())
    }

    /// The same instant as a chrono time.
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_micros(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// This instant plus a whole number of hours (saturating).
    pub fn plus_hours(self, hours: u32) -> Self {
        Timestamp(
            self.0
                .saturating_add(i64::from(hours).saturating_mul(3_600_000_000)),
        )
    }

    /// This instant plus a whole number of days (saturating).
    pub fn plus_days(self, days: u32) -> Self {
        Timestamp(
            self.0
                .saturating_add(i64::from(days).saturating_mul(86_400_000_000)),
        )
    }

    /// RFC 3339 in UTC with microseconds, as the API and exports show it.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp::from_datetime(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_hours_or_days_saturates_instead_of_wrapping() {
        let now = Timestamp::from_micros(1_764_000_000_000_000);
        assert_eq!(now.plus_hours(2).as_micros(), 1_764_007_200_000_000);
        assert_eq!(now.plus_hours(u32::MAX), Timestamp::from_micros(i64::MAX));
        assert_eq!(now.plus_days(u32::MAX), Timestamp::from_micros(i64::MAX));
    }
}
