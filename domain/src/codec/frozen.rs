//! Helpers shared by the frozen versioned structs: converting between domain
//! values and their stable stored forms.

use uuid::Uuid;

use super::enums::{from_code, FrozenCode};
use super::CodecError;

/// Which (type, version) is being decoded, to name it in errors.
#[derive(Clone, Copy)]
pub(crate) struct Decoding {
    pub event_type: &'static str,
    pub version: u16,
}

impl Decoding {
    pub fn code<T: FrozenCode>(self, code: u8) -> Result<T, CodecError> {
        from_code(code).ok_or(CodecError::UnknownEnumCode {
            event_type: self.event_type,
            version: self.version,
            field: T::FIELD,
            code,
        })
    }
}

pub(crate) fn uuid_bytes(id: Uuid) -> [u8; 16] {
    *id.as_bytes()
}

pub(crate) fn uuid_from(bytes: [u8; 16]) -> Uuid {
    Uuid::from_bytes(bytes)
}
