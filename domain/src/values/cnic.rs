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
        format!("{}-*******-{}", &self.0[..5], &self.0[12..])
    }
}

impl fmt::Display for Cnic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
