//! Reading a tracking code as people type it.
//!
//! `TrackingCode::parse` already forgives case, spaces, dashes and the
//! O/0 and I/L/1 confusions. A phone keyboard adds more: Urdu digits
//! (U+06F0–U+06F9) and Arabic-Indic digits (U+0660–U+0669), other dashes
//! and spaces, and invisible direction marks copied along with the code from
//! Urdu text. Those are folded to what `parse` reads before parsing.

use markaz_domain::TrackingCode;

/// Why typed text is not a tracking code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeProblem {
    /// The right shape, but the check character does not match: a typo.
    Typo,
    /// Not the shape of a code at all (length, symbols, prefix).
    Format,
}

/// The code in `typed`, or why there is none.
pub fn read_code(typed: &str) -> Result<TrackingCode, CodeProblem> {
    let folded = fold(typed);
    TrackingCode::parse(&folded).map_err(|error| {
        if error.message().contains("check character") {
            CodeProblem::Typo
        } else {
            CodeProblem::Format
        }
    })
}

/// `typed` with its digits made ASCII and its separators and invisible marks removed.
pub fn fold(typed: &str) -> String {
    typed
        .chars()
        .filter_map(|c| match c {
            '\u{06F0}'..='\u{06F9}' => ascii_digit(u32::from(c) - 0x06F0),
            '\u{0660}'..='\u{0669}' => ascii_digit(u32::from(c) - 0x0660),
            // Dashes of every kind, the Arabic tatweel, and the marks that
            // steer direction or join letters: none is part of a code.
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{0640}' | '_' | '.' => None,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            '\u{061C}' | '\u{FEFF}' => None,
            c if c.is_whitespace() => None,
            c => Some(c),
        })
        .collect()
}

fn ascii_digit(value: u32) -> Option<char> {
    char::from_digit(value, 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use markaz_domain::MarkazCode;

    fn a_code() -> TrackingCode {
        let markaz = MarkazCode::parse("KCH").unwrap();
        TrackingCode::from_random(&markaz, 0x0123_4567_89AB_CDEF)
    }

    #[test]
    fn what_people_type_reads_as_the_code() {
        let code = a_code();
        let canonical = code.as_str();
        let lower_spaced = canonical.to_lowercase().replace('-', " ");
        assert_eq!(read_code(&lower_spaced), Ok(code.clone()));
        let urdu_digits: String = canonical
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0x06F0 + d).unwrap(),
                None => c,
            })
            .collect();
        assert_ne!(urdu_digits, canonical);
        assert_eq!(read_code(&urdu_digits), Ok(code.clone()));
        let arabic_digits: String = canonical
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0x0660 + d).unwrap(),
                None => c,
            })
            .collect();
        assert_eq!(read_code(&arabic_digits), Ok(code.clone()));
        let marked = format!(
            "\u{200F}\u{2066}{}\u{2069}\u{00A0}",
            canonical.replace('-', "–")
        );
        assert_eq!(read_code(&marked), Ok(code.clone()));
        let confused = canonical.replace('0', "o").replace('1', "l");
        assert_eq!(read_code(&confused), Ok(code));
    }

    #[test]
    fn a_wrong_check_character_is_a_typo_and_anything_else_is_not_a_code() {
        let code = a_code();
        let canonical = code.as_str();
        let last = canonical.chars().last().unwrap();
        let wrong = if last == 'X' { 'Y' } else { 'X' };
        let typo = format!("{}{wrong}", &canonical[..canonical.len() - 1]);
        assert_eq!(read_code(&typo), Err(CodeProblem::Typo));
        assert_eq!(read_code("KCH-123"), Err(CodeProblem::Format));
        assert_eq!(read_code("شکایت"), Err(CodeProblem::Format));
        assert_eq!(read_code(""), Err(CodeProblem::Format));
    }
}
