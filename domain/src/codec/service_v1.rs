//! Version 1 of every service-request event type: FROZEN.
//!
//! postcard has no field names, so the order and types of these fields ARE
//! the stored format. Never edit a struct here; add a new version instead.
//! Stable encodings only: strings for validated text, `[u8; 16]` for ids,
//! `i64` microseconds for time, hand-numbered `u8` codes for enums
//! (`enums.rs`). Decoding trusts what was stored (`from_stored`), as in
//! `v1.rs`.

use serde::{Deserialize, Serialize};

use super::enums::to_code;
use super::frozen::{uuid_bytes, uuid_from, Decoding};
use super::registry::{take, to_bytes};
use super::CodecError;
use crate::service_request::{
    Applicant, DocumentCollected, DocumentIssued, DocumentNumber, DocumentReissued,
    DocumentRevoked, FieldValue, ServiceAcknowledged, ServiceEvent, ServiceRated, ServiceRefused,
    ServiceRequestId, ServiceRequested, ServiceSentForVerification, ServiceWithdrawn,
    StationAnswered,
};
use crate::time::Timestamp;
use crate::values::{
    CategoryCode, Cnic, Description, MarkazCode, PersonName, Phone, Rating, ShortText, TrackingCode,
};

fn text(value: &Option<ShortText>) -> Option<String> {
    value.as_ref().map(|text| text.as_str().to_owned())
}

fn stored_text(value: Option<String>) -> Option<ShortText> {
    value.map(ShortText::from_stored)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantV1 {
    pub name: String,
    pub phone: String,
    pub cnic: String,
    pub address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldValueV1 {
    pub name: String,
    pub kind: u8,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRequestedV1 {
    pub request_id: [u8; 16],
    pub tracking_code: String,
    pub markaz: String,
    pub service: String,
    pub service_name_en: String,
    pub service_name_ur: String,
    pub applicant: ApplicantV1,
    pub fields: Vec<FieldValueV1>,
    pub documents_checked: Vec<String>,
    pub channel: u8,
    pub station_verification: bool,
    pub fee_rupees: u32,
    pub deadline_working_days: u32,
    pub issue_by: i64,
}

impl ServiceRequestedV1 {
    pub fn from_domain(event: &ServiceRequested) -> Self {
        let applicant = &event.applicant;
        ServiceRequestedV1 {
            request_id: uuid_bytes(event.request_id.as_uuid()),
            tracking_code: event.tracking_code.as_str().to_owned(),
            markaz: event.markaz.as_str().to_owned(),
            service: event.service.as_str().to_owned(),
            service_name_en: event.service_name_en.clone(),
            service_name_ur: event.service_name_ur.clone(),
            applicant: ApplicantV1 {
                name: applicant.name.as_str().to_owned(),
                phone: applicant.phone.as_str().to_owned(),
                cnic: applicant.cnic.digits().to_owned(),
                address: text(&applicant.address),
            },
            fields: event
                .fields
                .iter()
                .map(|field| FieldValueV1 {
                    name: field.name.clone(),
                    kind: to_code(field.kind),
                    value: field.value.clone(),
                })
                .collect(),
            documents_checked: event.documents_checked.clone(),
            channel: to_code(event.channel),
            station_verification: event.station_verification,
            fee_rupees: event.fee_rupees,
            deadline_working_days: event.deadline_working_days,
            issue_by: event.issue_by.as_micros(),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<ServiceRequested, CodecError> {
        let fields = self
            .fields
            .into_iter()
            .map(|field| {
                Ok(FieldValue {
                    name: field.name,
                    kind: decoding.code(field.kind)?,
                    value: field.value,
                })
            })
            .collect::<Result<Vec<_>, CodecError>>()?;
        Ok(ServiceRequested {
            request_id: ServiceRequestId::from_uuid(uuid_from(self.request_id)),
            tracking_code: TrackingCode::from_stored(self.tracking_code),
            markaz: MarkazCode::from_stored(self.markaz),
            service: CategoryCode::from_stored(self.service),
            service_name_en: self.service_name_en,
            service_name_ur: self.service_name_ur,
            applicant: Applicant {
                name: PersonName::from_stored(self.applicant.name),
                phone: Phone::from_stored(self.applicant.phone),
                cnic: Cnic::from_stored(self.applicant.cnic),
                address: stored_text(self.applicant.address),
            },
            fields,
            documents_checked: self.documents_checked,
            channel: decoding.code(self.channel)?,
            station_verification: self.station_verification,
            fee_rupees: self.fee_rupees,
            deadline_working_days: self.deadline_working_days,
            issue_by: Timestamp::from_micros(self.issue_by),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAcknowledgedV1 {
    pub note: Option<String>,
}

impl ServiceAcknowledgedV1 {
    pub fn from_domain(event: &ServiceAcknowledged) -> Self {
        ServiceAcknowledgedV1 {
            note: text(&event.note),
        }
    }

    pub(crate) fn into_domain(self) -> ServiceAcknowledged {
        ServiceAcknowledged {
            note: stored_text(self.note),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSentForVerificationV1 {
    pub station: String,
}

impl ServiceSentForVerificationV1 {
    pub fn from_domain(event: &ServiceSentForVerification) -> Self {
        ServiceSentForVerificationV1 {
            station: event.station.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self) -> ServiceSentForVerification {
        ServiceSentForVerification {
            station: ShortText::from_stored(self.station),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStationAnsweredV1 {
    pub station: String,
    pub finding: u8,
    pub case_references: Option<String>,
    pub remarks: Option<String>,
}

impl ServiceStationAnsweredV1 {
    pub fn from_domain(event: &StationAnswered) -> Self {
        ServiceStationAnsweredV1 {
            station: event.station.as_str().to_owned(),
            finding: to_code(event.finding),
            case_references: text(&event.case_references),
            remarks: text(&event.remarks),
        }
    }

    pub(crate) fn into_domain(self, decoding: Decoding) -> Result<StationAnswered, CodecError> {
        Ok(StationAnswered {
            station: ShortText::from_stored(self.station),
            finding: decoding.code(self.finding)?,
            case_references: stored_text(self.case_references),
            remarks: stored_text(self.remarks),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDocumentIssuedV1 {
    pub number: String,
    pub text: String,
}

impl ServiceDocumentIssuedV1 {
    pub fn from_domain(event: &DocumentIssued) -> Self {
        ServiceDocumentIssuedV1 {
            number: event.number.as_str().to_owned(),
            text: event.text.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self) -> DocumentIssued {
        DocumentIssued {
            number: DocumentNumber::from_stored(self.number),
            text: Description::from_stored(self.text),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRefusedV1 {
    pub reason: String,
}

impl ServiceRefusedV1 {
    pub fn from_domain(event: &ServiceRefused) -> Self {
        ServiceRefusedV1 {
            reason: event.reason.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self) -> ServiceRefused {
        ServiceRefused {
            reason: ShortText::from_stored(self.reason),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDocumentCollectedV1 {
    pub note: Option<String>,
}

impl ServiceDocumentCollectedV1 {
    pub fn from_domain(event: &DocumentCollected) -> Self {
        ServiceDocumentCollectedV1 {
            note: text(&event.note),
        }
    }

    pub(crate) fn into_domain(self) -> DocumentCollected {
        DocumentCollected {
            note: stored_text(self.note),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRatedV1 {
    pub stars: u8,
    pub comment: Option<String>,
}

impl ServiceRatedV1 {
    pub fn from_domain(event: &ServiceRated) -> Self {
        ServiceRatedV1 {
            stars: event.stars.stars(),
            comment: text(&event.comment),
        }
    }

    pub(crate) fn into_domain(self) -> ServiceRated {
        ServiceRated {
            stars: Rating::from_stored(self.stars),
            comment: stored_text(self.comment),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceWithdrawnV1 {
    pub reason: String,
}

impl ServiceWithdrawnV1 {
    pub fn from_domain(event: &ServiceWithdrawn) -> Self {
        ServiceWithdrawnV1 {
            reason: event.reason.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self) -> ServiceWithdrawn {
        ServiceWithdrawn {
            reason: ShortText::from_stored(self.reason),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDocumentReissuedV1 {
    pub number: String,
    pub supersedes: String,
    pub text: String,
    pub reason: String,
}

impl ServiceDocumentReissuedV1 {
    pub fn from_domain(event: &DocumentReissued) -> Self {
        ServiceDocumentReissuedV1 {
            number: event.number.as_str().to_owned(),
            supersedes: event.supersedes.as_str().to_owned(),
            text: event.text.as_str().to_owned(),
            reason: event.reason.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self) -> DocumentReissued {
        DocumentReissued {
            number: DocumentNumber::from_stored(self.number),
            supersedes: DocumentNumber::from_stored(self.supersedes),
            text: Description::from_stored(self.text),
            reason: ShortText::from_stored(self.reason),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDocumentRevokedV1 {
    pub number: String,
    pub reason: String,
}

impl ServiceDocumentRevokedV1 {
    pub fn from_domain(event: &DocumentRevoked) -> Self {
        ServiceDocumentRevokedV1 {
            number: event.number.as_str().to_owned(),
            reason: event.reason.as_str().to_owned(),
        }
    }

    pub(crate) fn into_domain(self) -> DocumentRevoked {
        DocumentRevoked {
            number: DocumentNumber::from_stored(self.number),
            reason: ShortText::from_stored(self.reason),
        }
    }
}

/// The stored form of a service event: always version 1 so far.
pub(crate) fn encode_service(event: &ServiceEvent) -> (u16, Vec<u8>) {
    let payload = match event {
        ServiceEvent::Requested(e) => to_bytes(&ServiceRequestedV1::from_domain(e)),
        ServiceEvent::Acknowledged(e) => to_bytes(&ServiceAcknowledgedV1::from_domain(e)),
        ServiceEvent::SentForVerification(e) => {
            to_bytes(&ServiceSentForVerificationV1::from_domain(e))
        }
        ServiceEvent::StationAnswered(e) => to_bytes(&ServiceStationAnsweredV1::from_domain(e)),
        ServiceEvent::Issued(e) => to_bytes(&ServiceDocumentIssuedV1::from_domain(e)),
        ServiceEvent::Refused(e) => to_bytes(&ServiceRefusedV1::from_domain(e)),
        ServiceEvent::Collected(e) => to_bytes(&ServiceDocumentCollectedV1::from_domain(e)),
        ServiceEvent::Rated(e) => to_bytes(&ServiceRatedV1::from_domain(e)),
        ServiceEvent::Withdrawn(e) => to_bytes(&ServiceWithdrawnV1::from_domain(e)),
        ServiceEvent::Reissued(e) => to_bytes(&ServiceDocumentReissuedV1::from_domain(e)),
        ServiceEvent::Revoked(e) => to_bytes(&ServiceDocumentRevokedV1::from_domain(e)),
    };
    (1, payload)
}

/// Decodes version 1 of the service event type `d` names; `Ok(None)` when
/// it names no service event type.
pub(crate) fn decode_service(
    d: Decoding,
    payload: &[u8],
) -> Result<Option<ServiceEvent>, CodecError> {
    let event = match d.event_type {
        "ServiceRequested" => {
            ServiceEvent::Requested(take::<ServiceRequestedV1>(d, payload)?.into_domain(d)?)
        }
        "ServiceAcknowledged" => {
            ServiceEvent::Acknowledged(take::<ServiceAcknowledgedV1>(d, payload)?.into_domain())
        }
        "ServiceSentForVerification" => ServiceEvent::SentForVerification(
            take::<ServiceSentForVerificationV1>(d, payload)?.into_domain(),
        ),
        "ServiceStationAnswered" => ServiceEvent::StationAnswered(
            take::<ServiceStationAnsweredV1>(d, payload)?.into_domain(d)?,
        ),
        "ServiceDocumentIssued" => {
            ServiceEvent::Issued(take::<ServiceDocumentIssuedV1>(d, payload)?.into_domain())
        }
        "ServiceRefused" => {
            ServiceEvent::Refused(take::<ServiceRefusedV1>(d, payload)?.into_domain())
        }
        "ServiceDocumentCollected" => {
            ServiceEvent::Collected(take::<ServiceDocumentCollectedV1>(d, payload)?.into_domain())
        }
        "ServiceRated" => ServiceEvent::Rated(take::<ServiceRatedV1>(d, payload)?.into_domain()),
        "ServiceWithdrawn" => {
            ServiceEvent::Withdrawn(take::<ServiceWithdrawnV1>(d, payload)?.into_domain())
        }
        "ServiceDocumentReissued" => {
            ServiceEvent::Reissued(take::<ServiceDocumentReissuedV1>(d, payload)?.into_domain())
        }
        "ServiceDocumentRevoked" => {
            ServiceEvent::Revoked(take::<ServiceDocumentRevokedV1>(d, payload)?.into_domain())
        }
        _ => return Ok(None),
    };
    Ok(Some(event))
}
