//! Loading a JSON Lines export into a store.
//!
//! The target must be empty, or hold exactly a prefix of the same events
//! (an earlier, interrupted or complete import of the same file): those are
//! recognised and skipped, so importing a file twice changes nothing. Every
//! line's hash is recomputed from the previous event of its stream before it
//! is appended, and the import stops at the first line whose hash does not
//! chain. Events keep their ids and versions; they are appended in the
//! file's order with exact expected versions, so an export of an embedded
//! store imported into an empty embedded store gets the same positions too.
//!
//! Afterwards the target is read back whole: its chains are verified and
//! each stored event is compared, hash by hash, with its line.

use std::path::Path;

use tokio::fs::File;
use tokio::io::BufReader;

use super::batch::{Appender, CopyAppendError};
use super::jsonl::{JsonlError, LineReader};
use super::PAGE;
use crate::contract::{EventStore, RecordedEvent, StoreError};
use crate::hash_chain::{ChainReport, ChainVerifier};
use crate::log_pages::LogPages;

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// Events in the file.
    pub events_in_file: u64,
    /// Events the target already held (a previous import of the same file).
    pub already_present: u64,
    /// Events appended by this import.
    pub appended: u64,
    /// The verification of the target after the import.
    pub verified: ChainReport,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot open the export {path}: {cause}")]
    Open { path: String, cause: std::io::Error },
    #[error(transparent)]
    File(#[from] JsonlError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "{0}; the target may now hold part of the export, not necessarily a prefix: \
         delete it and import into a new, empty store once the cause is fixed"
    )]
    Append(CopyAppendError),
    #[error(
        "line {line}, event {event_id} (version {version} of {stream}), does not chain: {what}; \
         the file was edited, truncated or exported with --from: import a whole, unedited export"
    )]
    BrokenChain {
        line: u64,
        event_id: uuid::Uuid,
        stream: String,
        version: u64,
        what: String,
    },
    #[error(
        "the target store is not empty and does not hold this export's events: {detail}; \
         import into an empty store"
    )]
    NotAPrefix { detail: String },
    #[error(
        "after the import the target does not match the export: {detail}; \
         was the target written to during the import?"
    )]
    Mismatch { detail: String },
    #[error(
        "after the import the target's chain is broken at version {version} of {stream}: {what}; \
         the target was changed during the import"
    )]
    Unverified {
        stream: String,
        version: u64,
        what: String,
    },
}

impl From<CopyAppendError> for ImportError {
    fn from(error: CopyAppendError) -> Self {
        ImportError::Append(error)
    }
}

/// Reads a store's global feed an event at a time, a page behind.
struct FeedCursor<'a> {
    pages: LogPages<'a>,
    page: std::vec::IntoIter<RecordedEvent>,
}

impl<'a> FeedCursor<'a> {
    fn new(store: &'a dyn EventStore) -> Self {
        FeedCursor {
            pages: LogPages::after(store, 0).page_size(PAGE),
            page: Vec::new().into_iter(),
        }
    }

    async fn next(&mut self) -> Result<Option<RecordedEvent>, StoreError> {
        if let Some(event) = self.page.next() {
            return Ok(Some(event));
        }
        match self.pages.next_page().await? {
            Some(page) => {
                self.page = page.into_iter();
                Ok(self.page.next())
            }
            None => Ok(None),
        }
    }
}

/// Whether `stored` is the event of `line` (positions may differ between backends).
fn same_event(stored: &RecordedEvent, line: &RecordedEvent) -> bool {
    stored.stream == line.stream
        && stored.version == line.version
        && stored.metadata.event_id == line.metadata.event_id
        && stored.hash == line.hash
}

fn describe(event: &RecordedEvent) -> String {
    format!(
        "event {} (version {} of {}, hash {})",
        event.metadata.event_id,
        event.version,
        event.stream,
        hex::encode(event.hash)
    )
}

async fn open(path: &Path) -> Result<LineReader<BufReader<File>>, ImportError> {
    let file = File::open(path).await.map_err(|cause| ImportError::Open {
        path: path.display().to_string(),
        cause,
    })?;
    Ok(LineReader::new(BufReader::new(file)))
}

/// Imports the export at `path` into `store`; `progress` is called with the
/// number of lines handled so far, every page.
pub async fn import_file(
    store: &dyn EventStore,
    path: &Path,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut lines = open(path).await?;
    let mut target = FeedCursor::new(store);
    let mut chain = ChainVerifier::new();
    let mut appender = Appender::new(store);
    let mut events_in_file = 0;
    let mut already_present = 0;
    let mut appending = false;
    while let Some((line, event)) = lines.next_event().await? {
        events_in_file += 1;
        if !chain.check(&event) {
            let what = chain
                .report()
                .first_broken
                .map(|broken| broken.what)
                .unwrap_or_default();
            return Err(ImportError::BrokenChain {
                line,
                event_id: event.metadata.event_id,
                stream: event.stream,
                version: event.version,
                what,
            });
        }
        if !appending {
            match target.next().await? {
                Some(stored) if same_event(&stored, &event) => {
                    already_present += 1;
                    continue;
                }
                Some(stored) => {
                    return Err(ImportError::NotAPrefix {
                        detail: format!(
                            "its event at position {} is {}, line {line} is {}",
                            stored.position,
                            describe(&stored),
                            describe(&event)
                        ),
                    })
                }
                None => appending = true,
            }
        }
        appender.push(event).await?;
        if events_in_file % PAGE as u64 == 0 {
            progress(events_in_file);
        }
    }
    appender.finish().await?;
    if !appending {
        if let Some(stored) = target.next().await? {
            return Err(ImportError::NotAPrefix {
                detail: format!(
                    "it holds {} at position {}, after the export's last line",
                    describe(&stored),
                    stored.position
                ),
            });
        }
    }
    progress(events_in_file);
    let verified = verify_against_file(store, path).await?;
    if let Some(broken) = verified.first_broken {
        return Err(ImportError::Unverified {
            stream: broken.stream,
            version: broken.version,
            what: broken.what,
        });
    }
    Ok(ImportReport {
        events_in_file,
        already_present,
        appended: appender.appended(),
        verified,
    })
}

/// Reads the whole target back: verifies its chains and compares every
/// event with its line of the export.
async fn verify_against_file(
    store: &dyn EventStore,
    path: &Path,
) -> Result<ChainReport, ImportError> {
    let mut lines = open(path).await?;
    let mut target = FeedCursor::new(store);
    let mut chain = ChainVerifier::new();
    loop {
        let stored = target.next().await?;
        let expected = lines.next_event().await?;
        match (stored, expected) {
            (None, None) => return Ok(chain.report()),
            (Some(stored), Some((line, event))) => {
                if !chain.check(&stored) {
                    return Ok(chain.report());
                }
                if !same_event(&stored, &event) {
                    return Err(ImportError::Mismatch {
                        detail: format!(
                            "position {} holds {}, line {line} is {}",
                            stored.position,
                            describe(&stored),
                            describe(&event)
                        ),
                    });
                }
            }
            (Some(stored), None) => {
                return Err(ImportError::Mismatch {
                    detail: format!("the target also holds {}", describe(&stored)),
                })
            }
            (None, Some((line, event))) => {
                return Err(ImportError::Mismatch {
                    detail: format!("line {line}, {}, is missing", describe(&event)),
                })
            }
        }
    }
}
