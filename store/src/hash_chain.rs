//! The per-stream hash chain that makes any edit of stored history detectable.
//!
//! `hash(v) = SHA-256(hash(v-1) ‖ canonical bytes of event v)`, with 32 zero
//! bytes before the first event. The canonical bytes are a sequence of fields,
//! each prefixed by its length as a big-endian u32, in this order: event id (16
//! bytes), stream (UTF-8), version (u64 BE), type (UTF-8), schema version (u16
//! BE), occurred_at (i64 BE microseconds), payload, metadata. The metadata field
//! is itself length-prefixed fields: actor kind (`officer`, `citizen`,
//! `system`), then for an officer the id (16 bytes) and the role name, then the
//! correlation id and the causation id (16 bytes each).
//!
//! The encoding is written out by hand, not derived from serde, so that it can
//! never drift with a library upgrade: a stored hash must verify forever.

use std::collections::HashMap;

use markaz_domain::metadata::{Actor, EventMetadata};
use sha2::{Digest, Sha256};

use crate::contract::{EventStore, NewEvent, RecordedEvent, StoreError};
use crate::log_pages::LogPages;

/// The hash that precedes the first event of every stream.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// How many events the verifier reads per page.
const VERIFY_PAGE: usize = 1_000;

/// The hash of an event about to be stored at `version` of `stream`.
pub fn chain_hash(prev_hash: &[u8; 32], stream: &str, version: u64, event: &NewEvent) -> [u8; 32] {
    hash_fields(
        prev_hash,
        &EventFields {
            stream,
            version,
            event_type: &event.event_type,
            schema_version: event.schema_version,
            payload: &event.payload,
            metadata: &event.metadata,
        },
    )
}

/// The hash a stored event should carry, given the hash of its predecessor.
pub fn recorded_hash(prev_hash: &[u8; 32], event: &RecordedEvent) -> [u8; 32] {
    hash_fields(
        prev_hash,
        &EventFields {
            stream: &event.stream,
            version: event.version,
            event_type: &event.event_type,
            schema_version: event.schema_version,
            payload: &event.payload,
            metadata: &event.metadata,
        },
    )
}

struct EventFields<'a> {
    stream: &'a str,
    version: u64,
    event_type: &'a str,
    schema_version: u16,
    payload: &'a [u8],
    metadata: &'a EventMetadata,
}

fn hash_fields(prev_hash: &[u8; 32], event: &EventFields<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(canonical_bytes(event));
    hasher.finalize().into()
}

fn canonical_bytes(event: &EventFields<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + event.payload.len());
    put_field(&mut out, event.metadata.event_id.as_bytes());
    put_field(&mut out, event.stream.as_bytes());
    put_field(&mut out, &event.version.to_be_bytes());
    put_field(&mut out, event.event_type.as_bytes());
    put_field(&mut out, &event.schema_version.to_be_bytes());
    put_field(
        &mut out,
        &event.metadata.occurred_at.as_micros().to_be_bytes(),
    );
    put_field(&mut out, event.payload);
    put_field(&mut out, &canonical_metadata(event.metadata));
    out
}

/// The parts of the metadata not already covered by their own field.
fn canonical_metadata(metadata: &EventMetadata) -> Vec<u8> {
    let mut out = Vec::with_capacity(96);
    match &metadata.actor {
        Actor::Officer { id, role } => {
            put_field(&mut out, b"officer");
            put_field(&mut out, id.0.as_bytes());
            put_field(&mut out, role.as_str().as_bytes());
        }
        Actor::Citizen => put_field(&mut out, b"citizen"),
        Actor::System => put_field(&mut out, b"system"),
    }
    put_field(&mut out, metadata.correlation_id.as_bytes());
    put_field(&mut out, metadata.causation_id.as_bytes());
    out
}

fn put_field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Fields larger than 4 GiB cannot reach the store (appends are far smaller),
    // so saturating keeps the function total without a fallible signature.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The first event found whose place or hash is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub stream: String,
    pub version: u64,
    /// What is wrong, for people.
    pub what: String,
}

/// The outcome of a verification run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainReport {
    pub streams_checked: u64,
    pub events_checked: u64,
    /// `None` when every checked event is in place and carries the right hash.
    pub first_broken: Option<BrokenLink>,
}

impl ChainReport {
    /// True when nothing was found broken.
    pub fn is_ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Follows chains event by event, in whatever order the events arrive, as long
/// as each stream's events arrive in version order.
#[derive(Default)]
pub struct ChainVerifier {
    heads: HashMap<String, (u64, [u8; 32])>,
    events_checked: u64,
    first_broken: Option<BrokenLink>,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one event against the previous one of its stream. Returns false
    /// once something is broken (later events are not checked).
    pub fn check(&mut self, event: &RecordedEvent) -> bool {
        if self.first_broken.is_some() {
            return false;
        }
        let (prev_version, prev_hash) = self
            .heads
            .get(&event.stream)
            .copied()
            .unwrap_or((0, GENESIS_HASH));
        self.events_checked += 1;
        if event.version != prev_version + 1 {
            return self.broken(
                event,
                format!(
                    "version gap: expected version {} after {prev_version}",
                    prev_version + 1
                ),
            );
        }
        let expected = recorded_hash(&prev_hash, event);
        if expected != event.hash {
            return self.broken(
                event,
                format!(
                    "hash mismatch: stored {}, computed {}",
                    hex::encode(event.hash),
                    hex::encode(expected)
                ),
            );
        }
        self.heads
            .insert(event.stream.clone(), (event.version, event.hash));
        true
    }

    fn broken(&mut self, event: &RecordedEvent, what: String) -> bool {
        self.heads
            .entry(event.stream.clone())
            .or_insert((0, GENESIS_HASH));
        self.first_broken = Some(BrokenLink {
            stream: event.stream.clone(),
            version: event.version,
            what,
        });
        false
    }

    /// The report for everything checked so far.
    pub fn report(&self) -> ChainReport {
        ChainReport {
            streams_checked: self.heads.len() as u64,
            events_checked: self.events_checked,
            first_broken: self.first_broken.clone(),
        }
    }
}

/// Walks the whole global feed and verifies every stream's chain.
pub async fn verify_all(store: &dyn EventStore) -> Result<ChainReport, StoreError> {
    verify_all_matching(store, |_| true).await
}

/// Walks the global feed and verifies the chains of the streams `include` accepts.
pub async fn verify_all_matching(
    store: &dyn EventStore,
    include: impl Fn(&str) -> bool,
) -> Result<ChainReport, StoreError> {
    let mut verifier = ChainVerifier::new();
    let mut pages = LogPages::after(store, 0).page_size(VERIFY_PAGE);
    while let Some(page) = pages.next_page().await? {
        for event in page.iter().filter(|event| include(&event.stream)) {
            if !verifier.check(event) {
                return Ok(verifier.report());
            }
        }
    }
    Ok(verifier.report())
}

/// Verifies one stream's chain from its first event.
pub async fn verify_stream(
    store: &dyn EventStore,
    stream: &str,
) -> Result<ChainReport, StoreError> {
    let mut verifier = ChainVerifier::new();
    let mut from_version = 1;
    loop {
        let page = store.read_stream(stream, from_version, VERIFY_PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        from_version = last.version + 1;
        for event in &page {
            if !verifier.check(event) {
                return Ok(verifier.report());
            }
        }
    }
    Ok(verifier.report())
}

#[cfg(test)]
mod tests {
    use markaz_domain::metadata::{OfficerId, Role};
    use markaz_domain::time::Timestamp;
    use uuid::Uuid;

    use super::*;

    fn new_event(n: u128) -> NewEvent {
        NewEvent {
            event_type: "ComplaintFiled".into(),
            schema_version: 1,
            payload: vec![1, 2, 3, n as u8],
            metadata: EventMetadata {
                event_id: Uuid::from_u128(n),
                occurred_at: Timestamp::from_micros(1_700_000_000_000_000),
                actor: Actor::Officer {
                    id: OfficerId(Uuid::from_u128(7)),
                    role: Role::Desk,
                },
                correlation_id: Uuid::from_u128(8),
                causation_id: Uuid::from_u128(9),
            },
        }
    }

    fn recorded(stream: &str, version: u64, prev: &[u8; 32], event: NewEvent) -> RecordedEvent {
        let hash = chain_hash(prev, stream, version, &event);
        RecordedEvent {
            stream: stream.into(),
            version,
            position: version,
            event_type: event.event_type,
            schema_version: event.schema_version,
            payload: event.payload,
            metadata: event.metadata,
            hash,
        }
    }

    #[test]
    fn hash_is_pinned_for_a_known_event() {
        // A stored hash must verify forever: this value may never change. It was
        // computed independently from the encoding described in the module doc.
        let hash = chain_hash(&GENESIS_HASH, "complaint-1", 1, &new_event(1));
        assert_eq!(
            hex::encode(hash),
            "c40e7911e2d5be12600897bd2841196cacb436e7b54cb460815aa5b243133e54",
            "the canonical encoding changed; stored chains would no longer verify"
        );
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = new_event(1);
        let reference = chain_hash(&GENESIS_HASH, "s", 1, &base);
        let mut variants: Vec<(&str, [u8; 32])> = Vec::new();
        variants.push(("prev", chain_hash(&[1; 32], "s", 1, &base)));
        variants.push(("stream", chain_hash(&GENESIS_HASH, "t", 1, &base)));
        variants.push(("version", chain_hash(&GENESIS_HASH, "s", 2, &base)));
        let mut e = base.clone();
        e.event_type.push('X');
        variants.push(("type", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base.clone();
        e.schema_version = 2;
        variants.push(("schema", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base.clone();
        e.payload.push(0);
        variants.push(("payload", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base.clone();
        e.metadata.event_id = Uuid::from_u128(99);
        variants.push(("id", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base.clone();
        e.metadata.occurred_at = Timestamp::from_micros(1);
        variants.push(("time", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base.clone();
        e.metadata.actor = Actor::System;
        variants.push(("actor", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base.clone();
        e.metadata.actor = Actor::Officer {
            id: OfficerId(Uuid::from_u128(7)),
            role: Role::Supervisor,
        };
        variants.push(("role", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base.clone();
        e.metadata.correlation_id = Uuid::from_u128(1);
        variants.push(("correlation", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        let mut e = base;
        e.metadata.causation_id = Uuid::from_u128(1);
        variants.push(("causation", chain_hash(&GENESIS_HASH, "s", 1, &e)));
        for (field, hash) in variants {
            assert_ne!(hash, reference, "changing {field} did not change the hash");
        }
    }

    #[test]
    fn length_prefixes_keep_field_boundaries() {
        let mut a = new_event(1);
        a.event_type = "ab".into();
        a.payload = b"c".to_vec();
        let mut b = new_event(1);
        b.event_type = "a".into();
        b.payload = b"bc".to_vec();
        assert_ne!(
            chain_hash(&GENESIS_HASH, "s", 1, &a),
            chain_hash(&GENESIS_HASH, "s", 1, &b)
        );
    }

    #[test]
    fn verifier_accepts_a_good_chain_and_finds_an_edit() {
        let first = recorded("s", 1, &GENESIS_HASH, new_event(1));
        let second = recorded("s", 2, &first.hash, new_event(2));
        let other = recorded("t", 1, &GENESIS_HASH, new_event(3));
        let mut verifier = ChainVerifier::new();
        for event in [&first, &other, &second] {
            assert!(verifier.check(event));
        }
        let report = verifier.report();
        assert_eq!((report.streams_checked, report.events_checked), (2, 3));
        assert!(report.is_ok());

        let mut edited = second.clone();
        edited.payload = vec![9];
        let mut verifier = ChainVerifier::new();
        assert!(verifier.check(&first));
        assert!(!verifier.check(&edited));
        let broken = verifier.report().first_broken;
        assert_eq!(
            broken.map(|b| (b.stream, b.version, b.what.starts_with("hash mismatch"))),
            Some(("s".to_string(), 2, true))
        );
    }

    #[test]
    fn verifier_finds_a_version_gap() {
        let first = recorded("s", 1, &GENESIS_HASH, new_event(1));
        let third = recorded("s", 3, &first.hash, new_event(3));
        let mut verifier = ChainVerifier::new();
        assert!(verifier.check(&first));
        assert!(!verifier.check(&third));
        let report = verifier.report();
        let broken = report.first_broken.clone();
        assert_eq!(
            broken.map(|b| (b.version, b.what.starts_with("version gap"))),
            Some((3, true))
        );
    }
}
