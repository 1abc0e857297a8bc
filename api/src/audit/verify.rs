//! Verification of the log: the chains, the seals in the log and a seal kept
//! elsewhere, reported in one shape for HTTP and the CLI.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use markaz_store::seal::{verify_log, LogVerification, Seal, SealError, SealFile, VerifyOptions};
use markaz_store::EventStore;
use serde_json::{json, Value};

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
pub fn report_json(report: &LogVerification, seals_authenticated: bool) -> Value {
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
    })
}
