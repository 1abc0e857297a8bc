//! Duration histograms: sparse, mergeable, bucketed as HdrHistogram buckets
//! them, with an explicit count of values beyond the tracked range.
//!
//! A duration is recorded in whole minutes. Buckets are those of an
//! `hdrhistogram::Histogram` with one significant digit, tracking 0 to
//! `MAX_TRACKED_SECONDS` (one year): every duration below
//! `EXACT_BELOW_SECONDS` (32 minutes) has a bucket of its own and is exact to
//! the minute; above it a bucket is at most 1/16 of its value wide. A
//! percentile is reported as its bucket's lowest value: never above the true
//! value, and at most 6.25% (`RELATIVE_ERROR`) below it. A value beyond one
//! year is counted as beyond the range, and a percentile that falls among
//! those values is reported as beyond the range, never as a number.
//!
//! The precision is a trade: a year's query reads a few hundred rollup rows
//! per group, and each row's histograms must stay small (one significant
//! digit keeps a row's few hundred durations in about a hundred buckets of
//! three bytes each), so that a year over a million complaints is answered in
//! tens of milliseconds. Only the buckets that hold values are kept, as
//! (bucket index, count) pairs; two histograms merge by adding the counts of
//! equal buckets, so rollups summed over any range give the histogram of the
//! whole range. Counts are signed: a batch may take a value back out (a final
//! resolution that a reopening undid), and the stored sums never go below
//! zero because a value is only taken out of the cell it was put in.

use std::sync::OnceLock;

use hdrhistogram::Histogram;

/// The longest duration tracked: a year, in seconds.
pub const MAX_TRACKED_SECONDS: u64 = 366 * 24 * 3_600;
/// Durations below this many seconds (32 minutes) are recorded exactly, to the minute.
pub const EXACT_BELOW_SECONDS: u64 = 32 * 60;
/// The largest relative error of a percentile above `EXACT_BELOW_SECONDS`.
pub const RELATIVE_ERROR: f64 = 1.0 / 16.0;
/// The bucket index under which values beyond `MAX_TRACKED_SECONDS` are counted.
const BEYOND: u16 = u16::MAX;

const MINUTE_MICROS: i64 = 60_000_000;

/// The lowest value (minutes) of every bucket, in order: a bucket's index in
/// this table is what is stored.
fn buckets() -> &'static [u32] {
    static BUCKETS: OnceLock<Vec<u32>> = OnceLock::new();
    BUCKETS.get_or_init(|| {
        let max = MAX_TRACKED_SECONDS / 60;
        let histogram = Histogram::<u8>::new_with_bounds(1, max, 1)
            .unwrap_or_else(|error| unreachable!("constant histogram bounds: {error}"));
        let mut lowest = Vec::new();
        let mut value = 0u64;
        while value <= max {
            lowest.push(histogram.lowest_equivalent(value) as u32);
            value = histogram.highest_equivalent(value) + 1;
        }
        lowest
    })
}

/// The bucket index of a duration given in microseconds (negative durations,
/// from a clock set back, count as zero).
fn key_of(micros: i64) -> u16 {
    let minutes = (micros.max(0) / MINUTE_MICROS) as u64;
    if minutes > MAX_TRACKED_SECONDS / 60 {
        return BEYOND;
    }
    let table = buckets();
    let index = table.partition_point(|lowest| u64::from(*lowest) <= minutes);
    index.saturating_sub(1) as u16
}

/// A histogram of durations: sparse (bucket key, count) pairs sorted by key,
/// or, once many buckets are in use (summing a range's rollups at query
/// time), one dense count per bucket, which adds without moving anything.
#[derive(Clone, Debug, Default)]
pub struct Durations {
    counts: Vec<(u16, i64)>,
    dense: Option<Vec<i64>>,
}

impl PartialEq for Durations {
    fn eq(&self, other: &Self) -> bool {
        self.pairs().eq(other.pairs())
    }
}

impl Eq for Durations {}

/// Sparse histograms with more buckets than this turn dense.
const DENSE_FROM: usize = 48;

/// The dense slot of a bucket key (the last one counts beyond the range).
fn slot(key: u16) -> usize {
    let buckets = buckets().len();
    if key == BEYOND {
        buckets
    } else {
        usize::from(key).min(buckets)
    }
}

fn key_of_slot(slot: usize) -> u16 {
    if slot >= buckets().len() {
        BEYOND
    } else {
        slot as u16
    }
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

    /// The (bucket key, count) pairs with a count, in key order.
    fn pairs(&self) -> Box<dyn Iterator<Item = (u16, i64)> + '_> {
        match &self.dense {
            Some(dense) => Box::new(
                dense
                    .iter()
                    .enumerate()
                    .filter(|(_, count)| **count != 0)
                    .map(|(slot, count)| (key_of_slot(slot), *count)),
            ),
            None => Box::new(self.counts.iter().copied()),
        }
    }

    fn add_to(&mut self, key: u16, count: i64) {
        if let Some(dense) = &mut self.dense {
            dense[slot(key)] += count;
            return;
        }
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
        match &other.dense {
            Some(_) => {
                let pairs: Vec<(u16, i64)> = other.pairs().collect();
                self.merge(&pairs);
            }
            None => self.merge(&other.counts),
        }
    }

    /// Adds sorted (key, count) pairs: a few are inserted in place, many
    /// merged in one pass over both lists, or added to the dense counts.
    fn merge(&mut self, other: &[(u16, i64)]) {
        if self.counts.len() + other.len() > DENSE_FROM {
            self.densify();
        }
        if self.dense.is_some() || other.len() <= 4 {
            for (key, count) in other {
                self.add_to(*key, *count);
            }
            return;
        }
        if self.counts.is_empty() {
            self.counts
                .extend(other.iter().copied().filter(|(_, count)| *count != 0));
            return;
        }
        let mine = std::mem::take(&mut self.counts);
        let mut merged = Vec::with_capacity(mine.len() + other.len());
        let mut index = 0;
        for &(key, count) in other {
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

    /// Turns to one count per bucket (nothing to do when already dense).
    fn densify(&mut self) {
        if self.dense.is_none() {
            let mut dense = vec![0i64; buckets().len() + 1];
            for (key, count) in self.counts.drain(..) {
                dense[slot(key)] += count;
            }
            self.dense = Some(dense);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs().next().is_none()
    }

    /// How many values are recorded (beyond the range included).
    pub fn samples(&self) -> u64 {
        self.pairs().map(|(_, c)| c.max(0) as u64).sum()
    }

    /// How many values lie beyond `MAX_TRACKED_SECONDS`.
    pub fn beyond_range(&self) -> u64 {
        self.pairs()
            .find(|(key, _)| *key == BEYOND)
            .map_or(0, |(_, c)| c.max(0) as u64)
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
        for (key, count) in self.pairs() {
            seen += count.max(0) as u64;
            if seen >= rank {
                return Some(match buckets().get(usize::from(key)) {
                    Some(minutes) if key != BEYOND => Quantile::Seconds(u64::from(*minutes) * 60),
                    _ => Quantile::BeyondRange,
                });
            }
        }
        Some(Quantile::BeyondRange)
    }

    /// The stored form, per bucket in index order: the index as u16
    /// little-endian, then the count as a zig-zag LEB128 varint.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.counts.len() * 3);
        for (key, count) in self.pairs() {
            bytes.extend_from_slice(&key.to_le_bytes());
            let mut zigzag = ((count << 1) ^ (count >> 63)) as u64;
            loop {
                let byte = (zigzag & 0x7f) as u8;
                zigzag >>= 7;
                if zigzag == 0 {
                    bytes.push(byte);
                    break;
                }
                bytes.push(byte | 0x80);
            }
        }
        bytes
    }

    /// Adds a stored histogram; a blob that does not parse is an error.
    pub fn add_encoded(&mut self, blob: &[u8]) -> Result<(), String> {
        // Summing many rows (a query): straight into the dense counts.
        let direct = self.dense.is_some() || self.counts.len() + blob.len() / 3 > DENSE_FROM;
        if direct {
            self.densify();
        }
        let mut pairs = Vec::new();
        let mut rest = blob;
        while !rest.is_empty() {
            let (key, after) = rest.split_first_chunk::<2>().ok_or_else(|| {
                format!(
                    "a duration histogram of {} bytes ends inside a bucket",
                    blob.len()
                )
            })?;
            let key = u16::from_le_bytes(*key);
            let mut zigzag = 0u64;
            let mut used = 0;
            for (shift, byte) in after.iter().enumerate().take(10) {
                zigzag |= u64::from(byte & 0x7f) << (7 * shift);
                used = shift + 1;
                if byte & 0x80 == 0 {
                    break;
                }
            }
            if used == 0 || after[used - 1] & 0x80 != 0 {
                return Err(format!(
                    "a duration histogram of {} bytes ends inside a count",
                    blob.len()
                ));
            }
            let count = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
            if direct {
                self.add_to(key, count);
            } else {
                pairs.push((key, count));
            }
            rest = &after[used..];
        }
        // Stored histograms are written in index order; one that is not (a
        // damaged file) is still added correctly, one bucket at a time.
        if pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            self.merge(&pairs);
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

    const MINUTE: i64 = MINUTE_MICROS;

    fn of(minutes: &[i64]) -> Durations {
        let mut durations = Durations::default();
        for m in minutes {
            durations.record(m * MINUTE, 1);
        }
        durations
    }

    #[test]
    fn small_values_are_exact_and_percentiles_are_nearest_rank() {
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
        // Buckets above 32 minutes: [32, 64) by 2, [64, 128) by 4, ...,
        // [512, 1024) by 32. 540 minutes reads as 512, 600 as 576.
        assert_eq!(of(&[540]).quantile(0.5), Some(Quantile::Seconds(512 * 60)));
        assert_eq!(of(&[600]).quantile(0.5), Some(Quantile::Seconds(576 * 60)));
        assert_eq!(of(&[63]).quantile(0.5), Some(Quantile::Seconds(62 * 60)));
        for minutes in [
            33i64,
            100,
            1_000,
            4_321,
            72 * 60,
            90 * 24 * 60,
            365 * 24 * 60,
        ] {
            let Some(Quantile::Seconds(read)) = of(&[minutes]).quantile(0.5) else {
                panic!("expected a value for {minutes}");
            };
            let truth = (minutes * 60) as f64;
            assert!(read as f64 <= truth, "{minutes}: {read}");
            assert!(
                (truth - read as f64) / truth <= RELATIVE_ERROR,
                "{minutes}: {read}"
            );
        }
    }

    #[test]
    fn many_buckets_turn_dense_and_read_the_same() {
        let values: Vec<i64> = (0..200).map(|n| n * 37 + 1).collect();
        let sparse = of(&values);
        let mut dense = Durations::default();
        dense.add(&of(&values[..100]));
        dense.add(&of(&values[100..]));
        dense.record(400 * 24 * 60 * MINUTE, 1);
        dense.record(400 * 24 * 60 * MINUTE, -1);
        assert!(dense.dense.is_some() && sparse.dense.is_none());
        assert_eq!(dense, sparse);
        assert_eq!(dense.encode(), sparse.encode());
        for q in [0.1, 0.5, 0.9, 1.0] {
            assert_eq!(dense.quantile(q), sparse.quantile(q));
        }
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
        let b = of(&[10, 90 * 24 * 60, 400 * 24 * 60]);
        a.add(&b);
        assert_eq!(a.samples(), 5);
        a.record(10 * MINUTE, -2);
        assert_eq!(a.samples(), 3);
        let mut back = Durations::default();
        back.add_encoded(&a.encode()).unwrap();
        assert_eq!(back, a);
        // Merging sorted lists: equal buckets add up, zeros vanish.
        let mut c = of(&[1, 3, 5, 7, 9, 11]);
        let mut d = of(&[2, 3, 6, 8, 12, 13]);
        d.record(5 * MINUTE, -1);
        c.add(&d);
        assert_eq!(c, of(&[1, 2, 3, 3, 6, 7, 8, 9, 11, 12, 13]));
        back.add_encoded(&c.encode()).unwrap();
        assert_eq!(back.samples(), 14);
        // Large counts and damaged blobs.
        let mut big = Durations::default();
        big.record(MINUTE, 1 << 40);
        let mut again = Durations::default();
        again.add_encoded(&big.encode()).unwrap();
        assert_eq!(again, big);
        assert!(again.add_encoded(&[1, 0]).is_err());
        assert!(again.add_encoded(&[1, 0, 0x80]).is_err());
        assert!(again.add_encoded(&[1]).is_err());
    }
}
