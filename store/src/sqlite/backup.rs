//! Consistent copies of live SQLite files with SQLite's online backup API.
//!
//! The copy is taken in a single backup step, inside one read transaction of
//! the source: in WAL mode that transaction sees one committed state and
//! does not block the writer, so a running server keeps appending while the
//! copy is made and the copy holds exactly the events committed when it
//! started. (Copying in many small steps would restart whenever the writer
//! commits, and might never finish under steady load.) The copy is written
//! to a temporary file beside the destination, synced, then renamed into
//! place, so the destination is either absent or complete.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::rows::{EventRow, EVENT_COLUMNS};
use crate::contract::StoreError;
use crate::hash_chain::{ChainReport, ChainVerifier};

/// How often a step that found the source busy or locked is tried again.
const BUSY_ATTEMPTS: u32 = 100;
const BUSY_PAUSE: Duration = Duration::from_millis(50);

/// Why a backup failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no database at {0}; check the data directory")]
    MissingSource(PathBuf),
    #[error("{0} already exists; back up into a new, empty directory")]
    DestinationExists(PathBuf),
    #[error("cannot open {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("the backup of {path} failed: {cause}")]
    Copy {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("{path} holds an unreadable event: {cause}")]
    Unreadable { path: PathBuf, cause: StoreError },
    #[error("{path} stayed busy for too long; try the backup again")]
    Busy { path: PathBuf },
    #[error("cannot write the backup {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// Copies the SQLite database at `source` to the new file `destination`
/// while other connections (even other processes) keep writing to it.
pub fn backup_database(source: &Path, destination: &Path) -> Result<(), BackupError> {
    if !source.is_file() {
        return Err(BackupError::MissingSource(source.to_path_buf()));
    }
    if destination.exists() {
        return Err(BackupError::DestinationExists(destination.to_path_buf()));
    }
    let partial = partial_path(destination);
    // A leftover of an earlier, interrupted backup is ours to replace.
    remove_if_present(&partial)?;
    let result = copy_into(source, &partial).and_then(|()| {
        sync_file(&partial)?;
        std::fs::rename(&partial, destination).map_err(|source| BackupError::Write {
            path: destination.to_path_buf(),
            cause: source,
        })?;
        sync_parent(destination)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// What a backed-up event file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFileSummary {
    pub events: u64,
    /// The highest position (0 for an empty log).
    pub head_position: u64,
    /// Whether the positions are exactly 1..=events, as the embedded store
    /// writes them: a consistent copy is a dense prefix of the live log.
    pub dense: bool,
    pub chains: ChainReport,
}

/// Reads an event file read-only, without changing it, and verifies every
/// chain in it: the check to run on a backup before trusting it.
pub fn inspect_event_file(path: &Path) -> Result<EventFileSummary, BackupError> {
    if !path.is_file() {
        return Err(BackupError::MissingSource(path.to_path_buf()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|error| open_error(path, error))?;
    let read_error = |source: rusqlite::Error| BackupError::Copy {
        path: path.to_path_buf(),
        cause: source,
    };
    let mut query = conn
        .prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM events ORDER BY position"
        ))
        .map_err(read_error)?;
    let mut rows = query.query([]).map_err(read_error)?;
    let mut chain = ChainVerifier::new();
    let mut summary = EventFileSummary {
        events: 0,
        head_position: 0,
        dense: true,
        chains: ChainReport::default(),
    };
    while let Some(row) = rows.next().map_err(read_error)? {
        let event = EventRow::from_row(row)
            .map_err(read_error)?
            .into_recorded()
            .map_err(|error| BackupError::Unreadable {
                path: path.to_path_buf(),
                cause: error,
            })?;
        summary.events += 1;
        summary.dense &= event.position == summary.events;
        summary.head_position = event.position;
        chain.check(&event);
    }
    summary.chains = chain.report();
    Ok(summary)
}

fn copy_into(source: &Path, partial: &Path) -> Result<(), BackupError> {
    // Read-write with `query_only` rather than read-only: a read-only
    // connection cannot create the WAL index when no other process has the
    // file open.
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|error| open_error(source, error))?;
    from.execute_batch("PRAGMA query_only = ON;")
        .map_err(|error| open_error(source, error))?;
    let mut to = Connection::open(partial).map_err(|error| open_error(partial, error))?;
    {
        let backup = Backup::new(&from, &mut to).map_err(|source_error| BackupError::Copy {
            path: source.to_path_buf(),
            cause: source_error,
        })?;
        let mut attempts = 0;
        loop {
            let step = backup.step(-1).map_err(|error| BackupError::Copy {
                path: source.to_path_buf(),
                cause: error,
            })?;
            match step {
                StepResult::Done => break,
                StepResult::More | StepResult::Busy | StepResult::Locked => {
                    attempts += 1;
                    if attempts >= BUSY_ATTEMPTS {
                        return Err(BackupError::Busy {
                            path: source.to_path_buf(),
                        });
                    }
                    std::thread::sleep(BUSY_PAUSE);
                }
                // `StepResult` is non-exhaustive; no other outcome exists today.
                _ => {
                    return Err(BackupError::Busy {
                        path: source.to_path_buf(),
                    })
                }
            }
        }
    }
    // The copy keeps the source's WAL mode; fold its WAL into the main file
    // so that the backup is a single self-contained file.
    to.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .map_err(|error| BackupError::Copy {
            path: partial.to_path_buf(),
            cause: error,
        })?;
    to.close().map_err(|(_, error)| BackupError::Copy {
        path: partial.to_path_buf(),
        cause: error,
    })
}

fn partial_path(destination: &Path) -> PathBuf {
    let mut name = destination
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    destination.with_file_name(name)
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(BackupError::Write {
            path: path.to_path_buf(),
            cause: error,
        }),
        _ => Ok(()),
    }
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|source| BackupError::Write {
            path: path.to_path_buf(),
            cause: source,
        })
}

/// Makes the rename durable.
fn sync_parent(path: &Path) -> Result<(), BackupError> {
    let Some(parent) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) else {
        return Ok(());
    };
    std::fs::File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| BackupError::Write {
            path: parent.to_path_buf(),
            cause: source,
        })
}

fn open_error(path: &Path, source: rusqlite::Error) -> BackupError {
    BackupError::Open {
        path: path.to_path_buf(),
        cause: source,
    }
}
