//! `GET /performance`: figures per unit, officer, category or day over a
//! range of local days, for supervisors (their markaz) and auditors (any).
//! The answer names the time zone whose days it counts.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Days;
use markaz_domain::OfficerId;
use markaz_projections::{Calendar, GroupBy, PerformanceQuery};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Authorized, ReadPerformance};
use super::gender_desk::scope;
use super::problem::{FieldError, Problem};
use super::query_params::{parse_day, query_problem, wait_for, ApiQuery};
use super::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/performance", get(performance))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerformanceParams {
    /// First local day, inclusive; default 29 days before `to`.
    from: Option<String>,
    /// Last local day, inclusive; default today (in the markaz's zone).
    to: Option<String>,
    by: Option<String>,
    /// Auditors only: one markaz instead of all.
    markaz: Option<String>,
    min_position: Option<u64>,
}

/// The longest range one query may cover.
const MAX_DAYS: u64 = 3_660;

/// Performance figures per group (supervisor, auditor)
#[utoipa::path(get, path = "/api/v1/performance", tag = "performance",
    params(
        ("from" = Option<String>, Query, description = "First local day, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "Last local day, YYYY-MM-DD"),
        ("by" = Option<String>, Query, description = "unit, officer, category or day"),
        ("markaz" = Option<String>, Query, description = "Auditors only"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = super::openapi::Performance),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn performance(
    State(state): State<AppState>,
    auth: Authorized<ReadPerformance>,
    ApiQuery(params): ApiQuery<PerformanceParams>,
) -> Result<Json<Value>, Problem> {
    let mut errors = Vec::new();
    let markaz = scope(&auth.principal, params.markaz.as_deref(), &mut errors);
    let zone = match &markaz {
        Some(markaz) => state.config.calendar.zone_of(markaz.as_str()),
        None => state.config.calendar.default_zone(),
    };
    let now = state.commands.now();
    let to = match &params.to {
        Some(text) => parse_day("to", text, &mut errors),
        None => Some(Calendar::today(zone, now)),
    };
    let from = match (&params.from, to) {
        (Some(text), _) => parse_day("from", text, &mut errors),
        (None, Some(to)) => to.checked_sub_days(Days::new(29)),
        (None, None) => None,
    };
    let group_by = match params.by.as_deref().unwrap_or("unit") {
        "unit" => Some(GroupBy::Unit),
        "officer" => Some(GroupBy::Officer),
        "category" => Some(GroupBy::Category),
        "day" => Some(GroupBy::Day),
        _ => {
            errors.push(FieldError::new(
                "by",
                "unknown grouping: use unit, officer, category or day",
            ));
            None
        }
    };
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.push(FieldError::new("from", "must not be after `to`"));
        } else if (to - from).num_days() as u64 > MAX_DAYS {
            errors.push(FieldError::new(
                "from",
                format!("the range may cover at most {MAX_DAYS} days: narrow it"),
            ));
        }
    }
    let (Some(from), Some(to), Some(group_by), true) = (from, to, group_by, errors.is_empty())
    else {
        return Err(Problem::invalid_query(errors));
    };
    wait_for(&state, params.min_position).await?;
    let query = PerformanceQuery {
        from,
        to,
        group_by,
        markaz: markaz.clone(),
    };
    let report = state
        .read_models
        .performance(query, now)
        .await
        .map_err(query_problem)?;
    let groups: Vec<Value> = report
        .rows
        .iter()
        .map(|row| {
            let mut value = serde_json::to_value(row).unwrap_or(Value::Null);
            if group_by == GroupBy::Officer {
                let name = uuid::Uuid::parse_str(&row.group)
                    .ok()
                    .and_then(|id| state.officers.get(OfficerId(id)))
                    .map(|officer| officer.name.as_str().to_owned());
                value["officer_name"] = json!(name);
            }
            value
        })
        .collect();
    Ok(Json(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "by": params.by.as_deref().unwrap_or("unit"),
        "markaz": markaz.as_ref().map(|m| m.as_str()),
        "time_zone": report.time_zone,
        "time_zones": report.time_zones,
        "groups": groups,
    })))
}
