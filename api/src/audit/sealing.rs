//! Making seals: once on demand (`markaz audit seal`) or every N events while
//! the server runs (`markaz serve --seal-key FILE --seal-every N`).

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use markaz_domain::audit::SEAL_STREAM;
use markaz_domain::codec::{decode, DomainEvent};
use markaz_domain::{Actor, AuditEvent, EventMetadata, Timestamp};
use markaz_store::seal::{make_seal, record_seal, LogWalker, Seal, SealError};
use markaz_store::EventStore;
use tokio::sync::watch;

use crate::officers::token::{random_uuid, RandomnessError};

/// Why a seal could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
}

/// How often the periodic sealer looks at the log.
const POLL: Duration = Duration::from_secs(2);

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
    let event_id = random_uuid()?;
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

/// How many events the last recorded seal covered (0 without a seal).
async fn events_at_last_seal(store: &dyn EventStore) -> Result<u64, SealError> {
    let version = store.stream_version(SEAL_STREAM).await?;
    if version == 0 {
        return Ok(0);
    }
    let last = store.read_stream(SEAL_STREAM, version, 1).await?;
    Ok(last
        .first()
        .and_then(|event| decode(&event.event_type, event.schema_version, &event.payload).ok())
        .and_then(|event| match event {
            DomainEvent::Audit(AuditEvent::LogSealed(sealed)) => Some(sealed.events),
            _ => None,
        })
        .unwrap_or(0))
}

/// Seals the log whenever at least `every` events were added since the last
/// seal, until `shutdown` turns true. Stops sealing (and says so in the log)
/// when the log is found broken: a broken log must be investigated, not sealed.
pub async fn run_periodic(
    store: Arc<dyn EventStore>,
    key: SigningKey,
    every: u64,
    mut shutdown: watch::Receiver<bool>,
) {
    let every = every.max(1);
    let mut walker = LogWalker::new();
    let mut baseline = match events_at_last_seal(store.as_ref()).await {
        Ok(events) => events,
        Err(error) => {
            tracing::error!(%error, "periodic sealing cannot start");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => return,
            _ = tokio::time::sleep(POLL) => {}
        }
        let head = match store.head_position().await {
            Ok(head) => head,
            Err(error) => {
                tracing::warn!(%error, "periodic sealing could not read the log head; retrying");
                continue;
            }
        };
        match walker.advance_to(store.as_ref(), head).await {
            Ok(None) => {}
            Ok(Some(broken)) => {
                tracing::error!(
                    stream = %broken.stream,
                    version = broken.version,
                    what = %broken.what,
                    "the event log is broken: periodic sealing stops; run `markaz audit verify`"
                );
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "periodic sealing could not read the log; retrying");
                continue;
            }
        }
        // The previous seal's own event counts as one: never seal just to cover a seal.
        if walker.events() < baseline + 1 + every {
            continue;
        }
        let now = Timestamp::from_datetime(chrono::Utc::now());
        match seal_now(store.as_ref(), &mut walker, &key, now).await {
            Ok(made) => {
                baseline = made.seal.summary.events;
                tracing::info!(
                    up_to_position = made.seal.summary.up_to_position,
                    events = made.seal.summary.events,
                    seal_version = made.version,
                    "sealed the event log"
                );
            }
            Err(error) => tracing::warn!(%error, "periodic sealing failed; retrying"),
        }
    }
}
