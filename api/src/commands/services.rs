//! The service-request commands: a request taken at the counter, document
//! numbers, and what the shared path of officers' steps and ratings (`case`)
//! needs to know of service requests (the same visibility rule and
//! `If-Match` as complaints).

use markaz_domain::service_request::ServiceRequested;
use markaz_domain::{
    derived_id, Applicant, Channel, DocumentNumber, FieldValue, Service, ServiceAction,
    ServiceCommand, ServiceError, ServiceEvent, ServiceRequestDecider, ServiceRequestId,
    ServiceState, WorkingCalendar,
};
use markaz_store::command_loop::handle_create;
use uuid::Uuid;

use super::case::CaseId;
use super::failure::CommandFailure;
use super::visibility::service_visible;
use super::Commands;
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

impl CaseId for ServiceRequestId {
    type Decider = ServiceRequestDecider;
    type Action = ServiceAction;

    fn stream(self) -> String {
        self.stream_name()
    }

    fn visible(state: &ServiceState, principal: &Principal) -> bool {
        service_visible(state, principal)
    }

    fn version(state: &ServiceState) -> u64 {
        state.version
    }

    fn status(state: &ServiceState) -> Option<&'static str> {
        state.status.map(|status| status.as_str())
    }

    fn rated(state: &ServiceState) -> bool {
        state.rated
    }
}
