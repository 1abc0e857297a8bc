//! Making seals: once on demand (`markaz audit seal`) or every N events while
//! the server runs (`markaz serve --seal-key FILE --seal-every N`). The
//! periodic sealer follows the log's live feed, so it checks each new event's
//! chain link once and seals as soon as a seal is due.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use futures::StreamExt;
use markaz_domain::audit::SEAL_STREAM;
use markaz_domain::codec::{decode, DomainEvent};
use markaz_domain::{Actor, AuditEvent, EventMetadata, Timestamp};
use markaz_store::seal::{make_seal, record_seal, LogWalker, Seal, SealError};
use markaz_store::EventStore;
use tokio::sync::watch;

use crate::ids::{time_ordered_uuid, RandomnessError};

/// Why a seal could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
}

/// The pause before following the log again after the feed failed.
const RESUBSCRIBE_DELAY: Duration = Duration::from_secs(1);

/// A seal made and recorded in the log.
#[derive(Clone, Debug)]
pub struct SealMade {
    pub seal: Seal,
    /// The seal event's version in `seal-log` and its global position.
    pub version: u64,
    pub position: u64,
}

/// Verifies the log up to its head, signs it and records the seal.
pub async fn seal_now(
    store: &dyn EventStore,
    walker: &mut LogWalker,
    key: &SigningKey,
    at: Timestamp,
) -> Result<SealMade, SealingError> {
    let seal = make_seal(store, walker, key, at).await?;
    let event_id = time_ordered_uuid()?;
    let metadata = EventMetadata {
        event_id,
        occurred_at: at,
        actor: Actor::System,
        correlation_id: event_id,
        causation_id: event_id,
    };
    let (version, position) = record_seal(store, &seal, metadata)
        .await
        .map_err(SealError::from)?;
    Ok(SealMade {
        seal,
        version,
        position,
    })
}

/// How many events the last recorded seal covered (`None` without a seal).
async fn events_at_last_seal(store: &dyn EventStore) -> Result<Option<u64>, SealError> {
    let version = store.stream_version(SEAL_STREAM).await?;
    if version == 0 {
        return Ok(None);
    }
    let last = store.read_stream(SEAL_STREAM, version, 1).await?;
    let sealed = last
        .first()
        .and_then(|event| decode(&event.event_type, event.schema_version, &event.payload).ok())
        .and_then(|event| match event {
            DomainEvent::Audit(AuditEvent::LogSealed(sealed)) => Some(sealed.events),
            _ => None,
        });
    Ok(Some(sealed.unwrap_or(0)))
}

/// Whether `events` in the log call for a new seal, `every` events after
/// the last one (whose own event does not count).
fn seal_due(events: u64, last_sealed: Option<u64>, every: u64) -> bool {
    match last_sealed {
        None => events >= every,
        Some(sealed) => events >= sealed.saturating_add(1).saturating_add(every),
    }
}

/// Follows the log and seals it whenever at least `every` events were
/// added since the last seal, until `shutdown` turns true. Stops sealing
/// (and says so in the log) when the log is found broken: a broken log must
/// be investigated, not sealed.
pub async fn run_periodic(
    store: Arc<dyn EventStore>,
    key: SigningKey,
    every: u64,
    mut shutdown: watch::Receiver<bool>,
) {
    let every = every.max(1);
    let mut walker = LogWalker::new();
    let mut last_sealed = match events_at_last_seal(store.as_ref()).await {
        Ok(events) => events,
        Err(error) => {
            tracing::error!(%error, "periodic sealing cannot start");
            return;
        }
    };
    let mut feed = None;
    loop {
        let subscription = match feed.as_mut() {
            Some(subscription) => subscription,
            None => match store.subscribe_all(walker.position()).await {
                Ok(subscription) => feed.insert(subscription),
                Err(error) => {
                    tracing::warn!(%error, "periodic sealing cannot follow the log; retrying");
                    tokio::select! {
                        _ = shutdown.wait_for(|stopping| *stopping) => return,
                        _ = tokio::time::sleep(RESUBSCRIBE_DELAY) => continue,
                    }
                }
            },
        };
        let next = tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => return,
            next = subscription.next() => next,
        };
        let event = match next {
            Some(Ok(event)) => event,
            Some(Err(error)) => {
                tracing::warn!(%error, "periodic sealing lost the log feed; following it again");
                feed = None;
                continue;
            }
            None => {
                feed = None;
                continue;
            }
        };
        if let Some(broken) = walker.observe(&event) {
            tracing::error!(
                stream = %broken.stream,
                version = broken.version,
                what = %broken.what,
                "the event log is broken: periodic sealing stops; run `markaz audit verify`"
            );
            return;
        }
        if !seal_due(walker.events(), last_sealed, every) {
            continue;
        }
        let now = Timestamp::from_datetime(chrono::Utc::now());
        match seal_now(store.as_ref(), &mut walker, &key, now).await {
            Ok(made) => {
                last_sealed = Some(made.seal.summary.events);
                tracing::info!(
                    up_to_position = made.seal.summary.up_to_position,
                    events = made.seal.summary.events,
                    seal_version = made.version,
                    "sealed the event log"
                );
            }
            Err(error) => tracing::warn!(%error, "sealing failed; trying again at the next event"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::seal_due;

    #[test]
    fn a_seal_is_due_every_n_events_not_counting_seals() {
        assert!(!seal_due(2, None, 3));
        assert!(seal_due(3, None, 3));
        // The last seal covered 3 events; its own event is the 4th.
        assert!(!seal_due(4, Some(3), 3));
        assert!(!seal_due(6, Some(3), 3));
        assert!(seal_due(7, Some(3), 3));
    }
}
