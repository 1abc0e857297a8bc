//! The identity of a service request (its stream) and the number of a
//! document issued for it.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::values::{MarkazCode, TrackingCode, ValueError};

const SERVICE_STREAM_PREFIX: &str = "service-";

/// The identity of one service request. Ids arrive with commands: the domain
/// has no randomness of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServiceRequestId(Uuid);

impl ServiceRequestId {
    pub const fn from_uuid(id: Uuid) -> Self {
        ServiceRequestId(id)
    }

    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// The name of the event stream of this request: `service-<uuid>`.
    pub fn stream_name(&self) -> String {
        format!("{SERVICE_STREAM_PREFIX}{}", self.0.hyphenated())
    }

    /// The request whose stream is `name`, if `name` is a service stream.
    pub fn from_stream_name(name: &str) -> Option<Self> {
        let id = name.strip_prefix(SERVICE_STREAM_PREFIX)?;
        Uuid::try_parse(id).ok().map(ServiceRequestId)
    }
}

impl fmt::Display for ServiceRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The number printed on an issued document, e.g. `KCHD-7K3M-9PX2-4QRT-B`:
/// the markaz prefix, `D` (so it is never mistaken for a tracking code, the
/// citizen's credential), and 60 random bits with a check symbol in the
/// tracking code's alphabet. Anyone holding the document may know it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentNumber(String);

impl DocumentNumber {
    /// The number for markaz `prefix` carrying the low 60 bits of `random`.
    pub fn from_random(prefix: &MarkazCode, random: u64) -> Self {
        let code = TrackingCode::from_random(prefix, random);
        DocumentNumber(with_marker(code.as_str()))
    }

    /// Parses a number as printed; spacing, dashes and case are forgiven as
    /// in tracking codes, and the check symbol catches a mistyped symbol.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let expected = "expected a document number like KCHD-7K3M-9PX2-4QRT-B";
        let marker_ok = compact
            .get(3..4)
            .is_some_and(|marker| marker.eq_ignore_ascii_case("d"));
        let (Some(prefix), Some(rest), true) = (compact.get(..3), compact.get(4..), marker_ok)
        else {
            return Err(ValueError::new(
                "document_number",
                format!("`{}` is not a document number: {expected}", input.trim()),
            ));
        };
        let code = TrackingCode::parse(&format!("{prefix}{rest}")).map_err(|error| {
            ValueError::new(
                "document_number",
                format!(
                    "{}: {expected}",
                    error.message().replace("tracking code", "document number")
                ),
            )
        })?;
        Ok(DocumentNumber(with_marker(code.as_str())))
    }

    /// A number read back from the event log, taken as it was stored.
    pub fn from_stored(stored: String) -> Self {
        DocumentNumber(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `KCH-7K3M-...` → `KCHD-7K3M-...`.
fn with_marker(code: &str) -> String {
    let (prefix, rest) = code.split_at(code.len().min(3));
    format!("{prefix}D{rest}")
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DocumentNumber {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, ValueError> {
        DocumentNumber::parse(&value)
    }
}

impl From<DocumentNumber> for String {
    fn from(value: DocumentNumber) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_round_trip() {
        let id = ServiceRequestId::from_uuid(Uuid::from_u128(7));
        assert_eq!(id.stream_name(), format!("service-{}", Uuid::from_u128(7)));
        assert_eq!(
            ServiceRequestId::from_stream_name(&id.stream_name()),
            Some(id)
        );
        assert_eq!(ServiceRequestId::from_stream_name("complaint-x"), None);
    }

    #[test]
    fn document_numbers_parse_back_and_catch_typos() {
        let markaz = MarkazCode::parse("KCH").unwrap();
        let number = DocumentNumber::from_random(&markaz, 0x0A5F_3C2D_1E0B_9876);
        assert!(number.as_str().starts_with("KCHD-"), "{number}");
        assert_eq!(DocumentNumber::parse(number.as_str()).unwrap(), number);
        let typed = number.as_str().to_lowercase().replace('-', " ");
        assert_eq!(DocumentNumber::parse(&typed).unwrap(), number);
        let mut typo: Vec<char> = number.as_str().chars().collect();
        typo[6] = if typo[6] == '1' { '2' } else { '1' };
        let typo: String = typo.into_iter().collect();
        assert!(DocumentNumber::parse(&typo).is_err());
        // A tracking code is not a document number.
        let code = TrackingCode::from_random(&markaz, 1);
        assert!(DocumentNumber::parse(code.as_str()).is_err());
    }
}
