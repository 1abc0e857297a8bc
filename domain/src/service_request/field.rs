//! The typed fields a service asks for (declared in the service catalogue)
//! and the values a request gives them, each validated by a value type.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::{Cnic, Phone, ShortText, ValueError};

/// What kind of value a service field holds.
///
/// The stored encoding is fixed in the codec, not by variant order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A CNIC: 13 digits, stored without dashes.
    Cnic,
    /// A Pakistani mobile number, stored normalised.
    Phone,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A postal address on one line (at most 500 characters).
    Address,
    /// A vehicle registration number such as `LEA-1234` or `QA 5678`.
    VehicleRegistration,
    /// Free text on one line (at most 500 characters).
    Text,
}

impl FieldKind {
    pub const ALL: &'static [FieldKind] = &[
        FieldKind::Cnic,
        FieldKind::Phone,
        FieldKind::Date,
        FieldKind::Address,
        FieldKind::VehicleRegistration,
        FieldKind::Text,
    ];

    /// The name used in the catalogue, the API and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Cnic => "cnic",
            FieldKind::Phone => "phone",
            FieldKind::Date => "date",
            FieldKind::Address => "address",
            FieldKind::VehicleRegistration => "vehicle_registration",
            FieldKind::Text => "text",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let wanted = input.trim();
        FieldKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == wanted)
            .ok_or_else(|| {
                let expected: Vec<&str> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
                ValueError::new(
                    "kind",
                    format!(
                        "`{wanted}` is not a field kind: use one of {}",
                        expected.join(", ")
                    ),
                )
            })
    }

    /// Validates `input` as a value of this kind and returns its canonical
    /// text (what is stored and shown).
    pub fn canonical_value(self, input: &str) -> Result<String, ValueError> {
        match self {
            FieldKind::Cnic => Cnic::parse(input).map(|cnic| cnic.digits().to_owned()),
            FieldKind::Phone => Phone::parse(input).map(|phone| phone.as_str().to_owned()),
            FieldKind::Date => NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
                .map(|date| date.format("%Y-%m-%d").to_string())
                .map_err(|_| {
                    ValueError::new(
                        "date",
                        format!("`{}` is not a date: write it as YYYY-MM-DD", input.trim()),
                    )
                }),
            FieldKind::Address | FieldKind::Text => {
                ShortText::parse_input(input).map(|text| text.as_str().to_owned())
            }
            FieldKind::VehicleRegistration => vehicle_registration(input),
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registration number as Pakistani plates print it: one to four letters
/// (the registering district's series), then one to four digits, with an
/// optional two-digit year (`LEA-1234`, `QA-5678`, `ICT-12-21`). Written
/// canonically in capitals with dashes.
fn vehicle_registration(input: &str) -> Result<String, ValueError> {
    let compact: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let letters: String = compact
        .chars()
        .take_while(|c| c.is_ascii_uppercase())
        .collect();
    let digits = &compact[letters.len()..];
    let all_digits = digits.bytes().all(|b| b.is_ascii_digit());
    let bad = || {
        ValueError::new(
            "vehicle_registration",
            format!(
                "`{}` is not a registration number: write letters then digits, \
                 like LEA-1234 or QA-5678",
                input.trim()
            ),
        )
    };
    if !(1..=4).contains(&letters.len()) || !all_digits {
        return Err(bad());
    }
    match digits.len() {
        1..=4 => Ok(format!("{letters}-{digits}")),
        // Four plate digits and a two-digit year are six digits in all;
        // three and a year are five.
        5 | 6 => {
            let (number, year) = digits.split_at(digits.len() - 2);
            Ok(format!("{letters}-{number}-{year}"))
        }
        _ => Err(bad()),
    }
}

/// One field of a request: the catalogue's name for it, its kind, and the
/// canonical value (already validated by the kind's value type).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldValue {
    pub name: String,
    pub kind: FieldKind,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_validated_and_made_canonical() {
        assert_eq!(
            FieldKind::Cnic.canonical_value("54400-1234567-2").unwrap(),
            "5440012345672"
        );
        assert!(FieldKind::Cnic.canonical_value("123").is_err());
        assert_eq!(
            FieldKind::Phone.canonical_value("0333 1234567").unwrap(),
            "+923331234567"
        );
        assert_eq!(
            FieldKind::Date.canonical_value("2026-02-28").unwrap(),
            "2026-02-28"
        );
        assert!(FieldKind::Date.canonical_value("2026-02-30").is_err());
        assert!(FieldKind::Text.canonical_value("   ").is_err());
    }

    #[test]
    fn registration_numbers_take_the_plate_forms() {
        let canonical = |input| FieldKind::VehicleRegistration.canonical_value(input);
        assert_eq!(canonical("lea 1234").unwrap(), "LEA-1234");
        assert_eq!(canonical("QA-5678").unwrap(), "QA-5678");
        assert_eq!(canonical("ICT 123 21").unwrap(), "ICT-123-21");
        assert!(canonical("1234").is_err());
        assert!(canonical("ABCDE-12").is_err());
        assert!(canonical("LEA-").is_err());
        assert!(canonical("LE4A-12").is_err());
    }
}
