//! The service-request commands: a request taken at the counter, an
//! officer's step on it (guarded by the same visibility rule and `If-Match`
//! as complaints), the citizen's rating, and commands made in full with
//! their own time (planned histories).

use markaz_domain::service_request::ServiceRequested;
use markaz_domain::{
    derived_id, Actor, Applicant, Channel, Decider, DocumentNumber, FieldValue, Service,
    ServiceAction, ServiceCommand, ServiceError, ServiceEvent, ServiceRequestDecider,
    ServiceRequestId, ServiceState, ServiceStatus, Timestamp, WorkingCalendar,
};
use markaz_store::command_loop::{handle_command, handle_create, load, Aggregate, Handled};
use uuid::Uuid;

use super::failure::CommandFailure;
use super::visibility::may_see;
use super::{command_meta, Commands};
use crate::ids::random_u64;
use crate::officers::Principal;

/// Namespace of service-request ids derived from command ids.
const SERVICE_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0002_8000_0000_0000_0017);

/// A request as the counter takes it down, already validated against its
/// catalogue entry; the id, the tracking code and the markaz are added here.
#[derive(Clone, Debug)]
pub struct NewServiceRequest {
    pub service: Service,
    pub applicant: Applicant,
    pub fields: Vec<FieldValue>,
    pub documents_checked: Vec<String>,
    pub channel: Channel,
}

/// A request as stored (a retried request gets its original back).
#[derive(Clone, Debug)]
pub struct RequestedService {
    pub id: ServiceRequestId,
    pub requested: ServiceRequested,
    pub version: u64,
    pub position: u64,
    /// The hash-chain value of the request: the citizen's receipt.
    pub receipt_hash: [u8; 32],
}

/// A request after an officer's step or a rating.
#[derive(Clone, Debug)]
pub struct ServiceActed {
    pub id: ServiceRequestId,
    pub status: Option<ServiceStatus>,
    pub rated: bool,
    /// The document in force, if one was issued.
    pub document_number: Option<DocumentNumber>,
    pub version: u64,
    pub position: u64,
}

impl ServiceActed {
    fn from_handled<D>(id: ServiceRequestId, handled: Handled<D>) -> Self
    where
        D: Aggregate<State = ServiceState>,
    {
        ServiceActed {
            id,
            status: handled.state.status,
            rated: handled.state.rated,
            document_number: handled.state.document.clone(),
            version: handled.version,
            position: handled.position,
        }
    }
}

/// Whether `principal` may see the request in `state` (the complaint rule,
/// with no gender desk: a request is never a gender-desk case).
pub fn service_visible(state: &ServiceState, principal: &Principal) -> bool {
    match &state.markaz {
        Some(markaz) if state.is_requested() => may_see(principal, markaz.as_str(), false),
        _ => false,
    }
}

/// A service command with who sends it and the version it expects.
pub struct GuardedServiceCommand {
    pub command: ServiceCommand,
    pub principal: Principal,
    pub if_match: Option<u64>,
}

/// Why a guarded service command was refused.
#[derive(Debug, thiserror::Error)]
pub enum GuardedServiceError {
    #[error("no service request with this id is visible to you: check the id")]
    NotVisible,
    #[error("the service request is at version {actual}, not {expected}")]
    Precondition { expected: u64, actual: u64 },
    #[error(transparent)]
    Domain(ServiceError),
}

/// The service-request decider, guarded by visibility and `If-Match` in
/// that order (as complaints: existence is never revealed).
pub struct GuardedService;

impl Decider for GuardedService {
    type State = ServiceState;
    type Command = GuardedServiceCommand;
    type Event = ServiceEvent;
    type Error = GuardedServiceError;

    fn evolve(state: ServiceState, event: &ServiceEvent, at: Timestamp) -> ServiceState {
        ServiceRequestDecider::evolve(state, event, at)
    }

    fn decide(
        state: &ServiceState,
        guarded: &GuardedServiceCommand,
    ) -> Result<Vec<ServiceEvent>, GuardedServiceError> {
        if !service_visible(state, &guarded.principal) {
            return Err(GuardedServiceError::NotVisible);
        }
        if let Some(expected) = guarded.if_match {
            if expected != state.version {
                return Err(GuardedServiceError::Precondition {
                    expected,
                    actual: state.version,
                });
            }
        }
        ServiceRequestDecider::decide(state, &guarded.command).map_err(GuardedServiceError::Domain)
    }
}

impl Commands {
    /// Takes a service request at the officer's markaz; its deadline is
    /// counted on `calendar`. The id derives from `command_id`, so a retried
    /// command finds its own request.
    pub async fn request_service(
        &self,
        officer: &Principal,
        request: NewServiceRequest,
        calendar: &WorkingCalendar,
        command_id: Uuid,
    ) -> Result<RequestedService, CommandFailure> {
        let Some(markaz) = officer.markaz.clone() else {
            return Err(CommandFailure::NotAllowed(
                "an officer without a markaz may not take service requests".into(),
            ));
        };
        let id = ServiceRequestId::from_uuid(derived_id(
            &SERVICE_NAMESPACE,
            command_id,
            command_id.as_bytes(),
        ));
        let action = ServiceAction::Request(markaz_domain::service_request::RequestService {
            request_id: id,
            tracking_code: self.new_tracking_code(&markaz)?,
            markaz,
            service: request.service,
            calendar: calendar.clone(),
            applicant: request.applicant,
            fields: request.fields,
            documents_checked: request.documents_checked,
            channel: request.channel,
        });
        let (command, meta) = self.stamp(command_id, officer.actor(), |command_id, at, actor| {
            ServiceCommand {
                command_id,
                at,
                actor,
                action,
            }
        });
        let handled = handle_create::<ServiceRequestDecider>(
            self.store(),
            &id.stream_name(),
            &command,
            &meta,
        )
        .await?;
        let requested = match handled.events.first().map(|written| &written.event) {
            Some(ServiceEvent::Requested(requested)) => requested.clone(),
            _ => {
                return Err(CommandFailure::Internal(format!(
                    "the request {id} did not start its stream with ServiceRequested"
                )))
            }
        };
        Ok(RequestedService {
            id,
            requested,
            version: handled.version,
            position: handled.position,
            receipt_hash: handled.hash,
        })
    }

    /// A fresh document number at the officer's markaz (the randomness the
    /// domain does not have).
    pub fn new_document_number(
        &self,
        officer: &Principal,
    ) -> Result<DocumentNumber, CommandFailure> {
        let Some(markaz) = &officer.markaz else {
            return Err(CommandFailure::NotAllowed(
                "an officer without a markaz may not issue documents".into(),
            ));
        };
        let random = random_u64().map_err(|error| CommandFailure::Internal(error.to_string()))?;
        Ok(DocumentNumber::from_random(markaz, random))
    }

    /// An officer's step on a request the officer may see, optionally only
    /// if it is still at version `if_match`.
    pub async fn act_on_service(
        &self,
        officer: &Principal,
        id: ServiceRequestId,
        action: ServiceAction,
        if_match: Option<u64>,
        command_id: Uuid,
    ) -> Result<ServiceActed, CommandFailure> {
        let (command, meta) = self.stamp(command_id, officer.actor(), |command_id, at, actor| {
            ServiceCommand {
                command_id,
                at,
                actor,
                action,
            }
        });
        let guarded = GuardedServiceCommand {
            command,
            principal: officer.clone(),
            if_match,
        };
        let handled = handle_command::<GuardedService>(
            self.store(),
            &id.stream_name(),
            &guarded,
            &meta,
            None,
        )
        .await?;
        Ok(ServiceActed::from_handled(id, handled))
    }

    /// Refuses (as unknown) a request `officer` may not see, judged on its stream.
    pub async fn check_service_visible(
        &self,
        officer: &Principal,
        id: ServiceRequestId,
    ) -> Result<ServiceState, CommandFailure> {
        let case = load::<ServiceRequestDecider>(self.store(), &id.stream_name()).await?;
        if service_visible(&case.state, officer) {
            Ok(case.state)
        } else {
            Err(CommandFailure::NotFound)
        }
    }

    /// The citizen's rating of request `id` (found by its tracking code).
    pub async fn rate_service(
        &self,
        id: ServiceRequestId,
        action: ServiceAction,
        command_id: Uuid,
    ) -> Result<ServiceActed, CommandFailure> {
        let (command, meta) = self.stamp(command_id, Actor::Citizen, |command_id, at, actor| {
            ServiceCommand {
                command_id,
                at,
                actor,
                action,
            }
        });
        let handled = handle_command::<ServiceRequestDecider>(
            self.store(),
            &id.stream_name(),
            &command,
            &meta,
            None,
        )
        .await?;
        Ok(ServiceActed::from_handled(id, handled))
    }

    /// A service command its caller made in full, with its own time and
    /// actor (planned histories: `markaz demo`, tests of the figures).
    /// Visibility is not applied: these callers act for the service.
    pub async fn submit_service(
        &self,
        id: ServiceRequestId,
        command: &ServiceCommand,
    ) -> Result<ServiceActed, CommandFailure> {
        let meta = command_meta(command.command_id, command.at, command.actor.clone());
        let handled = handle_command::<ServiceRequestDecider>(
            self.store(),
            &id.stream_name(),
            command,
            &meta,
            None,
        )
        .await?;
        Ok(ServiceActed::from_handled(id, handled))
    }
}

impl From<ServiceError> for CommandFailure {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound => CommandFailure::NotFound,
            ServiceError::NotAllowed { reason } => CommandFailure::NotAllowed(reason),
            refused => CommandFailure::RefusedService(refused),
        }
    }
}

impl From<GuardedServiceError> for CommandFailure {
    fn from(error: GuardedServiceError) -> Self {
        match error {
            GuardedServiceError::NotVisible => CommandFailure::NotFound,
            GuardedServiceError::Precondition { expected, actual } => {
                CommandFailure::Stale { expected, actual }
            }
            GuardedServiceError::Domain(domain) => domain.into(),
        }
    }
}
