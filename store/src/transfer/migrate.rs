//! Copying a whole log from one store to another, e.g. from the embedded
//! store to EventStoreDB.
//!
//! The source is read in global order up to the head it had when the copy
//! started. Each event's hash is checked against the previous event of its
//! stream before it is copied, so a broken source is not spread. Events
//! already at the target (same stream, version, event id and hash) are
//! skipped, so an interrupted copy resumes where it stopped and a repeated
//! copy writes nothing; an event at the target that differs stops the copy.
//! The rest is appended with exact expected versions; the target recomputes
//! every hash. At the end the target is read whole: its chains must verify
//! and every copied stream must end at the source's version and hash.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use uuid::Uuid;

use super::batch::{Appender, CopyAppendError};
use super::PAGE;
use crate::contract::{EventStore, StoreError};
use crate::esdb::EsdbStore;
use crate::hash_chain::{ChainReport, ChainVerifier};
use crate::log_pages::LogPages;
use crate::sqlite::SqliteStore;

/// The event file inside a data directory.
pub const EVENT_FILE_NAME: &str = "events.sqlite";

/// Where a log lives, as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreUrl {
    /// An embedded event file.
    Embedded(PathBuf),
    /// An EventStoreDB / KurrentDB connection string.
    EventStoreDb(String),
}

/// Why a copy stopped.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "`{0}` is not a store location: give a data directory, an event file (.sqlite), \
         sqlite://PATH, or an esdb:// or kurrentdb:// URL"
    )]
    BadUrl(String),
    #[error("cannot create the directory {path}: {cause}")]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("the source and the target are the same event file {0}; choose another target")]
    SameStore(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}; once the cause is fixed, run the copy again: it resumes")]
    Append(CopyAppendError),
    #[error(
        "the source log is broken at version {version} of {stream}: {what}; \
         run `markaz audit verify` on it and restore it from a backup before copying"
    )]
    BrokenSource {
        stream: String,
        version: u64,
        what: String,
    },
    #[error(
        "the target already holds a different event at version {version} of {stream} \
         (target {target_id}, source {source_id}); copy into an empty target"
    )]
    Conflict {
        stream: String,
        version: u64,
        target_id: Uuid,
        source_id: Uuid,
    },
    #[error(
        "after the copy the target does not match the source: {detail}; \
         was the target written to during the copy?"
    )]
    Mismatch { detail: String },
}

impl From<CopyAppendError> for MigrateError {
    fn from(error: CopyAppendError) -> Self {
        MigrateError::Append(error)
    }
}

impl StoreUrl {
    /// Parses a location: `esdb://...`, `esdb+discover://...`, `kurrentdb://...`
    /// or `kurrentdb+discover://...` for EventStoreDB; `sqlite://PATH` or a bare
    /// PATH for the embedded store, where a PATH ending in `.sqlite` or `.db`
    /// is the event file itself and any other PATH a data directory holding
    /// `events.sqlite`.
    pub fn parse(text: &str) -> Result<StoreUrl, MigrateError> {
        let text = text.trim();
        let esdb = [
            "esdb://",
            "esdb+discover://",
            "kurrentdb://",
            "kurrentdb+discover://",
        ];
        if esdb.iter().any(|scheme| text.starts_with(scheme)) {
            return Ok(StoreUrl::EventStoreDb(text.to_owned()));
        }
        let path = match text.strip_prefix("sqlite://") {
            Some(path) => path,
            None if text.contains("://") => return Err(MigrateError::BadUrl(text.to_owned())),
            None => text,
        };
        if path.is_empty() {
            return Err(MigrateError::BadUrl(text.to_owned()));
        }
        let path = Path::new(path);
        let is_file = path
            .extension()
            .is_some_and(|extension| extension == "sqlite" || extension == "db");
        Ok(StoreUrl::Embedded(if is_file {
            path.to_path_buf()
        } else {
            path.join(EVENT_FILE_NAME)
        }))
    }

    /// Opens the store, creating an embedded file (and its directory) if needed.
    pub async fn open(&self) -> Result<Arc<dyn EventStore>, MigrateError> {
        match self {
            StoreUrl::Embedded(file) => {
                if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|cause| MigrateError::CreateDir {
                        path: dir.to_path_buf(),
                        cause,
                    })?;
                }
                Ok(Arc::new(SqliteStore::open(file)?))
            }
            StoreUrl::EventStoreDb(url) => Ok(Arc::new(EsdbStore::connect(url).await?)),
        }
    }
}

impl std::fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreUrl::Embedded(file) => write!(f, "sqlite://{}", file.display()),
            // Connection strings may carry credentials: show the hosts only.
            StoreUrl::EventStoreDb(url) => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("esdb", url));
                let hosts = rest.rsplit_once('@').map_or(rest, |(_, hosts)| hosts);
                let hosts = hosts.split(['?', '/']).next().unwrap_or(hosts);
                write!(f, "{scheme}://{hosts}")
            }
        }
    }
}

/// What a copy did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrateReport {
    /// The source's head when the copy started; later events were not copied.
    pub source_head: u64,
    /// Events read from the source.
    pub source_events: u64,
    /// Streams read from the source.
    pub source_streams: u64,
    /// Events the target already held.
    pub already_present: u64,
    /// Events appended to the target.
    pub copied: u64,
    /// The verification of the whole target after the copy.
    pub target: ChainReport,
}

/// One source stream as seen at the target.
struct StreamProgress {
    /// The target's version when the stream was first met.
    target_version: u64,
    /// Target events read ahead to compare with upcoming source events.
    target_ahead: VecDeque<(u64, Uuid, [u8; 32])>,
    /// The last source event of the stream copied or matched.
    source_head: (u64, [u8; 32]),
}

/// Copies every event of `source` (up to its current head) to `target`;
/// `progress` is called with the number of source events handled, every page.
pub async fn migrate(
    source: &dyn EventStore,
    target: &dyn EventStore,
    mut progress: impl FnMut(u64),
) -> Result<MigrateReport, MigrateError> {
    let source_head = source.head_position().await?;
    let mut streams: HashMap<String, StreamProgress> = HashMap::new();
    let mut chain = ChainVerifier::new();
    let mut appender = Appender::new(target);
    let mut source_events = 0;
    let mut already_present = 0;
    let mut pages = LogPages::after(source, 0)
        .page_size(PAGE)
        .up_to(source_head);
    while let Some(page) = pages.next_page().await? {
        for event in page {
            source_events += 1;
            if !chain.check(&event) {
                let broken = chain.report().first_broken;
                return Err(MigrateError::BrokenSource {
                    stream: event.stream,
                    version: event.version,
                    what: broken.map(|b| b.what).unwrap_or_default(),
                });
            }
            if !streams.contains_key(&event.stream) {
                let target_version = target.stream_version(&event.stream).await?;
                streams.insert(
                    event.stream.clone(),
                    StreamProgress {
                        target_version,
                        target_ahead: VecDeque::new(),
                        source_head: (0, [0; 32]),
                    },
                );
            }
            let Some(stream) = streams.get_mut(&event.stream) else {
                continue;
            };
            stream.source_head = (event.version, event.hash);
            if event.version > stream.target_version {
                appender.push(event).await?;
                continue;
            }
            if stream
                .target_ahead
                .front()
                .is_none_or(|(version, _, _)| *version != event.version)
            {
                let stored = target
                    .read_stream(&event.stream, event.version, PAGE)
                    .await?;
                stream.target_ahead = stored
                    .into_iter()
                    .filter(|stored| stored.version <= stream.target_version)
                    .map(|stored| (stored.version, stored.metadata.event_id, stored.hash))
                    .collect();
            }
            match stream.target_ahead.pop_front() {
                Some((version, id, hash))
                    if version == event.version
                        && id == event.metadata.event_id
                        && hash == event.hash =>
                {
                    already_present += 1;
                }
                other => {
                    return Err(MigrateError::Conflict {
                        stream: event.stream,
                        version: event.version,
                        target_id: other.map_or(Uuid::nil(), |(_, id, _)| id),
                        source_id: event.metadata.event_id,
                    })
                }
            }
        }
        progress(source_events);
    }
    appender.finish().await?;
    progress(source_events);
    let report = verify_target(target, &streams).await?;
    Ok(MigrateReport {
        source_head,
        source_events,
        source_streams: streams.len() as u64,
        already_present,
        copied: appender.appended(),
        target: report,
    })
}

/// Verifies the target's chains and that each copied stream ends where the
/// source's does.
async fn verify_target(
    target: &dyn EventStore,
    streams: &HashMap<String, StreamProgress>,
) -> Result<ChainReport, MigrateError> {
    let mut chain = ChainVerifier::new();
    let mut heads: HashMap<&str, (u64, [u8; 32])> = HashMap::with_capacity(streams.len());
    let mut pages = LogPages::after(target, 0).page_size(PAGE);
    while let Some(page) = pages.next_page().await? {
        for event in &page {
            if !chain.check(event) {
                let broken = chain.report().first_broken;
                return Err(MigrateError::Mismatch {
                    detail: format!(
                        "the target's chain is broken at version {} of {}: {}",
                        event.version,
                        event.stream,
                        broken.map(|b| b.what).unwrap_or_default()
                    ),
                });
            }
            if let Some((name, _)) = streams.get_key_value(&event.stream) {
                heads.insert(name.as_str(), (event.version, event.hash));
            }
        }
    }
    for (name, stream) in streams {
        let (version, hash) = heads.get(name.as_str()).copied().unwrap_or((0, [0; 32]));
        if (version, hash) != stream.source_head {
            return Err(MigrateError::Mismatch {
                detail: format!(
                    "stream {name} ends at version {version} (hash {}) at the target \
                     but at version {} (hash {}) at the source",
                    hex::encode(hash),
                    stream.source_head.0,
                    hex::encode(stream.source_head.1)
                ),
            });
        }
    }
    Ok(chain.report())
}

/// Refuses to copy an embedded file onto itself.
pub fn check_distinct(from: &StoreUrl, to: &StoreUrl) -> Result<(), MigrateError> {
    if let (StoreUrl::Embedded(a), StoreUrl::Embedded(b)) = (from, to) {
        let canonical = |path: &Path| std::fs::canonicalize(path).unwrap_or(path.to_path_buf());
        if canonical(a) == canonical(b) {
            return Err(MigrateError::SameStore(a.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use markaz_domain::metadata::{Actor, EventMetadata};
    use markaz_domain::time::Timestamp;

    use super::*;
    use crate::contract::{ExpectedVersion, NewEvent};

    fn event(n: u128) -> NewEvent {
        NewEvent {
            event_type: "TransferChecked".into(),
            schema_version: 1,
            payload: n.to_be_bytes().to_vec(),
            metadata: EventMetadata {
                event_id: Uuid::from_u128(n),
                occurred_at: Timestamp::from_micros(1_764_000_000_000_000 + n as i64),
                actor: Actor::System,
                correlation_id: Uuid::from_u128(n),
                causation_id: Uuid::from_u128(n),
            },
        }
    }

    /// 5 rounds over 40 streams: every stream's events are spread over the feed.
    async fn interleaved_log(path: &Path) -> SqliteStore {
        let store = SqliteStore::open(path).unwrap();
        for round in 0..5u64 {
            for stream in 0..40u128 {
                let n = u128::from(round) * 1_000 + stream + 1;
                store
                    .append(
                        &format!("complaint-{stream}"),
                        ExpectedVersion::Exact(round),
                        vec![event(n)],
                    )
                    .await
                    .unwrap();
            }
        }
        store
    }

    #[tokio::test]
    async fn a_pipelined_copy_keeps_every_position_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let source = interleaved_log(&dir.path().join("source.sqlite")).await;
        let target = SqliteStore::open(dir.path().join("target.sqlite")).unwrap();
        let report = migrate(&source, &target, |_| {}).await.unwrap();
        assert_eq!((report.copied, report.already_present), (200, 0));
        assert_eq!(report.source_streams, 40);
        assert!(report.target.is_ok());
        assert_eq!(
            source.read_all(0, 1_000).await.unwrap(),
            target.read_all(0, 1_000).await.unwrap(),
            "the copy is not the same log, position for position"
        );
        let again = migrate(&source, &target, |_| {}).await.unwrap();
        assert_eq!((again.copied, again.already_present), (0, 200));
    }

    #[tokio::test]
    async fn a_broken_source_is_not_copied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("source.sqlite");
        let source = interleaved_log(&path).await;
        let tampered = rusqlite::Connection::open(&path).unwrap();
        tampered
            .execute("UPDATE events SET payload = x'00' WHERE position = 77", [])
            .unwrap();
        let (stream, version) = tampered
            .query_row(
                "SELECT stream, version FROM events WHERE position = 77",
                [],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
            )
            .unwrap();
        let target = SqliteStore::open(dir.path().join("target.sqlite")).unwrap();
        match migrate(&source, &target, |_| {}).await {
            Err(MigrateError::BrokenSource {
                stream: broken,
                version: at,
                ..
            }) => assert_eq!((broken, at as i64), (stream, version)),
            other => panic!("expected a broken source, got {other:?}"),
        }
        assert!(target.head_position().await.unwrap() < 77);
    }

    #[test]
    fn locations_parse_to_backends() {
        assert_eq!(
            StoreUrl::parse("esdb://db1:2113,db2:2113?tls=false").unwrap(),
            StoreUrl::EventStoreDb("esdb://db1:2113,db2:2113?tls=false".into())
        );
        assert!(matches!(
            StoreUrl::parse("kurrentdb+discover://cluster").unwrap(),
            StoreUrl::EventStoreDb(_)
        ));
        assert_eq!(
            StoreUrl::parse("sqlite:///srv/markaz/events.sqlite").unwrap(),
            StoreUrl::Embedded("/srv/markaz/events.sqlite".into())
        );
        assert_eq!(
            StoreUrl::parse("/srv/markaz").unwrap(),
            StoreUrl::Embedded("/srv/markaz/events.sqlite".into())
        );
        assert_eq!(
            StoreUrl::parse("sqlite://backup/old.db").unwrap(),
            StoreUrl::Embedded("backup/old.db".into())
        );
        for bad in ["postgres://x/y", "", "sqlite://"] {
            assert!(StoreUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_are_not_shown() {
        let url = StoreUrl::parse("esdb://admin:secret@db1:2113?tls=true").unwrap();
        assert_eq!(url.to_string(), "esdb://db1:2113");
    }
}
