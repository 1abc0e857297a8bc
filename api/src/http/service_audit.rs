//! `GET /audit/service-requests/{id}?as_of=TIME|version=N` (auditor): a
//! service request as it stood at a past moment or version, folded with the
//! domain's own `evolve` from the events up to that point, and those events
//! unmasked. The read is recorded in the request's access log first.
//! `GET /audit/service-requests/{id}/access`: who was shown the request.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::service_request::evolve_service;
use markaz_domain::{AccessedView, CaseRef, ServiceRequestDecider, ServiceState};
use markaz_store::command_loop::load;
use serde_json::{json, Value};

use super::audit::{access_page, point, AccessQuery, PointQuery};
use super::auth::{Audit, Authorized};
use super::problem::{FieldError, Problem};
use super::query_params::{ApiPath, ApiQuery};
use super::service_requests::{parse_service_request_id, service_request_not_found};
use super::state::AppState;
use crate::audit::access_log::CaseShown;
use crate::audit::history::PointInTime;
use crate::timeline::{service_event_data, timeline_entry};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit/service-requests/{id}", get(service_request_at))
        .route("/audit/service-requests/{id}/access", get(access))
}

// `GET /audit/service-requests/{id}/access[?limit=N&cursor=C]`: who was
// shown the request, a page at a time (as for complaints).
/// Who was shown a service request, when, with or without personal data (auditor)
#[utoipa::path(get, path = "/api/v1/audit/service-requests/{id}/access", tag = "audit",
    params(("id" = uuid::Uuid, Path),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Entries per page (default 100)"),
        ("cursor" = Option<String>, Query, description = "The next_cursor of the previous page")),
    responses(
        (status = 200, body = super::openapi::AccessLog),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn access(
    State(state): State<AppState>,
    _auth: Authorized<Audit>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<AccessQuery>,
) -> Result<Json<Value>, Problem> {
    let id = parse_service_request_id(&id)?;
    access_page(&state, CaseRef::ServiceRequest(id), &query).await
}

fn state_json(state: &ServiceState) -> Value {
    json!({
        "status": state.status.map(|status| status.as_str()),
        "tracking_code": state.tracking_code.as_ref().map(|code| code.as_str()),
        "markaz": state.markaz.as_ref().map(|markaz| markaz.as_str()),
        "service": state.service.as_ref().map(|service| service.as_str()),
        "requested_at": state.requested_at.map(|at| at.to_rfc3339()),
        "station": state.station.as_ref().map(|station| station.as_str()),
        "finding": state.finding.map(|finding| finding.as_str()),
        "document_number": state.document.as_ref().map(|number| number.as_str()),
        "rated": state.rated,
    })
}

/// A service request as it stood at a past time or version (auditor; access-logged)
#[utoipa::path(get, path = "/api/v1/audit/service-requests/{id}", tag = "audit",
    params(
        ("id" = uuid::Uuid, Path),
        ("as_of" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD (end of that day)"),
        ("version" = Option<u64>, Query, description = "The first N events"),
    ),
    responses(
        (status = 200, body = serde_json::Value, description = "`{id, version, current_version, state, events}`"),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn service_request_at(
    State(state): State<AppState>,
    auth: Authorized<Audit>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PointQuery>,
) -> Result<Json<Value>, Problem> {
    let id = parse_service_request_id(&id)?;
    let point = point(&query)?;
    let loaded = load::<ServiceRequestDecider>(state.store.as_ref(), &id.stream_name())
        .await
        .map_err(|error| Problem::internal(&error))?;
    let Some(first) = loaded.events.first() else {
        return Err(service_request_not_found());
    };
    let requested_at = first.recorded.metadata.occurred_at;
    match point {
        PointInTime::Version(asked) if asked == 0 || asked > loaded.version => {
            return Err(Problem::invalid_query(vec![FieldError::new(
                "version",
                format!(
                    "the request has {} events, so it never was at version {asked}: ask for \
                     1 to {}",
                    loaded.version, loaded.version
                ),
            )]))
        }
        PointInTime::AsOf(at) if at < requested_at => {
            return Err(Problem::not_found(format!(
                "the request was not made yet at {at} (it was made at {requested_at})"
            )))
        }
        _ => {}
    }
    // The events carry the applicant unmasked: the read is recorded first.
    let shown = CaseShown {
        case: CaseRef::ServiceRequest(id),
        gender_desk: false,
        personal_data: true,
    };
    super::audit::record_shown(&state, &auth.principal, AccessedView::AuditHistory, shown).await?;
    // Events of a stream are recorded in time order, so the kept ones are a prefix.
    let kept: Vec<_> = loaded
        .events
        .iter()
        .take_while(|event| match point {
            PointInTime::AsOf(at) => event.recorded.metadata.occurred_at <= at,
            PointInTime::Version(version) => event.recorded.version <= version,
            PointInTime::Latest => true,
        })
        .collect();
    let past = kept.iter().fold(ServiceState::default(), |past, event| {
        evolve_service(past, &event.event, event.recorded.metadata.occurred_at)
    });
    let events: Vec<Value> = kept
        .iter()
        .map(|event| timeline_entry(event, &state.officers, service_event_data(event)))
        .collect();
    Ok(Json(json!({
        "id": id.to_string(),
        "version": past.version,
        "current_version": loaded.version,
        "state": state_json(&past),
        "events": events,
    })))
}
