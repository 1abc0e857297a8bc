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
//! Reading and decoding run concurrently with applying, and the performance
//! projection is applied on a connection of its own at the same time as the
//! others (see `rebuild_into`), so a rebuild uses two cores. The rebuilt file
//! is written without a journal (it is not live until the swap) and switched
//! to WAL and synced before it is swapped in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use markaz_domain::Timestamp;
use markaz_store::log_pages::LogPages;
use markaz_store::{EventStore, RecordedEvent, StoreError};
use rusqlite::Connection;
use tokio::sync::mpsc;

use crate::database::{open_writer, DatabaseError, Durability, READ_MODEL_FILE};
use crate::event::{project, DecodeError, ProjectedEvent};
use crate::performance::{self, Calendar};
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
///
/// The performance projection, the costliest, is applied on a second
/// connection to a side file, at the same time as the others on the first:
/// one SQLite file takes one writer at a time, so this is what lets the
/// rebuild use a second core. The first connection, done sooner, writes the
/// public tracking answers and builds its indexes while the second is still
/// applying; then the performance tables are copied in (in key order), their
/// indexes built and the side file deleted.
pub async fn rebuild_into(
    store: &dyn EventStore,
    path: &Path,
    until: Option<Timestamp>,
    calendar: &Calendar,
    progress: impl Fn(u64, u64),
) -> Result<RebuildSummary, RebuildError> {
    let side_path = side_file(path);
    let rebuilt = rebuild_with_side_file(store, path, &side_path, until, calendar, progress).await;
    if rebuilt.is_err() {
        // The side file is only ever a part of a rebuild in progress.
        if let Err(error) = remove_database_files(&side_path) {
            tracing::warn!(%error, "could not remove a failed rebuild's side file");
        }
    }
    rebuilt
}

async fn rebuild_with_side_file(
    store: &dyn EventStore,
    path: &Path,
    side_path: &Path,
    until: Option<Timestamp>,
    calendar: &Calendar,
    progress: impl Fn(u64, u64),
) -> Result<RebuildSummary, RebuildError> {
    let side_path = side_path.to_path_buf();
    remove_database_files(path)?;
    remove_database_files(&side_path)?;
    let (main, indexes) =
        open_for_rebuild(path, calendar, |name| name != performance::NAME).await?;
    let (side, _) =
        open_for_rebuild(&side_path, calendar, |name| name == performance::NAME).await?;
    let (side_indexes, main_indexes): (Vec<_>, Vec<_>) = indexes
        .into_iter()
        .partition(|index| performance::TABLES.contains(&index.table.as_str()));
    let head = store.head_position().await?;
    progress(0, head);

    let (to_main, main_batches) = mpsc::channel::<Batch>(2);
    let (to_side, side_batches) = mpsc::channel::<Batch>(2);
    let produce = read_and_decode(store, head, until, [to_main, to_side]);
    let apply_main = async {
        let (main, events) =
            apply_all(main, main_batches, |position| progress(position, head)).await?;
        let main = blocking(move || {
            let mut main = main;
            fill_public_views(&mut main.conn).map_err(DatabaseError::Sql)?;
            create_indexes(&main.conn, &main_indexes)?;
            Ok(main)
        });
        Ok::<_, RebuildError>((main.await?, events))
    };
    let apply_side = apply_all(side, side_batches, |_| {});
    let (produced, main, side) = tokio::join!(produce, apply_main, apply_side);
    let (main, events) = main?;
    let (side, _) = side?;
    produced?;
    let position = main.set.position().min(side.set.position());
    let target = path.to_path_buf();
    blocking(move || {
        side.conn
            .close()
            .map_err(|(_, e)| RebuildError::Database(DatabaseError::Sql(e)))?;
        copy_side_tables(&main.conn, &side_path)?;
        remove_database_files(&side_path)?;
        create_indexes(&main.conn, &side_indexes)?;
        finish(main, &target)
    })
    .await?;
    Ok(RebuildSummary {
        path: path.to_path_buf(),
        events,
        position,
    })
}

/// Runs `work` on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, RebuildError> + Send + 'static,
) -> Result<T, RebuildError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| RebuildError::Task(e.to_string()))?
}

/// A decoded batch, shared by the two applying connections.
type Batch = Arc<Vec<ProjectedEvent>>;

/// The side file the performance projection is rebuilt in.
fn side_file(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.performance-part", path.display()))
}

/// Opens a fresh file for a rebuild: schema, calendar, no secondary indexes
/// (their definitions are returned), and a writer for the projections
/// `keep` names.
async fn open_for_rebuild(
    path: &Path,
    calendar: &Calendar,
    keep: fn(&str) -> bool,
) -> Result<(ProjectionWriter, Vec<SecondaryIndex>), RebuildError> {
    let (path, calendar) = (path.to_path_buf(), calendar.clone());
    blocking(move || {
        let conn = open_writer(&path, Durability::Bulk)?;
        calendar.write(&conn).map_err(DatabaseError::Sql)?;
        let indexes = drop_secondary_indexes(&conn).map_err(DatabaseError::Sql)?;
        let mut writer =
            ProjectionWriter::new(conn, PublicViews::AtTheEnd).map_err(DatabaseError::Sql)?;
        writer.set.retain(keep);
        Ok((writer, indexes))
    })
    .await
}

/// Applies every batch that arrives, one transaction each; `progress` gets
/// the position reached after each. An error drops the receiver, which
/// stops the reading side.
async fn apply_all(
    mut writer: ProjectionWriter,
    mut ready: mpsc::Receiver<Batch>,
    progress: impl Fn(u64),
) -> Result<(ProjectionWriter, u64), RebuildError> {
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
        progress(writer.set.position());
    }
    Ok((writer, events))
}

/// Copies the performance projection's tables and checkpoint from the side
/// file into `conn`'s file.
fn copy_side_tables(conn: &Connection, side: &Path) -> Result<(), RebuildError> {
    // ATTACH creates a missing file: a path that does not survive the trip
    // to text must not silently attach an empty one.
    let name = side.to_str().ok_or_else(|| RebuildError::Io {
        action: "attaching",
        path: side.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path is not valid UTF-8",
        ),
    })?;
    let copy = || -> rusqlite::Result<()> {
        conn.execute("ATTACH DATABASE ?1 AS side", [name])?;
        for table in performance::TABLES {
            conn.execute_batch(&format!(
                "INSERT INTO main.{table} SELECT * FROM side.{table}"
            ))?;
        }
        conn.execute(
            "INSERT INTO main.projection_checkpoints
             SELECT * FROM side.projection_checkpoints WHERE projection = ?1
             ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
            [performance::NAME],
        )?;
        conn.execute_batch("DETACH DATABASE side")
    };
    copy().map_err(|e| RebuildError::Database(DatabaseError::Sql(e)))
}

/// Reads pages of the log up to `head` (or `until`), decodes them on the
/// blocking pool and hands each to every applying side.
async fn read_and_decode(
    store: &dyn EventStore,
    head: u64,
    until: Option<Timestamp>,
    consumers: [mpsc::Sender<Batch>; 2],
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
        let decoded = blocking(move || Ok(decode_page(page)?)).await?;
        if !decoded.is_empty() {
            let decoded = Arc::new(decoded);
            for consumer in &consumers {
                if consumer.send(Arc::clone(&decoded)).await.is_err() {
                    // That applying side failed; its error is the one reported.
                    return Ok(());
                }
            }
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

/// A secondary index of the read models: the table it is on and the SQL that
/// creates it.
struct SecondaryIndex {
    table: String,
    sql: String,
}

/// Drops the secondary indexes of the read models and returns their
/// definitions: building each index once at the end is much cheaper than
/// keeping it up to date row by row. Primary keys stay (the projections look
/// rows up by them).
fn drop_secondary_indexes(conn: &Connection) -> Result<Vec<SecondaryIndex>, rusqlite::Error> {
    let indexes: Vec<(String, SecondaryIndex)> = conn
        .prepare(
            "SELECT name, tbl_name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )?
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                SecondaryIndex {
                    table: row.get(1)?,
                    sql: row.get(2)?,
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(indexes.into_iter().map(|(_, index)| index).collect())
}

fn create_indexes(conn: &Connection, indexes: &[SecondaryIndex]) -> Result<(), RebuildError> {
    for index in indexes {
        conn.execute_batch(&index.sql).map_err(DatabaseError::Sql)?;
    }
    Ok(())
}

/// Makes the rebuilt file a normal live file: WAL mode, everything on disk.
fn finish(writer: ProjectionWriter, path: &Path) -> Result<(), RebuildError> {
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
        let old = data_dir.join(format!("{READ_MODEL_FILE}.gen-{old}"));
        remove_database_files(&old)?;
        // Left behind only by a rebuild that crashed.
        remove_database_files(&side_file(&old))?;
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
