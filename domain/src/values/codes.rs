//! Short codes that name catalogue entries and service centres.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// The code of a complaint category: lower-case snake_case ASCII, 2..=40
/// characters, starting with a letter (e.g. `harassment`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(String);

impl CategoryCode {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let code = input.trim();
        let valid_chars = code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let starts_with_letter = code.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        let well_formed = !code.ends_with('_') && !code.contains("__");
        if !(2..=40).contains(&code.len()) || !valid_chars || !starts_with_letter || !well_formed {
            return Err(ValueError::new(
                "category",
                format!(
                    "`{code}` is not a category code: expected 2 to 40 lower-case letters, \
                     digits and single underscores, starting with a letter (e.g. harassment)"
                ),
            ));
        }
        Ok(CategoryCode(code.to_owned()))
    }

    /// A code read back from the event log, taken as it was stored (see
    /// `crate::codec`): decoding never re-applies today's rules.
    pub fn from_stored(stored: String) -> Self {
        CategoryCode(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The code of a Khidmat Markaz: `[A-Z][A-Z0-9]{2,11}` (e.g. `KCH` or
/// `QTAKCH`). Its first three characters prefix the centre's tracking codes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MarkazCode(String);

impl MarkazCode {
    /// Parses a markaz code; lower-case input is upper-cased.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let code = input.trim().to_ascii_uppercase();
        let valid_chars = code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let starts_with_letter = code.bytes().next().is_some_and(|b| b.is_ascii_uppercase());
        if !(3..=12).contains(&code.len()) || !valid_chars || !starts_with_letter {
            return Err(ValueError::new(
                "markaz",
                format!(
                    "`{}` is not a markaz code: expected 3 to 12 letters or digits, \
                     starting with a letter (e.g. KCH)",
                    input.trim()
                ),
            ));
        }
        Ok(MarkazCode(code))
    }

    /// A code read back from the event log, taken as it was stored (see
    /// `crate::codec`): decoding never re-applies today's rules.
    pub fn from_stored(stored: String) -> Self {
        MarkazCode(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The three characters that begin this centre's tracking codes.
    pub fn tracking_prefix(&self) -> &str {
        self.0.get(..3).unwrap_or(&self.0)
    }
}

macro_rules! string_conversions {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(value: String) -> Result<Self, ValueError> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValueError;
            fn from_str(value: &str) -> Result<Self, ValueError> {
                $name::parse(value)
            }
        }
    };
}

string_conversions!(CategoryCode);
string_conversions!(MarkazCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_codes() {
        assert!(CategoryCode::parse("harassment").is_ok());
        assert!(CategoryCode::parse("domestic_violence").is_ok());
        for bad in [
            "",
            "a",
            "Harassment",
            "1abc",
            "with space",
            "a__b",
            "trailing_",
            &"a".repeat(41),
        ] {
            assert!(CategoryCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn markaz_codes() {
        assert_eq!(MarkazCode::parse("kch").unwrap().as_str(), "KCH");
        assert_eq!(
            MarkazCode::parse("QTAKCH").unwrap().tracking_prefix(),
            "QTA"
        );
        for bad in ["KC", "1KC", "K-CH", "ABCDEFGHIJKLM", "ÄBC"] {
            assert!(MarkazCode::parse(bad).is_err(), "{bad}");
        }
    }
}
