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

/// Bidirectional-control characters (embeddings, overrides and isolates):
/// they make a text display in another order than it is stored, which lets
/// a name or note spoof what a console, a report or the access log shows.
/// The joiners Urdu needs (ZWNJ U+200C, ZWJ U+200D) and the plain marks
/// (LRM U+200E, RLM U+200F) do not reorder text and stay allowed.
const BIDI_CONTROLS: [char; 9] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// Refuses `text` if it holds a bidirectional-control character. Checked on
/// input only: events already stored decode as they are.
fn refuse_bidi_controls(field: &'static str, text: &str) -> Result<(), ValueError> {
    match text.chars().find(|c| BIDI_CONTROLS.contains(c)) {
        Some(bad) => Err(ValueError::new(
            field,
            format!(
                "contains the bidirectional-control character U+{:04X}, which can make \
                 text display in a misleading order: remove it",
                u32::from(bad)
            ),
        )),
        None => Ok(()),
    }
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

            /// Like `parse`, for new input (a request, a command line): also
            /// refuses bidirectional-control characters.
            pub fn parse_input(input: &str) -> Result<Self, ValueError> {
                refuse_bidi_controls($field, input)?;
                Self::parse(input)
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
    fn bidi_controls_are_refused_on_input_but_joiners_kept() {
        let spoof = "Ali \u{202E}nahK";
        let error = PersonName::parse_input(spoof).unwrap_err();
        assert_eq!(error.field(), "name");
        assert!(error.message().contains("U+202E"), "{}", error.message());
        assert!(ShortText::parse_input("note \u{2066}x\u{2069}").is_err());
        assert!(Description::parse_input("a\u{202A}b").is_err());
        // Stored text decodes as it is.
        assert!(PersonName::parse(spoof).is_ok());
        // Urdu's zero-width joiners are ordinary text.
        let urdu = "نور\u{200C}محمد\u{200D}";
        assert_eq!(PersonName::parse_input(urdu).unwrap().as_str(), urdu);
    }

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
