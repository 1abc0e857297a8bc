//! The auditor's endpoints: a complaint as it stood at a past time or
//! version (`/audit/complaints/{id}`), its access log
//! (`/audit/complaints/{id}/access`) and verification of the log
//! (`/audit/verify`). The work is done in `crate::audit`; these handlers
//! parse, authorise and shape the answers.
//!
//! `record_views` and `record_shown` are the hooks the staff queries call to
//! put their reads in the access log before they answer.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::{AccessedView, ComplaintId};
use markaz_projections::ComplaintView;
use serde::Deserialize;
use serde_json::Value;

use super::auth::{Audit, Authorized};
use super::complaints::parse_complaint_id;
use super::privacy::Disclosure;
use super::problem::{FieldError, Problem};
use super::query_params::{now, parse_time, ApiPath, ApiQuery};
use crate::app::AppState;
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
            complaint: ComplaintId::from_uuid(id),
            gender_desk: view.gender_desk,
            personal_data: shown == Disclosure::Full,
        });
    }
    access_log::record_all(state.store.as_ref(), principal, what, cases, now())
        .await
        .map_err(access_problem)
}

/// Records that `principal` is shown one case (see `record_views`).
pub async fn record_shown(
    state: &AppState,
    principal: &Principal,
    what: AccessedView,
    case: CaseShown,
) -> Result<(), Problem> {
    access_log::record(state.store.as_ref(), principal, what, case, now())
        .await
        .map_err(access_problem)
}

/// `GET /audit/complaints/{id}?as_of=TIME|version=N`
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
        complaint: id,
        gender_desk: past.gender_desk_now,
        personal_data: true,
    };
    access_log::record(
        state.store.as_ref(),
        &auth.principal,
        AccessedView::AuditHistory,
        shown,
        now(),
    )
    .await
    .map_err(access_problem)?;
    Ok(Json(history::past_complaint_json(&past, &state.officers)))
}

/// `GET /audit/complaints/{id}/access`
async fn access(
    State(state): State<AppState>,
    _auth: Authorized<Audit>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, Problem> {
    let id = parse_complaint_id(&id)?;
    let entries = access_log::list(state.store.as_ref(), id)
        .await
        .map_err(access_problem)?;
    Ok(Json(access_log::entries_json(
        id,
        &entries,
        &state.officers,
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyQuery {
    stream: Option<String>,
}

/// `GET /audit/verify[?stream=S]`
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
