//! Free text with length limits: names, descriptions and short notes.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// Trims `input` and checks it is 1..=`max` characters without control
/// characters (`multiline` also admits newline, carriage return and tab).
fn parse_text(
    field: &'static str,
    input: &str,
    max: usize,
    multiline: bool,
) -> Result<String, ValueError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(ValueError::new(field, "must not be empty: give some text"));
    }
    let length = text.chars().count();
    if length > max {
        return Err(ValueError::new(
            field,
            format!("is {length} characters long: shorten it to at most {max}"),
        ));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if let Some(bad) = text.chars().find(|&c| c.is_control() && !allowed(c)) {
        return Err(ValueError::new(
            field,
            format!(
                "contains the control character U+{:04X}: remove it",
                u32::from(bad)
            ),
        ));
    }
    Ok(text.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The most characters this text may hold.
            pub const MAX_CHARS: usize = $max;

            /// Trims and validates `input`.
            pub fn parse(input: &str) -> Result<Self, ValueError> {
                parse_text($field, input, $max, $multiline).map($name)
            }

            /// A value read back from the event log, taken as it was stored:
            /// validation belongs to commands, so a rule tightened later
            /// never makes stored history unreadable.
            pub fn from_stored(stored: String) -> Self {
                $name(stored)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

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

text_type!(
    /// A person's name: 1..=100 characters on one line.
    PersonName,
    "name",
    100,
    false
);
text_type!(
    /// What happened, in the complainant's words: 1..=4000 characters, may span lines.
    Description,
    "description",
    4000,
    true
);
text_type!(
    /// A short one-line text (note, reason, summary, location, address,
    /// comment, unit name): 1..=500 characters.
    ShortText,
    "text",
    500,
    false
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        let name = PersonName::parse("  عائشہ بی بی ").unwrap();
        assert_eq!(name.as_str(), "عائشہ بی بی");
        assert!(PersonName::parse(&"ع".repeat(100)).is_ok());
        assert!(PersonName::parse(&"ع".repeat(101)).is_err());
        assert!(Description::parse(&"x".repeat(4000)).is_ok());
        assert!(Description::parse(&"x".repeat(4001)).is_err());
        assert!(ShortText::parse(&"x".repeat(501)).is_err());
    }

    #[test]
    fn rejects_empty_and_control_characters() {
        assert!(ShortText::parse("   ").is_err());
        assert!(ShortText::parse("a\nb").is_err());
        assert!(PersonName::parse("a\u{7}b").is_err());
        assert!(Description::parse("line one\r\nline\ttwo").is_ok());
        assert!(Description::parse("bad\u{0}").is_err());
    }

    #[test]
    fn deserialize_validates() {
        assert!(serde_json::from_str::<ShortText>("\"\"").is_err());
        let text: ShortText = serde_json::from_str("\" ok \"").unwrap();
        assert_eq!(text.as_str(), "ok");
    }
}
