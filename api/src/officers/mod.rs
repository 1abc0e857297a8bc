//! Officers: who may use the API, with which role, at which markaz.

pub mod directory;
pub mod registry;
pub mod token;

pub use directory::{OfficerDirectory, OfficerRecord, Principal};
