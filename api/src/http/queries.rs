//! Staff queries: one complaint, lists, timelines; and the public catalogue.
//!
//! Status views and lists come from the read models (`min_position` waits for
//! them); timelines come from the event store itself. Every answer applies
//! the visibility and masking rules of `privacy`.

use axum::extract::State;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::ComplaintDecider;
use markaz_domain::{AccessedView, CaseRef, ComplaintStatus, Role};
use markaz_projections::{ComplaintFilter, ComplaintView};
use markaz_store::command_loop::load;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::auth::{Authorized, ReadComplaints};
use super::case_steps::{visible_for_view, with_etag};
use super::command_errors::failure_problem;
use super::complaints::{complaint_not_found, parse_complaint_id};
use super::privacy::{
    complainant_view, disclosure, mask_event_data, mask_tracking_code, may_see, Disclosure,
};
use super::problem::{FieldError, Problem};
use super::query_params::{look_up, parse_local_time, query_problem, wait_for, ApiPath, ApiQuery};
use super::state::AppState;
use crate::audit::access_log::CaseShown;
use crate::commands::visible;
use crate::officers::Principal;
use crate::timeline::{event_data, timeline_entry};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(list))
        .route("/complaints/escalated", get(escalated))
        .route("/complaints/{id}", get(one))
        .route("/complaints/{id}/timeline", get(timeline))
}

/// Public routes (no token).
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/categories", get(categories))
}

/// The category catalogue
#[utoipa::path(get, path = "/api/v1/categories", tag = "public",
    responses(
        (status = 200, body = super::openapi::CategoryList),
        (status = 429, body = super::openapi::Problem, content_type = "application/problem+json",
            description = "Too many requests from this address", headers(("Retry-After" = u64))),
    ))]
async fn categories(State(state): State<AppState>) -> Json<Value> {
    let categories: Vec<_> = state.catalogue.iter().collect();
    Json(json!({ "categories": categories }))
}

/// The staff view of a status view, with the complainant as `shown` says
/// and the tracking code masked (it is the citizen's credential).
pub fn staff_view(view: &ComplaintView, shown: Disclosure) -> ComplaintView {
    let person = &view.complainant;
    let complainant = complainant_view(
        &person.name,
        &person.gender,
        &person.phone,
        person.cnic.as_deref(),
        person.address.as_deref(),
        shown,
    );
    ComplaintView {
        complainant,
        tracking_code: mask_tracking_code(&view.tracking_code),
        ..view.clone()
    }
}

/// A page of `GET /complaints` (and `/complaints/escalated`).
#[derive(Serialize, ToSchema)]
pub struct ComplaintPage {
    /// Newest first; complainants masked for every role.
    pub items: Vec<ComplaintView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// How much of the complainant `principal` sees on the single-case view.
fn case_disclosure(view: &ComplaintView, principal: &Principal) -> Disclosure {
    let open = ComplaintStatus::parse(&view.status).is_some_and(ComplaintStatus::is_open);
    disclosure(principal, &view.markaz, open)
}

/// Whether `principal` may still see a listed case. The read models may
/// trail the log: a case referred to the gender desk a moment ago can still
/// be listed as a desk case. When they do trail it, a desk officer's row
/// whose version is not the stream's is judged on the stream itself. Only
/// the desk role depends on the gender-desk flag, which is all that changes.
async fn still_visible(
    state: &AppState,
    principal: &Principal,
    view: &ComplaintView,
) -> Result<bool, Problem> {
    let id = parse_complaint_id(&view.id)?;
    let stream = id.stream_name();
    let version = state.store.stream_version(&stream).await.map_err(|error| {
        Problem::unavailable(format!("the event store is unavailable: {error}"), 1)
    })?;
    if version == view.version {
        return Ok(true);
    }
    let case = load::<ComplaintDecider>(state.store.as_ref(), &stream)
        .await
        .map_err(|error| failure_problem(error.into()))?;
    Ok(visible(&case.state, principal))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinPosition {
    min_position: Option<u64>,
}

/// One complaint's status view
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints",
    params(
        ("id" = uuid::Uuid, Path),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = ComplaintView, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json", description = "No such complaint, or not visible to the caller"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn one(
    State(state): State<AppState>,
    auth: Authorized<ReadComplaints>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<MinPosition>,
) -> Result<Response, Problem> {
    let id = parse_complaint_id(&id)?;
    visible_for_view(&state, &auth.principal, id, query.min_position).await?;
    let now = state.commands.now();
    let view = look_up(&state, || state.read_models.status_by_id(id, now))
        .await?
        .filter(|view| may_see(&auth.principal, &view.markaz, view.gender_desk))
        .ok_or_else(complaint_not_found)?;
    let shown = case_disclosure(&view, &auth.principal);
    super::audit::record_views(
        &state,
        &auth.principal,
        AccessedView::CaseView,
        [(&view, shown)],
    )
    .await?;
    Ok(with_etag(
        Json(staff_view(&view, shown)).into_response(),
        view.version,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    gender_desk: Option<bool>,
    /// `true`: only open cases escalated after a missed deadline.
    escalated: Option<bool>,
    filed_from: Option<String>,
    filed_to: Option<String>,
    /// Auditors only: one markaz instead of all.
    markaz: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    min_position: Option<u64>,
}

// `GET /complaints/escalated`: the open cases escalated after a missed
// deadline, newest first: the list with `escalated=true`.
/// The open cases escalated after a missed deadline, newest first
#[utoipa::path(get, path = "/api/v1/complaints/escalated", tag = "complaints",
    params(
        ("status" = Option<super::openapi::vocabulary::Status>, Query),
        ("category" = Option<String>, Query),
        ("gender_desk" = Option<bool>, Query),
        ("markaz" = Option<String>, Query, description = "Auditors only; others see their own markaz"),
        ("limit" = Option<u32>, Query, description = "1..=500, default 50"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = ComplaintPage),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn escalated(
    state: State<AppState>,
    auth: Authorized<ReadComplaints>,
    ApiQuery(mut query): ApiQuery<ListQuery>,
) -> Result<Json<ComplaintPage>, Problem> {
    query.escalated = Some(true);
    list(state, auth, ApiQuery(query)).await
}

/// Largest page.
const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 50;

/// List complaints, newest first
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints",
    params(
        ("status" = Option<super::openapi::vocabulary::Status>, Query),
        ("category" = Option<String>, Query),
        ("gender_desk" = Option<bool>, Query),
        ("escalated" = Option<bool>, Query, description = "true: only open cases escalated after a missed deadline"),
        ("filed_from" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD"),
        ("filed_to" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD (inclusive day)"),
        ("markaz" = Option<String>, Query, description = "Auditors only; others see their own markaz"),
        ("limit" = Option<u32>, Query, description = "1..=500, default 50"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = ComplaintPage),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    auth: Authorized<ReadComplaints>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<ComplaintPage>, Problem> {
    let principal = &auth.principal;
    let mut errors = Vec::new();
    let status = query.status.as_deref().and_then(|text| {
        let parsed = ComplaintStatus::parse(text);
        if parsed.is_none() {
            errors.push(FieldError::new(
                "status",
                "unknown status: use filed, acknowledged, referred, resolved or withdrawn",
            ));
        }
        parsed
    });
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let markaz = super::gender_desk::scope(principal, query.markaz.as_deref(), &mut errors)
        .map(|code| code.as_str().to_owned());
    // Days are the local days of the markaz listed.
    let zone = match &markaz {
        Some(markaz) => state.config.calendar.zone_of(markaz),
        None => state.config.calendar.default_zone(),
    };
    let filed_from = query
        .filed_from
        .as_deref()
        .and_then(|text| parse_local_time("filed_from", text, false, zone, &mut errors));
    let filed_to = query
        .filed_to
        .as_deref()
        .and_then(|text| parse_local_time("filed_to", text, true, zone, &mut errors));
    if !errors.is_empty() {
        return Err(Problem::invalid_query(errors));
    }
    // Desk officers never see gender-desk cases: asking for them lists nothing.
    let gender_desk = match (principal.role, query.gender_desk) {
        (Role::Desk, Some(true)) => {
            return Ok(Json(ComplaintPage {
                items: Vec::new(),
                next_cursor: None,
            }));
        }
        (Role::Desk, _) => Some(false),
        (_, requested) => requested,
    };
    wait_for(&state, query.min_position).await?;
    let filter = ComplaintFilter {
        markaz,
        status,
        category: query.category,
        gender_desk,
        filed_from,
        filed_to,
        escalated: query.escalated,
    };
    // Asked before the query: if the read models hold the whole log now, the
    // rows read after hold it too.
    let trailing = principal.role == Role::Desk && read_models_trail(&state).await;
    let page = state
        .read_models
        .list_complaints(filter, limit, query.cursor, state.commands.now())
        .await
        .map_err(query_problem)?;
    // The filter already scopes the list; this keeps the rule in one place.
    let mut shown = Vec::with_capacity(page.items.len());
    for view in page
        .items
        .iter()
        .filter(|view| may_see(principal, &view.markaz, view.gender_desk))
    {
        if !trailing || still_visible(&state, principal, view).await? {
            shown.push(view);
        }
    }
    // List rows are masked for every role: a list must not be a way to
    // collect personal data in bulk. The single-case view shows what a role
    // may see in full, and records it.
    super::audit::record_views(
        &state,
        principal,
        AccessedView::Listing,
        shown.iter().map(|view| (*view, Disclosure::Masked)),
    )
    .await?;
    let items = shown
        .into_iter()
        .map(|view| staff_view(view, Disclosure::Masked))
        .collect();
    Ok(Json(ComplaintPage {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Whether the read models have yet to apply some of the log.
async fn read_models_trail(state: &AppState) -> bool {
    match state.store.head_position().await {
        Ok(head) => state.projections.position() < head,
        // Cannot tell: judge each row on its stream.
        Err(_) => true,
    }
}

/// A complaint's events
#[utoipa::path(get, path = "/api/v1/complaints/{id}/timeline", tag = "complaints",
    params(
        ("id" = uuid::Uuid, Path),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = super::openapi::Timeline),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn timeline(
    State(state): State<AppState>,
    auth: Authorized<ReadComplaints>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(_query): ApiQuery<MinPosition>,
) -> Result<Json<Value>, Problem> {
    let id = parse_complaint_id(&id)?;
    let loaded = load::<ComplaintDecider>(state.store.as_ref(), &id.stream_name())
        .await
        .map_err(|error| failure_problem(error.into()))?;
    let complaint = &loaded.state;
    let markaz = complaint
        .markaz
        .as_ref()
        .filter(|markaz| may_see(&auth.principal, markaz.as_str(), complaint.gender_desk))
        .ok_or_else(complaint_not_found)?;
    let open = complaint.status.is_some_and(ComplaintStatus::is_open);
    let shown = disclosure(&auth.principal, markaz.as_str(), open);
    let case = CaseShown {
        case: CaseRef::Complaint(id),
        gender_desk: complaint.gender_desk,
        personal_data: shown == Disclosure::Full,
    };
    super::audit::record_shown(&state, &auth.principal, AccessedView::Timeline, case).await?;
    let events: Vec<Value> = loaded
        .events
        .iter()
        .map(|decoded| {
            let mut data = event_data(decoded);
            mask_event_data(&decoded.recorded.event_type, &mut data, shown);
            timeline_entry(decoded, &state.officers, data)
        })
        .collect();
    Ok(Json(json!({ "id": id.to_string(), "events": events })))
}
