//! Performance per service: requested, issued, refused, time to issue
//! (p50/p90), the share issued within the promised date, how long each
//! police station takes to verify, and the ratings.
//!
//! Computed at query time from the request rows of the range (one indexed
//! range scan of `service_requests` and its station referrals, never the
//! log): a markaz takes a few hundred requests a day, so a year is a scan of
//! about 100,000 small rows. Percentiles are nearest-rank over exact
//! durations.

use std::collections::BTreeMap;

use markaz_domain::Timestamp;
use rusqlite::params;
use serde::Serialize;

use crate::read_models::{QueryError, ReadModels};

const MICROS_PER_HOUR: f64 = 3_600_000_000.0;

/// How long one station takes to answer the requests sent to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationTimes {
    pub station: String,
    pub sent: u64,
    pub answered: u64,
    pub adverse: u64,
    pub answer_hours_p50: Option<f64>,
    pub answer_hours_p90: Option<f64>,
}

/// The figures of one service over the range.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServicePerformanceRow {
    pub service: String,
    pub name_en: String,
    pub name_ur: String,
    pub requested: u64,
    pub issued: u64,
    pub refused: u64,
    pub withdrawn: u64,
    pub open: u64,
    pub issue_hours_p50: Option<f64>,
    pub issue_hours_p90: Option<f64>,
    /// Of the issued, the share issued by the promised date, in percent.
    pub issued_within_deadline_pct: Option<f64>,
    pub rating_avg: Option<f64>,
    /// Counts of 1 to 5 stars.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u64>, min_items = 5, max_items = 5))]
    pub ratings: [u64; 5],
    pub stations: Vec<StationTimes>,
}

/// Every service with requests made in the range.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServicePerformance {
    pub services: Vec<ServicePerformanceRow>,
}

/// The nearest-rank percentile `p` (0..=100) of `sorted`, in hours, to two
/// decimals.
fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    let micros = sorted[rank.min(sorted.len()) - 1];
    Some(round(micros as f64 / MICROS_PER_HOUR, 2))
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

#[derive(Default)]
struct Tally {
    name_en: String,
    name_ur: String,
    requested: u64,
    issued: u64,
    refused: u64,
    withdrawn: u64,
    open: u64,
    within_deadline: u64,
    issue_micros: Vec<i64>,
    ratings: [u64; 5],
    stations: BTreeMap<String, StationTally>,
}

#[derive(Default)]
struct StationTally {
    sent: u64,
    answered: u64,
    adverse: u64,
    answer_micros: Vec<i64>,
}

impl ReadModels {
    /// Figures per service for the requests made in `[from, to)`, of one
    /// markaz or (`None`) all.
    pub async fn service_performance(
        &self,
        from: Timestamp,
        to: Timestamp,
        markaz: Option<String>,
    ) -> Result<ServicePerformance, QueryError> {
        self.run(move |conn| {
            let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
            let range = params![from.as_micros(), to.as_micros(), markaz];
            let mut requests = conn.prepare_cached(
                "SELECT service, service_name_en, service_name_ur, status, requested_at,
                        issued_at, issue_by, rating
                 FROM service_requests
                 WHERE requested_at >= ?1 AND requested_at < ?2 AND (?3 IS NULL OR markaz = ?3)",
            )?;
            let mut rows = requests.query(range)?;
            while let Some(row) = rows.next()? {
                let tally = tallies.entry(row.get(0)?).or_default();
                tally.name_en = row.get(1)?;
                tally.name_ur = row.get(2)?;
                tally.requested += 1;
                let status: String = row.get(3)?;
                match status.as_str() {
                    "refused" => tally.refused += 1,
                    "withdrawn" => tally.withdrawn += 1,
                    "requested" | "acknowledged" | "at_station" | "verified" => tally.open += 1,
                    _ => {}
                }
                let requested_at: i64 = row.get(4)?;
                if let Some(issued_at) = row.get::<_, Option<i64>>(5)? {
                    tally.issued += 1;
                    tally.issue_micros.push(issued_at - requested_at);
                    if issued_at <= row.get::<_, i64>(6)? {
                        tally.within_deadline += 1;
                    }
                }
                if let Some(stars) = row.get::<_, Option<u8>>(7)? {
                    if (1..=5).contains(&stars) {
                        tally.ratings[usize::from(stars) - 1] += 1;
                    }
                }
            }
            let mut referrals = conn.prepare_cached(
                "SELECT v.service, v.station, v.sent_at, v.answered_at, v.finding
                 FROM station_verifications v
                 JOIN service_requests r ON r.request_id = v.request_id
                 WHERE r.requested_at >= ?1 AND r.requested_at < ?2
                   AND (?3 IS NULL OR r.markaz = ?3)",
            )?;
            let mut rows = referrals.query(range)?;
            while let Some(row) = rows.next()? {
                let Some(tally) = tallies.get_mut(&row.get::<_, String>(0)?) else {
                    continue;
                };
                let station = tally.stations.entry(row.get(1)?).or_default();
                station.sent += 1;
                let sent_at: i64 = row.get(2)?;
                if let Some(answered_at) = row.get::<_, Option<i64>>(3)? {
                    station.answered += 1;
                    station.answer_micros.push(answered_at - sent_at);
                }
                if row.get::<_, Option<String>>(4)?.as_deref() == Some("adverse") {
                    station.adverse += 1;
                }
            }
            Ok(ServicePerformance {
                services: tallies
                    .into_iter()
                    .map(|(service, tally)| figures(service, tally))
                    .collect(),
            })
        })
        .await
    }
}

fn figures(service: String, mut tally: Tally) -> ServicePerformanceRow {
    tally.issue_micros.sort_unstable();
    let rated: u64 = tally.ratings.iter().sum();
    let stars: u64 = tally
        .ratings
        .iter()
        .enumerate()
        .map(|(index, count)| (index as u64 + 1) * count)
        .sum();
    ServicePerformanceRow {
        service,
        name_en: tally.name_en,
        name_ur: tally.name_ur,
        requested: tally.requested,
        issued: tally.issued,
        refused: tally.refused,
        withdrawn: tally.withdrawn,
        open: tally.open,
        issue_hours_p50: percentile(&tally.issue_micros, 50.0),
        issue_hours_p90: percentile(&tally.issue_micros, 90.0),
        issued_within_deadline_pct: (tally.issued > 0).then(|| {
            round(
                100.0 * tally.within_deadline as f64 / tally.issued as f64,
                1,
            )
        }),
        rating_avg: (rated > 0).then(|| round(stars as f64 / rated as f64, 2)),
        ratings: tally.ratings,
        stations: tally
            .stations
            .into_iter()
            .map(|(station, mut times)| {
                times.answer_micros.sort_unstable();
                StationTimes {
                    station,
                    sent: times.sent,
                    answered: times.answered,
                    adverse: times.adverse,
                    answer_hours_p50: percentile(&times.answer_micros, 50.0),
                    answer_hours_p90: percentile(&times.answer_micros, 90.0),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_in_hours() {
        let hour = 3_600_000_000;
        let sorted = [hour, 2 * hour, 3 * hour, 4 * hour, 10 * hour];
        assert_eq!(percentile(&sorted, 50.0), Some(3.0));
        assert_eq!(percentile(&sorted, 90.0), Some(10.0));
        assert_eq!(percentile(&[hour / 2], 90.0), Some(0.5));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
