//! The service catalogue: what services a centre offers beside complaints,
//! the fields each asks for, the documents the counter checks, whether the
//! police station of the applicant's address must verify, the fee (recorded,
//! never collected by Markaz), the deadline in working days and what is
//! issued.
//!
//! A new service is an entry in a TOML file (`[[service]]` tables), not new
//! code. The entry in force when a request is made fixes its promise: the
//! deadline, computed on the working calendar, is recorded in the
//! `ServiceRequested` event, so a later change of catalogue or calendar
//! never rewrites an old request.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::calendar::MAX_WORKING_DAYS;
use crate::service_request::FieldKind;
use crate::values::{CategoryCode, ValueError};

/// A field a service asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceField {
    /// The key of the value in a request's `fields` (snake_case).
    pub name: CategoryCode,
    pub kind: FieldKind,
    pub label_en: String,
    pub label_ur: String,
    #[serde(default = "required_by_default")]
    pub required: bool,
}

fn required_by_default() -> bool {
    true
}

/// One service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Lower-case snake_case, like category codes (e.g. `character_certificate`).
    pub code: CategoryCode,
    pub name_en: String,
    pub name_ur: String,
    #[serde(default)]
    pub fields: Vec<ServiceField>,
    /// What the counter must see before taking the request (e.g. the
    /// applicant's original CNIC).
    #[serde(default)]
    pub documents: Vec<String>,
    /// Whether the police station of the applicant's address must verify
    /// before the document is issued.
    pub station_verification: bool,
    /// The fee in rupees, if any: recorded with the request, paid as the
    /// government prescribes, never collected by Markaz.
    #[serde(default)]
    pub fee_rupees: u32,
    /// Working days from the request to the issue (on the working calendar).
    pub deadline_working_days: u32,
    /// What is issued, e.g. "Character certificate".
    pub issues_en: String,
    pub issues_ur: String,
}

impl Service {
    pub fn field(&self, name: &str) -> Option<&ServiceField> {
        self.fields.iter().find(|field| field.name.as_str() == name)
    }
}

/// Why a service catalogue was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ServiceCatalogueError {
    #[error("the service catalogue is not valid TOML of [[service]] tables: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("the service catalogue has no [[service]] table: add at least one")]
    Empty,
    #[error("service `{0}` appears more than once: give each service a unique code")]
    DuplicateCode(String),
    #[error("service `{code}`: {problem}")]
    Invalid { code: String, problem: String },
    #[error(transparent)]
    Value(#[from] ValueError),
}

/// The services in force, in display order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceCatalogue {
    services: Vec<Service>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceCatalogueFile {
    #[serde(default)]
    service: Vec<Service>,
}

impl ServiceCatalogue {
    /// Builds a catalogue, checking codes and field names are unique, names
    /// given and the deadline sensible (1..=`MAX_WORKING_DAYS` working days:
    /// it is recorded in every request).
    pub fn new(services: Vec<Service>) -> Result<Self, ServiceCatalogueError> {
        if services.is_empty() {
            return Err(ServiceCatalogueError::Empty);
        }
        let mut seen = HashSet::new();
        for service in &services {
            let code = service.code.as_str().to_owned();
            if !seen.insert(code.clone()) {
                return Err(ServiceCatalogueError::DuplicateCode(code));
            }
            let invalid = |problem: String| ServiceCatalogueError::Invalid {
                code: code.clone(),
                problem,
            };
            let named = |texts: [&str; 2]| texts.iter().all(|text| !text.trim().is_empty());
            if !named([&service.name_en, &service.name_ur])
                || !named([&service.issues_en, &service.issues_ur])
            {
                return Err(invalid(
                    "name_en, name_ur, issues_en and issues_ur must not be empty".into(),
                ));
            }
            if !(1..=MAX_WORKING_DAYS).contains(&service.deadline_working_days) {
                return Err(invalid(format!(
                    "deadline_working_days must be between 1 and {MAX_WORKING_DAYS}"
                )));
            }
            let mut fields = HashSet::new();
            for field in &service.fields {
                if !fields.insert(field.name.as_str()) {
                    return Err(invalid(format!(
                        "field `{}` appears more than once: give each field a unique name",
                        field.name.as_str()
                    )));
                }
                if !named([&field.label_en, &field.label_ur]) {
                    return Err(invalid(format!(
                        "field `{}` needs label_en and label_ur",
                        field.name.as_str()
                    )));
                }
            }
            if service.documents.iter().any(|d| d.trim().is_empty()) {
                return Err(invalid("a document to check must be named".into()));
            }
        }
        Ok(ServiceCatalogue { services })
    }

    /// Reads a catalogue from `[[service]]` tables with the fields of
    /// [`Service`] (each with `[[service.fields]]` tables of [`ServiceField`]).
    pub fn from_toml_str(text: &str) -> Result<Self, ServiceCatalogueError> {
        let file: ServiceCatalogueFile = toml::from_str(text)?;
        ServiceCatalogue::new(file.service)
    }

    pub fn get(&self, code: &CategoryCode) -> Option<&Service> {
        self.services.iter().find(|service| &service.code == code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Service> {
        self.services.iter()
    }

    pub fn len(&self) -> usize {
        self.services.len()
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }
}

impl Default for ServiceCatalogue {
    /// The services of a Khidmat Markaz, after those the Punjab and
    /// Islamabad centres offer. Deadlines are working days; the fees are the
    /// ones usually charged, to be set by each province's notification.
    fn default() -> Self {
        let field = |name: &str, kind: FieldKind, label_en: &str, label_ur: &str| ServiceField {
            name: CategoryCode::parse(name)
                .unwrap_or_else(|_| unreachable!("seed field names are valid")),
            kind,
            label_en: label_en.to_owned(),
            label_ur: label_ur.to_owned(),
            required: true,
        };
        let optional = |mut field: ServiceField| {
            field.required = false;
            field
        };
        let father = || {
            field(
                "father_name",
                FieldKind::Text,
                "Father's name",
                "والد کا نام",
            )
        };
        let address = || {
            field(
                "permanent_address",
                FieldKind::Address,
                "Permanent address",
                "مستقل پتہ",
            )
        };
        let cnic_copy = "Original CNIC of the applicant".to_owned();
        #[allow(clippy::too_many_arguments)]
        let service = |code: &str,
                       name_en: &str,
                       name_ur: &str,
                       fields: Vec<ServiceField>,
                       documents: Vec<String>,
                       station_verification: bool,
                       fee_rupees: u32,
                       deadline_working_days: u32,
                       issues: (&str, &str)| Service {
            code: CategoryCode::parse(code)
                .unwrap_or_else(|_| unreachable!("seed codes are valid")),
            name_en: name_en.to_owned(),
            name_ur: name_ur.to_owned(),
            fields,
            documents,
            station_verification,
            fee_rupees,
            deadline_working_days,
            issues_en: issues.0.to_owned(),
            issues_ur: issues.1.to_owned(),
        };
        ServiceCatalogue {
            services: vec![
                service(
                    "character_certificate",
                    "Character certificate",
                    "کریکٹر سرٹیفکیٹ",
                    vec![
                        father(),
                        address(),
                        field("purpose", FieldKind::Text, "Purpose", "مقصد"),
                    ],
                    vec![cnic_copy.clone(), "Two photographs".into()],
                    true,
                    500,
                    7,
                    ("Character certificate", "کریکٹر سرٹیفکیٹ"),
                ),
                service(
                    "police_verification",
                    "General police verification",
                    "عمومی پولیس تصدیق",
                    vec![
                        father(),
                        address(),
                        optional(field(
                            "employer",
                            FieldKind::Text,
                            "Employer or institution",
                            "ادارہ",
                        )),
                    ],
                    vec![cnic_copy.clone()],
                    true,
                    0,
                    7,
                    ("Police verification report", "پولیس تصدیقی رپورٹ"),
                ),
                service(
                    "tenant_registration",
                    "Tenant registration",
                    "کرایہ دار کا اندراج",
                    vec![
                        field(
                            "landlord_name",
                            FieldKind::Text,
                            "Landlord's name",
                            "مالک مکان کا نام",
                        ),
                        field(
                            "landlord_cnic",
                            FieldKind::Cnic,
                            "Landlord's CNIC",
                            "مالک مکان کا شناختی کارڈ",
                        ),
                        field(
                            "rented_address",
                            FieldKind::Address,
                            "Address of the rented property",
                            "کرایہ کی جائیداد کا پتہ",
                        ),
                        field(
                            "tenancy_from",
                            FieldKind::Date,
                            "Tenancy starts",
                            "کرایہ داری کا آغاز",
                        ),
                    ],
                    vec![
                        cnic_copy.clone(),
                        "Landlord's CNIC".into(),
                        "Rent agreement".into(),
                    ],
                    false,
                    0,
                    2,
                    ("Tenant registration slip", "کرایہ دار اندراج پرچی"),
                ),
                service(
                    "employee_registration",
                    "Private employee registration",
                    "نجی ملازم کا اندراج",
                    vec![
                        field(
                            "employer_name",
                            FieldKind::Text,
                            "Employer's name",
                            "آجر کا نام",
                        ),
                        field(
                            "employer_phone",
                            FieldKind::Phone,
                            "Employer's phone",
                            "آجر کا فون",
                        ),
                        address(),
                    ],
                    vec![cnic_copy.clone(), "Employer's CNIC".into()],
                    true,
                    0,
                    5,
                    ("Employee registration slip", "ملازم اندراج پرچی"),
                ),
                service(
                    "lost_document_report",
                    "Lost-document report",
                    "گمشدہ دستاویز کی رپورٹ",
                    vec![
                        field(
                            "document_lost",
                            FieldKind::Text,
                            "Document lost",
                            "گمشدہ دستاویز",
                        ),
                        field("lost_on", FieldKind::Date, "Lost on", "گمشدگی کی تاریخ"),
                        field(
                            "lost_at",
                            FieldKind::Address,
                            "Where it was lost",
                            "گمشدگی کی جگہ",
                        ),
                    ],
                    vec![cnic_copy.clone()],
                    false,
                    0,
                    1,
                    ("Lost-document report", "گمشدہ دستاویز رپورٹ"),
                ),
                service(
                    "fir_copy",
                    "FIR copy",
                    "ایف آئی آر کی نقل",
                    vec![
                        field(
                            "fir_number",
                            FieldKind::Text,
                            "FIR number and year",
                            "ایف آئی آر نمبر اور سال",
                        ),
                        field("police_station", FieldKind::Text, "Police station", "تھانہ"),
                    ],
                    vec![cnic_copy.clone()],
                    false,
                    0,
                    2,
                    ("Certified FIR copy", "ایف آئی آر کی مصدقہ نقل"),
                ),
                service(
                    "vehicle_verification",
                    "Vehicle verification",
                    "گاڑی کی تصدیق",
                    vec![
                        field(
                            "registration_number",
                            FieldKind::VehicleRegistration,
                            "Registration number",
                            "رجسٹریشن نمبر",
                        ),
                        optional(field(
                            "chassis_number",
                            FieldKind::Text,
                            "Chassis number",
                            "چیسس نمبر",
                        )),
                    ],
                    vec![cnic_copy, "Vehicle registration book".into()],
                    false,
                    0,
                    1,
                    ("Vehicle verification report", "گاڑی تصدیقی رپورٹ"),
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_catalogue_is_valid() {
        let seeded = ServiceCatalogue::default();
        assert_eq!(
            ServiceCatalogue::new(seeded.services.clone()).unwrap(),
            seeded
        );
        assert_eq!(seeded.len(), 7);
    }

    #[test]
    fn a_service_is_read_from_toml() {
        let catalogue = ServiceCatalogue::from_toml_str(
            r#"
            [[service]]
            code = "arms_licence_verification"
            name_en = "Arms licence verification"
            name_ur = "اسلحہ لائسنس کی تصدیق"
            documents = ["Original CNIC", "Arms licence"]
            station_verification = true
            fee_rupees = 1000
            deadline_working_days = 10
            issues_en = "Arms licence verification report"
            issues_ur = "اسلحہ لائسنس تصدیقی رپورٹ"

            [[service.fields]]
            name = "licence_number"
            kind = "text"
            label_en = "Licence number"
            label_ur = "لائسنس نمبر"
            "#,
        )
        .unwrap();
        let code = CategoryCode::parse("arms_licence_verification").unwrap();
        let service = catalogue.get(&code).unwrap();
        assert_eq!(service.fee_rupees, 1000);
        assert!(service.field("licence_number").unwrap().required);
    }

    #[test]
    fn bad_catalogues_say_what_is_wrong() {
        let error = ServiceCatalogue::from_toml_str("").unwrap_err();
        assert!(matches!(error, ServiceCatalogueError::Empty));
        let zero_days = r#"
            [[service]]
            code = "x_service"
            name_en = "X"
            name_ur = "ایکس"
            station_verification = false
            deadline_working_days = 0
            issues_en = "X"
            issues_ur = "ایکس"
        "#;
        let error = ServiceCatalogue::from_toml_str(zero_days).unwrap_err();
        assert!(
            error.to_string().contains("deadline_working_days"),
            "{error}"
        );
        let bad_kind = zero_days.replace("deadline_working_days = 0", "deadline_working_days = 1")
            + "[[service.fields]]\nname = \"a_field\"\nkind = \"colour\"\nlabel_en = \"A\"\nlabel_ur = \"ا\"\n";
        assert!(ServiceCatalogue::from_toml_str(&bad_kind).is_err());
    }
}
