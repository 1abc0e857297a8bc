//! Caps on live event streams (`GET /api/v1/events`): in all and per officer.
//!
//! A stream holds a connection, a feed of the log and a per-connection cache
//! for as long as the client stays, so an officer (or a leaked token) opening
//! stream after stream could hold the server. A stream takes a slot before it
//! starts and gives it back when it ends (the guard is dropped with the
//! stream); without a free slot the request is answered 503 with
//! `Retry-After`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use markaz_domain::OfficerId;

use super::problem::Problem;

/// How long a refused client is asked to wait before trying again.
const RETRY_AFTER_SECS: u64 = 5;

/// The streams open now.
#[derive(Clone)]
pub struct StreamLimits(Arc<Inner>);

struct Inner {
    total_cap: usize,
    per_officer_cap: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    /// Only officers with a stream open have an entry.
    by_officer: HashMap<OfficerId, usize>,
}

/// A slot held by one stream; dropping it frees the slot.
pub struct StreamSlot {
    limits: StreamLimits,
    officer: OfficerId,
}

impl StreamLimits {
    pub fn new(total_cap: usize, per_officer_cap: usize) -> Self {
        StreamLimits(Arc::new(Inner {
            total_cap,
            per_officer_cap,
            open: Mutex::new(Open::default()),
        }))
    }

    /// Takes a slot for a stream of `officer`, or says why not.
    pub fn open(&self, officer: OfficerId) -> Result<StreamSlot, Problem> {
        let mut open = self.0.open.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = open.by_officer.get(&officer).copied().unwrap_or(0);
        if mine >= self.0.per_officer_cap {
            return Err(Problem::unavailable(
                format!(
                    "you already have {mine} live event streams open, the most allowed: close \
                     one (a browser tab or dashboard) and try again"
                ),
                RETRY_AFTER_SECS,
            ));
        }
        if open.total >= self.0.total_cap {
            return Err(Problem::unavailable(
                "the server has as many live event streams open as it allows: try again later",
                RETRY_AFTER_SECS,
            ));
        }
        open.total += 1;
        *open.by_officer.entry(officer).or_insert(0) += 1;
        Ok(StreamSlot {
            limits: self.clone(),
            officer,
        })
    }

    /// Streams open now, in all.
    pub fn open_streams(&self) -> usize {
        self.0
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .limits
            .0
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(mine) = open.by_officer.get_mut(&self.officer) {
            *mine -= 1;
            if *mine == 0 {
                open.by_officer.remove(&self.officer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_capped_per_officer_and_in_all_and_freed_on_drop() {
        let limits = StreamLimits::new(3, 2);
        let a = OfficerId(uuid::Uuid::from_u128(1));
        let b = OfficerId(uuid::Uuid::from_u128(2));
        let first = limits.open(a).unwrap();
        let _second = limits.open(a).unwrap();
        assert!(limits.open(a).is_err(), "a third stream of one officer");
        let _third = limits.open(b).unwrap();
        assert!(limits.open(b).is_err(), "a fourth stream in all");
        drop(first);
        assert!(limits.open(b).is_ok());
        assert_eq!(limits.open_streams(), 2);
    }
}
