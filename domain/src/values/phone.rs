//! Pakistani mobile numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// A Pakistani mobile number, stored in E.164 form `+923XXXXXXXXX`.
///
/// Accepts the forms people write: `03XX XXXXXXX`, `03XX-XXXXXXX`,
/// `03XXXXXXXXX`, `+92 3XX XXXXXXX`, `+923XXXXXXXXX`, `0092 3XX...` and
/// `923XXXXXXXXX`. Spaces and dashes are ignored.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let invalid = || {
            ValueError::new(
                "phone",
                format!(
                    "`{}` is not a Pakistani mobile number: expected 03XXXXXXXXX or +923XXXXXXXXX",
                    input.trim()
                ),
            )
        };
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let national = if let Some(rest) = compact.strip_prefix("+92") {
            rest
        } else if let Some(rest) = compact.strip_prefix("0092") {
            rest
        } else if let Some(rest) = compact.strip_prefix("92") {
            rest
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest
        } else {
            return Err(invalid());
        };
        // The ten national digits of a mobile number start with 3.
        if national.len() != 10
            || !national.starts_with('3')
            || !national.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        Ok(Phone(format!("+92{national}")))
    }

    /// A number read back from the event log, taken as it was stored (see
    /// `crate::codec`): decoding never re-applies today's rules.
    pub fn from_stored(stored: String) -> Self {
        Phone(stored)
    }

    /// The E.164 form, `+923XXXXXXXXX` (or what an older rule stored).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden, e.g. `+92 300 ****567`: enough to
    /// confirm it with the caller, not enough to call it.
    pub fn masked(&self) -> String {
        // A stored number of another shape (an older rule) is masked whole.
        match (self.0.get(3..6), self.0.get(10..)) {
            (Some(operator), Some(last)) if self.0.starts_with("+92") && self.0.len() == 13 => {
                format!("+92 {operator} ****{last}")
            }
            _ => "****".to_owned(),
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Phone {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, ValueError> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> String {
        value.0
    }
}

impl std::str::FromStr for Phone {
    type Err = ValueError;
    fn from_str(value: &str) -> Result<Self, ValueError> {
        Phone::parse(value)
    }
}
