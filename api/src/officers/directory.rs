//! Who holds which token: an in-memory view of the officer streams.
//!
//! Officers are event-sourced (`officer-<uuid>` streams). The directory folds
//! their events from the global feed: once fully at start, then by catch-up
//! reads. Officer changes made through this process's API catch up at once;
//! an unknown token triggers a catch-up read before it is refused; and a
//! periodic catch-up picks up revocations made by another process (the
//! `markaz officers` command). Officer events are rare among complaint events,
//! so the directory reads the feed in pages on that period rather than
//! following it event by event: a live subscription would read and hand over
//! every complaint event a second time, next to the projections.
//!
//! Lookups go by the first bytes of the token's SHA-256; the full digest is
//! then compared in constant time.
//!
//! A token still unknown after that catch-up read is remembered as unknown
//! for `UNKNOWN_TOKEN_TTL` (in a bounded map), so that a client repeating a
//! wrong or revoked token costs no store read, and no wait for the catch-up
//! lock, each time. Officers registered meanwhile are still found: the
//! periodic catch-up folds them, and the lookup in memory comes first.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use markaz_domain::codec::{decode, DomainEvent};
use markaz_domain::{Actor, MarkazCode, OfficerEvent, OfficerId, PersonName, Role, Timestamp};
use markaz_store::log_pages::LogPages;
use markaz_store::{EventStore, RecordedEvent, StoreError};
use subtle::ConstantTimeEq;
use tokio::sync::watch;

use super::token::hash_token;
use crate::http::bounded_keys::BoundedMap;

/// How often changes written by other processes are looked for: as often as
/// the store's own live feeds look for writes by other processes.
const CROSS_PROCESS_REFRESH: Duration = Duration::from_millis(500);
/// Events read per catch-up query.
const CATCH_UP_PAGE: usize = 1_000;
/// How long a token found unknown is answered unknown without a store read.
const UNKNOWN_TOKEN_TTL: Duration = Duration::from_secs(2);
/// Unknown tokens remembered at most.
const UNKNOWN_TOKENS_KEPT: usize = 50_000;

/// One officer as the directory knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficerRecord {
    pub id: OfficerId,
    pub name: PersonName,
    pub role: Role,
    pub markaz: Option<MarkazCode>,
    pub registered_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// When the officer's token stops working, if it does.
    pub expires_at: Option<Timestamp>,
    token_hash: [u8; 32],
}

impl OfficerRecord {
    /// Whether the officer's token works now: not revoked, not expired.
    pub fn is_active(&self) -> bool {
        self.is_active_at(Timestamp::from_datetime(chrono::Utc::now()))
    }

    /// Whether the officer's token works at `now`.
    pub fn is_active_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expiry| now < expiry)
    }

    /// Whether the token has passed its expiry (and was not revoked first).
    pub fn is_expired(&self) -> bool {
        self.revoked_at.is_none() && !self.is_active()
    }
}

/// The officer behind an accepted token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub officer_id: OfficerId,
    pub name: PersonName,
    pub role: Role,
    pub markaz: Option<MarkazCode>,
}

impl Principal {
    /// The officer as the author of a command.
    pub fn actor(&self) -> Actor {
        Actor::Officer {
            id: self.officer_id,
            role: self.role,
        }
    }
}

#[derive(Default)]
struct Folded {
    /// Global position of the last event applied.
    consumed: u64,
    officers: BTreeMap<OfficerId, OfficerRecord>,
    by_hash_prefix: HashMap<[u8; 8], Vec<OfficerId>>,
}

fn prefix(hash: &[u8; 32]) -> [u8; 8] {
    let mut prefix = [0u8; 8];
    prefix.copy_from_slice(&hash[..8]);
    prefix
}

impl Folded {
    fn apply(&mut self, event: &RecordedEvent) {
        if event.position <= self.consumed {
            return;
        }
        self.consumed = event.position;
        if !event.event_type.starts_with("Officer") {
            return;
        }
        let Some(id) = OfficerId::from_stream_name(&event.stream) else {
            tracing::warn!(stream = %event.stream, "officer event outside an officer stream");
            return;
        };
        match decode(&event.event_type, event.schema_version, &event.payload) {
            Ok(DomainEvent::Officer(OfficerEvent::Registered(registered))) => {
                self.by_hash_prefix
                    .entry(prefix(&registered.token_hash))
                    .or_default()
                    .push(id);
                self.officers.insert(
                    id,
                    OfficerRecord {
                        id,
                        name: registered.name,
                        role: registered.role,
                        markaz: registered.markaz,
                        registered_at: event.metadata.occurred_at,
                        revoked_at: None,
                        expires_at: registered.expires_at,
                        token_hash: registered.token_hash,
                    },
                );
            }
            Ok(DomainEvent::Officer(OfficerEvent::TokenRotated(rotated))) => {
                let Some(officer) = self.officers.get_mut(&id) else {
                    return;
                };
                // The old token no longer leads to the officer.
                if let Some(ids) = self.by_hash_prefix.get_mut(&prefix(&officer.token_hash)) {
                    ids.retain(|other| *other != id);
                }
                officer.token_hash = rotated.token_hash;
                officer.expires_at = rotated.expires_at;
                self.by_hash_prefix
                    .entry(prefix(&rotated.token_hash))
                    .or_default()
                    .push(id);
            }
            Ok(DomainEvent::Officer(OfficerEvent::Revoked(_))) => {
                if let Some(officer) = self.officers.get_mut(&id) {
                    officer.revoked_at = Some(event.metadata.occurred_at);
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(
                    position = event.position,
                    %error,
                    "cannot decode an officer event; that officer's access may be stale"
                );
            }
        }
    }

    fn find(&self, hash: &[u8; 32]) -> Option<&OfficerRecord> {
        self.by_hash_prefix
            .get(&prefix(hash))?
            .iter()
            .filter_map(|id| self.officers.get(id))
            .find(|officer| bool::from(officer.token_hash.ct_eq(hash)))
    }
}

/// The shared directory.
pub struct OfficerDirectory {
    store: Arc<dyn EventStore>,
    folded: RwLock<Folded>,
    /// Serialises catch-up reads so two requests do not read the same pages.
    catching_up: tokio::sync::Mutex<()>,
    /// Token hashes found unknown after a catch-up, and when.
    unknown: BoundedMap<[u8; 32], Instant>,
}

impl OfficerDirectory {
    /// Builds the directory by reading every event up to the head.
    pub async fn load(store: Arc<dyn EventStore>) -> Result<Arc<Self>, StoreError> {
        let directory = Arc::new(OfficerDirectory {
            store,
            folded: RwLock::new(Folded::default()),
            catching_up: tokio::sync::Mutex::new(()),
            unknown: BoundedMap::new(UNKNOWN_TOKENS_KEPT),
        });
        directory.catch_up().await?;
        Ok(directory)
    }

    /// The active officer holding `token`, if any. An unknown token causes one
    /// catch-up read first, so officers added by another process are seen.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        let hash = hash_token(token);
        if let Some(found) = self.find_active(&hash) {
            return Ok(Some(found));
        }
        if self
            .unknown
            .get(&hash)
            .is_some_and(|seen| seen.elapsed() < UNKNOWN_TOKEN_TTL)
        {
            return Ok(None);
        }
        self.catch_up().await?;
        let found = self.find_active(&hash);
        if found.is_none() {
            self.unknown.insert(hash, Instant::now());
        }
        Ok(found)
    }

    fn find_active(&self, hash: &[u8; 32]) -> Option<Principal> {
        let folded = self
            .folded
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        folded
            .find(hash)
            .filter(|officer| officer.is_active())
            .map(|officer| Principal {
                officer_id: officer.id,
                name: officer.name.clone(),
                role: officer.role,
                markaz: officer.markaz.clone(),
            })
    }

    /// Every officer ever registered, by id.
    pub fn list(&self) -> Vec<OfficerRecord> {
        let folded = self
            .folded
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        folded.officers.values().cloned().collect()
    }

    /// Whether `id` is a registered officer whose token is not revoked.
    pub fn is_active(&self, id: OfficerId) -> bool {
        let folded = self
            .folded
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        folded
            .officers
            .get(&id)
            .is_some_and(OfficerRecord::is_active)
    }

    pub fn get(&self, id: OfficerId) -> Option<OfficerRecord> {
        let folded = self
            .folded
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        folded.officers.get(&id).cloned()
    }

    fn apply_page(&self, page: &[RecordedEvent]) {
        let mut folded = self
            .folded
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for event in page {
            folded.apply(event);
        }
    }

    fn consumed(&self) -> u64 {
        self.folded
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .consumed
    }

    /// Reads and applies everything after the last applied event.
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        let _guard = self.catching_up.lock().await;
        // To the end of the log: a short page is not the end on every backend.
        let mut pages =
            LogPages::after(self.store.as_ref(), self.consumed()).page_size(CATCH_UP_PAGE);
        while let Some(page) = pages.next_page().await? {
            self.apply_page(&page);
        }
        Ok(())
    }

    /// Catches up periodically until `shutdown` turns true.
    pub async fn follow(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut refresh = tokio::time::interval(CROSS_PROCESS_REFRESH);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = refresh.tick() => {
                    if let Err(error) = self.catch_up().await {
                        tracing::warn!(%error, "officer directory catch-up failed");
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::officers::registry::{register, revoke, NewOfficer};
    use markaz_domain::Actor;
    use markaz_store::SqliteStore;

    fn officer(name: &str, role: Role, markaz: Option<&str>) -> NewOfficer {
        NewOfficer {
            name: PersonName::parse(name).unwrap(),
            role,
            markaz: markaz.map(|code| MarkazCode::parse(code).unwrap()),
        }
    }

    #[tokio::test]
    async fn tokens_map_to_their_officer_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn EventStore> =
            Arc::new(SqliteStore::open(dir.path().join("events.sqlite")).unwrap());
        let directory = OfficerDirectory::load(Arc::clone(&store)).await.unwrap();
        assert!(directory.list().is_empty());

        // Registered after the directory was built: found by the catch-up on an unknown token.
        let desk = register(
            store.as_ref(),
            officer("Gul Khan", Role::Desk, Some("KCH")),
            Actor::System,
        )
        .await
        .unwrap();
        let auditor = register(
            store.as_ref(),
            officer("Sana Baloch", Role::Auditor, None),
            Actor::System,
        )
        .await
        .unwrap();
        let found = directory.authenticate(&desk.token).await.unwrap().unwrap();
        assert_eq!(found.officer_id, desk.id);
        assert_eq!(found.role, Role::Desk);
        assert_eq!(found.markaz.unwrap().as_str(), "KCH");
        let found = directory
            .authenticate(&auditor.token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.officer_id, auditor.id);
        assert_eq!(directory.authenticate("mkz_00").await.unwrap(), None);
        // A token differing in one character is someone else's or nobody's.
        let mut altered = desk.token.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == '0' { '1' } else { '0' });
        assert_eq!(directory.authenticate(&altered).await.unwrap(), None);

        revoke(store.as_ref(), desk.id, None, Actor::System)
            .await
            .unwrap();
        directory.catch_up().await.unwrap();
        assert_eq!(directory.authenticate(&desk.token).await.unwrap(), None);
        let record = directory.get(desk.id).unwrap();
        assert!(!record.is_active());
        assert_eq!(directory.list().len(), 2);

        // A fresh directory folds the same history to the same answer.
        let rebuilt = OfficerDirectory::load(store).await.unwrap();
        assert_eq!(rebuilt.list(), directory.list());
    }
}
