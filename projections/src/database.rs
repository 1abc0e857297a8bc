//! The read-model file: how its connections are opened and how a rebuilt file
//! is noticed.
//!
//! The live path (`readmodels.sqlite` in the data directory) may be a symbolic
//! link to a generation file (`readmodels.sqlite.gen-N`). A rebuild writes a
//! new generation and swaps the link with one atomic rename. SQLite resolves
//! the link when it opens a file, so each generation has its own `-wal` and
//! `-shm` files and connections still open on the old generation keep working
//! on it untouched. Every connection remembers the identity (device and inode)
//! of the file it opened; on checkout it is compared with what the live path
//! points to now, and a connection to a replaced file is dropped and reopened.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use markaz_store::sqlite::switch_to_wal;
use rusqlite::config::DbConfig;
use rusqlite::Connection;

use crate::migrations::{self, MigrationError};

/// The file name of the read models inside the data directory.
pub const READ_MODEL_FILE: &str = "readmodels.sqlite";

/// How long a connection waits for another connection's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle reader connections kept for reuse.
const MAX_IDLE_READERS: usize = 8;

/// What went wrong with the read-model file.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot open the read-model database {path}: {source}; check that the data directory exists and is writable")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot inspect the read-model file {path}: {source}")]
    Inspect {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("read-model schema of {path}: {source}")]
    Migration {
        path: PathBuf,
        #[source]
        source: MigrationError,
    },
    #[error("read-model database query failed: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Which file a connection has open: device and inode on unix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
}

impl FileIdentity {
    /// The identity of the file `path` names now, following symbolic links.
    pub fn of(path: &Path) -> Result<Self, DatabaseError> {
        let metadata = std::fs::metadata(path).map_err(|source| DatabaseError::Inspect {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(identity_of(&metadata))
    }
}

#[cfg(unix)]
fn identity_of(metadata: &std::fs::Metadata) -> FileIdentity {
    use std::os::unix::fs::MetadataExt;
    FileIdentity {
        device: metadata.dev(),
        inode: metadata.ino(),
    }
}

#[cfg(not(unix))]
fn identity_of(metadata: &std::fs::Metadata) -> FileIdentity {
    // Without inodes, the creation time tells generations apart.
    let created = metadata
        .created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    FileIdentity {
        device: 0,
        inode: created,
    }
}

/// How durable the writes of a connection must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Live read models: WAL, consistent after a crash (a crash may lose the
    /// last batches, and their checkpoint with them, which are then replayed).
    Live,
    /// A fresh file being rebuilt: no journal, no fsync until the end. A crash
    /// leaves a file that is never swapped in.
    Bulk,
}

/// Opens (creating if needed) the read-model file for writing and brings its
/// schema up to date.
pub fn open_writer(path: &Path, durability: Durability) -> Result<Connection, DatabaseError> {
    let open_error = |source| DatabaseError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut conn = Connection::open(path).map_err(open_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    let pragmas = match durability {
        Durability::Live => {
            switch_to_wal(&conn, BUSY_TIMEOUT).map_err(open_error)?;
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;"
        }
        Durability::Bulk => {
            "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
             PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;"
        }
    };
    conn.execute_batch(pragmas).map_err(open_error)?;
    keep_plans_stable(&conn).map_err(open_error)?;
    migrations::migrate(&mut conn).map_err(|source| DatabaseError::Migration {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(conn)
}

/// Opens a connection for queries on an existing, migrated file.
fn open_reader(path: &Path) -> Result<Connection, DatabaseError> {
    let open_error = |source| DatabaseError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(open_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    // Queries read pages through a shared memory map of the file rather than
    // copying them into each connection's own cache with a system call apiece.
    conn.execute_batch("PRAGMA query_only = ON; PRAGMA mmap_size = 1073741824;")
        .map_err(open_error)?;
    keep_plans_stable(&conn).map_err(open_error)?;
    Ok(conn)
}

/// Turns on the query planner stability guarantee. The bundled SQLite is built
/// with STAT4, under which binding a new value to a `LIMIT ?` (and some other
/// parameters) makes a cached statement compile itself again on its next
/// step. Our queries are fixed; their plans do not depend on bound values.
fn keep_plans_stable(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map(|_| ())
}

/// A connection and the file it has open.
pub struct OpenConnection {
    pub conn: Connection,
    pub identity: FileIdentity,
}

impl OpenConnection {
    /// Whether `path` still names the file this connection has open.
    pub fn is_current(&self, path: &Path) -> Result<bool, DatabaseError> {
        Ok(FileIdentity::of(path)? == self.identity)
    }
}

/// Times the writer is opened again because a rebuild swapped the file in
/// the meantime, before giving up.
const MAX_OPEN_ATTEMPTS: usize = 5;

/// Opens the writer connection together with the identity of its file.
///
/// A rebuild may swap the link while the file is being opened (which can
/// take a while: migrations, waiting for a lock). The identity is taken before
/// and after: swaps only ever move to a new file, so when both agree the
/// connection is on that file. When they differ it may be on either, and is
/// opened again; labelling a connection to the old file with the new file's
/// identity would keep the runner writing to a file no query reads.
pub fn open_tracked_writer(path: &Path) -> Result<OpenConnection, DatabaseError> {
    for _ in 0..MAX_OPEN_ATTEMPTS {
        // No file yet: this open creates it, and the next attempt checks it.
        let before = FileIdentity::of(path).ok();
        let conn = open_writer(path, Durability::Live)?;
        let after = FileIdentity::of(path)?;
        if before == Some(after) {
            return Ok(OpenConnection {
                conn,
                identity: after,
            });
        }
    }
    Err(DatabaseError::Inspect {
        path: path.to_path_buf(),
        source: std::io::Error::other(
            "the read-model file was replaced again each time it was opened; \
             is more than one rebuild running?",
        ),
    })
}

/// A small pool of query connections that follows the live path across rebuilds.
pub struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<OpenConnection>>,
}

impl ReaderPool {
    pub fn new(path: PathBuf) -> Arc<Self> {
        Arc::new(ReaderPool {
            path,
            idle: Mutex::new(Vec::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection to the file the live path names now.
    pub fn checkout(self: &Arc<Self>) -> Result<PooledReader, DatabaseError> {
        // Taken before a connection is opened below: swaps only move to newer
        // files, so that connection is on this file or a newer one, and one
        // on a newer file is merely dropped at its next checkout.
        let current = FileIdentity::of(&self.path)?;
        let reused = {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // Connections to a replaced generation are dropped here, one by one.
            idle.retain(|open| open.identity == current);
            idle.pop()
        };
        let open = match reused {
            Some(open) => open,
            None => OpenConnection {
                conn: open_reader(&self.path)?,
                identity: current,
            },
        };
        Ok(PooledReader {
            pool: Arc::clone(self),
            open: Some(open),
        })
    }

    fn give_back(&self, open: OpenConnection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(open);
        }
    }
}

/// A checked-out query connection; goes back to the pool when dropped.
pub struct PooledReader {
    pool: Arc<ReaderPool>,
    open: Option<OpenConnection>,
}

impl std::ops::Deref for PooledReader {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // `open` is only taken in `drop`.
        match &self.open {
            Some(open) => &open.conn,
            None => unreachable!("a pooled reader is used after it was returned"),
        }
    }
}

impl Drop for PooledReader {
    fn drop(&mut self) {
        if let Some(open) = self.open.take() {
            self.pool.give_back(open);
        }
    }
}
