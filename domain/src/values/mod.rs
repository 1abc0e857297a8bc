//! Value types: each one can only hold a valid value ("parse, don't validate").
//!
//! Every type parses from text, prints in one canonical form and deserializes
//! through the same parser, so an invalid value cannot be built by any route.

mod choices;
mod cnic;
mod codes;
mod error;
mod ids;
mod phone;
mod rating;
mod text;
mod tracking_code;

pub use choices::{
    Channel, ContactPreference, Deadline, EscalationLevel, Gender, Language, Outcome, ReferralKind,
};
pub use cnic::Cnic;
pub use codes::{CategoryCode, MarkazCode};
pub use error::ValueError;
pub use ids::ComplaintId;
pub use phone::Phone;
pub use rating::Rating;
pub use text::{Description, PersonName, ShortText};
pub use tracking_code::TrackingCode;
