//! Seals: signed digests over the head of every stream, and the walk that
//! checks the log against them.
//!
//! The hash chain alone proves that each stream is internally consistent, but
//! whoever can write the database can recompute it, and it cannot reveal a
//! deleted tail or a deleted stream. A seal closes those gaps: it is a digest
//! over the head (name, version, hash) of every stream up to a global
//! position, signed with an Ed25519 key that never lives in the data
//! directory. Seals are written as `LogSealed` events in the `seal-log`
//! stream, and can be kept elsewhere as a JSON file (`SealFile`).
//!
//! The digest is SHA-256 over these fields, integers big-endian, the tag and
//! each stream name prefixed by their length as a big-endian u32:
//! the tag `markaz-seal-v1`, the position (u64), the number of events (u64),
//! the number of streams (u64), then for each stream in byte order of its
//! name: the name, its version at the position (u64) and its hash (32 bytes).
//! The signature is Ed25519 over the 32 digest bytes. Like the chain hash,
//! the encoding is written out by hand so that it can never drift.
//!
//! `verify_log` walks the global feed once and checks the chains, every seal
//! stored in the log (the digest recomputed once the walk has seen as many
//! events as the seal covers, the signature against the trusted keys), and
//! optionally a kept seal: each stream head in it must still be in the log at
//! that version with that hash. A seal is checked at its ordinal place in the
//! global log, not at its position: `migrate-store` keeps the order and the
//! seal events but not the positions (EventStoreDB's are byte offsets), so
//! seals made on one store verify on the other. The position stays in the
//! digest as a recorded number, so old seals keep their digests.

use std::collections::{BTreeMap, HashMap};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use markaz_domain::audit::{AuditEvent, LogSealed, SEAL_STREAM};
use markaz_domain::codec::decode;
use markaz_domain::metadata::EventMetadata;
use markaz_domain::time::Timestamp;
use markaz_domain::DomainEvent;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::contract::{
    EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError, StreamHead,
};
use crate::hash_chain::{BrokenLink, ChainVerifier};
use crate::log_pages::LogPages;

/// Identifies the digest encoding (and the seal file format) version.
pub const SEAL_FORMAT: &str = "markaz-seal-v1";

/// How many events a walk reads per page.
const PAGE: usize = 1_000;

/// Why a seal could not be made, read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the log is already broken at {} version {} ({}): it is not sealed; run \
         `markaz audit verify` and investigate before sealing", .0.stream, .0.version, .0.what
    )]
    BrokenLog(BrokenLink),
    #[error("the seal file is not a valid {SEAL_FORMAT} seal: {0}")]
    Format(String),
    #[error("the seal's digest does not match its stream heads: the seal file was altered")]
    DigestMismatch,
    #[error(
        "the seal was signed by key {found}, not by a trusted key ({expected}): trust every key \
         ever used for seals, including those rotated out"
    )]
    UntrustedKey { found: String, expected: String },
    #[error(
        "the seal's signature is not valid for its digest and key: the seal was altered or forged"
    )]
    BadSignature,
}

/// The head of every stream of the log at one global position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSummary {
    pub up_to_position: u64,
    /// Events at or before `up_to_position`.
    pub events: u64,
    /// Ordered by stream name (byte order).
    pub heads: Vec<StreamHead>,
}

impl LogSummary {
    /// The digest the seal signs (see the module doc).
    pub fn digest(&self) -> [u8; 32] {
        digest_of(
            self.up_to_position,
            self.events,
            self.heads
                .iter()
                .map(|head| (head.stream.as_str(), head.version, &head.hash)),
        )
    }
}

fn digest_of<'a>(
    up_to_position: u64,
    events: u64,
    heads: impl ExactSizeIterator<Item = (&'a str, u64, &'a [u8; 32])>,
) -> [u8; 32] {
    let mut hasher = Sha256::new();
    put_field(&mut hasher, SEAL_FORMAT.as_bytes());
    hasher.update(up_to_position.to_be_bytes());
    hasher.update(events.to_be_bytes());
    hasher.update((heads.len() as u64).to_be_bytes());
    for (stream, version, hash) in heads {
        put_field(&mut hasher, stream.as_bytes());
        hasher.update(version.to_be_bytes());
        hasher.update(hash);
    }
    hasher.finalize().into()
}

fn put_field(hasher: &mut Sha256, bytes: &[u8]) {
    // Stream names are short; saturating keeps this total without a fallible signature.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    hasher.update(len.to_be_bytes());
    hasher.update(bytes);
}

/// Stream heads as a walk of the global feed moves forward.
#[derive(Default)]
struct Heads {
    by_stream: BTreeMap<String, (u64, [u8; 32])>,
    events: u64,
}

impl Heads {
    fn observe(&mut self, event: &RecordedEvent) {
        self.events += 1;
        match self.by_stream.get_mut(event.stream.as_str()) {
            Some(head) => *head = (event.version, event.hash),
            None => {
                self.by_stream
                    .insert(event.stream.clone(), (event.version, event.hash));
            }
        }
    }

    fn digest(&self, up_to_position: u64) -> [u8; 32] {
        digest_of(
            up_to_position,
            self.events,
            self.by_stream
                .iter()
                .map(|(stream, (version, hash))| (stream.as_str(), *version, hash)),
        )
    }

    fn summary(&self, up_to_position: u64) -> LogSummary {
        LogSummary {
            up_to_position,
            events: self.events,
            heads: self
                .by_stream
                .iter()
                .map(|(stream, (version, hash))| StreamHead {
                    stream: stream.clone(),
                    version: *version,
                    hash: *hash,
                })
                .collect(),
        }
    }
}

/// Follows the log forward, checking chains, so that repeated seals only
/// read what is new (a server sealing every N events keeps one).
#[derive(Default)]
pub struct LogWalker {
    verifier: ChainVerifier,
    heads: Heads,
    position: u64,
}

impl LogWalker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads and checks every event after the walker's position up to
    /// `up_to_position`. Returns the first broken link found, if any.
    pub async fn advance_to(
        &mut self,
        store: &dyn EventStore,
        up_to_position: u64,
    ) -> Result<Option<BrokenLink>, StoreError> {
        let mut pages = LogPages::after(store, self.position)
            .page_size(PAGE)
            .up_to(up_to_position);
        while let Some(page) = pages.next_page().await? {
            for event in &page {
                if let Some(broken) = self.observe(event) {
                    return Ok(Some(broken));
                }
            }
        }
        self.position = self.position.max(up_to_position);
        Ok(None)
    }

    /// Checks the next event of the global feed (e.g. from a subscription).
    /// Events at or before the walker's position were checked already and
    /// are skipped. Returns the first broken link, once anything is broken.
    pub fn observe(&mut self, event: &RecordedEvent) -> Option<BrokenLink> {
        if event.position > self.position && self.verifier.check(event) {
            self.heads.observe(event);
            self.position = event.position;
        }
        self.verifier.report().first_broken
    }

    /// The position of the last event checked.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// How many events the walker has read and checked.
    pub fn events(&self) -> u64 {
        self.heads.events
    }

    /// The heads of every stream at the walker's position.
    pub fn summary(&self) -> LogSummary {
        self.heads.summary(self.position)
    }
}

/// A signed summary of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    pub summary: LogSummary,
    pub sealed_at: Timestamp,
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

impl Seal {
    /// Signs `summary` with `key`.
    pub fn sign(summary: LogSummary, sealed_at: Timestamp, key: &SigningKey) -> Seal {
        let signature = key.sign(&summary.digest()).to_bytes();
        Seal {
            summary,
            sealed_at,
            public_key: key.verifying_key().to_bytes(),
            signature,
        }
    }

    /// The event that records this seal in the `seal-log` stream.
    pub fn event(&self) -> LogSealed {
        LogSealed {
            up_to_position: self.summary.up_to_position,
            events: self.summary.events,
            streams: self.summary.heads.len() as u64,
            digest: self.summary.digest(),
            public_key: self.public_key,
            signature: self.signature,
        }
    }

    /// Checks the signature. With `trusted` keys, the seal must have been
    /// made with one of them; with none, the key the seal names is used.
    pub fn check_signature(&self, trusted: &[VerifyingKey]) -> Result<(), SealError> {
        check_signature(
            &self.summary.digest(),
            &self.public_key,
            &self.signature,
            trusted,
        )
    }
}

fn check_signature(
    digest: &[u8; 32],
    public_key: &[u8; 32],
    signature: &[u8; 64],
    trusted: &[VerifyingKey],
) -> Result<(), SealError> {
    if !trusted.is_empty() && !trusted.iter().any(|key| key.as_bytes() == public_key) {
        let expected: Vec<String> = trusted.iter().map(|k| hex::encode(k.as_bytes())).collect();
        return Err(SealError::UntrustedKey {
            found: hex::encode(public_key),
            expected: expected.join(", "),
        });
    }
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| SealError::BadSignature)?;
    key.verify(digest, &Signature::from_bytes(signature))
        .map_err(|_| SealError::BadSignature)
}

/// Walks the log up to its current head, verifying every chain, and signs
/// the heads. Refuses to seal a broken log.
pub async fn make_seal(
    store: &dyn EventStore,
    walker: &mut LogWalker,
    key: &SigningKey,
    sealed_at: Timestamp,
) -> Result<Seal, SealError> {
    let head = store.head_position().await?;
    if let Some(broken) = walker.advance_to(store, head).await? {
        return Err(SealError::BrokenLog(broken));
    }
    Ok(Seal::sign(walker.summary(), sealed_at, key))
}

/// Appends `seal` to the `seal-log` stream with `metadata`, after the seal
/// events already there. Returns the seal event's (version, position).
pub async fn record_seal(
    store: &dyn EventStore,
    seal: &Seal,
    metadata: EventMetadata,
) -> Result<(u64, u64), StoreError> {
    let encoded = markaz_domain::encode(&DomainEvent::Audit(AuditEvent::LogSealed(seal.event())));
    let version = store.stream_version(SEAL_STREAM).await?;
    let outcome = store
        .append(
            SEAL_STREAM,
            ExpectedVersion::Exact(version),
            vec![NewEvent {
                event_type: encoded.event_type.to_owned(),
                schema_version: encoded.schema_version,
                payload: encoded.payload,
                metadata,
            }],
        )
        .await?;
    Ok((outcome.version, outcome.position))
}

/// A seal as a portable JSON document an auditor keeps away from the server.
/// Byte fields are lower-case hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealFile {
    pub format: String,
    pub up_to_position: u64,
    pub events: u64,
    pub streams: u64,
    /// RFC 3339 UTC.
    pub sealed_at: String,
    pub digest: String,
    pub public_key: String,
    pub signature: String,
    pub heads: Vec<SealFileHead>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealFileHead {
    pub stream: String,
    pub version: u64,
    pub hash: String,
}

impl From<&Seal> for SealFile {
    fn from(seal: &Seal) -> Self {
        SealFile {
            format: SEAL_FORMAT.to_owned(),
            up_to_position: seal.summary.up_to_position,
            events: seal.summary.events,
            streams: seal.summary.heads.len() as u64,
            sealed_at: seal.sealed_at.to_rfc3339(),
            digest: hex::encode(seal.summary.digest()),
            public_key: hex::encode(seal.public_key),
            signature: hex::encode(seal.signature),
            heads: seal
                .summary
                .heads
                .iter()
                .map(|head| SealFileHead {
                    stream: head.stream.clone(),
                    version: head.version,
                    hash: hex::encode(head.hash),
                })
                .collect(),
        }
    }
}

fn hex_array<const N: usize>(field: &str, text: &str) -> Result<[u8; N], SealError> {
    let bytes = hex::decode(text)
        .map_err(|e| SealError::Format(format!("`{field}` is not hexadecimal: {e}")))?;
    bytes.try_into().map_err(|_| {
        SealError::Format(format!(
            "`{field}` must be {N} bytes ({} hex digits)",
            N * 2
        ))
    })
}

impl SealFile {
    /// Reads the document back into a seal, checking that its digest matches
    /// its heads. The signature is checked separately (`Seal::check_signature`).
    pub fn into_seal(self) -> Result<Seal, SealError> {
        if self.format != SEAL_FORMAT {
            return Err(SealError::Format(format!(
                "format is `{}`, expected `{SEAL_FORMAT}`",
                self.format
            )));
        }
        let sealed_at = chrono::DateTime::parse_from_rfc3339(&self.sealed_at)
            .map_err(|e| SealError::Format(format!("`sealed_at` is not RFC 3339: {e}")))?;
        let mut heads = Vec::with_capacity(self.heads.len());
        for head in self.heads {
            heads.push(StreamHead {
                hash: hex_array::<32>("heads[].hash", &head.hash)?,
                stream: head.stream,
                version: head.version,
            });
        }
        heads.sort_by(|a, b| a.stream.cmp(&b.stream));
        if heads
            .windows(2)
            .any(|pair| pair[0].stream == pair[1].stream)
        {
            return Err(SealError::Format(
                "a stream is listed twice in `heads`".into(),
            ));
        }
        if heads.len() as u64 != self.streams {
            return Err(SealError::Format(format!(
                "`streams` says {} but `heads` lists {}",
                self.streams,
                heads.len()
            )));
        }
        let summary = LogSummary {
            up_to_position: self.up_to_position,
            events: self.events,
            heads,
        };
        if summary.digest() != hex_array::<32>("digest", &self.digest)? {
            return Err(SealError::DigestMismatch);
        }
        Ok(Seal {
            summary,
            sealed_at: Timestamp::from_datetime(sealed_at.with_timezone(&chrono::Utc)),
            public_key: hex_array::<32>("public_key", &self.public_key)?,
            signature: hex_array::<64>("signature", &self.signature)?,
        })
    }
}

/// What `verify_log` checks besides the chains.
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions<'a> {
    /// Check only this stream's chain (seals in the log are then not checked;
    /// a kept seal only for this stream).
    pub stream: Option<&'a str>,
    /// A seal kept outside the server: the log must still hold its heads.
    pub kept_seal: Option<&'a Seal>,
    /// The keys seals may be signed with (every key used since the first
    /// seal, after rotations). With none, the seals in the log are checked
    /// against the key each names, which proves consistency but not who
    /// made them.
    pub trusted_keys: &'a [VerifyingKey],
}

/// The outcome of `verify_log`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogVerification {
    pub streams_checked: u64,
    pub events_checked: u64,
    /// Seals of the `seal-log` stream whose digest and signature were checked.
    pub seals_checked: u64,
    /// Whether a kept seal was compared with the log.
    pub kept_seal_checked: bool,
    pub first_broken: Option<BrokenLink>,
}

impl LogVerification {
    pub fn is_ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// A seal found in the log, waiting for the walk to reach its place.
struct PendingSeal {
    version: u64,
    /// Checked once the walk has seen this many events of the global log: the
    /// seal's `events` (its ordinal place, which a migration keeps, unlike
    /// positions), or for an event that is no seal the end of the walk.
    check_at: u64,
    /// The seal, or why the event cannot be read as one.
    event: Result<LogSealed, String>,
}

/// Walks the whole log once: chains, the seals in the log and a kept seal.
///
/// `first_broken` is the first chain break or kept-seal mismatch in log
/// order. A seal in the log that no longer matches is reported when a kept
/// seal names nothing more precise (the digest says that something changed,
/// the kept heads say which stream).
pub async fn verify_log(
    store: &dyn EventStore,
    options: VerifyOptions<'_>,
) -> Result<LogVerification, SealError> {
    let mut walk = VerifyWalk::new(store, options).await?;
    let mut pages = LogPages::after(store, 0).page_size(PAGE);
    while let Some(page) = pages.next_page().await? {
        for event in &page {
            if !walk.observe(event) {
                return Ok(walk.report());
            }
        }
    }
    walk.finish();
    Ok(walk.report())
}

struct VerifyWalk<'a> {
    options: VerifyOptions<'a>,
    verifier: ChainVerifier,
    heads: Heads,
    /// In the order of their positions.
    pending: std::collections::VecDeque<PendingSeal>,
    seals_checked: u64,
    /// Kept heads not yet met in the log: stream → (version, hash).
    kept: HashMap<&'a str, (u64, [u8; 32])>,
    /// The kept seal, until the log up to its position has been compared
    /// with it as a whole (only when every stream is verified).
    kept_whole: Option<&'a Seal>,
    /// The first seal in the log found not to match, while a kept seal is
    /// being checked (see `check_seal`).
    stale_seal: Option<BrokenLink>,
    first_broken: Option<BrokenLink>,
}

impl<'a> VerifyWalk<'a> {
    async fn new(store: &dyn EventStore, options: VerifyOptions<'a>) -> Result<Self, SealError> {
        let pending = if options.stream.is_none() {
            seals_in_log(store).await?
        } else {
            Default::default()
        };
        let kept = options
            .kept_seal
            .map(|seal| {
                seal.summary
                    .heads
                    .iter()
                    .filter(|head| options.stream.is_none_or(|only| only == head.stream))
                    .map(|head| (head.stream.as_str(), (head.version, head.hash)))
                    .collect()
            })
            .unwrap_or_default();
        let kept_whole = options.kept_seal.filter(|_| options.stream.is_none());
        Ok(VerifyWalk {
            options,
            verifier: ChainVerifier::new(),
            heads: Heads::default(),
            pending,
            seals_checked: 0,
            kept,
            kept_whole,
            stale_seal: None,
            first_broken: None,
        })
    }

    fn included(&self, stream: &str) -> bool {
        self.options.stream.is_none_or(|only| only == stream)
    }

    /// Checks one event; false once something is broken.
    fn observe(&mut self, event: &RecordedEvent) -> bool {
        if !self.check_seals_due(self.heads.events) {
            return false;
        }
        if self
            .kept_whole
            .is_some_and(|seal| self.heads.events >= seal.summary.events)
            && !self.check_kept_whole()
        {
            return false;
        }
        if self.included(&event.stream) && !self.verifier.check(event) {
            self.first_broken = self.verifier.report().first_broken;
            return false;
        }
        self.heads.observe(event);
        if let Some((version, hash)) = self.kept.get(event.stream.as_str()).copied() {
            if event.version == version {
                self.kept.remove(event.stream.as_str());
                if event.hash != hash {
                    return self.broken(
                        &event.stream,
                        version,
                        format!(
                            "differs from the kept seal: the seal has hash {}, the log {}; the \
                             stream was rewritten after the seal",
                            hex::encode(hash),
                            hex::encode(event.hash)
                        ),
                    );
                }
            }
        }
        true
    }

    /// Checks every pending seal that covers at most `seen` events: the walk
    /// has seen exactly the events such a seal covers (a seal covers the first
    /// `events` events of the global log, whatever their positions).
    fn check_seals_due(&mut self, seen: u64) -> bool {
        while self
            .pending
            .front()
            .is_some_and(|seal| seal.check_at <= seen)
        {
            let Some(seal) = self.pending.pop_front() else {
                break;
            };
            if !self.check_seal(&seal) {
                return false;
            }
        }
        true
    }

    fn check_seal(&mut self, seal: &PendingSeal) -> bool {
        let sealed = match &seal.event {
            Ok(sealed) => sealed,
            Err(reason) => {
                let what =
                    format!("this event of the seal stream is not a readable seal: {reason}");
                return self.broken(SEAL_STREAM, seal.version, what);
            }
        };
        let digest = self.heads.digest(sealed.up_to_position);
        if digest != sealed.digest {
            let stale = BrokenLink {
                stream: SEAL_STREAM.to_owned(),
                version: seal.version,
                what: format!(
                    "the log up to position {} no longer matches this seal ({} events in {} \
                     streams sealed, {} events in {} streams now): history before the seal was \
                     changed",
                    sealed.up_to_position,
                    sealed.events,
                    sealed.streams,
                    self.heads.events,
                    self.heads.by_stream.len()
                ),
            };
            // Walk on: the rest of the log is still checked, and a chain
            // break or a kept seal can name the stream that changed; this is
            // reported only if nothing more precise is found. Later seals in
            // the log cannot match either.
            self.stale_seal.get_or_insert(stale);
            self.pending.clear();
            return true;
        }
        let signed = check_signature(
            &sealed.digest,
            &sealed.public_key,
            &sealed.signature,
            self.options.trusted_keys,
        );
        if let Err(error) = signed {
            return self.broken(SEAL_STREAM, seal.version, error.to_string());
        }
        self.seals_checked += 1;
        true
    }

    fn broken(&mut self, stream: &str, version: u64, what: String) -> bool {
        self.first_broken = Some(BrokenLink {
            stream: stream.to_owned(),
            version,
            what,
        });
        false
    }

    /// After the last event: seals at the end of the log, and kept heads
    /// never met.
    fn finish(&mut self) {
        if !self.check_seals_due(u64::MAX) {
            return;
        }
        self.check_kept_heads();
        if self.first_broken.is_none() && self.kept_whole.is_some() {
            self.check_kept_whole();
        }
        if self.first_broken.is_none() {
            self.first_broken = self.stale_seal.take();
        }
    }

    /// The log up to the kept seal's position must be the one sealed as a
    /// whole: the heads it lists (checked one by one as they are met) and no
    /// more. A stream slipped in before that position, or events added there,
    /// change the digest though every listed head still matches.
    fn check_kept_whole(&mut self) -> bool {
        let Some(seal) = self.kept_whole.take() else {
            return true;
        };
        let sealed = &seal.summary;
        if self.kept.is_empty() && self.heads.digest(sealed.up_to_position) == sealed.digest() {
            return true;
        }
        let listed: std::collections::HashSet<&str> = sealed
            .heads
            .iter()
            .map(|head| head.stream.as_str())
            .collect();
        let added = self
            .heads
            .by_stream
            .iter()
            .find(|(stream, _)| !listed.contains(stream.as_str()));
        match added {
            Some((stream, (version, _))) => {
                let (stream, version) = (stream.clone(), *version);
                self.broken(
                    &stream,
                    version,
                    format!(
                        "the kept seal does not list this stream, yet it is in the log among the \
                         {} events sealed up to position {}: it was added to history after the seal",
                        sealed.events, sealed.up_to_position
                    ),
                )
            }
            // The walk has seen as many events as the seal covers, so every
            // head it lists should have been met: one that was not names the
            // stream that lost events.
            None if !self.kept.is_empty() => {
                self.check_kept_heads();
                self.first_broken.is_none()
            }
            None => {
                let what = format!(
                    "the log up to position {} no longer matches the kept seal ({} events \
                     sealed, {} now): history before the seal was changed",
                    sealed.up_to_position, sealed.events, self.heads.events
                );
                self.broken(SEAL_STREAM, 0, what)
            }
        }
    }

    /// Every kept head must have been met. (Together with the chains this
    /// also bounds the number of events: each stream still holds versions 1
    /// up to its kept version.)
    fn check_kept_heads(&mut self) {
        let mut missing: Vec<(&str, (u64, [u8; 32]))> =
            self.kept.iter().map(|(s, head)| (*s, *head)).collect();
        missing.sort();
        if let Some((stream, (version, _))) = missing.first() {
            let now = self.heads.by_stream.get(*stream).map_or(0, |(v, _)| *v);
            let what = if now == 0 {
                format!(
                    "the stream is missing: the kept seal has it at version {version}; it was \
                     deleted after the seal"
                )
            } else {
                format!(
                    "the stream ends at version {now} but the kept seal has it at version \
                     {version}: its tail was deleted after the seal"
                )
            };
            self.broken(stream, *version, what);
        }
    }

    fn report(&self) -> LogVerification {
        let chains = self.verifier.report();
        LogVerification {
            streams_checked: chains.streams_checked,
            events_checked: chains.events_checked,
            seals_checked: self.seals_checked,
            kept_seal_checked: self.options.kept_seal.is_some(),
            first_broken: self.first_broken.clone(),
        }
    }
}

/// Every event of the `seal-log` stream, in the order they are to be checked.
async fn seals_in_log(
    store: &dyn EventStore,
) -> Result<std::collections::VecDeque<PendingSeal>, StoreError> {
    let mut seals = Vec::new();
    let mut from_version = 1;
    loop {
        let page = store.read_stream(SEAL_STREAM, from_version, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        from_version = last.version + 1;
        for event in page {
            let decoded = decode(&event.event_type, event.schema_version, &event.payload);
            let sealed = match decoded {
                Ok(DomainEvent::Audit(AuditEvent::LogSealed(sealed))) => Ok(sealed),
                Ok(other) => Err(format!("it is a {}", other.type_name())),
                Err(error) => Err(error.to_string()),
            };
            seals.push(PendingSeal {
                version: event.version,
                check_at: sealed.as_ref().map_or(u64::MAX, |sealed| sealed.events),
                event: sealed,
            });
        }
    }
    seals.sort_by_key(|seal| seal.check_at);
    Ok(seals.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(stream: &str, version: u64, fill: u8) -> StreamHead {
        StreamHead {
            stream: stream.into(),
            version,
            hash: [fill; 32],
        }
    }

    fn summary() -> LogSummary {
        LogSummary {
            up_to_position: 10,
            events: 9,
            heads: vec![head("complaint-a", 3, 1), head("officer-b", 1, 2)],
        }
    }

    #[test]
    fn digest_is_pinned_for_a_known_summary() {
        // A kept seal must verify forever: this value may never change. It was
        // computed independently from the encoding described in the module doc.
        assert_eq!(
            hex::encode(summary().digest()),
            "03f0895eaaa5533b6207c319f7f6b4691c4dd7951920f3bb8eb982fb72d958e3",
            "the seal digest encoding changed; kept seals would no longer verify"
        );
    }

    #[test]
    fn every_part_of_the_summary_changes_the_digest() {
        let reference = summary().digest();
        let mut changed = Vec::new();
        let mut s = summary();
        s.up_to_position += 1;
        changed.push(s);
        let mut s = summary();
        s.events += 1;
        changed.push(s);
        let mut s = summary();
        s.heads.pop();
        changed.push(s);
        let mut s = summary();
        s.heads[0].version = 2;
        changed.push(s);
        let mut s = summary();
        s.heads[1].hash[31] ^= 1;
        changed.push(s);
        let mut s = summary();
        s.heads[0].stream = "complaint-z".into();
        changed.push(s);
        for s in changed {
            assert_ne!(s.digest(), reference, "{s:?}");
        }
    }

    #[test]
    fn a_seal_survives_its_file_and_catches_edits() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let seal = Seal::sign(
            summary(),
            Timestamp::from_micros(1_700_000_000_000_000),
            &key,
        );
        seal.check_signature(&[key.verifying_key()]).unwrap();
        let file = SealFile::from(&seal);
        let text = serde_json::to_string(&file).unwrap();
        let back: SealFile = serde_json::from_str(&text).unwrap();
        assert_eq!(back.clone().into_seal().unwrap(), seal);

        let mut edited = back.clone();
        edited.heads[0].version = 2;
        assert!(matches!(edited.into_seal(), Err(SealError::DigestMismatch)));

        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(matches!(
            seal.check_signature(&[other.verifying_key()]),
            Err(SealError::UntrustedKey { .. })
        ));
        let mut forged = seal.clone();
        forged.summary.heads[0].version = 4;
        assert!(matches!(
            forged.check_signature(&[]),
            Err(SealError::BadSignature)
        ));
    }
}
