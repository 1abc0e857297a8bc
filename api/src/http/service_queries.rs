//! Service-request queries: the public service catalogue, one request, the
//! list, the timeline and the figures per service.
//!
//! The same rules as complaints: who may see a request is decided from its
//! stream; the applicant is shown in full only to the roles that may see a
//! complainant in full (`privacy::disclosure`), masked in every list row;
//! every full read is recorded in the access log (`access-<request id>`,
//! read with `GET /audit/complaints/{id}/access`) before it is answered; the
//! tracking code is masked in every staff view.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::{
    AccessedView, CaseRef, ServiceRequestDecider, ServiceRequestId, ServiceStatus, Timestamp,
};
use markaz_projections::{ServiceFilter, ServiceRequestView};
use markaz_store::command_loop::load;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Authorized, ReadPerformance, ReadServiceRequests};
use super::case_steps::{visible_for_view, with_etag};
use super::privacy::{
    disclosure, display_cnic, mask_cnic, mask_phone, mask_tracking_code, Disclosure,
};
use super::problem::{FieldError, Problem};
use super::query_params::{look_up, parse_local_time, query_problem, wait_for, ApiPath, ApiQuery};
use super::service_requests::{parse_service_request_id, service_request_not_found};
use super::state::AppState;
use crate::audit::access_log::CaseShown;
use crate::commands::{service_visible, CommandFailure};
use crate::officers::Principal;
use crate::timeline::{service_event_data, timeline_entry};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/service-requests", get(list))
        .route("/service-requests/{id}", get(one))
        .route("/service-requests/{id}/timeline", get(timeline))
        .route("/service-requests/{id}/document", get(document))
        .route("/service-requests/{id}/document.pdf", get(document_pdf))
        .route("/service-performance", get(performance))
}

/// Public routes (no token).
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/services", get(services))
}

/// The service catalogue
#[utoipa::path(get, path = "/api/v1/services", tag = "public",
    responses(
        (status = 200, body = super::service_openapi::ServiceList),
        (status = 429, body = super::openapi::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64))),
    ))]
async fn services(State(state): State<AppState>) -> Json<Value> {
    let services: Vec<_> = state.services.iter().collect();
    Json(json!({ "services": services }))
}

/// Masks a person's phone, CNIC and address as `shown` says.
fn mask_person(person: &mut Value, shown: Disclosure) {
    let Some(person) = person.as_object_mut() else {
        return;
    };
    let full = shown == Disclosure::Full;
    if let Some(phone) = person.get("phone").and_then(Value::as_str) {
        let phone = if full {
            phone.to_owned()
        } else {
            mask_phone(phone)
        };
        person.insert("phone".into(), Value::from(phone));
    }
    if let Some(cnic) = person.get("cnic").and_then(Value::as_str) {
        let cnic = if full {
            display_cnic(cnic)
        } else {
            mask_cnic(cnic)
        };
        person.insert("cnic".into(), Value::from(cnic));
    }
    if !full && person.contains_key("address") {
        person.insert("address".into(), Value::Null);
    }
    person.insert("masked".into(), Value::Bool(!full));
}

/// Masks the personal values among a request's typed fields (CNICs,
/// phones and addresses: a landlord's or employer's too).
fn mask_fields(fields: &mut Value, shown: Disclosure) {
    if shown == Disclosure::Full {
        return;
    }
    for field in fields.as_array_mut().into_iter().flatten() {
        let masked = match (field["kind"].as_str(), field["value"].as_str()) {
            (Some("cnic"), Some(value)) => Value::from(mask_cnic(value)),
            (Some("phone"), Some(value)) => Value::from(mask_phone(value)),
            (Some("address"), Some(_)) => Value::Null,
            _ => continue,
        };
        field["value"] = masked;
    }
}

/// The staff JSON of a request, with the applicant as `shown` says and the
/// tracking code masked.
pub fn staff_service_view(view: &ServiceRequestView, shown: Disclosure) -> Value {
    let mut value = serde_json::to_value(view).unwrap_or(Value::Null);
    value["tracking_code"] = Value::from(mask_tracking_code(&view.tracking_code));
    mask_person(&mut value["applicant"], shown);
    mask_fields(&mut value["fields"], shown);
    value
}

/// Masks the JSON of a `ServiceRequested` event for a timeline.
fn mask_service_event(event_type: &str, data: &mut Value, shown: Disclosure) {
    if event_type != "ServiceRequested" {
        return;
    }
    if let Some(code) = data["tracking_code"].as_str() {
        data["tracking_code"] = Value::from(mask_tracking_code(code));
    }
    mask_person(&mut data["applicant"], shown);
    mask_fields(&mut data["fields"], shown);
}

/// Records that `principal` is shown request `id` (if the rules ask for it:
/// an unmasked applicant), as a read of a service request.
async fn record(
    state: &AppState,
    principal: &Principal,
    what: AccessedView,
    id: uuid::Uuid,
    shown: Disclosure,
) -> Result<(), Problem> {
    let case = CaseShown {
        case: CaseRef::ServiceRequest(ServiceRequestId::from_uuid(id)),
        gender_desk: false,
        personal_data: shown == Disclosure::Full,
    };
    super::audit::record_shown(state, principal, what, case).await
}

fn unavailable(failure: CommandFailure) -> Problem {
    match failure {
        CommandFailure::NotFound => service_request_not_found(),
        other => super::command_errors::failure_problem(other),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinPosition {
    min_position: Option<u64>,
}

/// One service request (a full read of the applicant is access-logged)
#[utoipa::path(get, path = "/api/v1/service-requests/{id}", tag = "services",
    params(("id" = uuid::Uuid, Path), ("min_position" = Option<u64>, Query)),
    responses(
        (status = 200, body = ServiceRequestView, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn one(
    State(state): State<AppState>,
    auth: Authorized<ReadServiceRequests>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<MinPosition>,
) -> Result<Response, Problem> {
    let id = parse_service_request_id(&id)?;
    let case = visible_for_view(&state, &auth.principal, id, query.min_position).await?;
    let now = state.commands.now();
    let view = look_up(&state, || state.read_models.service_request(id, now))
        .await?
        .ok_or_else(service_request_not_found)?;
    let open = case.state.status.is_some_and(ServiceStatus::is_open);
    let shown = disclosure(&auth.principal, &view.markaz, open);
    record(
        &state,
        &auth.principal,
        AccessedView::CaseView,
        id.as_uuid(),
        shown,
    )
    .await?;
    Ok(with_etag(
        Json(staff_service_view(&view, shown)).into_response(),
        view.version,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    service: Option<String>,
    status: Option<String>,
    /// Auditors only: one markaz instead of all.
    markaz: Option<String>,
    limit: Option<usize>,
    min_position: Option<u64>,
}

/// List service requests, newest first (applicants always masked)
#[utoipa::path(get, path = "/api/v1/service-requests", tag = "services",
    params(
        ("service" = Option<String>, Query),
        ("status" = Option<String>, Query),
        ("markaz" = Option<String>, Query, description = "Auditors only"),
        ("limit" = Option<u32>, Query, description = "1..=500, default 50"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = super::service_openapi::ServiceRequestPage),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    auth: Authorized<ReadServiceRequests>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, Problem> {
    let principal = &auth.principal;
    let mut errors = Vec::new();
    if let Some(status) = &query.status {
        if ServiceStatus::parse(status).is_none() {
            let known: Vec<&str> = ServiceStatus::ALL.iter().map(|s| s.as_str()).collect();
            errors.push(FieldError::new(
                "status",
                format!("unknown status: use one of {}", known.join(", ")),
            ));
        }
    }
    let limit = query.limit.unwrap_or(50);
    if !(1..=markaz_projections::services::MAX_LIST).contains(&limit) {
        errors.push(FieldError::new("limit", "must be between 1 and 500"));
    }
    let markaz = super::gender_desk::scope(principal, query.markaz.as_deref(), &mut errors)
        .map(|code| code.as_str().to_owned());
    if !errors.is_empty() {
        return Err(Problem::invalid_query(errors));
    }
    wait_for(&state, query.min_position).await?;
    let filter = ServiceFilter {
        markaz,
        service: query.service,
        status: query.status,
    };
    let rows = state
        .read_models
        .list_service_requests(filter, limit, state.commands.now())
        .await
        .map_err(query_problem)?;
    // List rows are masked for every role; nothing unmasked, nothing to record.
    let items: Vec<Value> = rows
        .iter()
        .filter(|view| super::privacy::may_see(principal, &view.markaz, false))
        .map(|view| staff_service_view(view, Disclosure::Masked))
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// A service request's events
#[utoipa::path(get, path = "/api/v1/service-requests/{id}/timeline", tag = "services",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = super::openapi::Timeline),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn timeline(
    State(state): State<AppState>,
    auth: Authorized<ReadServiceRequests>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, Problem> {
    let id = parse_service_request_id(&id)?;
    let loaded = load::<ServiceRequestDecider>(state.store.as_ref(), &id.stream_name())
        .await
        .map_err(|error| unavailable(error.into()))?;
    let request = &loaded.state;
    let markaz = request
        .markaz
        .as_ref()
        .filter(|_| service_visible(request, &auth.principal))
        .ok_or_else(service_request_not_found)?;
    let open = request.status.is_some_and(ServiceStatus::is_open);
    let shown = disclosure(&auth.principal, markaz.as_str(), open);
    record(
        &state,
        &auth.principal,
        AccessedView::Timeline,
        id.as_uuid(),
        shown,
    )
    .await?;
    let events: Vec<Value> = loaded
        .events
        .iter()
        .map(|decoded| {
            let mut data = service_event_data(decoded);
            mask_service_event(&decoded.recorded.event_type, &mut data, shown);
            timeline_entry(decoded, &state.officers, data)
        })
        .collect();
    Ok(Json(json!({ "id": id.to_string(), "events": events })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerformanceQuery {
    /// First local day (`YYYY-MM-DD`) or instant (RFC 3339), inclusive.
    from: String,
    /// Last local day or instant, inclusive.
    to: String,
    markaz: Option<String>,
    min_position: Option<u64>,
}

/// Performance per service over a range of local days
#[utoipa::path(get, path = "/api/v1/service-performance", tag = "performance",
    params(
        ("from" = String, Query, description = "YYYY-MM-DD (local day) or RFC 3339, inclusive"),
        ("to" = String, Query, description = "YYYY-MM-DD (local day) or RFC 3339, inclusive"),
        ("markaz" = Option<String>, Query, description = "Auditors only"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = super::service_openapi::ServicePerformanceReport),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn performance(
    State(state): State<AppState>,
    auth: Authorized<ReadPerformance>,
    ApiQuery(query): ApiQuery<PerformanceQuery>,
) -> Result<Json<Value>, Problem> {
    let mut errors = Vec::new();
    let markaz = super::gender_desk::scope(&auth.principal, query.markaz.as_deref(), &mut errors);
    let zone = match &markaz {
        Some(markaz) => state.config.calendar.zone_of(markaz.as_str()),
        None => state.config.calendar.default_zone(),
    };
    let from = parse_local_time("from", &query.from, false, zone, &mut errors);
    let to = parse_local_time("to", &query.to, true, zone, &mut errors);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.push(FieldError::new("to", "must not be before `from`"));
        }
    }
    let (Some(from), Some(to), true) = (from, to, errors.is_empty()) else {
        return Err(Problem::invalid_query(errors));
    };
    wait_for(&state, query.min_position).await?;
    // `to` is the last microsecond of its day: the range is half-open.
    let to = Timestamp::from_micros(to.as_micros().saturating_add(1));
    let report = state
        .read_models
        .service_performance(from, to, markaz.map(|code| code.as_str().to_owned()))
        .await
        .map_err(query_problem)?;
    Ok(Json(json!({
        "from": from.to_rfc3339(),
        "to": to.to_rfc3339(),
        "services": report.services,
    })))
}

/// The document in force of a request, as both printable forms show it.
struct Printable {
    document: markaz_projections::IssuedDocument,
    /// The English name of what the service issues (the title).
    issues: String,
    /// The origin the verification address is on.
    origin: String,
}

/// Loads the document in force of request `id` for `auth`'s officer: 404 if
/// the officer may not see the request, 409 if nothing is issued yet. The
/// read is recorded in the request's access log (`document_print`) before
/// anything is shown: the paper names the holder.
async fn printable(
    state: &AppState,
    auth: &Authorized<ReadServiceRequests>,
    id: &str,
    headers: &HeaderMap,
) -> Result<Printable, Problem> {
    let id = parse_service_request_id(id)?;
    let case = load::<ServiceRequestDecider>(state.store.as_ref(), &id.stream_name())
        .await
        .map_err(|error| unavailable(error.into()))?;
    if !service_visible(&case.state, &auth.principal) {
        return Err(service_request_not_found());
    }
    let Some(number) = &case.state.document else {
        return Err(Problem::conflict(
            "not_issued",
            "no document has been issued for this request: issue it first",
        ));
    };
    wait_for(state, Some(case.last_position)).await?;
    let document = look_up(state, || state.read_models.issued_document(number.as_str()))
        .await?
        .ok_or_else(service_request_not_found)?;
    let origin = match &state.config.public_url {
        Some(url) => url.clone(),
        None => crate::web::receipt_qr::request_origin(headers)?,
    };
    let issues = case
        .state
        .service
        .as_ref()
        .and_then(|code| state.services.get(code))
        .map_or(document.service_name_en.clone(), |service| {
            service.issues_en.clone()
        });
    record(
        state,
        &auth.principal,
        AccessedView::DocumentPrint,
        id.as_uuid(),
        Disclosure::Full,
    )
    .await?;
    Ok(Printable {
        document,
        issues,
        origin,
    })
}

// The printable view of the document in force of a request (HTML).
/// The printable document in force, with its verification QR code (HTML)
#[utoipa::path(get, path = "/api/v1/service-requests/{id}/document", tag = "services",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "text/html", body = String),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::openapi::Problem, content_type = "application/problem+json", description = "Nothing issued yet"),
    ),
    security(("bearer" = [])))]
async fn document(
    State(state): State<AppState>,
    auth: Authorized<ReadServiceRequests>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Printable {
        document,
        issues,
        origin,
    } = printable(&state, &auth, &id, &headers).await?;
    let page = crate::web::service_document::print_view(&document, &issues, &origin);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page.into_string(),
    )
        .into_response())
}

// The PDF of the document in force of a request: the same content, rules
// and access logging as the HTML view.
/// The document in force as an A4 PDF/A-2b file (same content, QR code and
/// rules as the printable view; the read is access-logged)
#[utoipa::path(get, path = "/api/v1/service-requests/{id}/document.pdf", tag = "services",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::openapi::Problem, content_type = "application/problem+json", description = "Nothing issued yet"),
    ),
    security(("bearer" = [])))]
async fn document_pdf(
    State(state): State<AppState>,
    auth: Authorized<ReadServiceRequests>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Printable {
        document,
        issues,
        origin,
    } = printable(&state, &auth, &id, &headers).await?;
    let url = crate::web::service_document::verification_url(&origin, &document);
    // Laying out and subsetting the fonts takes a few milliseconds of CPU:
    // off the async workers.
    let number = document.number.clone();
    let pdf = tokio::task::spawn_blocking(move || {
        crate::documents::pdf::render(&document, &issues, &url)
    })
    .await
    .map_err(|error| Problem::internal(&error))?
    .map_err(|error| Problem::internal(&error))?;
    let disposition = format!("inline; filename=\"{number}.pdf\"");
    let disposition =
        HeaderValue::from_str(&disposition).unwrap_or_else(|_| HeaderValue::from_static("inline"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}
