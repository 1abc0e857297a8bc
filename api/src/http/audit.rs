//! The auditor's endpoints: a complaint as it stood at a past time or
//! version (`/audit/complaints/{id}`), its access history
//! (`/audit/complaints/{id}/access`, read from the read models' index; the
//! service-request one shares `access_page`) and verification of the log
//! (`/audit/verify`). The work is done in `crate::audit`; these handlers
//! parse, authorise and shape the answers.
//!
//! `record_views` and `record_shown` are the hooks the staff queries call to
//! put their reads in the access log before they answer.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::{AccessedView, CaseRef, ComplaintId};
use markaz_projections::ComplaintView;
use serde::Deserialize;
use serde_json::Value;

use super::auth::{Audit, Authorized};
use super::complaints::parse_complaint_id;
use super::privacy::Disclosure;
use super::problem::{FieldError, Problem};
use super::query_params::{parse_time, query_problem, wait_for, ApiPath, ApiQuery};
use super::state::AppState;
use crate::audit::access_log::{self, AccessLogError, CaseShown};
use crate::audit::history::{self, HistoryError, PointInTime};
use crate::audit::verify;
use crate::officers::Principal;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit/complaints/{id}", get(complaint_at))
        .route("/audit/complaints/{id}/access", get(access))
        .route("/audit/verify", get(verify_log))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PointQuery {
    as_of: Option<String>,
    version: Option<u64>,
}

pub(crate) fn point(query: &PointQuery) -> Result<PointInTime, Problem> {
    let mut errors = Vec::new();
    let point = match (&query.as_of, query.version) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "as_of",
                "give either as_of or version, not both",
            ));
            None
        }
        (Some(text), None) => parse_time("as_of", text, true, &mut errors).map(PointInTime::AsOf),
        (None, Some(version)) => Some(PointInTime::Version(version)),
        (None, None) => Some(PointInTime::Latest),
    };
    match point {
        Some(point) if errors.is_empty() => Ok(point),
        _ => Err(Problem::invalid_query(errors)),
    }
}

fn history_problem(error: HistoryError) -> Problem {
    match error {
        HistoryError::NotFound(_) | HistoryError::NotYetFiled { .. } => {
            Problem::not_found(error.to_string())
        }
        HistoryError::NoSuchVersion { .. } => {
            Problem::invalid_query(vec![FieldError::new("version", error.to_string())])
        }
        HistoryError::Load(_) => Problem::internal(&error),
    }
}

pub(crate) fn access_problem(error: AccessLogError) -> Problem {
    match error {
        AccessLogError::Store(markaz_store::StoreError::Unavailable(_)) => {
            Problem::unavailable(error.to_string(), 1)
        }
        other => Problem::internal(&other),
    }
}

/// Records that `principal` is shown these status views, each with the
/// masking `privacy::disclosure` applies: gender-desk cases and views with
/// unmasked personal data go to the access log. Call it with the views
/// actually answered, before answering.
pub async fn record_views<'a>(
    state: &AppState,
    principal: &Principal,
    what: AccessedView,
    views: impl IntoIterator<Item = (&'a ComplaintView, Disclosure)>,
) -> Result<(), Problem> {
    let mut cases = Vec::new();
    for (view, shown) in views {
        let Ok(id) = uuid::Uuid::try_parse(&view.id) else {
            return Err(Problem::internal(&format!(
                "the read models hold a malformed complaint id `{}`",
                view.id
            )));
        };
        cases.push(CaseShown {
            case: CaseRef::Complaint(ComplaintId::from_uuid(id)),
            gender_desk: view.gender_desk,
            personal_data: shown == Disclosure::Full,
        });
    }
    access_log::record_all(
        state.store.as_ref(),
        principal,
        what,
        cases,
        state.commands.now(),
    )
    .await
    .map(|_| ())
    .map_err(access_problem)
}

/// Records that `principal` is shown one case (see `record_views`).
pub async fn record_shown(
    state: &AppState,
    principal: &Principal,
    what: AccessedView,
    case: CaseShown,
) -> Result<(), Problem> {
    access_log::record(
        state.store.as_ref(),
        principal,
        what,
        case,
        state.commands.now(),
    )
    .await
    .map(|_| ())
    .map_err(access_problem)
}

/// The complaint as it stood at a time or version, with its events (auditor)
#[utoipa::path(get, path = "/api/v1/audit/complaints/{id}", tag = "audit",
    params(
        ("id" = uuid::Uuid, Path),
        ("as_of" = Option<String>, Query, description = "RFC 3339 time"),
        ("version" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = super::openapi::PastComplaint),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn complaint_at(
    State(state): State<AppState>,
    auth: Authorized<Audit>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PointQuery>,
) -> Result<Json<Value>, Problem> {
    let id = parse_complaint_id(&id)?;
    let point = point(&query)?;
    let past = history::complaint_at(state.store.as_ref(), id, point)
        .await
        .map_err(history_problem)?;
    // The events carry the complainant unmasked: the read is recorded first,
    // as a read of a gender-desk case if the case is one now.
    let shown = CaseShown {
        case: CaseRef::Complaint(id),
        gender_desk: past.gender_desk_now,
        personal_data: true,
    };
    record_shown(&state, &auth.principal, AccessedView::AuditHistory, shown).await?;
    Ok(Json(history::past_complaint_json(&past, &state.officers)))
}

/// The page size of an access history unless `limit` says otherwise.
const ACCESS_PAGE_DEFAULT: u32 = 100;
/// The largest page of an access history one request may ask for.
const ACCESS_PAGE_MAX: u32 = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

// `GET /audit/complaints/{id}/access[?limit=N&cursor=C]`: a page of the
// history, oldest first; `next_cursor` continues it.
/// Who was shown a complaint, when, with or without personal data (auditor)
#[utoipa::path(get, path = "/api/v1/audit/complaints/{id}/access", tag = "audit",
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
    let id = parse_complaint_id(&id)?;
    access_page(&state, CaseRef::Complaint(id), &query).await
}

/// A page of the access history of `case` from the read models' index, once
/// they have applied the whole log as it stood when the request came in (so
/// every read recorded before it is there). The cursor is the log position
/// of the last entry of the previous page.
pub(crate) async fn access_page(
    state: &AppState,
    case: CaseRef,
    query: &AccessQuery,
) -> Result<Json<Value>, Problem> {
    let mut errors = Vec::new();
    let limit = query.limit.unwrap_or(ACCESS_PAGE_DEFAULT);
    if !(1..=ACCESS_PAGE_MAX).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            format!("must be between 1 and {ACCESS_PAGE_MAX}"),
        ));
    }
    let after = match query.cursor.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(position)) => position,
        Some(Err(_)) => {
            errors.push(FieldError::new(
                "cursor",
                "not a cursor of this history: give the next_cursor of the previous page",
            ));
            0
        }
    };
    if !errors.is_empty() {
        return Err(Problem::invalid_query(errors));
    }
    let head = state.store.head_position().await.map_err(|error| {
        tracing::warn!(%error, "access history: the event store does not answer");
        Problem::unavailable("the event store does not answer: retry shortly", 1)
    })?;
    wait_for(state, Some(head)).await?;
    let page = state
        .read_models
        .case_accesses(case, after, limit as usize)
        .await
        .map_err(query_problem)?;
    let next_cursor = page.next_after.map(|position| position.to_string());
    Ok(Json(access_log::entries_json(
        case,
        &page.entries,
        next_cursor,
        &state.officers,
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyQuery {
    stream: Option<String>,
}

/// Recompute the hash chains (auditor)
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    params(("stream" = Option<String>, Query, description = "One stream, e.g. complaint-<id>")),
    responses(
        (status = 200, body = super::openapi::Verification),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn verify_log(
    State(state): State<AppState>,
    _auth: Authorized<Audit>,
    ApiQuery(query): ApiQuery<VerifyQuery>,
) -> Result<Json<Value>, Problem> {
    let report = verify::verify(state.store.as_ref(), query.stream.as_deref(), None, &[])
        .await
        .map_err(|error| Problem::internal(&error))?;
    let decoding = verify::undecodable_events(state.store.as_ref(), query.stream.as_deref())
        .await
        .map_err(|error| Problem::internal(&error))?;
    // The server holds no list of trusted keys: `markaz audit verify
    // --public-key` authenticates the seals.
    Ok(Json(verify::report_json(&report, false, &decoding)))
}
