//! Verification of the log: the chains, the seals in the log and a seal kept
//! elsewhere, and the events this build cannot decode (which stop the
//! projections), reported in one shape for HTTP and the CLI.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use markaz_store::log_pages::LogPages;
use markaz_store::seal::{verify_log, LogVerification, Seal, SealError, SealFile, VerifyOptions};
use markaz_store::{EventStore, RecordedEvent, StoreError};
use serde_json::{json, Value};

/// The most undecodable events a report lists (all are counted).
const UNDECODABLE_LISTED: usize = 100;

/// An event of the log that this build cannot decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndecodableEvent {
    pub position: u64,
    pub stream: String,
    pub version: u64,
    pub event_type: String,
    pub schema_version: u16,
    pub reason: String,
}

/// What the decoding walk found: how many events it read and which of them
/// cannot be decoded (the first `UNDECODABLE_LISTED`, and how many in all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeReport {
    pub events_read: u64,
    pub undecodable: Vec<UndecodableEvent>,
    pub undecodable_count: u64,
}

impl DecodeReport {
    fn check(&mut self, event: &RecordedEvent) {
        self.events_read += 1;
        if let Err(error) =
            markaz_domain::codec::decode(&event.event_type, event.schema_version, &event.payload)
        {
            self.undecodable_count += 1;
            if self.undecodable.len() < UNDECODABLE_LISTED {
                self.undecodable.push(UndecodableEvent {
                    position: event.position,
                    stream: event.stream.clone(),
                    version: event.version,
                    event_type: event.event_type.clone(),
                    schema_version: event.schema_version,
                    reason: error.to_string(),
                });
            }
        }
    }
}

/// Decodes every event of the log (or of one stream) with this build's
/// codec and names those it cannot read: the event that stopped the
/// projections is among them.
pub async fn undecodable_events(
    store: &dyn EventStore,
    stream: Option<&str>,
) -> Result<DecodeReport, StoreError> {
    const PAGE: usize = 1_000;
    let mut report = DecodeReport::default();
    match stream {
        Some(stream) => {
            let mut next = 1;
            loop {
                let page = store.read_stream(stream, next, PAGE).await?;
                page.iter().for_each(|event| report.check(event));
                match page.last() {
                    Some(last) if page.len() == PAGE => next = last.version + 1,
                    _ => break,
                }
            }
        }
        None => {
            let mut pages = LogPages::after(store, 0).page_size(PAGE);
            while let Some(page) = pages.next_page().await? {
                page.iter().for_each(|event| report.check(event));
            }
        }
    }
    Ok(report)
}

/// Why a kept seal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeptSealError {
    #[error("cannot read the seal file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a seal file: {problem}")]
    NotJson { path: PathBuf, problem: String },
    #[error("the seal file {path} cannot be trusted: {source}")]
    Untrusted {
        path: PathBuf,
        #[source]
        source: SealError,
    },
}

/// Reads a kept seal and checks that it is intact and signed (by one of
/// `trusted` when any are given).
pub fn read_kept_seal(path: &Path, trusted: &[VerifyingKey]) -> Result<Seal, KeptSealError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeptSealError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file: SealFile = serde_json::from_str(&text).map_err(|e| KeptSealError::NotJson {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    let untrusted = |source| KeptSealError::Untrusted {
        path: path.to_path_buf(),
        source,
    };
    let seal = file.into_seal().map_err(untrusted)?;
    seal.check_signature(trusted).map_err(untrusted)?;
    Ok(seal)
}

/// Verifies the log (see `markaz_store::seal::verify_log`).
pub async fn verify(
    store: &dyn EventStore,
    stream: Option<&str>,
    kept_seal: Option<&Seal>,
    trusted_keys: &[VerifyingKey],
) -> Result<LogVerification, SealError> {
    verify_log(
        store,
        VerifyOptions {
            stream,
            kept_seal,
            trusted_keys,
        },
    )
    .await
}

/// The report as the API and the CLI print it. `seals_authenticated` says
/// whether the seals' signatures were checked against keys the caller trusts;
/// otherwise each seal was checked against the key it names itself, which
/// proves the log unchanged since it was sealed but not who sealed it (someone
/// able to rewrite the file could also re-seal it with a key of their own).
///
/// `undecodable` lists the events this build cannot decode: they break no
/// chain (`ok` is about the chains and seals), but they stop the projections.
pub fn report_json(
    report: &LogVerification,
    seals_authenticated: bool,
    decoding: &DecodeReport,
) -> Value {
    json!({
        "streams_checked": report.streams_checked,
        "events_checked": report.events_checked,
        "seals_checked": report.seals_checked,
        "seals_authenticated": seals_authenticated,
        "kept_seal_checked": report.kept_seal_checked,
        "ok": report.is_ok(),
        "first_broken": report.first_broken.as_ref().map(|broken| json!({
            "stream": broken.stream,
            "version": broken.version,
            "reason": broken.what,
        })),
        "undecodable_count": decoding.undecodable_count,
        "undecodable": decoding.undecodable.iter().map(|event| json!({
            "position": event.position,
            "stream": event.stream,
            "version": event.version,
            "type": event.event_type,
            "schema_version": event.schema_version,
            "reason": event.reason,
        })).collect::<Vec<Value>>(),
    })
}
