//! The bodies of service-request commands and their validation into domain
//! values: every bad field reported at once (422 with `errors[]`), a body of
//! the wrong shape refused earlier (400). A request's `fields` are checked
//! against its catalogue entry, each by the value type of its kind.

use std::collections::BTreeMap;

use markaz_domain::{
    Applicant, CategoryCode, Channel, Cnic, Description, FieldValue, PersonName, Phone,
    ServiceAction, ServiceCatalogue, ShortText, StationFinding,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::complaint_input::Checker;
use super::openapi::vocabulary;
use super::problem::{FieldError, Problem};
use crate::commands::NewServiceRequest;

/// `POST /service-requests`. Unknown fields are refused (400).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequestBody {
    /// A service code of `GET /services`.
    #[schema(min_length = 2, max_length = 40, pattern = "^[a-z][a-z0-9_]*$")]
    pub service: String,
    pub applicant: ApplicantBody,
    /// The values of the service's fields, by field name (see `GET /services`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Each document of the service's list (see `GET /services`), `true`
    /// once the counter has seen it: all must be.
    #[serde(default)]
    pub documents_checked: BTreeMap<String, bool>,
    /// Default `counter`.
    #[serde(default)]
    #[schema(value_type = Option<vocabulary::Channel>)]
    pub channel: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApplicantInput)]
pub struct ApplicantBody {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// A Pakistani mobile number: `03XXXXXXXXX` or `+923XXXXXXXXX`.
    #[schema(pattern = "^[ -]*(\\+92|0092|92|0)[ -]*3([ -]*[0-9]){9}[ -]*$")]
    pub phone: String,
    /// 13 digits, dashes allowed; printed masked on the document.
    #[schema(pattern = "^[ ]*[0-9]{5}-?[0-9]{7}-?[0-9][ ]*$")]
    pub cnic: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub address: Option<String>,
}

/// `verification`: the police station of the applicant's address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationBody {
    #[schema(min_length = 1, max_length = 500)]
    pub station: String,
}

/// `station-answer`: what the station found.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationAnswerBody {
    /// `clear`, `adverse` (with `case_references`) or `not_found_at_address`.
    pub finding: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub case_references: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub remarks: Option<String>,
}

/// `issue`: the text printed on the document.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    #[schema(min_length = 1, max_length = 4000)]
    pub text: String,
}

/// `reissue`: the corrected text and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueBody {
    #[schema(min_length = 1, max_length = 4000)]
    pub text: String,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// `acknowledge` and `collection`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub note: Option<String>,
}

impl ServiceRequestBody {
    pub fn validate(&self, catalogue: &ServiceCatalogue) -> Result<NewServiceRequest, Problem> {
        let mut c = Checker::default();
        let person = &self.applicant;
        let name = c.check("applicant.name", PersonName::parse_input(&person.name));
        let phone = c.check("applicant.phone", Phone::parse(&person.phone));
        let cnic = c.check("applicant.cnic", Cnic::parse(&person.cnic));
        let address = c.optional("applicant.address", &person.address, ShortText::parse_input);
        let channel = c.optional("channel", &self.channel, Channel::parse);
        let service = c
            .check("service", CategoryCode::parse(&self.service))
            .and_then(|code| match catalogue.get(&code) {
                Some(service) => Some(service.clone()),
                None => {
                    let known: Vec<&str> = catalogue.iter().map(|s| s.code.as_str()).collect();
                    c.errors.push(FieldError::new(
                        "service",
                        format!(
                            "unknown service `{}`: use one of {} (GET /api/v1/services)",
                            self.service,
                            known.join(", ")
                        ),
                    ));
                    None
                }
            });
        let mut fields = Vec::new();
        let mut documents: Vec<String> = Vec::new();
        if let Some(service) = &service {
            for field in &service.fields {
                let name = field.name.as_str();
                match self.fields.get(name) {
                    Some(input) => match field.kind.canonical_value(input) {
                        Ok(value) => fields.push(FieldValue {
                            name: name.to_owned(),
                            kind: field.kind,
                            value,
                        }),
                        Err(error) => c
                            .errors
                            .push(FieldError::new(format!("fields.{name}"), error.message())),
                    },
                    None if field.required => c.errors.push(FieldError::new(
                        format!("fields.{name}"),
                        format!("is required for this service: give the {}", field.label_en),
                    )),
                    None => {}
                }
            }
            for name in self.fields.keys() {
                if service.field(name).is_none() {
                    c.errors.push(FieldError::new(
                        format!("fields.{name}"),
                        "this service has no such field: see its fields in GET /api/v1/services",
                    ));
                }
            }
            let missing: Vec<&str> = service
                .documents
                .iter()
                .map(String::as_str)
                .filter(|document| self.documents_checked.get(*document) != Some(&true))
                .collect();
            if !missing.is_empty() {
                c.errors.push(FieldError::new(
                    "documents_checked",
                    format!("the counter must check: {}", missing.join("; ")),
                ));
            }
            for document in self.documents_checked.keys() {
                if !service.documents.contains(document) {
                    c.errors.push(FieldError::new(
                        "documents_checked",
                        format!("`{document}` is not on this service's list of documents"),
                    ));
                }
            }
            documents = service.documents.clone();
        }
        let valid = (|| {
            Some(NewServiceRequest {
                service: service?,
                applicant: Applicant {
                    name: name?,
                    phone: phone?,
                    cnic: cnic?,
                    address: address?,
                },
                fields,
                documents_checked: documents,
                channel: channel?.unwrap_or(Channel::Counter),
            })
        })();
        c.finish(valid)
    }
}

impl NoteBody {
    pub fn note(&self) -> Result<Option<ShortText>, Problem> {
        let mut c = Checker::default();
        let note = c.optional("note", &self.note, ShortText::parse_input);
        c.finish(note)
    }
}

impl VerificationBody {
    pub fn validate(&self) -> Result<ServiceAction, Problem> {
        let mut c = Checker::default();
        let station = c.check("station", ShortText::parse_input(&self.station));
        c.finish(station.map(|station| ServiceAction::SendForVerification { station }))
    }
}

impl StationAnswerBody {
    pub fn validate(&self) -> Result<ServiceAction, Problem> {
        let mut c = Checker::default();
        let finding = c.check("finding", StationFinding::parse(&self.finding));
        let references = c.optional(
            "case_references",
            &self.case_references,
            ShortText::parse_input,
        );
        let remarks = c.optional("remarks", &self.remarks, ShortText::parse_input);
        if finding == Some(StationFinding::Adverse) && self.case_references.is_none() {
            c.errors.push(FieldError::new(
                "case_references",
                "an adverse finding must give the case references it rests on",
            ));
        }
        let action = (|| {
            Some(ServiceAction::RecordStationAnswer {
                finding: finding?,
                case_references: references?,
                remarks: remarks?,
            })
        })();
        c.finish(action)
    }
}

impl IssueBody {
    pub fn text(&self) -> Result<Description, Problem> {
        let mut c = Checker::default();
        let text = c.check("text", Description::parse_input(&self.text));
        c.finish(text)
    }
}

impl ReissueBody {
    pub fn validate(&self) -> Result<(Description, ShortText), Problem> {
        let mut c = Checker::default();
        let text = c.check("text", Description::parse_input(&self.text));
        let reason = c.check("reason", ShortText::parse_input(&self.reason));
        let valid = (|| Some((text?, reason?)))();
        c.finish(valid)
    }
}
