//! Computerised National Identity Card numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// A CNIC number: 13 digits, written `XXXXX-XXXXXXX-X`.
///
/// Input may have the dashes in their standard places or no dashes at all;
/// the value is stored as 13 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cnic(String);

impl Cnic {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let text = input.trim();
        let digits: String = match text.len() {
            13 => text.to_owned(),
            15 if text.as_bytes()[5] == b'-' && text.as_bytes()[13] == b'-' => {
                format!("{}{}{}", &text[..5], &text[6..13], &text[14..])
            }
            _ => String::new(),
        };
        if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::new(
                "cnic",
                format!("`{text}` is not a CNIC number: expected 13 digits as XXXXX-XXXXXXX-X"),
            ));
        }
        Ok(Cnic(digits))
    }

    /// A number read back from the event log, taken as it was stored (see
    /// `crate::codec`): decoding never re-applies today's rules.
    pub fn from_stored(stored: String) -> Self {
        Cnic(stored)
    }

    /// The 13 digits without dashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 13 digits without dashes.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden: `XXXXX-*******-X`.
    pub fn masked(&self) -> String {
        match (self.0.get(..5), self.0.get(12..)) {
            (Some(first), Some(last)) if self.is_canonical() => format!("{first}-*******-{last}"),
            _ => "*****-*******-*".to_owned(),
        }
    }

    /// Whether the value has today's shape (13 ASCII digits); a stored value
    /// may not.
    fn is_canonical(&self) -> bool {
        self.0.len() == 13 && self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

impl fmt::Display for Cnic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_canonical() {
            return f.write_str(&self.0);
        }
        write!(f, "{}-{}-{}", &self.0[..5], &self.0[5..12], &self.0[12..])
    }
}

impl TryFrom<String> for Cnic {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, ValueError> {
        Cnic::parse(&value)
    }
}

impl From<Cnic> for String {
    fn from(value: Cnic) -> String {
        value.to_string()
    }
}

impl std::str::FromStr for Cnic {
    type Err = ValueError;
    fn from_str(value: &str) -> Result<Self, ValueError> {
        Cnic::parse(value)
    }
}
