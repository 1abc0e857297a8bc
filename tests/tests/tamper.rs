//! Tamper evidence: the event file is edited behind Markaz's back with plain
//! SQL, as someone with write access to the data directory could, and the
//! verifier (with a seal kept elsewhere where the chain alone cannot tell)
//! must report each edit.

mod audit_support;

use std::path::{Path, PathBuf};

use audit_support::{at, ScriptedLog, DAY, DAY_ONE, HOUR};
use markaz_api::cli::audit::{generate_key, seal, verify_log, SealArgs, VerifyArgs};
use markaz_api::config::Config;
use markaz_domain::codec::{encode, DomainEvent};
use markaz_domain::{AuditEvent, ComplaintAcknowledged, ComplaintEvent, ComplaintId, ShortText};
use markaz_store::hash_chain::{recorded_hash, verify_all, GENESIS_HASH};
use markaz_store::seal::{LogVerification, LogWalker, Seal};
use markaz_store::EventStore;
use rusqlite::{params, Connection};
use tempfile::TempDir;

/// Three complaints: one filed, acknowledged and resolved; one
/// acknowledged; one only filed.
async fn scripted_history() -> (ScriptedLog, Vec<ComplaintId>) {
    let mut log = ScriptedLog::new();
    let first = log.file(at(DAY_ONE), false).await;
    let second = log.file(at(DAY_ONE + HOUR), true).await;
    log.acknowledge(first, at(DAY_ONE + 2 * HOUR)).await;
    let third = log.file(at(DAY_ONE + 3 * HOUR), false).await;
    log.acknowledge(second, at(DAY_ONE + 4 * HOUR)).await;
    log.resolve(
        first,
        at(DAY_ONE + DAY),
        "Motorcycle recovered and returned",
    )
    .await;
    (log, vec![first, second, third])
}

/// A signing key in a directory of its own, outside the data directory.
struct Auditor {
    dir: TempDir,
    key: PathBuf,
    public_key: String,
}

impl Auditor {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a key directory");
        let key = dir.path().join("seal.pem");
        // Any data directory elsewhere: the key must only stay out of it.
        let elsewhere = Config::with_data_dir(dir.path().join("data"));
        let public_key = generate_key(&elsewhere, &key).expect("the key is written");
        Auditor {
            dir,
            key,
            public_key,
        }
    }

    /// Seals the log and keeps the seal file; returns its path.
    async fn seal(&self, log: &ScriptedLog, name: &str) -> PathBuf {
        let out = self.dir.path().join(name);
        seal(
            &log.config(),
            &SealArgs {
                key: self.key.clone(),
                out: Some(out.clone()),
            },
        )
        .await
        .expect("the log is sealed");
        out
    }
}

async fn verify(
    log: &ScriptedLog,
    seal: Option<&Path>,
    public_key: Option<&str>,
) -> LogVerification {
    verify_log(
        &log.config(),
        &VerifyArgs {
            stream: None,
            seal: seal.map(Path::to_path_buf),
            public_key: public_key.map(str::to_owned).into_iter().collect(),
        },
    )
    .await
    .expect("the log can be read")
}

fn open(log: &ScriptedLog) -> Connection {
    Connection::open(log.events_path()).expect("the event file opens")
}

#[track_caller]
fn assert_broken(report: &LogVerification, stream: &str, version: u64, reason: &str) {
    let broken = report
        .first_broken
        .as_ref()
        .unwrap_or_else(|| panic!("the edit went unnoticed: {report:?}"));
    assert_eq!(broken.stream, stream, "{broken:?}");
    assert_eq!(broken.version, version, "{broken:?}");
    assert!(
        broken.what.contains(reason),
        "expected `{reason}` in `{}`",
        broken.what
    );
    assert!(!report.is_ok());
}

#[tokio::test]
async fn a_clean_log_verifies_with_and_without_a_kept_seal() {
    let (log, ids) = scripted_history().await;
    let report = verify(&log, None, None).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events_checked, 6);
    assert_eq!(report.streams_checked, 3);
    assert_eq!(report.seals_checked, 0);

    let auditor = Auditor::new();
    let kept = auditor.seal(&log, "seal.json").await;
    let mut log = log;
    // History goes on after the seal: still fine.
    log.resolve(ids[1], at(DAY_ONE + 2 * DAY), "Warned by the SHO")
        .await;
    let report = verify(&log, Some(&kept), Some(&auditor.public_key)).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.seals_checked, 1);
    assert!(report.kept_seal_checked);
    // Seal event + the resolution.
    assert_eq!(report.events_checked, 8);
}

#[tokio::test]
async fn a_flipped_byte_in_a_stored_payload_breaks_the_chain() {
    let (log, ids) = scripted_history().await;
    let stream = ids[0].stream_name();
    let conn = open(&log);
    let mut payload: Vec<u8> = conn
        .query_row(
            "SELECT payload FROM events WHERE stream = ?1 AND version = 3",
            [&stream],
            |row| row.get(0),
        )
        .expect("the resolution is stored");
    let last = payload.len() - 1;
    payload[last] ^= 0x01;
    conn.execute(
        "UPDATE events SET payload = ?1 WHERE stream = ?2 AND version = 3",
        params![payload, stream],
    )
    .expect("the payload is edited");

    let report = verify(&log, None, None).await;
    assert_broken(&report, &stream, 3, "hash mismatch");

    // Checking one stream finds it too, and other streams stay clean.
    let one = |stream: &str| VerifyArgs {
        stream: Some(stream.to_owned()),
        seal: None,
        public_key: Vec::new(),
    };
    let report = verify_log(&log.config(), &one(&stream)).await.unwrap();
    assert_broken(&report, &stream, 3, "hash mismatch");
    assert_eq!(report.streams_checked, 1);
    let other = verify_log(&log.config(), &one(&ids[2].stream_name()))
        .await
        .unwrap();
    assert!(other.is_ok(), "{other:?}");
    assert_eq!(other.events_checked, 1);
}

#[tokio::test]
async fn a_deleted_last_event_is_caught_by_the_seals() {
    let (log, ids) = scripted_history().await;
    let auditor = Auditor::new();
    let kept = auditor.seal(&log, "seal.json").await;
    let stream = ids[0].stream_name();
    open(&log)
        .execute(
            "DELETE FROM events WHERE stream = ?1 AND version = 3",
            [&stream],
        )
        .expect("the resolution is deleted");

    // The chain alone cannot see a missing tail: that is what seals are for.
    assert!(verify_all(log.store.as_ref()).await.unwrap().is_ok());
    // The seal in the log no longer matches...
    let report = verify(&log, None, Some(&auditor.public_key)).await;
    assert_broken(&report, "seal-log", 1, "no longer matches this seal");
    // ...and the kept seal names the stream and what is missing.
    let report = verify(&log, Some(&kept), Some(&auditor.public_key)).await;
    assert_broken(&report, &stream, 3, "tail was deleted");
}

#[tokio::test]
async fn a_deleted_stream_is_caught_by_a_kept_seal() {
    let (log, ids) = scripted_history().await;
    let auditor = Auditor::new();
    let kept = auditor.seal(&log, "seal.json").await;
    let stream = ids[1].stream_name();
    // Remove the stream and the seal that covered it, as a careful forger would.
    let deleted = open(&log)
        .execute(
            "DELETE FROM events WHERE stream = ?1 OR stream = 'seal-log'",
            [&stream],
        )
        .expect("the stream is deleted");
    assert_eq!(deleted, 3);

    let report = verify(&log, None, None).await;
    assert!(
        report.is_ok(),
        "without a kept seal nothing is left to notice: {report:?}"
    );
    let report = verify(&log, Some(&kept), Some(&auditor.public_key)).await;
    assert_broken(&report, &stream, 2, "the stream is missing");
}

/// Rewrites event `version` of `stream` with `event` and recomputes the
/// hashes of it and every later event of the stream, so that the chain is
/// consistent again.
async fn rewrite_with_recomputed_hashes(
    log: &ScriptedLog,
    stream: &str,
    version: u64,
    event: DomainEvent,
) {
    let mut events = log.store.read_stream(stream, 1, 100).await.unwrap();
    let encoded = encode(&event);
    let conn = open(log);
    let mut prev = GENESIS_HASH;
    for recorded in &mut events {
        if recorded.version == version {
            recorded.payload = encoded.payload.clone();
        }
        if recorded.version >= version {
            recorded.hash = recorded_hash(&prev, recorded);
            conn.execute(
                "UPDATE events SET payload = ?1, hash = ?2 WHERE stream = ?3 AND version = ?4",
                params![
                    recorded.payload,
                    recorded.hash.to_vec(),
                    stream,
                    recorded.version as i64
                ],
            )
            .expect("the event is rewritten");
        }
        prev = recorded.hash;
    }
}

#[tokio::test]
async fn a_stream_rewritten_with_recomputed_hashes_is_caught_by_a_kept_seal() {
    let (log, ids) = scripted_history().await;
    let auditor = Auditor::new();
    let kept = auditor.seal(&log, "seal.json").await;
    let stream = ids[0].stream_name();
    let forged = DomainEvent::Complaint(ComplaintEvent::Acknowledged(ComplaintAcknowledged {
        note: Some(ShortText::parse("Complainant withdrew the accusation").unwrap()),
    }));
    rewrite_with_recomputed_hashes(&log, &stream, 2, forged).await;

    assert!(
        verify_all(log.store.as_ref()).await.unwrap().is_ok(),
        "the rewritten chain is consistent"
    );
    let report = verify(&log, None, Some(&auditor.public_key)).await;
    assert_broken(&report, "seal-log", 1, "no longer matches this seal");
    let report = verify(&log, Some(&kept), Some(&auditor.public_key)).await;
    assert_broken(&report, &stream, 3, "differs from the kept seal");
}

#[tokio::test]
async fn a_rollback_to_an_older_consistent_log_is_caught_by_a_kept_seal() {
    let (mut log, ids) = scripted_history().await;
    let backup = tempfile::tempdir().unwrap();
    let old_copy = backup.path().join("events.sqlite");
    open(&log)
        .execute(&format!("VACUUM INTO '{}'", old_copy.display()), [])
        .expect("a copy of the log as it is now");
    log.resolve(ids[1], at(DAY_ONE + 2 * DAY), "Warned by the SHO")
        .await;
    let auditor = Auditor::new();
    let kept = auditor.seal(&log, "seal.json").await;

    // A data directory holding the older, perfectly consistent file (a
    // fresh one: the live store may still be writing its own on close).
    let rolled_back = tempfile::tempdir().unwrap();
    std::fs::copy(&old_copy, rolled_back.path().join("events.sqlite"))
        .expect("the old file is restored");
    let config = Config::with_data_dir(rolled_back.path());
    let report = verify_log(
        &config,
        &VerifyArgs {
            stream: None,
            seal: None,
            public_key: Vec::new(),
        },
    )
    .await
    .unwrap();
    assert!(
        report.is_ok(),
        "the old log is consistent in itself: {report:?}"
    );
    let report = verify_log(
        &config,
        &VerifyArgs {
            stream: None,
            seal: Some(kept),
            public_key: vec![auditor.public_key.clone()],
        },
    )
    .await
    .unwrap();
    assert_broken(&report, &ids[1].stream_name(), 3, "tail was deleted");
}

#[tokio::test]
async fn an_altered_or_foreign_seal_file_is_refused() {
    let (log, _) = scripted_history().await;
    let auditor = Auditor::new();
    let kept = auditor.seal(&log, "seal.json").await;

    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&kept).unwrap()).unwrap();
    file["heads"][0]["version"] = serde_json::json!(1);
    let altered = auditor.dir.path().join("altered.json");
    std::fs::write(&altered, file.to_string()).unwrap();
    let error = verify_log(
        &log.config(),
        &VerifyArgs {
            stream: None,
            seal: Some(altered),
            public_key: Vec::new(),
        },
    )
    .await
    .expect_err("an altered seal is refused");
    assert!(format!("{error:#}").contains("digest"), "{error:#}");

    let stranger = Auditor::new();
    let error = verify_log(
        &log.config(),
        &VerifyArgs {
            stream: None,
            seal: Some(kept),
            public_key: vec![stranger.public_key.clone()],
        },
    )
    .await
    .expect_err("a seal by another key is refused");
    assert!(
        format!("{error:#}").contains("not by a trusted key"),
        "{error:#}"
    );
}

#[tokio::test]
async fn seals_made_before_a_key_rotation_need_the_old_key_too() {
    let (mut log, ids) = scripted_history().await;
    let old = Auditor::new();
    old.seal(&log, "old.json").await;
    log.resolve(ids[1], at(DAY_ONE + 2 * DAY), "Warned by the SHO")
        .await;
    let new = Auditor::new();
    new.seal(&log, "new.json").await;

    let with_keys = |keys: Vec<String>| VerifyArgs {
        stream: None,
        seal: None,
        public_key: keys,
    };
    let only_new = verify_log(&log.config(), &with_keys(vec![new.public_key.clone()]))
        .await
        .unwrap();
    assert_broken(&only_new, "seal-log", 1, "not by a trusted key");
    let both = with_keys(vec![old.public_key.clone(), new.public_key.clone()]);
    let report = verify_log(&log.config(), &both).await.unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.seals_checked, 2);
}

#[tokio::test]
async fn a_seal_forged_with_another_key_is_refused_by_the_auditors_key() {
    let (log, ids) = scripted_history().await;
    let auditor = Auditor::new();
    auditor.seal(&log, "seal.json").await;
    let stream = ids[0].stream_name();
    let forged = DomainEvent::Complaint(ComplaintEvent::Acknowledged(ComplaintAcknowledged {
        note: Some(ShortText::parse("Complainant withdrew the accusation").unwrap()),
    }));
    rewrite_with_recomputed_hashes(&log, &stream, 2, forged).await;

    // The forger re-seals the rewritten history with a key of their own and
    // puts that seal in place of the auditor's, chain hash and all.
    let sealed = log.store.read_stream("seal-log", 1, 1).await.unwrap();
    let mut seal_event = sealed.into_iter().next().expect("the auditor's seal");
    let mut walker = LogWalker::new();
    assert!(walker
        .advance_to(log.store.as_ref(), seal_event.position - 1)
        .await
        .unwrap()
        .is_none());
    let forger = markaz_api::audit::keys::generate().unwrap();
    let forgery = Seal::sign(walker.summary(), seal_event.metadata.occurred_at, &forger);
    seal_event.payload =
        encode(&DomainEvent::Audit(AuditEvent::LogSealed(forgery.event()))).payload;
    seal_event.hash = recorded_hash(&GENESIS_HASH, &seal_event);
    open(&log)
        .execute(
            "UPDATE events SET payload = ?1, hash = ?2 WHERE stream = 'seal-log' AND version = 1",
            params![seal_event.payload, seal_event.hash.to_vec()],
        )
        .expect("the seal is replaced");

    let unchecked = verify(&log, None, None).await;
    assert!(
        unchecked.is_ok(),
        "without the auditor's key a consistent forgery passes: {unchecked:?}"
    );
    assert_eq!(unchecked.seals_checked, 1);
    let report = verify(&log, None, Some(&auditor.public_key)).await;
    assert_broken(&report, "seal-log", 1, "not by a trusted key");
}
