//! Auditing: complaints as they stood in the past, past performance figures,
//! seals and their keys, verification of the log and the access log. The
//! HTTP routes (`http::audit`) and the CLI (`cli::audit`) are thin layers
//! over these functions, so both answer the same.

pub mod access_log;
pub mod history;
pub mod keys;
pub mod performance;
pub mod sealing;
pub mod verify;
