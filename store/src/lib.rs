//! The event log of Markaz: one contract (`EventStore`), two backends (embedded
//! SQLite and EventStoreDB), the per-stream hash chain and the command-handling
//! loop (load, fold, decide, append, retry).

pub mod command_loop;
pub mod contract;
pub mod esdb;
pub mod hash_chain;
pub mod log_pages;
pub mod seal;
pub mod sqlite;
pub mod transfer;

pub use contract::{
    AppendOutcome, EventFeed, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreError,
    StreamHead,
};
pub use sqlite::SqliteStore;
