//! The measures a performance rollup row holds, and how they are stored.
//!
//! Counts are signed so that a batch's delta may take something back out (a
//! final resolution undone by a reopening); a stored row never goes below
//! zero, because a value is only taken out of the cell it was put in.

use super::durations::Durations;

/// Counts of one rollup cell (or of many summed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measures {
    pub filed: i64,
    pub acknowledged: i64,
    pub referred: i64,
    /// Every resolution (a case reopened and resolved again has several).
    pub resolutions: i64,
    /// First resolutions of cases: the resolution deadline is judged on them.
    pub first_resolutions: i64,
    /// Resolutions that a later reopening undid (counted in the resolution's cell).
    pub resolutions_reopened: i64,
    pub withdrawn: i64,
    /// Withdrawals of cases that no officer had acted on yet.
    pub withdrawn_before_action: i64,
    pub reopened: i64,
    /// First officer actions (acknowledgement, referral or resolution; never
    /// a withdrawal), which stop the acknowledgement clock.
    pub first_actions: i64,
    /// First officer actions by the acknowledgement deadline.
    pub ack_within_sla: i64,
    /// First resolutions by the resolution deadline.
    pub resolved_within_sla: i64,
    /// Deadlines the escalation process found missed (on the deadline's day).
    pub deadlines_missed: i64,
    /// Escalations of cases to a supervisor or the district.
    pub escalations: i64,
    /// Resolutions followed by a later resolution of the same case (counted
    /// in the cell of the earlier one): a range subtracts those whose later
    /// resolution falls in it too, to count each case once.
    pub superseded: i64,
    /// Of `superseded`, those followed by the later resolution on the same local day.
    pub superseded_same_day: i64,
    /// Ratings with 1..=5 stars.
    pub ratings: [i64; 5],
    /// From filing to the first officer action.
    pub ack_seconds: Durations,
    /// From filing to the first resolution.
    pub first_resolve_seconds: Durations,
    /// From filing to the final resolution: the latest resolution of cases
    /// that are resolved now (a reopening takes the case's value back out).
    pub final_resolve_seconds: Durations,
}

/// The counting columns, in stored order, then the blobs.
pub(crate) const COUNT_COLUMNS: usize = 16;

impl Measures {
    pub fn add(&mut self, other: &Measures) {
        let (mine, theirs) = (self.counts_mut(), other.counts());
        for (a, b) in mine.into_iter().zip(theirs) {
            *a += b;
        }
        for (a, b) in self.ratings.iter_mut().zip(&other.ratings) {
            *a += b;
        }
        self.ack_seconds.add(&other.ack_seconds);
        self.first_resolve_seconds.add(&other.first_resolve_seconds);
        self.final_resolve_seconds.add(&other.final_resolve_seconds);
    }

    /// The counting measures in stored column order.
    pub(crate) fn counts(&self) -> [i64; COUNT_COLUMNS] {
        [
            self.filed,
            self.acknowledged,
            self.referred,
            self.resolutions,
            self.first_resolutions,
            self.resolutions_reopened,
            self.withdrawn,
            self.withdrawn_before_action,
            self.reopened,
            self.first_actions,
            self.ack_within_sla,
            self.resolved_within_sla,
            self.deadlines_missed,
            self.escalations,
            self.superseded,
            self.superseded_same_day,
        ]
    }

    fn counts_mut(&mut self) -> [&mut i64; COUNT_COLUMNS] {
        [
            &mut self.filed,
            &mut self.acknowledged,
            &mut self.referred,
            &mut self.resolutions,
            &mut self.first_resolutions,
            &mut self.resolutions_reopened,
            &mut self.withdrawn,
            &mut self.withdrawn_before_action,
            &mut self.reopened,
            &mut self.first_actions,
            &mut self.ack_within_sla,
            &mut self.resolved_within_sla,
            &mut self.deadlines_missed,
            &mut self.escalations,
            &mut self.superseded,
            &mut self.superseded_same_day,
        ]
    }

    /// Adds stored counting columns (in `counts` order).
    pub(crate) fn add_counts(&mut self, counts: [i64; COUNT_COLUMNS]) {
        for (a, b) in self.counts_mut().into_iter().zip(counts) {
            *a += b;
        }
    }
}

pub fn round_tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Rating counts are stored as five little-endian i64.
pub fn encode_ratings(ratings: &[i64; 5]) -> [u8; 40] {
    let mut bytes = [0u8; 40];
    for (count, chunk) in ratings.iter().zip(bytes.chunks_exact_mut(8)) {
        chunk.copy_from_slice(&count.to_le_bytes());
    }
    bytes
}

/// Adds stored rating counts; a blob of the wrong length is an error.
pub fn add_encoded_ratings(into: &mut [i64; 5], blob: &[u8]) -> Result<(), String> {
    if blob.len() != 40 {
        return Err(format!(
            "rating counts of {} bytes where 40 were expected",
            blob.len()
        ));
    }
    for (count, chunk) in into.iter_mut().zip(blob.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *count += i64::from_le_bytes(bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_add_up_and_ratings_round_trip() {
        let mut a = Measures {
            filed: 2,
            ratings: [1, 0, 0, 0, 3],
            ..Measures::default()
        };
        a.ack_seconds.record(60_000_000, 1);
        let mut b = a.clone();
        b.resolutions = -1;
        a.add(&b);
        assert_eq!(
            (a.filed, a.resolutions, a.ratings),
            (4, -1, [2, 0, 0, 0, 6])
        );
        assert_eq!(a.ack_seconds.samples(), 2);
        let mut back = [0i64; 5];
        add_encoded_ratings(&mut back, &encode_ratings(&a.ratings)).unwrap();
        assert_eq!(back, a.ratings);
        assert!(add_encoded_ratings(&mut back, &[0; 20]).is_err());
    }
}
