//! Why a stored payload could not be decoded.

use crate::values::ValueError;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("unknown event type `{event_type}`: this build cannot read it, upgrade Markaz")]
    UnknownType { event_type: String },
    #[error(
        "unknown schema version {version} of `{event_type}`: this build reads versions \
         {known:?}, upgrade Markaz"
    )]
    UnknownVersion {
        event_type: String,
        version: u16,
        known: &'static [u16],
    },
    #[error("`{event_type}` v{version} payload is malformed: {reason}")]
    Malformed {
        event_type: &'static str,
        version: u16,
        reason: String,
    },
    #[error(
        "`{event_type}` v{version} payload has {count} trailing bytes: it was written by \
         another schema or is corrupt"
    )]
    TrailingBytes {
        event_type: &'static str,
        version: u16,
        count: usize,
    },
    #[error("`{event_type}` v{version} holds an invalid value: {source}")]
    InvalidValue {
        event_type: &'static str,
        version: u16,
        source: ValueError,
    },
    #[error("`{event_type}` v{version} field `{field}` has unknown code {code}")]
    UnknownEnumCode {
        event_type: &'static str,
        version: u16,
        field: &'static str,
        code: u8,
    },
}
