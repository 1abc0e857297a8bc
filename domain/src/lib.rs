//! The complaint domain of Markaz: value types, commands, events, the pure
//! `decide`/`evolve` functions and the versioned event codec.
//!
//! Nothing here does I/O, spawns tasks or reads a clock: time, new ids and the
//! actor arrive inside each command, so replaying history is deterministic.

pub mod metadata;
pub mod time;
