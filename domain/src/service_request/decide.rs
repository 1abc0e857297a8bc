//! The lifecycle rules of a service request (the table in docs/services.md):
//! which command is allowed in which state, what events it produces, and
//! how each event changes the state.

use super::command::{RequestService, ServiceAction, ServiceCommand};
use super::error::ServiceError;
use super::event::{
    DocumentCollected, DocumentIssued, DocumentReissued, DocumentRevoked, ServiceAcknowledged,
    ServiceEvent, ServiceRated, ServiceRefused, ServiceRequested, ServiceSentForVerification,
    ServiceWithdrawn, StationAnswered, StationFinding,
};
use super::state::{ServiceState, ServiceStatus};
use crate::calendar::DeadlineRule;
use crate::decider::decider;
use crate::metadata::{Actor, Role};
use crate::time::Timestamp;

decider!(
    /// One service request, in stream `service-<uuid>`.
    ServiceRequestDecider: ServiceState, ServiceCommand, ServiceEvent, ServiceError,
    decide_service, evolve_service
);

/// Decides what `command` does to the request in `state`. Pure. Role
/// permissions are the API's business, except what belongs to the request
/// itself: citizens rate, officers act, only a supervisor revokes.
pub fn decide_service(
    state: &ServiceState,
    command: &ServiceCommand,
) -> Result<Vec<ServiceEvent>, ServiceError> {
    let action = &command.action;
    let status = match (state.status, action) {
        (None, ServiceAction::Request(request)) => {
            require_acting_officer(&command.actor)?;
            return Ok(vec![ServiceEvent::Requested(requested(
                request, command.at,
            )?)]);
        }
        (None, _) => return Err(ServiceError::NotFound),
        (Some(_), ServiceAction::Request(_)) => return Err(ServiceError::AlreadyRequested),
        (Some(status), _) => status,
    };
    match action {
        ServiceAction::Rate { .. } => require_citizen(&command.actor)?,
        ServiceAction::Revoke { .. } => require_supervisor(&command.actor)?,
        _ => require_acting_officer(&command.actor)?,
    }
    let refuse = |reason: &str| ServiceError::InvalidTransition {
        action: action.name(),
        status,
        reason: reason.to_owned(),
    };
    use ServiceStatus::{
        Acknowledged, AtStation, Collected, Issued, Refused, Requested, Revoked, Verified,
        Withdrawn,
    };
    let closed = |status: ServiceStatus| match status {
        Withdrawn => refuse("a withdrawn request is closed for good"),
        Revoked => refuse("its document was revoked: make a new request"),
        Refused => refuse("it was refused: make a new request"),
        _ => refuse("its document has been issued: reissue or revoke it instead"),
    };
    let event = match action {
        ServiceAction::Request(_) => return Err(ServiceError::AlreadyRequested),
        ServiceAction::Acknowledge { note } => match status {
            Requested => ServiceEvent::Acknowledged(ServiceAcknowledged { note: note.clone() }),
            Acknowledged | AtStation | Verified => return Err(refuse("it is already in hand")),
            other => return Err(closed(other)),
        },
        ServiceAction::SendForVerification { station } => match status {
            _ if !state.station_verification => {
                return Err(refuse("this service needs no station verification"))
            }
            Requested | Acknowledged | Verified => {
                ServiceEvent::SentForVerification(ServiceSentForVerification {
                    station: station.clone(),
                })
            }
            AtStation => return Err(refuse("it is already with a station")),
            other => return Err(closed(other)),
        },
        ServiceAction::RecordStationAnswer {
            finding,
            case_references,
            remarks,
        } => match status {
            AtStation => {
                if *finding == StationFinding::Adverse && case_references.is_none() {
                    return Err(refuse(
                        "an adverse finding must give the case references it rests on",
                    ));
                }
                ServiceEvent::StationAnswered(StationAnswered {
                    station: state
                        .station
                        .clone()
                        .ok_or_else(|| refuse("the stream names no station it was sent to"))?,
                    finding: *finding,
                    case_references: case_references.clone(),
                    remarks: remarks.clone(),
                })
            }
            Requested | Acknowledged | Verified => {
                return Err(refuse(
                    "it is not with a station: send it for verification first",
                ))
            }
            other => return Err(closed(other)),
        },
        ServiceAction::Issue { number, text } => match status {
            Requested | Acknowledged if state.station_verification => {
                return Err(refuse(
                    "the station of the applicant's address must verify first",
                ))
            }
            Verified if state.finding != Some(StationFinding::Clear) => {
                return Err(refuse(
                    "the station's answer was not clear: refuse the request, or send it \
                     for verification again",
                ))
            }
            Requested | Acknowledged | Verified => ServiceEvent::Issued(DocumentIssued {
                number: number.clone(),
                text: text.clone(),
            }),
            AtStation => return Err(refuse("the station has not answered yet")),
            Issued | Collected => return Err(refuse("it is already issued: reissue it instead")),
            other => return Err(closed(other)),
        },
        ServiceAction::Refuse { reason } => match status {
            Requested | Acknowledged | AtStation | Verified => {
                ServiceEvent::Refused(ServiceRefused {
                    reason: reason.clone(),
                })
            }
            other => return Err(closed(other)),
        },
        ServiceAction::Collect { note } => match status {
            Issued => ServiceEvent::Collected(DocumentCollected { note: note.clone() }),
            Collected => return Err(refuse("it has already been collected")),
            Requested | Acknowledged | AtStation | Verified => {
                return Err(refuse("nothing has been issued yet"))
            }
            other => return Err(closed(other)),
        },
        ServiceAction::Rate { stars, comment } => match status {
            Issued | Collected | Refused if state.rated => return Err(ServiceError::AlreadyRated),
            Issued | Collected | Refused => ServiceEvent::Rated(ServiceRated {
                stars: *stars,
                comment: comment.clone(),
            }),
            Withdrawn | Revoked => return Err(closed(status)),
            _ => return Err(refuse("it can be rated once it is issued or refused")),
        },
        ServiceAction::Withdraw { reason } => match status {
            Requested | Acknowledged | AtStation | Verified => {
                ServiceEvent::Withdrawn(ServiceWithdrawn {
                    reason: reason.clone(),
                })
            }
            other => return Err(closed(other)),
        },
        ServiceAction::Reissue {
            number,
            text,
            reason,
        } => match (status, &state.document) {
            (Issued | Collected, Some(current)) => ServiceEvent::Reissued(DocumentReissued {
                number: number.clone(),
                supersedes: current.clone(),
                text: text.clone(),
                reason: reason.clone(),
            }),
            (Requested | Acknowledged | AtStation | Verified, _) => {
                return Err(refuse("nothing has been issued yet: issue it"))
            }
            (other, _) => return Err(closed(other)),
        },
        ServiceAction::Revoke { reason } => match (status, &state.document) {
            (Issued | Collected, Some(current)) => ServiceEvent::Revoked(DocumentRevoked {
                number: current.clone(),
                reason: reason.clone(),
            }),
            (Revoked, _) => return Err(refuse("it is already revoked")),
            (Requested | Acknowledged | AtStation | Verified, _) => {
                return Err(refuse(
                    "nothing has been issued yet: refuse the request instead",
                ))
            }
            (other, _) => return Err(closed(other)),
        },
    };
    Ok(vec![event])
}

/// The request event, with the promise of the catalogue entry and calendar
/// in force recorded in it.
fn requested(request: &RequestService, at: Timestamp) -> Result<ServiceRequested, ServiceError> {
    let service = &request.service;
    let issue_by = request
        .calendar
        .due(at, DeadlineRule::WorkingDays(service.deadline_working_days))
        .map_err(|error| ServiceError::Deadline(error.to_string()))?;
    Ok(ServiceRequested {
        request_id: request.request_id,
        tracking_code: request.tracking_code.clone(),
        markaz: request.markaz.clone(),
        service: service.code.clone(),
        service_name_en: service.name_en.clone(),
        service_name_ur: service.name_ur.clone(),
        applicant: request.applicant.clone(),
        fields: request.fields.clone(),
        documents_checked: request.documents_checked.clone(),
        channel: request.channel,
        station_verification: service.station_verification,
        fee_rupees: service.fee_rupees,
        deadline_working_days: service.deadline_working_days,
        issue_by,
    })
}

/// Applies one event. `at` is the event's `occurred_at` from its metadata.
pub fn evolve_service(
    mut state: ServiceState,
    event: &ServiceEvent,
    at: Timestamp,
) -> ServiceState {
    state.version += 1;
    match event {
        ServiceEvent::Requested(requested) => {
            state.status = Some(ServiceStatus::Requested);
            state.id = Some(requested.request_id);
            state.tracking_code = Some(requested.tracking_code.clone());
            state.markaz = Some(requested.markaz.clone());
            state.service = Some(requested.service.clone());
            state.station_verification = requested.station_verification;
            state.requested_at = Some(at);
        }
        ServiceEvent::Acknowledged(_) => state.status = Some(ServiceStatus::Acknowledged),
        ServiceEvent::SentForVerification(sent) => {
            state.status = Some(ServiceStatus::AtStation);
            state.station = Some(sent.station.clone());
            state.finding = None;
        }
        ServiceEvent::StationAnswered(answer) => {
            state.status = Some(ServiceStatus::Verified);
            state.finding = Some(answer.finding);
        }
        ServiceEvent::Issued(issued) => {
            state.status = Some(ServiceStatus::Issued);
            state.document = Some(issued.number.clone());
        }
        ServiceEvent::Refused(_) => state.status = Some(ServiceStatus::Refused),
        ServiceEvent::Collected(_) => state.status = Some(ServiceStatus::Collected),
        ServiceEvent::Rated(_) => state.rated = true,
        ServiceEvent::Withdrawn(_) => state.status = Some(ServiceStatus::Withdrawn),
        ServiceEvent::Reissued(reissued) => {
            // The corrected document is collected again.
            state.status = Some(ServiceStatus::Issued);
            state.document = Some(reissued.number.clone());
        }
        ServiceEvent::Revoked(_) => state.status = Some(ServiceStatus::Revoked),
    }
    state
}

fn require_acting_officer(actor: &Actor) -> Result<(), ServiceError> {
    match actor {
        Actor::Officer {
            role: Role::Auditor | Role::Admin,
            ..
        } => Err(ServiceError::NotAllowed {
            reason: "auditors and admins may not change a service request: ask a desk \
                     officer or supervisor"
                .to_owned(),
        }),
        Actor::Officer { .. } => Ok(()),
        Actor::Citizen | Actor::System => Err(ServiceError::NotAllowed {
            reason: "only an officer may do this".to_owned(),
        }),
    }
}

fn require_supervisor(actor: &Actor) -> Result<(), ServiceError> {
    match actor {
        Actor::Officer {
            role: Role::Supervisor,
            ..
        } => Ok(()),
        _ => Err(ServiceError::NotAllowed {
            reason: "only a supervisor may revoke an issued document".to_owned(),
        }),
    }
}

fn require_citizen(actor: &Actor) -> Result<(), ServiceError> {
    match actor {
        Actor::Citizen => Ok(()),
        _ => Err(ServiceError::NotAllowed {
            reason: "only the citizen who asked may rate the service, with the tracking code"
                .to_owned(),
        }),
    }
}
