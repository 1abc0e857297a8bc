//! The registry of (type, version) pairs and the dispatch between them and
//! the frozen structs.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::audit_v1::{CaseAccessedV1, CasesAccessedV1, LogSealedV1};
use super::deadline_v1::{CaseEscalatedV1, DeadlineStepV1};
use super::frozen::Decoding;
use super::notification_v1::{
    NotificationFailedV1, NotificationQueuedV1, NotificationRetriedV1, NotificationSentV1,
};
use super::officer_v2::{OfficerRegisteredV2, OfficerTokenRotatedV1};
use super::v1::{
    ComplaintAcknowledgedV1, ComplaintFiledV1, ComplaintRatedV1, ComplaintReferredV1,
    ComplaintReopenedV1, ComplaintResolvedV1, ComplaintWithdrawnV1, OfficerRegisteredV1,
    OfficerRevokedV1,
};
use super::v2::ComplaintFiledV2;
use super::v3::ComplaintFiledV3;
use super::v4::ComplaintFiledV4;
use super::{CodecError, DomainEvent, EncodedEvent};
use crate::audit::AuditEvent;
use crate::complaint::ComplaintEvent;
use crate::notification::NotificationEvent;
use crate::officer::OfficerEvent;

/// Every (type, versions) ever written. Entries and versions are only ever
/// added: each one must stay decodable forever and has a golden file.
const KNOWN_TYPES: &[(&str, &[u16])] = &[
    ("ComplaintFiled", &[1, 2, 3, 4]),
    ("ComplaintAcknowledged", &[1]),
    ("ComplaintReferred", &[1]),
    ("ComplaintResolved", &[1]),
    ("ComplaintRated", &[1]),
    ("ComplaintReopened", &[1]),
    ("ComplaintWithdrawn", &[1]),
    ("OfficerRegistered", &[1, 2]),
    ("OfficerRevoked", &[1]),
    ("OfficerTokenRotated", &[1]),
    ("LogSealed", &[1]),
    ("CaseAccessed", &[1]),
    ("CasesAccessed", &[1]),
    ("DeadlineReminder", &[1]),
    ("DeadlineMissed", &[1]),
    ("CaseEscalated", &[1]),
    ("NotificationQueued", &[1]),
    ("NotificationSent", &[1]),
    ("NotificationFailed", &[1]),
    ("NotificationRetried", &[1]),
    ("ServiceRequested", &[1]),
    ("ServiceAcknowledged", &[1]),
    ("ServiceSentForVerification", &[1]),
    ("ServiceStationAnswered", &[1]),
    ("ServiceDocumentIssued", &[1]),
    ("ServiceRefused", &[1]),
    ("ServiceDocumentCollected", &[1]),
    ("ServiceRated", &[1]),
    ("ServiceWithdrawn", &[1]),
    ("ServiceDocumentReissued", &[1]),
    ("ServiceDocumentRevoked", &[1]),
];

/// Every event type ever written, with the schema versions of each.
pub fn known_types() -> &'static [(&'static str, &'static [u16])] {
    KNOWN_TYPES
}

/// The schema version `encode` writes for `event_type`, if the type is known.
pub fn latest_version(event_type: &str) -> Option<u16> {
    KNOWN_TYPES
        .iter()
        .find(|(name, _)| *name == event_type)
        .and_then(|(_, versions)| versions.iter().copied().max())
}

/// Encodes `event` in the latest schema version of its type.
pub fn encode(event: &DomainEvent) -> EncodedEvent {
    let event_type = event.type_name();
    let (schema_version, payload) = match event {
        DomainEvent::Complaint(event) => match event {
            ComplaintEvent::Filed(e) => (4, to_bytes(&ComplaintFiledV4::from_domain(e))),
            ComplaintEvent::Acknowledged(e) => {
                (1, to_bytes(&ComplaintAcknowledgedV1::from_domain(e)))
            }
            ComplaintEvent::Referred(e) => (1, to_bytes(&ComplaintReferredV1::from_domain(e))),
            ComplaintEvent::Resolved(e) => (1, to_bytes(&ComplaintResolvedV1::from_domain(e))),
            ComplaintEvent::Rated(e) => (1, to_bytes(&ComplaintRatedV1::from_domain(e))),
            ComplaintEvent::Reopened(e) => (1, to_bytes(&ComplaintReopenedV1::from_domain(e))),
            ComplaintEvent::Withdrawn(e) => (1, to_bytes(&ComplaintWithdrawnV1::from_domain(e))),
            ComplaintEvent::DeadlineReminder(e) => (1, to_bytes(&DeadlineStepV1::from_reminder(e))),
            ComplaintEvent::DeadlineMissed(e) => (1, to_bytes(&DeadlineStepV1::from_missed(e))),
            ComplaintEvent::Escalated(e) => (1, to_bytes(&CaseEscalatedV1::from_domain(e))),
        },
        DomainEvent::Officer(event) => match event {
            OfficerEvent::Registered(e) => (2, to_bytes(&OfficerRegisteredV2::from_domain(e))),
            OfficerEvent::Revoked(e) => (1, to_bytes(&OfficerRevokedV1::from_domain(e))),
            OfficerEvent::TokenRotated(e) => (1, to_bytes(&OfficerTokenRotatedV1::from_domain(e))),
        },
        DomainEvent::Audit(event) => match event {
            AuditEvent::LogSealed(e) => (1, to_bytes(&LogSealedV1::from_domain(e))),
            AuditEvent::CaseAccessed(e) => (1, to_bytes(&CaseAccessedV1::from_domain(e))),
            AuditEvent::CasesAccessed(e) => (1, to_bytes(&CasesAccessedV1::from_domain(e))),
        },
        DomainEvent::Notification(event) => match event {
            NotificationEvent::Queued(e) => (1, to_bytes(&NotificationQueuedV1::from_domain(e))),
            NotificationEvent::Sent(e) => (1, to_bytes(&NotificationSentV1::from_domain(e))),
            NotificationEvent::Failed(e) => (1, to_bytes(&NotificationFailedV1::from_domain(e))),
            NotificationEvent::Retried => (1, to_bytes(&NotificationRetriedV1 {})),
        },
        DomainEvent::Service(event) => super::service_v1::encode_service(event),
    };
    EncodedEvent {
        event_type,
        schema_version,
        payload,
    }
}

/// Decodes a stored payload of any version ever written into the current
/// domain event. Rejects unknown types and versions, malformed payloads,
/// trailing bytes and values that no longer validate.
pub fn decode(
    event_type: &str,
    schema_version: u16,
    payload: &[u8],
) -> Result<DomainEvent, CodecError> {
    let (name, versions) = KNOWN_TYPES
        .iter()
        .find(|(name, _)| *name == event_type)
        .ok_or_else(|| CodecError::UnknownType {
            event_type: event_type.to_owned(),
        })?;
    let d = Decoding {
        event_type: name,
        version: schema_version,
    };
    let complaint = |event: ComplaintEvent| DomainEvent::Complaint(event);
    let officer = |event: OfficerEvent| DomainEvent::Officer(event);
    let audit = |event: AuditEvent| DomainEvent::Audit(event);
    let notification = |event: NotificationEvent| DomainEvent::Notification(event);
    let event = match (*name, schema_version) {
        ("ComplaintFiled", 1) => complaint(ComplaintEvent::Filed(
            take::<ComplaintFiledV1>(d, payload)?.upcast(d)?,
        )),
        ("ComplaintFiled", 2) => complaint(ComplaintEvent::Filed(
            take::<ComplaintFiledV2>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintFiled", 3) => complaint(ComplaintEvent::Filed(
            take::<ComplaintFiledV3>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintFiled", 4) => complaint(ComplaintEvent::Filed(
            take::<ComplaintFiledV4>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintAcknowledged", 1) => complaint(ComplaintEvent::Acknowledged(
            take::<ComplaintAcknowledgedV1>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintReferred", 1) => complaint(ComplaintEvent::Referred(
            take::<ComplaintReferredV1>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintResolved", 1) => complaint(ComplaintEvent::Resolved(
            take::<ComplaintResolvedV1>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintRated", 1) => complaint(ComplaintEvent::Rated(
            take::<ComplaintRatedV1>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintReopened", 1) => complaint(ComplaintEvent::Reopened(
            take::<ComplaintReopenedV1>(d, payload)?.into_domain(d)?,
        )),
        ("ComplaintWithdrawn", 1) => complaint(ComplaintEvent::Withdrawn(
            take::<ComplaintWithdrawnV1>(d, payload)?.into_domain(d)?,
        )),
        ("OfficerRegistered", 1) => officer(OfficerEvent::Registered(
            take::<OfficerRegisteredV1>(d, payload)?.into_domain(d)?,
        )),
        ("OfficerRegistered", 2) => officer(OfficerEvent::Registered(
            take::<OfficerRegisteredV2>(d, payload)?.into_domain(d)?,
        )),
        ("OfficerTokenRotated", 1) => officer(OfficerEvent::TokenRotated(
            take::<OfficerTokenRotatedV1>(d, payload)?.into_domain(),
        )),
        ("OfficerRevoked", 1) => officer(OfficerEvent::Revoked(
            take::<OfficerRevokedV1>(d, payload)?.into_domain(d)?,
        )),
        ("LogSealed", 1) => audit(AuditEvent::LogSealed(
            take::<LogSealedV1>(d, payload)?.into_domain(d)?,
        )),
        ("CaseAccessed", 1) => audit(AuditEvent::CaseAccessed(
            take::<CaseAccessedV1>(d, payload)?.into_domain(d)?,
        )),
        ("CasesAccessed", 1) => audit(AuditEvent::CasesAccessed(
            take::<CasesAccessedV1>(d, payload)?.into_domain(d)?,
        )),
        ("DeadlineReminder", 1) => complaint(ComplaintEvent::DeadlineReminder(
            take::<DeadlineStepV1>(d, payload)?.into_reminder(d)?,
        )),
        ("DeadlineMissed", 1) => complaint(ComplaintEvent::DeadlineMissed(
            take::<DeadlineStepV1>(d, payload)?.into_missed(d)?,
        )),
        ("CaseEscalated", 1) => complaint(ComplaintEvent::Escalated(
            take::<CaseEscalatedV1>(d, payload)?.into_domain(d)?,
        )),
        ("NotificationQueued", 1) => notification(NotificationEvent::Queued(
            take::<NotificationQueuedV1>(d, payload)?.into_domain(d)?,
        )),
        ("NotificationSent", 1) => notification(NotificationEvent::Sent(
            take::<NotificationSentV1>(d, payload)?.into_domain(),
        )),
        ("NotificationFailed", 1) => notification(NotificationEvent::Failed(
            take::<NotificationFailedV1>(d, payload)?.into_domain(),
        )),
        ("NotificationRetried", 1) => {
            take::<NotificationRetriedV1>(d, payload)?;
            notification(NotificationEvent::Retried)
        }
        (_, 1) if name.starts_with("Service") => {
            match super::service_v1::decode_service(d, payload)? {
                Some(event) => DomainEvent::Service(event),
                None => {
                    return Err(CodecError::UnknownVersion {
                        event_type: event_type.to_owned(),
                        version: schema_version,
                        known: versions,
                    })
                }
            }
        }
        _ => {
            return Err(CodecError::UnknownVersion {
                event_type: event_type.to_owned(),
                version: schema_version,
                known: versions,
            })
        }
    };
    Ok(event)
}

pub(super) fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing plain structs of strings, integers and arrays into a Vec
    // cannot fail: postcard only errors on unsupported types or full buffers.
    postcard::to_stdvec(value).unwrap_or_else(|error| unreachable!("postcard encoding: {error}"))
}

/// Reads one `T` and insists it used every byte of the payload.
pub(super) fn take<T: DeserializeOwned>(
    decoding: Decoding,
    payload: &[u8],
) -> Result<T, CodecError> {
    let (value, rest) =
        postcard::take_from_bytes::<T>(payload).map_err(|error| CodecError::Malformed {
            event_type: decoding.event_type,
            version: decoding.version,
            reason: error.to_string(),
        })?;
    if !rest.is_empty() {
        return Err(CodecError::TrailingBytes {
            event_type: decoding.event_type,
            version: decoding.version,
            count: rest.len(),
        });
    }
    Ok(value)
}
