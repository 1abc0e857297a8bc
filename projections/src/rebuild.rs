//! Rebuilding read models from the whole log.
//!
//! `rebuild_into` replays the log into a fresh file at any path (the audit
//! feature uses it, with `until`, to see performance as it stood at a past
//! moment). `rebuild` does that into a new generation file next to the live
//! one and then swaps the live path (a symbolic link) to it with one atomic
//! rename: queries keep being answered from the old file during the rebuild,
//! and running servers move to the new file on their next connection checkout
//! (see `database`). The generation before the new one is kept (servers may
//! still be finishing queries on it); older ones are deleted.
//!
//! Reading and decoding run concurrently with applying, so the two halves use
//! both cores. The rebuilt file is written without a journal (it is not live
//! until the swap) and switched to WAL and synced before it is swapped in.

use std::path::{Path, PathBuf};

use markaz_domain::Timestamp;
use markaz_store::log_pages::LogPages;
use markaz_store::{EventStore, RecordedEvent, StoreError};
use rusqlite::Connection;
use tokio::sync::mpsc;

use crate::database::{open_writer, DatabaseError, Durability, READ_MODEL_FILE};
use crate::event::{project, DecodeError, ProjectedEvent};
use crate::performance::Calendar;
use crate::projection::ApplyError;
use crate::status::{fill_public_views, PublicViews};
use crate::writer::ProjectionWriter;

/// Events read, decoded and applied per step of a rebuild.
const REBUILD_BATCH: usize = 100_000;

/// Why a rebuild failed. The live read models are untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("reading the event log failed: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Decode(Box<DecodeError>),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("{action} {path} failed: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another rebuild of these read models is running ({lock} exists); wait for it, or \
         delete {lock} if no rebuild is running (a crashed rebuild leaves it behind)"
    )]
    AlreadyRunning { lock: PathBuf },
    #[error("swapping in a rebuilt read-model file needs a unix file system (symbolic links)")]
    Unsupported,
    #[error("a rebuild task stopped unexpectedly: {0}")]
    Task(String),
}

impl From<DecodeError> for RebuildError {
    fn from(error: DecodeError) -> Self {
        RebuildError::Decode(Box::new(error))
    }
}

/// What a rebuild did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebuildSummary {
    /// The file written.
    pub path: PathBuf,
    /// Events read from the log (including those no projection uses).
    pub events: u64,
    /// The position of the last event applied: the file's checkpoints.
    pub position: u64,
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> RebuildError {
    let path = path.to_path_buf();
    move |source| RebuildError::Io {
        action,
        path,
        source,
    }
}

/// Replays the log into a fresh read-model file at `path` (replacing any file
/// there), stopping before the first event that occurred after `until`, and at
/// the head of the log as it was when the rebuild started, counting days in
/// `calendar`'s time zones. `progress` gets (position reached, head
/// position) after every step.
pub async fn rebuild_into(
    store: &dyn EventStore,
    path: &Path,
    until: Option<Timestamp>,
    calendar: &Calendar,
    progress: impl Fn(u64, u64),
) -> Result<RebuildSummary, RebuildError> {
    remove_database_files(path)?;
    let target = path.to_path_buf();
    let calendar = calendar.clone();
    let (mut writer, indexes) = tokio::task::spawn_blocking(move || -> Result<_, RebuildError> {
        let conn = open_writer(&target, Durability::Bulk)?;
        calendar.write(&conn).map_err(DatabaseError::Sql)?;
        let indexes = drop_secondary_indexes(&conn).map_err(DatabaseError::Sql)?;
        Ok((
            ProjectionWriter::new(conn, PublicViews::AtTheEnd).map_err(DatabaseError::Sql)?,
            indexes,
        ))
    })
    .await
    .map_err(|e| RebuildError::Task(e.to_string()))??;
    let head = store.head_position().await?;
    progress(0, head);

    let (batches, mut ready) = mpsc::channel::<Vec<ProjectedEvent>>(2);
    let produce = read_and_decode(store, head, until, batches);
    let consume = async {
        let mut events = 0u64;
        while let Some(batch) = ready.recv().await {
            events += batch.len() as u64;
            let (back, result, applied) = tokio::task::spawn_blocking(move || {
                let result = writer.apply_decoded(&batch);
                (writer, result, batch)
            })
            .await
            .map_err(|e| RebuildError::Task(e.to_string()))?;
            // Freeing a batch's many small allocations is left to another
            // thread, so the applying thread goes straight on to the next batch.
            drop(tokio::task::spawn_blocking(move || drop(applied)));
            writer = back;
            result?;
            progress(writer.set.position(), head);
        }
        Ok::<_, RebuildError>((writer, events))
    };
    let (produced, consumed) = tokio::join!(produce, consume);
    let (writer, events) = consumed?;
    produced?;
    let position = writer.set.position();
    let target = path.to_path_buf();
    tokio::task::spawn_blocking(move || finish(writer, &indexes, &target))
        .await
        .map_err(|e| RebuildError::Task(e.to_string()))??;
    Ok(RebuildSummary {
        path: path.to_path_buf(),
        events,
        position,
    })
}

/// Reads pages of the log up to `head` (or `until`), decodes them on the
/// blocking pool and hands them on.
async fn read_and_decode(
    store: &dyn EventStore,
    head: u64,
    until: Option<Timestamp>,
    batches: mpsc::Sender<Vec<ProjectedEvent>>,
) -> Result<(), RebuildError> {
    let mut pages = LogPages::after(store, 0)
        .page_size(REBUILD_BATCH)
        .up_to(head);
    while let Some(mut page) = pages.next_page().await? {
        let mut done = false;
        if let Some(until) = until {
            if let Some(late) = page.iter().position(|e| e.metadata.occurred_at > until) {
                page.truncate(late);
                done = true;
            }
        }
        let decoded = tokio::task::spawn_blocking(move || decode_page(page))
            .await
            .map_err(|e| RebuildError::Task(e.to_string()))??;
        if !decoded.is_empty() && batches.send(decoded).await.is_err() {
            // The applying side failed; its error is the one reported.
            return Ok(());
        }
        if done {
            break;
        }
    }
    Ok(())
}

fn decode_page(page: Vec<RecordedEvent>) -> Result<Vec<ProjectedEvent>, DecodeError> {
    page.into_iter().map(project).collect()
}

/// Drops the secondary indexes of the read models and returns their
/// definitions: building each index once at the end is much cheaper than
/// keeping it up to date row by row. Primary keys stay (the projections look
/// rows up by them).
fn drop_secondary_indexes(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    let indexes: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// Makes the rebuilt file a normal live file: its public tracking answers
/// written, its indexes back, WAL mode, everything on disk.
fn finish(
    mut writer: ProjectionWriter,
    indexes: &[String],
    path: &Path,
) -> Result<(), RebuildError> {
    fill_public_views(&mut writer.conn).map_err(DatabaseError::Sql)?;
    for sql in indexes {
        writer.conn.execute_batch(sql).map_err(DatabaseError::Sql)?;
    }
    writer
        .conn
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .map_err(DatabaseError::Sql)?;
    writer
        .conn
        .close()
        .map_err(|(_, e)| RebuildError::Database(DatabaseError::Sql(e)))?;
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(io_error("syncing", path))
}

fn remove_database_files(path: &Path) -> Result<(), RebuildError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("removing", &file)(e)),
        }
    }
    Ok(())
}

/// The generation number of a rebuilt file name (`readmodels.sqlite.gen-N`).
fn generation_of(name: &str) -> Option<u64> {
    name.strip_prefix(READ_MODEL_FILE)?
        .strip_prefix(".gen-")?
        .parse()
        .ok()
}

fn generations(data_dir: &Path) -> Result<Vec<u64>, RebuildError> {
    let entries = std::fs::read_dir(data_dir).map_err(io_error("listing", data_dir))?;
    let mut found: Vec<u64> = entries
        .flatten()
        .filter_map(|entry| generation_of(&entry.file_name().to_string_lossy()))
        .collect();
    found.sort_unstable();
    Ok(found)
}

/// Rebuilds the live read models of `data_dir` from the whole log and swaps
/// the result in atomically, counting days in `calendar`'s time zones (the
/// way to change them). `progress` gets (position reached, head position).
pub async fn rebuild(
    store: &dyn EventStore,
    data_dir: &Path,
    calendar: &Calendar,
    progress: impl Fn(u64, u64),
) -> Result<RebuildSummary, RebuildError> {
    if !cfg!(unix) {
        return Err(RebuildError::Unsupported);
    }
    std::fs::create_dir_all(data_dir).map_err(io_error("creating", data_dir))?;
    let _lock = RebuildLock::take(data_dir)?;
    let generation = generations(data_dir)?.last().copied().unwrap_or(0) + 1;
    let file_name = format!("{READ_MODEL_FILE}.gen-{generation}");
    let summary = rebuild_into(store, &data_dir.join(&file_name), None, calendar, progress).await?;
    swap_in(data_dir, &file_name)?;
    for old in generations(data_dir)?
        .into_iter()
        .filter(|g| *g + 1 < generation)
    {
        remove_database_files(&data_dir.join(format!("{READ_MODEL_FILE}.gen-{old}")))?;
    }
    tracing::info!(
        file = %summary.path.display(),
        events = summary.events,
        position = summary.position,
        "read models rebuilt and swapped in"
    );
    Ok(summary)
}

/// A lock file that keeps two rebuilds of one data directory from writing
/// the same generation; removed when the rebuild ends, however it ends.
struct RebuildLock {
    path: PathBuf,
}

impl RebuildLock {
    fn take(data_dir: &Path) -> Result<RebuildLock, RebuildError> {
        let path = data_dir.join(format!("{READ_MODEL_FILE}.rebuild-lock"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => Ok(RebuildLock { path }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(RebuildError::AlreadyRunning { lock: path })
            }
            Err(e) => Err(io_error("creating", &path)(e)),
        }
    }
}

impl Drop for RebuildLock {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_file(&self.path) {
            tracing::warn!(lock = %self.path.display(), %error, "could not remove the rebuild lock");
        }
    }
}

/// Points the live path at `file_name` with one atomic rename of a new link.
#[cfg(unix)]
fn swap_in(data_dir: &Path, file_name: &str) -> Result<(), RebuildError> {
    let live = data_dir.join(READ_MODEL_FILE);
    let link = data_dir.join(format!("{READ_MODEL_FILE}.swap"));
    match std::fs::remove_file(&link) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error("removing", &link)(e)),
    }
    std::os::unix::fs::symlink(file_name, &link).map_err(io_error("linking", &link))?;
    std::fs::rename(&link, &live).map_err(io_error("swapping in", &live))?;
    std::fs::File::open(data_dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error("syncing", data_dir))
}

#[cfg(not(unix))]
fn swap_in(_data_dir: &Path, _file_name: &str) -> Result<(), RebuildError> {
    Err(RebuildError::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_numbers_are_read_from_file_names() {
        assert_eq!(generation_of("readmodels.sqlite.gen-7"), Some(7));
        assert_eq!(generation_of("readmodels.sqlite.gen-7-wal"), None);
        assert_eq!(generation_of("readmodels.sqlite"), None);
    }
}
