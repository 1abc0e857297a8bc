//! Officer management for admins: register (the token is shown once), list,
//! revoke. The same operations as `markaz officers` on the command line, with
//! one separation of duties: over HTTP an admin may register only `desk` and
//! `supervisor` officers. The roles that read every confidential case or
//! manage officers (`auditor`, `gender_desk`, `admin`) are registered on the
//! server host with `markaz officers add`, so a stolen admin token cannot
//! mint itself a way into every case.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use markaz_domain::{Actor, MarkazCode, OfficerError, PersonName, Role, ShortText, Timestamp};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Authorized, ManageOfficers};
use super::body::ApiJson;
use super::problem::{FieldError, Problem};
use super::query_params::ApiPath;
use super::state::AppState;
use crate::commands::{NewOfficer, RegistryError};
use crate::officers::registry::parse_officer_id;
use crate::officers::{OfficerRecord, Principal};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/officers", get(list).post(register))
        .route("/officers/{id}/revocation", post(revoke))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    name: String,
    role: String,
    #[serde(default)]
    markaz: Option<String>,
    /// When the token stops working (RFC 3339, in the future); none: never.
    #[serde(default)]
    expires_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    #[serde(default)]
    reason: Option<String>,
}

/// An officer as listed (never the token or its hash).
pub fn officer_json(officer: &OfficerRecord) -> Value {
    json!({
        "id": officer.id.to_string(),
        "name": officer.name.as_str(),
        "role": officer.role.as_str(),
        "markaz": officer.markaz.as_ref().map(|m| m.as_str()),
        "registered_at": officer.registered_at.to_rfc3339(),
        "revoked_at": officer.revoked_at.map(|at| at.to_rfc3339()),
        "expires_at": officer.expires_at.map(|at| at.to_rfc3339()),
        "active": officer.is_active(),
    })
}

fn actor(principal: &Principal) -> Actor {
    Actor::Officer {
        id: principal.officer_id,
        role: principal.role,
    }
}

/// Maps a refused or failed officer command to its problem answer.
pub fn registry_problem(error: RegistryError) -> Problem {
    match error {
        RegistryError::Refused(OfficerError::NotFound) => {
            Problem::not_found("no officer has this id: check it with GET /api/v1/officers")
        }
        RegistryError::Refused(refused @ OfficerError::MarkazRequired { .. }) => {
            Problem::validation(vec![FieldError::new("markaz", refused.to_string())])
        }
        RegistryError::Refused(OfficerError::NotAllowed { reason }) => Problem::forbidden(reason),
        RegistryError::Refused(refused) => Problem::conflict(refused.code(), refused.to_string()),
        other => Problem::internal(&other),
    }
}

/// The roles an admin may register over HTTP.
fn may_register_over_http(role: Role) -> bool {
    matches!(role, Role::Desk | Role::Supervisor)
}

/// Register an officer (admin); the token is shown once
#[utoipa::path(post, path = "/api/v1/officers", tag = "officers",
    request_body = super::openapi::RegisterOfficerBody,
    responses(
        (status = 201, body = super::openapi::RegisteredOfficer),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json", description = "Not an admin, or a role (auditor, gender_desk, admin) registered only with the CLI on the server host"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn register(
    State(state): State<AppState>,
    auth: Authorized<ManageOfficers>,
    body: ApiJson<RegisterBody>,
) -> Result<Response, Problem> {
    let body = body.value;
    let mut errors = Vec::new();
    let name = PersonName::parse_input(&body.name)
        .map_err(|error| errors.push(FieldError::new("name", error.message())))
        .ok();
    let role = Role::parse(&body.role);
    if role.is_none() {
        errors.push(FieldError::new(
            "role",
            "unknown role: use desk, gender_desk, supervisor, auditor or admin",
        ));
    }
    let markaz = match body.markaz.as_deref().map(MarkazCode::parse) {
        None => Some(None),
        Some(Ok(code)) => Some(Some(code)),
        Some(Err(error)) => {
            errors.push(FieldError::new("markaz", error.message()));
            None
        }
    };
    let now = state.commands.now();
    let expires_at = match body.expires_at.as_deref() {
        None => Some(None),
        Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(at) if Timestamp::from_datetime(at.to_utc()) > now => {
                Some(Some(Timestamp::from_datetime(at.to_utc())))
            }
            Ok(_) => {
                errors.push(FieldError::new(
                    "expires_at",
                    "is not in the future: give a later time, or leave it out for a token that \
                     does not expire",
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(
                    "expires_at",
                    "not a time: give an RFC 3339 time, e.g. 2026-12-31T23:59:59Z",
                ));
                None
            }
        },
    };
    let (Some(name), Some(role), Some(markaz), Some(expires_at)) = (name, role, markaz, expires_at)
    else {
        return Err(Problem::validation(errors));
    };
    if !may_register_over_http(role) {
        return Err(Problem::forbidden(format!(
            "a {role} officer is registered on the server host with `markaz officers add`, \
             not over HTTP: here an admin may register desk and supervisor officers"
        )));
    }
    let officer = NewOfficer { name, role, markaz };
    let registered = state
        .commands
        .register_officer(officer, expires_at, actor(&auth.principal))
        .await
        .map_err(registry_problem)?;
    state
        .officers
        .catch_up()
        .await
        .map_err(|error| Problem::internal(&error))?;
    let body = json!({
        "id": registered.id.to_string(),
        "token": registered.token,
        "position": registered.position,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Every officer (admin)
#[utoipa::path(get, path = "/api/v1/officers", tag = "officers",
    responses(
        (status = 200, body = super::openapi::OfficerList),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    _auth: Authorized<ManageOfficers>,
) -> Result<Json<Value>, Problem> {
    // Include officers registered by another process a moment ago.
    state
        .officers
        .catch_up()
        .await
        .map_err(|error| Problem::internal(&error))?;
    let officers: Vec<Value> = state.officers.list().iter().map(officer_json).collect();
    Ok(Json(json!({ "officers": officers })))
}

/// Revoke an officer's token for good (admin)
#[utoipa::path(post, path = "/api/v1/officers/{id}/revocation", tag = "officers",
    params(("id" = uuid::Uuid, Path)),
    request_body(content = super::openapi::RevokeBody, description = "May be empty"),
    responses(
        (status = 200, body = super::openapi::RevokedOfficer),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::openapi::Problem, content_type = "application/problem+json", description = "The reason is invalid (empty, too long or with control characters)"),
    ),
    security(("bearer" = [])))]
async fn revoke(
    State(state): State<AppState>,
    auth: Authorized<ManageOfficers>,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<RevokeBody>,
) -> Result<Json<Value>, Problem> {
    let not_found =
        || Problem::not_found("no officer has this id: check it with GET /api/v1/officers");
    let id = parse_officer_id(&id).ok_or_else(not_found)?;
    let reason = match body.value.reason.as_deref().map(ShortText::parse_input) {
        None => None,
        Some(Ok(reason)) => Some(reason),
        Some(Err(error)) => {
            return Err(Problem::validation(vec![FieldError::new(
                "reason",
                error.message(),
            )]))
        }
    };
    let position = state
        .commands
        .revoke_officer(id, reason, actor(&auth.principal))
        .await
        .map_err(registry_problem)?;
    state
        .officers
        .catch_up()
        .await
        .map_err(|error| Problem::internal(&error))?;
    Ok(Json(json!({
        "id": id.to_string(),
        "active": false,
        "position": position,
    })))
}
