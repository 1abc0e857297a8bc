//! The measures a performance rollup row holds, and the fixed histogram
//! buckets that let medians and 90th percentiles be computed from rollups
//! summed over any date range.
//!
//! Buckets (upper bounds, inclusive; a last bucket takes everything above):
//! * time to acknowledge, minutes: 5, 10, 15, 30, 45, 60, 90, 120, 180, 240,
//!   360, 480, 720, 1080, 1440, 2160, 2880, 4320, 7200, 10080, then more.
//! * time to resolve, hours: 1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168,
//!   240, 336, 504, 720, 1080, 1440, 2160, then more.
//!
//! A percentile is interpolated linearly inside the bucket that holds its
//! rank, so its error is at most that bucket's width (5 minutes below a
//! quarter hour, 1 hour below 2 hours, growing with the bucket); a percentile
//! that falls in the open last bucket is reported as that bucket's lower bound
//! (a week, or 90 days).

/// Upper bounds of the time-to-acknowledge buckets, in minutes.
pub const ACK_MINUTES_BOUNDS: [u32; 20] = [
    5, 10, 15, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1080, 1440, 2160, 2880, 4320, 7200,
    10080,
];
/// Upper bounds of the time-to-resolve buckets, in hours.
pub const RESOLVE_HOURS_BOUNDS: [u32; 19] = [
    1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720, 1080, 1440, 2160,
];

pub const ACK_BUCKETS: usize = ACK_MINUTES_BOUNDS.len() + 1;
pub const RESOLVE_BUCKETS: usize = RESOLVE_HOURS_BOUNDS.len() + 1;

const MINUTE_MICROS: i64 = 60_000_000;
const HOUR_MICROS: i64 = 3_600_000_000;

/// Counts of one rollup cell (or of many summed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measures {
    pub filed: u64,
    pub acknowledged: u64,
    pub referred: u64,
    pub resolved: u64,
    pub withdrawn: u64,
    pub reopened: u64,
    /// First officer actions (which stop the acknowledgement clock) by the deadline.
    pub ack_within_sla: u64,
    /// Resolutions by the resolution deadline.
    pub resolved_within_sla: u64,
    /// Ratings with 1..=5 stars.
    pub ratings: [u64; 5],
    /// Minutes from filing to the first officer action.
    pub ack_minutes: [u64; ACK_BUCKETS],
    /// Hours from filing to each resolution.
    pub resolve_hours: [u64; RESOLVE_BUCKETS],
}

fn bucket_of(duration_micros: i64, bounds: &[u32], unit_micros: i64) -> usize {
    bounds
        .iter()
        .position(|bound| duration_micros <= i64::from(*bound) * unit_micros)
        .unwrap_or(bounds.len())
}

impl Measures {
    pub fn record_first_action(&mut self, waited_micros: i64, within_sla: bool) {
        self.ack_minutes[bucket_of(waited_micros, &ACK_MINUTES_BOUNDS, MINUTE_MICROS)] += 1;
        self.ack_within_sla += u64::from(within_sla);
    }

    pub fn record_resolution(&mut self, took_micros: i64, within_sla: bool) {
        self.resolved += 1;
        self.resolve_hours[bucket_of(took_micros, &RESOLVE_HOURS_BOUNDS, HOUR_MICROS)] += 1;
        self.resolved_within_sla += u64::from(within_sla);
    }

    pub fn add(&mut self, other: &Measures) {
        self.filed += other.filed;
        self.acknowledged += other.acknowledged;
        self.referred += other.referred;
        self.resolved += other.resolved;
        self.withdrawn += other.withdrawn;
        self.reopened += other.reopened;
        self.ack_within_sla += other.ack_within_sla;
        self.resolved_within_sla += other.resolved_within_sla;
        add_counts(&mut self.ratings, &other.ratings);
        add_counts(&mut self.ack_minutes, &other.ack_minutes);
        add_counts(&mut self.resolve_hours, &other.resolve_hours);
    }

    /// How many first officer actions were timed.
    pub fn first_actions(&self) -> u64 {
        self.ack_minutes.iter().sum()
    }

    pub fn ack_minutes_percentile(&self, quantile: f64) -> Option<f64> {
        percentile(&self.ack_minutes, &ACK_MINUTES_BOUNDS, quantile)
    }

    pub fn resolve_hours_percentile(&self, quantile: f64) -> Option<f64> {
        percentile(&self.resolve_hours, &RESOLVE_HOURS_BOUNDS, quantile)
    }
}

fn add_counts(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// The `quantile` (0..1) of a bucketed distribution, interpolated within its bucket.
pub fn percentile(counts: &[u64], bounds: &[u32], quantile: f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((quantile * total as f64).ceil() as u64).clamp(1, total);
    let mut before = 0u64;
    for (index, count) in counts.iter().enumerate() {
        if *count > 0 && before + count >= rank {
            let lower = if index == 0 {
                0.0
            } else {
                f64::from(bounds[index - 1])
            };
            let Some(upper) = bounds.get(index).map(|b| f64::from(*b)) else {
                return Some(lower);
            };
            let inside = (rank - before) as f64 / *count as f64;
            return Some(round_tenth(lower + (upper - lower) * inside));
        }
        before += count;
    }
    None
}

pub fn round_tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The stored form of `counts`, allocated (tests compare against it).
#[cfg(test)]
fn encode_counts(counts: &[u64]) -> Vec<u8> {
    let used = counts
        .iter()
        .rposition(|count| *count > 0)
        .map_or(0, |last| last + 1);
    counts[..used]
        .iter()
        .map(|count| (*count).min(u64::from(u32::MAX)) as u32)
        .flat_map(u32::to_le_bytes)
        .collect()
}

/// Histogram and rating counts are stored as little-endian u32 per bucket,
/// without the trailing empty buckets (most cells hold one or two events).
/// The stored form of `counts` is written into `buffer` (at least 4 bytes per
/// count), without allocating; returns the bytes used.
pub fn encode_counts_into<'b>(counts: &[u64], buffer: &'b mut [u8]) -> &'b [u8] {
    let used = counts
        .iter()
        .rposition(|count| *count > 0)
        .map_or(0, |last| last + 1);
    for (count, bytes) in counts[..used].iter().zip(buffer.chunks_exact_mut(4)) {
        let count = (*count).min(u64::from(u32::MAX)) as u32;
        bytes.copy_from_slice(&count.to_le_bytes());
    }
    &buffer[..used * 4]
}

/// Adds stored counts into `into`; a blob of the wrong length is an error.
pub fn add_encoded(into: &mut [u64], blob: &[u8]) -> Result<(), String> {
    if !blob.chunks_exact(4).remainder().is_empty() || blob.len() > into.len() * 4 {
        return Err(format!(
            "a histogram of {} bytes where at most {} in steps of 4 were expected",
            blob.len(),
            into.len() * 4
        ));
    }
    for (count, bytes) in into.iter_mut().zip(blob.chunks_exact(4)) {
        *count += u64::from(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_land_in_the_bucket_whose_upper_bound_they_reach() {
        assert_eq!(bucket_of(0, &ACK_MINUTES_BOUNDS, MINUTE_MICROS), 0);
        assert_eq!(
            bucket_of(5 * MINUTE_MICROS, &ACK_MINUTES_BOUNDS, MINUTE_MICROS),
            0
        );
        assert_eq!(
            bucket_of(5 * MINUTE_MICROS + 1, &ACK_MINUTES_BOUNDS, MINUTE_MICROS),
            1
        );
        assert_eq!(
            bucket_of(20_000 * MINUTE_MICROS, &ACK_MINUTES_BOUNDS, MINUTE_MICROS),
            20
        );
    }

    #[test]
    fn percentiles_interpolate_inside_the_bucket() {
        // 10 values in (30, 45] minutes: the median sits half way through.
        let mut counts = [0u64; ACK_BUCKETS];
        counts[4] = 10;
        assert_eq!(percentile(&counts, &ACK_MINUTES_BOUNDS, 0.5), Some(37.5));
        assert_eq!(percentile(&counts, &ACK_MINUTES_BOUNDS, 0.9), Some(43.5));
        assert_eq!(
            percentile(&[0; ACK_BUCKETS], &ACK_MINUTES_BOUNDS, 0.5),
            None
        );
        let mut overflow = [0u64; ACK_BUCKETS];
        overflow[20] = 1;
        assert_eq!(
            percentile(&overflow, &ACK_MINUTES_BOUNDS, 0.5),
            Some(10080.0)
        );
    }

    #[test]
    fn counts_round_trip_through_their_stored_form() {
        let counts = [1u64, 0, 7, 65_536, 3];
        let mut back = [0u64; 5];
        assert_eq!(add_encoded(&mut back, &encode_counts(&counts)), Ok(()));
        assert_eq!(back, counts);
        assert!(add_encoded(&mut back, &[1, 2, 3]).is_err());
        assert_eq!(encode_counts(&[0, 2, 0, 0]).len(), 8);
        assert!(encode_counts(&[0, 0]).is_empty());
        let mut buffer = [0u8; 20];
        assert_eq!(
            encode_counts_into(&counts, &mut buffer),
            encode_counts(&counts).as_slice()
        );
    }
}
