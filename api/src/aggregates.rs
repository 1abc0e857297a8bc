//! The aggregates the command loop runs, under the names the API uses.
//!
//! They live in the store crate (`markaz_store::aggregates`); this module
//! only names them for the code of this crate.

pub use markaz_store::aggregates::{Complaint as ComplaintAggregate, Officer as OfficerAggregate};
