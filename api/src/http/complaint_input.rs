//! The bodies of complaint commands and their validation into domain values.
//!
//! Bodies are plain strings and numbers so that a well-formed body with bad
//! values reaches validation, which reports every bad field at once (422 with
//! `errors[]`); only a body of the wrong shape is refused earlier (400). Their
//! OpenAPI schemas are derived from these very types, with the constraints
//! validation applies (lengths, patterns, vocabularies), so that a client
//! generated from the document sends what validation accepts.

use markaz_domain::{
    Catalogue, CategoryCode, Channel, Cnic, Complainant, ComplaintAction, ContactPreference,
    Description, Gender, Language, Outcome, PersonName, Phone, Rating, ReferralKind, ShortText,
    ValueError,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::openapi::vocabulary;
use super::problem::{FieldError, Problem};
use crate::commands::NewComplaint;

/// `POST /complaints`. Unknown fields are refused (400).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FileComplaintBody)]
pub struct FileBody {
    pub complainant: ComplainantBody,
    /// A category code of `GET /categories`.
    #[schema(min_length = 1, max_length = 40, pattern = "^[a-z][a-z0-9_]*$")]
    pub category: String,
    /// What happened, in the complainant's words; may span lines.
    #[schema(min_length = 1, max_length = 4000)]
    pub description: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub location: Option<String>,
    /// Default `counter`.
    #[serde(default)]
    #[schema(value_type = Option<vocabulary::Channel>)]
    pub channel: Option<String>,
    /// Ask for the gender desk (it is also chosen for female and transgender
    /// complainants and gender-sensitive categories).
    #[serde(default)]
    pub gender_desk: Option<bool>,
    /// How the complainant agrees to be contacted about the case: `sms`,
    /// `call_only` or `none`. Not given: SMS, except for a gender-desk case,
    /// which gets no message unless `sms` is chosen.
    #[serde(default)]
    #[schema(value_type = Option<vocabulary::ContactPreference>)]
    pub contact: Option<String>,
    /// The language of the messages: `ur` (default) or `en`.
    #[serde(default)]
    #[schema(value_type = Option<vocabulary::Language>)]
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ComplainantInput)]
pub struct ComplainantBody {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(value_type = vocabulary::Gender)]
    pub gender: String,
    /// A Pakistani mobile number: `03XXXXXXXXX` or `+923XXXXXXXXX` (spaces
    /// and dashes allowed).
    #[schema(pattern = "^[ -]*(\\+92|0092|92|0)[ -]*3([ -]*[0-9]){9}[ -]*$")]
    pub phone: String,
    /// 13 digits, dashes allowed: `XXXXX-XXXXXXX-X`.
    #[serde(default)]
    #[schema(pattern = "^[ ]*[0-9]{5}-?[0-9]{7}-?[0-9][ ]*$")]
    pub cnic: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeBody {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferBody {
    /// The unit referred to, e.g. `PS Kuchlak` or `Judicial Magistrate, Quetta`.
    #[schema(min_length = 1, max_length = 500)]
    pub to: String,
    #[schema(value_type = vocabulary::ReferralKind)]
    pub kind: String,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    #[schema(value_type = vocabulary::Outcome)]
    pub outcome: String,
    #[schema(min_length = 1, max_length = 500)]
    pub summary: String,
}

/// `reopen` and `withdrawal`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    /// A wide integer, so that 0, 6 or 300 are validation errors, not shape errors.
    #[schema(minimum = 1, maximum = 5)]
    pub stars: i64,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub comment: Option<String>,
}

/// Collects field errors while parsing (shared with the service bodies).
#[derive(Default)]
pub(crate) struct Checker {
    pub(crate) errors: Vec<FieldError>,
}

impl Checker {
    pub(crate) fn check<T>(&mut self, field: &str, parsed: Result<T, ValueError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(FieldError::new(field, error.message()));
                None
            }
        }
    }

    pub(crate) fn optional<T>(
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

    pub(crate) fn finish<T>(self, value: Option<T>) -> Result<T, Problem> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(Problem::validation(self.errors)),
        }
    }
}

impl FileBody {
    pub fn validate(&self, catalogue: &Catalogue) -> Result<NewComplaint, Problem> {
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
        let contact = c.optional("contact", &self.contact, ContactPreference::parse);
        let language = c.optional("language", &self.language, Language::parse);
        let valid = (|| {
            Some(NewComplaint {
                category: category?,
                calendar: catalogue.calendar().clone(),
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
                contact: contact?,
                language: language?.unwrap_or(Language::Urdu),
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
            contact: None,
            language: None,
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
