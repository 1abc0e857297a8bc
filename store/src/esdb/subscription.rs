//! The live feed: a catch-up subscription to `$all`, filtered on our stream
//! prefixes, inside our own resubscribe loop.
//!
//! The client's own retry resumes from the last event it saw; our loop is the
//! outer guard for failures it gives up on. Either way a new subscription
//! starts after the last position *we delivered* (start positions are
//! exclusive), and anything at or before it is dropped, so the consumer never
//! sees a duplicate at the seam.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kurrentdb::{
    Client, Position, RetryOptions, StreamPosition, SubscribeToAllOptions, Subscription,
    SubscriptionEvent,
};

use super::connection::EsdbOptions;
use super::mapping::{is_our_event, is_retryable, start_position, store_error, Call};
use super::read::{decode_resolved, original_event, our_streams_filter};
use crate::contract::{EventFeed, RecordedEvent, StoreError};

/// Whether an event at `position` is new to a consumer that started after
/// `after` and has been given everything up to `delivered`.
pub fn is_new(after: u64, delivered: Option<Position>, position: Position) -> bool {
    match delivered {
        Some(delivered) => position > delivered,
        None => position.commit > after,
    }
}

/// The pause before the `failures`-th consecutive resubscription: growing
/// linearly, capped so that a long outage is noticed soon after it ends.
pub fn resubscribe_pause(delay: Duration, failures: u32) -> Duration {
    delay.saturating_mul(failures.min(MAX_PAUSE_STEPS))
}

const MAX_PAUSE_STEPS: u32 = 8;

struct Feed {
    client: Client,
    options: Arc<EsdbOptions>,
    after: u64,
    delivered: Option<Position>,
    subscription: Option<Subscription>,
    failures: u32,
    /// Whether the current subscription has been confirmed once already.
    confirmed: bool,
    finished: bool,
}

/// Every event of our streams after `after`, then live ones, in `$all` order.
pub fn subscribe(client: Client, options: Arc<EsdbOptions>, after: u64) -> EventFeed {
    let feed = Feed {
        client,
        options,
        after,
        delivered: None,
        subscription: None,
        failures: 0,
        confirmed: false,
        finished: false,
    };
    futures::stream::unfold(feed, |mut feed| async move {
        if feed.finished {
            return None;
        }
        let next = feed.next_event().await;
        feed.finished = next.is_err();
        Some((next, feed))
    })
    .boxed()
}

impl Feed {
    fn request(&self) -> SubscribeToAllOptions {
        let position = match self.delivered {
            Some(position) => StreamPosition::Position(position),
            None => start_position(self.after),
        };
        SubscribeToAllOptions::default()
            .position(position)
            .filter(our_streams_filter(&self.options))
            .retry_options(
                RetryOptions::default()
                    .retry_limit(self.options.max_attempts as usize)
                    .retry_delay(self.options.retry_delay),
            )
    }

    async fn next_event(&mut self) -> Result<RecordedEvent, StoreError> {
        loop {
            let subscription = match &mut self.subscription {
                Some(subscription) => subscription,
                None => {
                    let subscription = self.client.subscribe_to_all(&self.request()).await;
                    self.subscription.insert(subscription)
                }
            };
            match subscription.next_subscription_event().await {
                Ok(SubscriptionEvent::EventAppeared(resolved)) => {
                    self.failures = 0;
                    let event = original_event(&resolved)?;
                    let position = event.position;
                    if !is_new(self.after, self.delivered, position)
                        || !is_our_event(
                            event.stream_id(),
                            &event.event_type,
                            &self.options.stream_prefixes,
                        )
                    {
                        continue;
                    }
                    let recorded = decode_resolved(&resolved)?;
                    self.delivered = Some(position);
                    return Ok(recorded);
                }
                // Confirmations, checkpoints and caught-up notices show a
                // healthy subscription as much as events do.
                Ok(SubscriptionEvent::Confirmed(_)) => {
                    // The client resubscribes by itself after a drop and says so
                    // only with a new confirmation: each one after the first is a
                    // failure, so a feed that breaks right after every
                    // resubscription reaches the limit instead of looping unseen.
                    if std::mem::replace(&mut self.confirmed, true) {
                        self.note_failure("the server dropped it again right after resubscribing")
                            .await?;
                    }
                }
                // Caught up: the subscription is healthy and live again.
                Ok(SubscriptionEvent::CaughtUp(_)) => self.failures = 0,
                Ok(_) => {}
                Err(error)
                    if is_retryable(&error) && self.failures < self.options.max_resubscribes =>
                {
                    self.failures += 1;
                    self.subscription = None;
                    self.confirmed = false;
                    tracing::warn!(%error, failures = self.failures, "subscription to $all dropped, resubscribing after the last delivered event");
                    tokio::time::sleep(resubscribe_pause(self.options.retry_delay, self.failures))
                        .await;
                }
                Err(error) => return Err(store_error(error, "", Call::Read)),
            }
        }
    }
}

impl Feed {
    /// Counts one more consecutive failure; past the limit the feed ends with
    /// an error (so the runner's status and `/readyz` show a stuck feed),
    /// otherwise it pauses before going on.
    async fn note_failure(&mut self, what: &str) -> Result<(), StoreError> {
        self.failures += 1;
        if self.failures > self.options.max_resubscribes {
            return Err(StoreError::Unavailable(format!(
                "the subscription to $all failed {} times in a row without delivering an event ({what}); check the EventStoreDB node and its logs",
                self.failures
            )));
        }
        tracing::warn!(
            failures = self.failures,
            "subscription to $all resubscribed: {what}"
        );
        tokio::time::sleep(resubscribe_pause(self.options.retry_delay, self.failures)).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(commit: u64, prepare: u64) -> Position {
        Position { commit, prepare }
    }

    #[test]
    fn resubscribe_pauses_grow_then_stop_growing() {
        let delay = Duration::from_millis(250);
        assert_eq!(resubscribe_pause(delay, 1), Duration::from_millis(250));
        assert_eq!(resubscribe_pause(delay, 4), Duration::from_secs(1));
        assert_eq!(resubscribe_pause(delay, 8), Duration::from_secs(2));
        assert_eq!(resubscribe_pause(delay, 50), Duration::from_secs(2));
    }

    #[test]
    fn before_anything_is_delivered_the_start_is_exclusive() {
        assert!(is_new(0, None, at(1, 1)));
        assert!(!is_new(500, None, at(500, 500)));
        assert!(!is_new(500, None, at(499, 499)));
        assert!(is_new(500, None, at(501, 501)));
    }

    #[test]
    fn after_a_reconnect_nothing_at_or_before_the_last_delivery_repeats() {
        let delivered = Some(at(900, 900));
        assert!(!is_new(0, delivered, at(900, 900)));
        assert!(!is_new(0, delivered, at(100, 100)));
        assert!(is_new(0, delivered, at(901, 901)));
        // Events of one legacy transaction share a commit position and differ
        // by prepare position: the later ones are still new.
        assert!(is_new(0, Some(at(900, 850)), at(900, 870)));
        assert!(!is_new(0, Some(at(900, 870)), at(900, 850)));
    }
}
