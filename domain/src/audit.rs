//! Audit events: seals of the log and the record of who looked at a case.
//!
//! A seal (`LogSealed`, in the stream `seal-log`) is a signed digest over the
//! head of every stream up to a global position: with the signing key kept
//! away from the data, nobody who can only write the database can rewrite,
//! truncate or roll back history without the seal showing it. Which digest
//! and how it is computed is the store's business; the event only records it.
//!
//! Every read of a gender-desk case or of unmasked personal data is recorded.
//! Today one answer makes one `CasesAccessed` event naming every case it
//! showed (a complaint or a service request), appended to the reading
//! officer's stream `access-officer-<officer uuid>`: a list of 500 rows is one
//! event, not 500. Before that, each case read was one `CaseAccessed` event in
//! the stream `access-<complaint uuid>`; those stay readable and keep counting
//! in a case's access history.

use uuid::Uuid;

use crate::metadata::{OfficerId, Role};
use crate::service_request::ServiceRequestId;
use crate::values::{ComplaintId, ValueError};

/// The stream that holds every seal, in the order they were made.
pub const SEAL_STREAM: &str = "seal-log";

const ACCESS_STREAM_PREFIX: &str = "access-";

const OFFICER_ACCESS_STREAM_PREFIX: &str = "access-officer-";

/// The stream of the batched reads of one officer: `access-officer-<uuid>`.
/// It shares the `access-` prefix, so every backend that follows the access
/// streams follows it too; it is never taken for a case's stream, since
/// `officer-<uuid>` is not a UUID.
pub fn officer_access_stream(officer: OfficerId) -> String {
    format!("{OFFICER_ACCESS_STREAM_PREFIX}{}", officer.0.hyphenated())
}

/// The officer whose reads `stream` holds, if it is an officer's access stream.
pub fn officer_of_access_stream(stream: &str) -> Option<OfficerId> {
    let id = stream.strip_prefix(OFFICER_ACCESS_STREAM_PREFIX)?;
    Uuid::try_parse(id).ok().map(OfficerId)
}

/// The stream of the access log of one complaint: `access-<uuid>`.
pub fn access_stream(complaint: ComplaintId) -> String {
    format!("{ACCESS_STREAM_PREFIX}{complaint}")
}

/// The complaint whose access log is `stream`, if it is an access stream.
pub fn complaint_of_access_stream(stream: &str) -> Option<ComplaintId> {
    let id = stream.strip_prefix(ACCESS_STREAM_PREFIX)?;
    Uuid::try_parse(id).ok().map(ComplaintId::from_uuid)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditEvent {
    LogSealed(LogSealed),
    CaseAccessed(CaseAccessed),
    CasesAccessed(CasesAccessed),
}

impl AuditEvent {
    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            AuditEvent::LogSealed(_) => "LogSealed",
            AuditEvent::CaseAccessed(_) => "CaseAccessed",
            AuditEvent::CasesAccessed(_) => "CasesAccessed",
        }
    }
}

/// A signed summary of the whole log up to `up_to_position`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSealed {
    /// Every event at or before this global position is covered.
    pub up_to_position: u64,
    /// How many events and streams the log held up to that position.
    pub events: u64,
    pub streams: u64,
    /// SHA-256 over the heads of all streams (see the store's `seal` module).
    pub digest: [u8; 32],
    /// The Ed25519 key that signed `digest`; trust it only if it is the key
    /// the auditor expects.
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

/// Someone read a gender-desk case or unmasked personal data of a complaint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseAccessed {
    pub complaint_id: ComplaintId,
    pub officer: OfficerId,
    /// The role the officer read in.
    pub role: Role,
    /// What was read.
    pub what: AccessedView,
    /// Whether the complainant's phone, CNIC and address were shown unmasked.
    pub personal_data: bool,
    /// Whether the case is a gender-desk case.
    pub gender_desk: bool,
}

/// One answer showed these cases to an officer: the batched record of reads
/// of gender-desk cases and of unmasked personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CasesAccessed {
    pub officer: OfficerId,
    /// The role the officer read in.
    pub role: Role,
    /// What was read.
    pub what: AccessedView,
    /// Every case shown that had to be recorded, in the order shown.
    pub cases: Vec<CaseRead>,
}

/// One case of a `CasesAccessed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseRead {
    pub case: CaseRef,
    /// Whether the person's phone, CNIC and address were shown unmasked.
    pub personal_data: bool,
    /// Whether the case is a gender-desk case.
    pub gender_desk: bool,
}

/// A case of either kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseRef {
    Complaint(ComplaintId),
    ServiceRequest(ServiceRequestId),
}

impl CaseRef {
    pub fn kind(self) -> CaseKind {
        match self {
            CaseRef::Complaint(_) => CaseKind::Complaint,
            CaseRef::ServiceRequest(_) => CaseKind::ServiceRequest,
        }
    }

    pub fn uuid(self) -> Uuid {
        match self {
            CaseRef::Complaint(id) => id.as_uuid(),
            CaseRef::ServiceRequest(id) => id.as_uuid(),
        }
    }

    pub fn new(kind: CaseKind, id: Uuid) -> Self {
        match kind {
            CaseKind::Complaint => CaseRef::Complaint(ComplaintId::from_uuid(id)),
            CaseKind::ServiceRequest => CaseRef::ServiceRequest(ServiceRequestId::from_uuid(id)),
        }
    }
}

/// The kinds of case. The stored encoding is fixed in the codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseKind {
    Complaint,
    ServiceRequest,
}

impl CaseKind {
    /// The name used in the API, JSON and the read models.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Complaint => "complaint",
            CaseKind::ServiceRequest => "service_request",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "complaint" => Some(CaseKind::Complaint),
            "service_request" => Some(CaseKind::ServiceRequest),
            _ => None,
        }
    }
}

/// Which view of a case was read.
///
/// The stored encoding is fixed in the codec, not by variant order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessedView {
    /// `GET /complaints/{id}`.
    CaseView,
    /// `GET /complaints/{id}/timeline`.
    Timeline,
    /// A row of `GET /complaints`.
    Listing,
    /// A row of `GET /gender-desk/queue`.
    GenderDeskQueue,
    /// The auditor's history of the case (`GET /audit/complaints/{id}`).
    AuditHistory,
    /// An export of the log.
    Export,
    /// A reprint of the citizen's receipt (`POST /complaints/{id}/receipt`),
    /// which shows the full tracking code.
    ReceiptReprint,
    /// The printable document of a service request (HTML or PDF,
    /// `GET /service-requests/{id}/document[.pdf]`), which names the holder.
    DocumentPrint,
}

impl AccessedView {
    pub const ALL: &'static [AccessedView] = &[
        AccessedView::CaseView,
        AccessedView::Timeline,
        AccessedView::Listing,
        AccessedView::GenderDeskQueue,
        AccessedView::AuditHistory,
        AccessedView::Export,
        AccessedView::ReceiptReprint,
        AccessedView::DocumentPrint,
    ];

    /// The name used in the API and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessedView::CaseView => "case_view",
            AccessedView::Timeline => "timeline",
            AccessedView::Listing => "listing",
            AccessedView::GenderDeskQueue => "gender_desk_queue",
            AccessedView::AuditHistory => "audit_history",
            AccessedView::Export => "export",
            AccessedView::ReceiptReprint => "receipt_reprint",
            AccessedView::DocumentPrint => "document_print",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let wanted = input.trim();
        AccessedView::ALL
            .iter()
            .copied()
            .find(|view| view.as_str() == wanted)
            .ok_or_else(|| {
                let expected: Vec<&str> = AccessedView::ALL.iter().map(|v| v.as_str()).collect();
                ValueError::new(
                    "what",
                    format!(
                        "`{wanted}` is not allowed: use one of {}",
                        expected.join(", ")
                    ),
                )
            })
    }
}

impl std::fmt::Display for AccessedView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_streams_round_trip() {
        let id = ComplaintId::from_uuid(Uuid::from_u128(42));
        let stream = access_stream(id);
        assert_eq!(stream, format!("access-{}", Uuid::from_u128(42)));
        assert_eq!(complaint_of_access_stream(&stream), Some(id));
        assert_eq!(complaint_of_access_stream(&id.stream_name()), None);
        assert_eq!(complaint_of_access_stream("access-not-a-uuid"), None);
    }

    #[test]
    fn officer_access_streams_round_trip_and_are_no_case_streams() {
        let officer = OfficerId(Uuid::from_u128(7));
        let stream = officer_access_stream(officer);
        assert_eq!(stream, format!("access-officer-{}", Uuid::from_u128(7)));
        assert_eq!(officer_of_access_stream(&stream), Some(officer));
        assert_eq!(complaint_of_access_stream(&stream), None);
        let case = access_stream(ComplaintId::from_uuid(Uuid::from_u128(7)));
        assert_eq!(officer_of_access_stream(&case), None);
    }

    #[test]
    fn case_kinds_parse_their_names() {
        for kind in [CaseKind::Complaint, CaseKind::ServiceRequest] {
            assert_eq!(CaseKind::parse(kind.as_str()), Some(kind));
            let id = Uuid::from_u128(9);
            assert_eq!(CaseRef::new(kind, id).kind(), kind);
            assert_eq!(CaseRef::new(kind, id).uuid(), id);
        }
        assert_eq!(CaseKind::parse("officer"), None);
    }

    #[test]
    fn accessed_views_parse_their_names() {
        for &view in AccessedView::ALL {
            assert_eq!(AccessedView::parse(view.as_str()), Ok(view));
        }
        assert!(AccessedView::parse("everything").is_err());
    }
}
