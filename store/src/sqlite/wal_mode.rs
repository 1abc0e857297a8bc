//! Switching a file to write-ahead logging, also while other processes open it.

use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};

/// How long to pause between two attempts.
const RETRY_EVERY: Duration = Duration::from_millis(10);

/// Puts the file of `conn` in WAL mode and returns the journal mode SQLite
/// reports (`"wal"` unless the file system cannot share memory).
///
/// Turning a new file to WAL needs it to itself for a moment, and SQLite
/// answers `SQLITE_BUSY` at once there rather than through the connection's
/// busy handler: a server and a command opening the same new data directory
/// together would otherwise fail one of the two opens. So a busy answer is
/// retried until `patience` has passed. Once a file is in WAL mode the switch
/// is a no-op that takes no lock.
pub fn switch_to_wal(conn: &Connection, patience: Duration) -> rusqlite::Result<String> {
    let deadline = Instant::now() + patience;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(error)
                if error.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(RETRY_EVERY);
            }
            answer => return answer,
        }
    }
}
