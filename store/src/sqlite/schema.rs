//! The layout of the event file and how a connection is prepared.
//!
//! The schema version lives in `PRAGMA user_version`. A file written by a newer
//! build (a higher version than `SCHEMA_VERSION`) is refused rather than
//! misread; older versions are migrated forward in one transaction.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::sql_error;
use super::wal_mode::switch_to_wal;
use crate::contract::StoreError;

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a connection waits for a lock held by another connection (only
/// schema creation and checkpoints take one; readers never wait for the writer).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA_V1: &str = "
CREATE TABLE events (
    position       INTEGER PRIMARY KEY,
    stream         TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    event_id       BLOB    NOT NULL UNIQUE,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_at    INTEGER NOT NULL,
    payload        BLOB    NOT NULL,
    metadata       TEXT    NOT NULL,
    hash           BLOB    NOT NULL,
    UNIQUE (stream, version)
);
";

/// Opens the writer's connection, creating or migrating the schema.
pub fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| open_error(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    let mode = switch_to_wal(&conn, BUSY_TIMEOUT).map_err(sql_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!(
            "could not switch {} to WAL mode (got {mode}); use a local file system",
            path.display()
        )));
    }
    apply_pragmas(&conn)?;
    keep_plans_stable(&conn)?;
    migrate(&conn, path)?;
    Ok(conn)
}

/// Opens the connection that checkpoints an existing, migrated file (see
/// `checkpointer`): it writes only the database file, never the log.
pub fn open_checkpointer(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| open_error(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    apply_pragmas(&conn)?;
    Ok(conn)
}

/// Opens a read-only connection to an existing, migrated file.
pub fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    // Read-write flags with `query_only`: a read-only open cannot create the
    // WAL index file and would fail on some file systems.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    conn.execute_batch("PRAGMA query_only = ON;")
        .map_err(sql_error)?;
    keep_plans_stable(&conn)?;
    Ok(conn)
}

/// Durability settings shared by the store and the raw baseline of the benchmark.
pub fn apply_pragmas(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(sql_error)
}

/// Turns on the query planner stability guarantee. The bundled SQLite is built
/// with STAT4, under which binding a new value to some parameters (a `LIMIT ?`,
/// for one) marks the statement for a fresh compile on its next step: a cached
/// statement would be parsed and planned again on every call. Our queries are
/// fixed and their plans do not depend on the values bound to them.
pub(crate) fn keep_plans_stable(conn: &Connection) -> Result<(), StoreError> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map(|_| ())
        .map_err(sql_error)
}

fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    if schema_version(conn, path)? == SCHEMA_VERSION {
        return Ok(());
    }
    // Another process may be creating the same new file (a server and a
    // command started together): decide again under the write lock, so that
    // only one of them creates the tables.
    conn.execute_batch("BEGIN IMMEDIATE").map_err(sql_error)?;
    let created = schema_version(conn, path).and_then(|version| {
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        // Version 0 is a new, empty file. Later versions add steps here.
        conn.execute_batch(&format!(
            "{SCHEMA_V1} PRAGMA user_version = {SCHEMA_VERSION};"
        ))
        .map_err(sql_error)
    });
    match created {
        Ok(()) => conn.execute_batch("COMMIT").map_err(sql_error),
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

/// The file's event schema version; one newer than this build is refused.
fn schema_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sql_error)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "{} has event schema version {version} but this build knows only up to \
             {SCHEMA_VERSION}; run a newer Markaz on it",
            path.display()
        )));
    }
    Ok(version)
}

fn open_error(path: &Path, error: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "cannot open event file {}: {error}; check the data directory exists and is writable",
        path.display()
    ))
}
