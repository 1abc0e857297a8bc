//! The one clock of the command layer. Every command's time comes from here,
//! so a test can fix it and a replay never depends on when it runs.
//!
//! Process managers also wait on it (`tick`): the operating system's clock
//! wakes them by sleeping, a manual clock whenever a test sets it, so a test
//! moves time forward without any real waiting.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use markaz_domain::Timestamp;
use tokio::sync::watch;

/// A future a clock hands out to be awaited.
pub type Tick<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Where commands get the time they happen at.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Resolves once the clock has moved on from `seen` (a time the caller
    /// read from it), no later than when it reaches `until`, and possibly
    /// earlier: the caller reads `now` again and decides.
    fn tick(&self, seen: Timestamp, until: Option<Timestamp>) -> Tick<'_>;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

/// The longest a process manager sleeps on the system clock before looking
/// again (the wall clock may be set forward meanwhile).
const LONGEST_SLEEP: Duration = Duration::from_secs(60);

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
    }

    fn tick(&self, _seen: Timestamp, until: Option<Timestamp>) -> Tick<'_> {
        let now = self.now();
        let wait = until.map_or(LONGEST_SLEEP, |until| {
            let micros = until.as_micros().saturating_sub(now.as_micros()).max(0);
            Duration::from_micros(micros as u64).min(LONGEST_SLEEP)
        });
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that says what it is told, for tests and simulations.
#[derive(Debug)]
pub struct ManualClock(watch::Sender<Timestamp>);

impl ManualClock {
    pub fn at(time: Timestamp) -> Self {
        ManualClock(watch::Sender::new(time))
    }

    /// Sets the time and wakes whoever waits on the clock.
    pub fn set(&self, time: Timestamp) {
        self.0.send_replace(time);
    }

    /// Moves the clock forward by whole hours.
    pub fn advance_hours(&self, hours: u32) {
        self.set(self.now().plus_hours(hours));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.borrow()
    }

    fn tick(&self, seen: Timestamp, _until: Option<Timestamp>) -> Tick<'_> {
        let mut changes = self.0.subscribe();
        Box::pin(async move {
            // A time set since `seen` was read counts: nothing is missed
            // between reading the clock and waiting on it.
            while *changes.borrow_and_update() == seen {
                if changes.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}
