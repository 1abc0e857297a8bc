//! The bodies of complaint commands and their validation into domain values.
//!
//! Bodies are plain strings and numbers so that a well-formed body with bad
//! values reaches validation, which reports every bad field at once (422 with
//! `errors[]`); only a body of the wrong shape is refused earlier (400).

use markaz_domain::{
    Catalogue, Category, CategoryCode, Channel, Cnic, Complainant, ComplaintAction, Description,
    Gender, Outcome, PersonName, Phone, Rating, ReferralKind, ShortText, ValueError,
};
use serde::Deserialize;

use super::problem::{FieldError, Problem};

/// `POST /complaints`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    pub complainant: ComplainantBody,
    pub category: String,
    pub description: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub gender_desk: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplainantBody {
    pub name: String,
    pub gender: String,
    pub phone: String,
    #[serde(default)]
    pub cnic: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeBody {
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferBody {
    pub to: String,
    pub kind: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    pub outcome: String,
    pub summary: String,
}

/// `reopen` and `withdrawal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    /// A wide integer, so that 0, 6 or 300 are validation errors, not shape errors.
    pub stars: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Collects field errors while parsing.
#[derive(Default)]
struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn check<T>(&mut self, field: &str, parsed: Result<T, ValueError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(FieldError::new(field, error.message()));
                None
            }
        }
    }

    fn optional<T>(
        &mut self,
        field: &str,
        input: &Option<String>,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<Option<T>> {
        match input {
            None => Some(None),
            Some(text) => self.check(field, parse(text)).map(Some),
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Problem> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(Problem::validation(self.errors)),
        }
    }
}

/// A filing body that passed validation; ids and markaz are added by the handler.
#[derive(Debug)]
pub struct ValidFiling {
    pub category: Category,
    pub complainant: Complainant,
    pub description: Description,
    pub location: Option<ShortText>,
    pub channel: Channel,
    pub gender_desk_requested: bool,
}

impl FileBody {
    pub fn validate(&self, catalogue: &Catalogue) -> Result<ValidFiling, Problem> {
        let mut c = Checker::default();
        let person = &self.complainant;
        let name = c.check("complainant.name", PersonName::parse_input(&person.name));
        let gender = c.check("complainant.gender", Gender::parse(&person.gender));
        let phone = c.check("complainant.phone", Phone::parse(&person.phone));
        let cnic = c.optional("complainant.cnic", &person.cnic, Cnic::parse);
        let address = c.optional(
            "complainant.address",
            &person.address,
            ShortText::parse_input,
        );
        let category = c
            .check("category", CategoryCode::parse(&self.category))
            .and_then(|code| match catalogue.get(&code) {
                Some(category) => Some(category.clone()),
                None => {
                    let known: Vec<&str> = catalogue.iter().map(|c| c.code.as_str()).collect();
                    c.errors.push(FieldError::new(
                        "category",
                        format!(
                            "unknown category `{}`: use one of {} (GET /api/v1/categories)",
                            self.category,
                            known.join(", ")
                        ),
                    ));
                    None
                }
            });
        let description = c.check("description", Description::parse_input(&self.description));
        let location = c.optional("location", &self.location, ShortText::parse_input);
        let channel = c.optional("channel", &self.channel, Channel::parse);
        let valid = (|| {
            Some(ValidFiling {
                category: category?,
                complainant: Complainant {
                    name: name?,
                    gender: gender?,
                    phone: phone?,
                    cnic: cnic?,
                    address: address?,
                },
                description: description?,
                location: location?,
                channel: channel?.unwrap_or(Channel::Counter),
                gender_desk_requested: self.gender_desk.unwrap_or(false),
            })
        })();
        c.finish(valid)
    }
}

impl AcknowledgeBody {
    pub fn validate(&self) -> Result<ComplaintAction, Problem> {
        let mut c = Checker::default();
        let note = c.optional("note", &self.note, ShortText::parse_input);
        let action = note.map(|note| ComplaintAction::Acknowledge { note });
        c.finish(action)
    }
}

impl ReferBody {
    pub fn validate(&self) -> Result<ComplaintAction, Problem> {
        let mut c = Checker::default();
        let to = c.check("to", ShortText::parse_input(&self.to));
        let kind = c.check("kind", ReferralKind::parse(&self.kind));
        let reason = c.check("reason", ShortText::parse_input(&self.reason));
        let action = (|| {
            Some(ComplaintAction::Refer {
                to: to?,
                kind: kind?,
                reason: reason?,
            })
        })();
        c.finish(action)
    }
}

impl ResolveBody {
    pub fn validate(&self) -> Result<ComplaintAction, Problem> {
        let mut c = Checker::default();
        let outcome = c.check("outcome", Outcome::parse(&self.outcome));
        let summary = c.check("summary", ShortText::parse_input(&self.summary));
        let action = (|| {
            Some(ComplaintAction::Resolve {
                outcome: outcome?,
                summary: summary?,
            })
        })();
        c.finish(action)
    }
}

impl ReasonBody {
    pub fn reason(&self) -> Result<ShortText, Problem> {
        let mut c = Checker::default();
        let reason = c.check("reason", ShortText::parse_input(&self.reason));
        c.finish(reason)
    }
}

impl RateBody {
    pub fn validate(&self) -> Result<ComplaintAction, Problem> {
        let mut c = Checker::default();
        let stars = match u8::try_from(self.stars) {
            Ok(stars) => c.check("stars", Rating::new(stars)),
            Err(_) => c.check("stars", Rating::new(0)),
        };
        let comment = c.optional("comment", &self.comment, ShortText::parse_input);
        let action = (|| {
            Some(ComplaintAction::Rate {
                stars: stars?,
                comment: comment?,
            })
        })();
        c.finish(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filing(phone: &str, cnic: Option<&str>, category: &str) -> FileBody {
        FileBody {
            complainant: ComplainantBody {
                name: "Ayesha Khan".into(),
                gender: "female".into(),
                phone: phone.into(),
                cnic: cnic.map(str::to_owned),
                address: None,
            },
            category: category.into(),
            description: "My phone was snatched near the bazaar".into(),
            location: None,
            channel: None,
            gender_desk: None,
        }
    }

    #[test]
    fn a_good_filing_gets_its_catalogue_entry_and_defaults() {
        let valid = filing("0300-1234567", Some("42101-1234567-1"), "theft_report")
            .validate(&Catalogue::default())
            .unwrap();
        assert_eq!(valid.category.code.as_str(), "theft_report");
        assert_eq!(valid.complainant.phone.as_str(), "+923001234567");
        assert_eq!(valid.channel, Channel::Counter);
        assert!(!valid.gender_desk_requested);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let problem = filing("12345", Some("123"), "no_such_category")
            .validate(&Catalogue::default())
            .unwrap_err();
        assert_eq!(problem.status.as_u16(), 422);
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["complainant.phone", "complainant.cnic", "category"]
        );
        assert!(problem.errors[2].message.contains("theft_report"));
    }

    #[test]
    fn ratings_outside_one_to_five_are_field_errors() {
        for stars in [0, 6, -1, 300] {
            let problem = RateBody {
                stars,
                comment: None,
            }
            .validate()
            .unwrap_err();
            assert_eq!(problem.errors[0].field, "stars", "{stars}");
        }
        assert!(RateBody {
            stars: 5,
            comment: None
        }
        .validate()
        .is_ok());
    }
}
