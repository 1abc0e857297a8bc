//! Duration histograms: sparse, mergeable, bucketed as HdrHistogram buckets
//! them, with an explicit count of values beyond the tracked range.
//!
//! A duration is recorded in whole seconds. Buckets are those of an
//! `hdrhistogram::Histogram` with three significant digits, tracking 0 s to
//! `MAX_TRACKED_SECONDS` (one year): every value below `EXACT_BELOW_SECONDS`
//! (2,048 s, about 34 minutes) has a bucket of its own and is exact to the
//! second; above it a bucket is at most 1/1024 of its value wide, so a
//! percentile read from it is within 0.1% of the true value (it is reported
//! as the bucket's lowest value: never above the truth, at most 0.1% below
//! it; whole minutes and hours mostly fall on a bucket's edge and read back
//! exactly). A value beyond one
//! year is counted as beyond the range, and a percentile that falls among
//! those values is reported as beyond the range, never as a number.
//!
//! Only the buckets that hold values are kept (a rollup cell holds a few), as
//! (bucket, count) pairs keyed by the bucket's lowest value; two histograms
//! merge by adding the counts of equal keys, so rollups summed over any range
//! give the histogram of the whole range. Counts are signed: a batch may take
//! a value back out (a final resolution that a reopening undid), and the
//! stored sums never go below zero because a value is only taken out of the
//! cell it was put in.

use std::sync::OnceLock;

use hdrhistogram::Histogram;

/// The longest duration tracked: a year, in seconds.
pub const MAX_TRACKED_SECONDS: u64 = 366 * 24 * 3_600;
/// Durations below this many seconds are recorded exactly.
pub const EXACT_BELOW_SECONDS: u64 = 2_048;
/// The largest relative error of a percentile above `EXACT_BELOW_SECONDS`.
pub const RELATIVE_ERROR: f64 = 1.0 / 1_024.0;
/// The key under which values beyond `MAX_TRACKED_SECONDS` are counted.
const BEYOND: u32 = u32::MAX;

const SECOND_MICROS: i64 = 1_000_000;

/// The histogram whose bucket boundaries every `Durations` uses.
fn buckets() -> &'static Histogram<u8> {
    static BUCKETS: OnceLock<Histogram<u8>> = OnceLock::new();
    BUCKETS.get_or_init(|| {
        Histogram::new_with_bounds(1, MAX_TRACKED_SECONDS, 3)
            .unwrap_or_else(|error| unreachable!("constant histogram bounds: {error}"))
    })
}

/// The bucket key of a duration given in microseconds (negative durations,
/// from a clock set back, count as zero).
fn key_of(micros: i64) -> u32 {
    let seconds = (micros.max(0) / SECOND_MICROS) as u64;
    if seconds > MAX_TRACKED_SECONDS {
        return BEYOND;
    }
    buckets().lowest_equivalent(seconds) as u32
}

/// A sparse histogram of durations: (bucket key, count), sorted by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durations {
    counts: Vec<(u32, i64)>,
}

/// One percentile of a `Durations`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantile {
    /// The percentile in seconds (exact below `EXACT_BELOW_SECONDS`; above,
    /// at most `RELATIVE_ERROR` below the true value).
    Seconds(u64),
    /// The percentile falls among values beyond `MAX_TRACKED_SECONDS`.
    BeyondRange,
}

impl Durations {
    /// Adds `count` values of `micros` (a negative count takes them out).
    pub fn record(&mut self, micros: i64, count: i64) {
        self.add_to(key_of(micros), count);
    }

    fn add_to(&mut self, key: u32, count: i64) {
        match self.counts.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(index) => {
                self.counts[index].1 += count;
                if self.counts[index].1 == 0 {
                    self.counts.remove(index);
                }
            }
            Err(index) if count != 0 => self.counts.insert(index, (key, count)),
            Err(_) => {}
        }
    }

    pub fn add(&mut self, other: &Durations) {
        match other.counts.len() {
            0 => {}
            1 => self.add_to(other.counts[0].0, other.counts[0].1),
            _ => self.merge(other.counts.iter().copied()),
        }
    }

    /// Adds sorted (key, count) pairs in one pass over both lists.
    fn merge(&mut self, other: impl Iterator<Item = (u32, i64)>) {
        if self.counts.is_empty() {
            self.counts.extend(other.filter(|(_, count)| *count != 0));
            return;
        }
        let mine = std::mem::take(&mut self.counts);
        let mut merged = Vec::with_capacity(mine.len() + 8);
        let mut index = 0;
        for (key, count) in other {
            while index < mine.len() && mine[index].0 < key {
                merged.push(mine[index]);
                index += 1;
            }
            let sum = if index < mine.len() && mine[index].0 == key {
                index += 1;
                mine[index - 1].1 + count
            } else {
                count
            };
            if sum != 0 {
                merged.push((key, sum));
            }
        }
        merged.extend_from_slice(&mine[index..]);
        self.counts = merged;
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// How many values are recorded (beyond the range included).
    pub fn samples(&self) -> u64 {
        self.counts.iter().map(|(_, c)| (*c).max(0) as u64).sum()
    }

    /// How many values lie beyond `MAX_TRACKED_SECONDS`.
    pub fn beyond_range(&self) -> u64 {
        self.counts
            .iter()
            .find(|(key, _)| *key == BEYOND)
            .map_or(0, |(_, c)| (*c).max(0) as u64)
    }

    /// The nearest-rank `quantile` (0..1): the smallest recorded value with
    /// at least that share of the values at or below it. `None` when empty.
    pub fn quantile(&self, quantile: f64) -> Option<Quantile> {
        let total = self.samples();
        if total == 0 {
            return None;
        }
        let rank = ((quantile * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0u64;
        for (key, count) in &self.counts {
            seen += (*count).max(0) as u64;
            if seen >= rank {
                return Some(if *key == BEYOND {
                    Quantile::BeyondRange
                } else {
                    Quantile::Seconds(u64::from(*key))
                });
            }
        }
        Some(Quantile::BeyondRange)
    }

    /// The stored form: 12 bytes per bucket (key as u32, count as i64, both
    /// little-endian), in key order.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.counts.len() * 12);
        for (key, count) in &self.counts {
            bytes.extend_from_slice(&key.to_le_bytes());
            bytes.extend_from_slice(&count.to_le_bytes());
        }
        bytes
    }

    /// Adds a stored histogram; a blob that is not whole pairs is an error.
    pub fn add_encoded(&mut self, blob: &[u8]) -> Result<(), String> {
        if !blob.len().is_multiple_of(12) {
            return Err(format!(
                "a duration histogram of {} bytes, which is not whole 12-byte buckets",
                blob.len()
            ));
        }
        let pairs = blob.chunks_exact(12).map(|pair| {
            let mut key = [0u8; 4];
            let mut count = [0u8; 8];
            key.copy_from_slice(&pair[..4]);
            count.copy_from_slice(&pair[4..]);
            (u32::from_le_bytes(key), i64::from_le_bytes(count))
        });
        // Stored histograms are written sorted; one that is not (a damaged
        // file) is still added correctly, one bucket at a time.
        let sorted = blob
            .chunks_exact(12)
            .zip(blob.chunks_exact(12).skip(1))
            .all(|(a, b)| a[..4].iter().rev().lt(b[..4].iter().rev()));
        if sorted {
            self.merge(pairs);
        } else {
            for (key, count) in pairs {
                self.add_to(key, count);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60 * SECOND_MICROS;

    fn of(minutes: &[i64]) -> Durations {
        let mut durations = Durations::default();
        for m in minutes {
            durations.record(m * MINUTE, 1);
        }
        durations
    }

    #[test]
    fn small_values_are_exact_and_percentiles_are_nearest_rank() {
        // 5, 10, 20, 30 minutes: seconds 300, 600, 1200, 1800 (all below 2048).
        let d = of(&[30, 5, 20, 10]);
        assert_eq!(d.samples(), 4);
        // p50: rank ceil(0.5 * 4) = 2, the second smallest: 10 minutes.
        assert_eq!(d.quantile(0.5), Some(Quantile::Seconds(600)));
        // p90: rank ceil(0.9 * 4) = 4: 30 minutes.
        assert_eq!(d.quantile(0.9), Some(Quantile::Seconds(1_800)));
        assert_eq!(Durations::default().quantile(0.5), None);
    }

    #[test]
    fn large_values_are_within_the_stated_error() {
        // 72 hours = 259,200 s, far above the exact range.
        let d = of(&[72 * 60]);
        let Some(Quantile::Seconds(read)) = d.quantile(0.5) else {
            panic!("expected a value");
        };
        let truth = 259_200.0;
        assert!(read as f64 <= truth, "{read}");
        assert!((truth - read as f64) / truth <= RELATIVE_ERROR, "{read}");
        // 25 hours and 1 second: in a bucket 64 s wide, read as its lowest value.
        let d = of(&[]);
        let mut d = d;
        d.record(90_001 * SECOND_MICROS, 1);
        assert_eq!(d.quantile(0.5), Some(Quantile::Seconds(89_984)));
    }

    #[test]
    fn a_percentile_beyond_the_range_is_reported_as_such() {
        // Two within the hour, one after 400 days: the p50 is a number, the
        // p90 lies beyond the tracked year and is never shown as one.
        let d = of(&[5, 30, 400 * 24 * 60]);
        assert_eq!(d.beyond_range(), 1);
        assert_eq!(d.quantile(0.5), Some(Quantile::Seconds(1_800)));
        assert_eq!(d.quantile(0.9), Some(Quantile::BeyondRange));
    }

    #[test]
    fn histograms_merge_take_out_and_round_trip() {
        let mut a = of(&[5, 10]);
        let b = of(&[10, 90 * 24 * 60]);
        a.add(&b);
        assert_eq!(a.samples(), 4);
        a.record(10 * MINUTE, -2);
        assert_eq!(a.samples(), 2);
        let mut back = Durations::default();
        back.add_encoded(&a.encode()).unwrap();
        assert_eq!(back, a);
        // Merging sorted lists: equal keys add up, zeros vanish.
        let mut c = of(&[1, 3, 5]);
        let mut d = of(&[2, 3, 6]);
        d.record(5 * MINUTE, -1);
        c.add(&d);
        assert_eq!(c, of(&[1, 2, 3, 3, 6]));
        back.add_encoded(&c.encode()).unwrap();
        assert_eq!(back.samples(), 7);
        assert!(back.add_encoded(&[1, 2, 3]).is_err());
    }
}
