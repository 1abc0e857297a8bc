//! Staff queries: one complaint, lists, timelines; and the public catalogue.
//!
//! Status views and lists come from the read models (`min_position` waits for
//! them); timelines come from the event store itself. Every answer applies
//! the visibility and masking rules of `privacy`.

use crate::aggregates::ComplaintAggregate;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::codec::{to_json, DomainEvent};
use markaz_domain::{AccessedView, Actor, ComplaintStatus, Role};
use markaz_projections::{ComplaintFilter, ComplaintView};
use markaz_store::command_loop::load;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Authorized, ReadComplaints};
use super::command_errors::command_problem;
use super::complaints::{complaint_not_found, parse_complaint_id};
use super::privacy::{complainant_view, disclosure, mask_event_data, may_see, Disclosure};
use super::problem::{FieldError, Problem};
use super::query_params::{
    look_up, now, parse_local_time, query_problem, wait_for, ApiPath, ApiQuery,
};
use crate::app::AppState;
use crate::audit::access_log::CaseShown;
use crate::officers::Principal;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(list))
        .route("/complaints/{id}", get(one))
        .route("/complaints/{id}/timeline", get(timeline))
}

/// Public routes (no token).
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/categories", get(categories))
}

async fn categories(State(state): State<AppState>) -> Json<Value> {
    let categories: Vec<_> = state.catalogue.iter().collect();
    Json(json!({ "categories": categories }))
}

/// The staff JSON of a status view, with the complainant as `principal` may see them.
pub fn staff_view(view: &ComplaintView, principal: &Principal) -> Value {
    let open = ComplaintStatus::parse(&view.status).is_some_and(ComplaintStatus::is_open);
    let person = &view.complainant;
    let complainant = complainant_view(
        &person.name,
        &person.gender,
        &person.phone,
        person.cnic.as_deref(),
        person.address.as_deref(),
        disclosure(principal, &view.markaz, open),
    );
    let mut value = serde_json::to_value(view).unwrap_or(Value::Null);
    value["complainant"] = serde_json::to_value(complainant).unwrap_or(Value::Null);
    value
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinPosition {
    min_position: Option<u64>,
}

async fn one(
    State(state): State<AppState>,
    auth: Authorized<ReadComplaints>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<MinPosition>,
) -> Result<Response, Problem> {
    let id = parse_complaint_id(&id)?;
    wait_for(&state, query.min_position).await?;
    let now = now();
    let view = look_up(&state, || state.read_models.status_by_id(id, now))
        .await?
        .filter(|view| may_see(&auth.principal, &view.markaz, view.gender_desk))
        .ok_or_else(complaint_not_found)?;
    super::audit::record_views(&state, &auth.principal, AccessedView::CaseView, [&view]).await?;
    let mut response = Json(staff_view(&view, &auth.principal)).into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", view.version)) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    gender_desk: Option<bool>,
    filed_from: Option<String>,
    filed_to: Option<String>,
    /// Auditors only: one markaz instead of all.
    markaz: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    min_position: Option<u64>,
}

/// Largest page.
const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 50;

async fn list(
    State(state): State<AppState>,
    auth: Authorized<ReadComplaints>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, Problem> {
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
            return Ok(Json(json!({ "items": [], "next_cursor": null })));
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
    };
    let page = state
        .read_models
        .list_complaints(filter, limit, query.cursor, now())
        .await
        .map_err(query_problem)?;
    // The filter already scopes the list; this keeps the rule in one place.
    let shown: Vec<_> = page
        .items
        .iter()
        .filter(|view| may_see(principal, &view.markaz, view.gender_desk))
        .collect();
    super::audit::record_views(
        &state,
        principal,
        AccessedView::Listing,
        shown.iter().copied(),
    )
    .await?;
    let items: Vec<Value> = shown
        .into_iter()
        .map(|view| staff_view(view, principal))
        .collect();
    Ok(Json(
        json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

async fn timeline(
    State(state): State<AppState>,
    auth: Authorized<ReadComplaints>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(_query): ApiQuery<MinPosition>,
) -> Result<Json<Value>, Problem> {
    let id = parse_complaint_id(&id)?;
    let loaded = load::<ComplaintAggregate>(state.store.as_ref(), &id.stream_name())
        .await
        .map_err(command_problem)?;
    let complaint = &loaded.state;
    let markaz = complaint
        .markaz
        .as_ref()
        .filter(|markaz| may_see(&auth.principal, markaz.as_str(), complaint.gender_desk))
        .ok_or_else(complaint_not_found)?;
    let open = complaint.status.is_some_and(ComplaintStatus::is_open);
    let shown = disclosure(&auth.principal, markaz.as_str(), open);
    let case = CaseShown {
        complaint: id,
        gender_desk: complaint.gender_desk,
        personal_data: shown == Disclosure::Full,
    };
    super::audit::record_shown(&state, &auth.principal, AccessedView::Timeline, case).await?;
    let events: Vec<Value> = loaded
        .events
        .iter()
        .map(|decoded| {
            let recorded = &decoded.recorded;
            let mut data = to_json(&DomainEvent::Complaint(decoded.event.clone()));
            mask_event_data(&recorded.event_type, &mut data, shown);
            json!({
                "version": recorded.version,
                "position": recorded.position,
                "type": recorded.event_type,
                "schema_version": recorded.schema_version,
                "occurred_at": recorded.metadata.occurred_at.to_rfc3339(),
                "actor": actor_json(&state, &recorded.metadata.actor),
                "data": data,
                "hash": hex::encode(recorded.hash),
            })
        })
        .collect();
    Ok(Json(json!({ "id": id.to_string(), "events": events })))
}

/// Who acted, with the officer's name for staff (never shown publicly).
pub fn actor_json(state: &AppState, actor: &Actor) -> Value {
    match actor {
        Actor::Officer { id, role } => json!({
            "kind": "officer",
            "id": id.to_string(),
            "role": role.as_str(),
            "name": state.officers.get(*id).map(|officer| officer.name.as_str().to_owned()),
        }),
        Actor::Citizen => json!({ "kind": "citizen" }),
        Actor::System => json!({ "kind": "system" }),
    }
}
