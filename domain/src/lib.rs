//! The complaint domain of Markaz: value types, commands, events, the pure
//! `decide`/`evolve` functions and the versioned event codec.
//!
//! Nothing here does I/O, spawns tasks or reads a clock: time, new ids and the
//! actor arrive inside each command, so replaying history is deterministic.

pub mod audit;
pub mod calendar;
pub mod catalogue;
pub mod codec;
pub mod complaint;
pub mod decider;
pub mod metadata;
pub mod notification;
pub mod officer;
pub mod service_catalogue;
pub mod service_request;
pub mod time;
pub mod values;

pub use audit::{
    AccessedView, AuditEvent, CaseAccessed, CaseKind, CaseRead, CaseRef, CasesAccessed, LogSealed,
};
pub use calendar::{
    CalendarError, DeadlineRule, DeadlineTerms, Holiday, RecordedCalendar, WorkingCalendar,
};
pub use catalogue::{Catalogue, CatalogueError, Category};
pub use codec::{
    decode, encode, known_types, to_json, AggregateEvent, CodecError, DomainEvent, EncodedEvent,
};
pub use complaint::{
    decide, evolve, CaseEscalated, Complainant, ComplaintAcknowledged, ComplaintAction,
    ComplaintCommand, ComplaintEvent, ComplaintFiled, ComplaintRated, ComplaintReferred,
    ComplaintReopened, ComplaintResolved, ComplaintState, ComplaintStatus, ComplaintWithdrawn,
    DeadlineAction, DeadlineMissed, DeadlineReminder, DeadlineStep, DomainError, FileComplaint,
    GenderDeskReasons,
};
pub use decider::{Command, ComplaintDecider, Decider, NotificationDecider, OfficerDecider};
pub use metadata::{derived_id, event_id_for, Actor, EventMetadata, OfficerId, Role};
pub use notification::{
    decide_notification, evolve_notification, NotificationAction, NotificationCommand,
    NotificationError, NotificationEvent, NotificationFailed, NotificationId, NotificationQueued,
    NotificationSent, NotificationState,
};
pub use officer::{
    decide_officer, evolve_officer, role_requires_markaz, OfficerAction, OfficerCommand,
    OfficerError, OfficerEvent, OfficerRegistered, OfficerRevoked, OfficerState,
    OfficerTokenRotated,
};
pub use service_catalogue::{Service, ServiceCatalogue, ServiceCatalogueError, ServiceField};
pub use service_request::{
    Applicant, DocumentNumber, FieldKind, FieldValue, ServiceAction, ServiceCommand, ServiceError,
    ServiceEvent, ServiceRequestDecider, ServiceRequestId, ServiceState, ServiceStatus,
    StationFinding,
};
pub use time::Timestamp;
pub use values::{
    CategoryCode, Channel, Cnic, ComplaintId, ContactPreference, Deadline, Description,
    EscalationLevel, Gender, Language, MarkazCode, Outcome, PersonName, Phone, Rating,
    ReferralKind, ShortText, TrackingCode, ValueError,
};
