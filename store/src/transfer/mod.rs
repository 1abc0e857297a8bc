//! Moving the event log out of and into a store: JSON Lines exports that
//! keep every byte needed to restore the log exactly (`jsonl`), a per-complaint
//! CSV summary for spreadsheets (`csv`), loading an export into a store
//! (`import`) and copying a whole log between backends (`migrate`).
//!
//! Everything here goes through the `EventStore` contract, so it works the
//! same on every backend; the target store recomputes each hash as it
//! appends, and the copy is checked against the source hash by hash.

mod batch;
pub mod csv;
pub mod import;
pub mod jsonl;
pub mod migrate;

/// How many events are read from a store per call.
const PAGE: usize = 1_000;
