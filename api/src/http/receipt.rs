//! `POST /complaints/{id}/receipt`: a reprint of the citizen's receipt.
//!
//! The tracking code is the citizen's credential (it is all a rating needs),
//! so staff views show it masked; a counter officer who must hand a citizen
//! a lost receipt again asks for this reprint, which shows the full code and
//! the receipt hash and is recorded in the case's access log. It is a POST
//! because it is an act with a record, not a plain read. Everything comes
//! from the case's own stream: the filing event and its hash-chain value.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use markaz_domain::{AccessedView, CaseRef, ComplaintDecider, ComplaintEvent};
use markaz_store::command_loop::load;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{Authorized, ReprintReceipts};
use super::command_errors::failure_problem;
use super::complaints::{complaint_not_found, parse_complaint_id};
use super::problem::Problem;
use super::query_params::ApiPath;
use super::state::AppState;
use crate::audit::access_log::CaseShown;
use crate::commands::visible;

pub fn routes() -> Router<AppState> {
    Router::new().route("/complaints/{id}/receipt", post(reprint))
}

/// The receipt as printed at filing (`Receipt` in the contract).
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    #[schema(format = Uuid)]
    pub id: String,
    /// In full: this answer is for handing to the citizen.
    pub tracking_code: String,
    pub markaz: String,
    pub category: String,
    pub gender_desk: bool,
    #[schema(format = DateTime)]
    pub filed_at: String,
    #[schema(format = DateTime)]
    pub acknowledge_by: String,
    #[schema(format = DateTime)]
    pub resolve_by: String,
    /// The hash-chain value of the filing event, hex.
    pub receipt_hash: String,
}

/// Reprint a citizen's receipt, with the full tracking code (access-logged)
#[utoipa::path(post, path = "/api/v1/complaints/{id}/receipt", tag = "complaints",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Receipt),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json", description = "No such complaint, or not visible to the caller"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn reprint(
    State(state): State<AppState>,
    auth: Authorized<ReprintReceipts>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let id = parse_complaint_id(&id)?;
    let case = load::<ComplaintDecider>(state.store.as_ref(), &id.stream_name())
        .await
        .map_err(|error| failure_problem(error.into()))?;
    if !visible(&case.state, &auth.principal) {
        return Err(complaint_not_found());
    }
    let Some(first) = case.events.first() else {
        return Err(complaint_not_found());
    };
    let ComplaintEvent::Filed(filed) = &first.event else {
        return Err(Problem::internal(&format!(
            "complaint {id} does not start with ComplaintFiled"
        )));
    };
    // Recorded before it is shown: a reprint that cannot be recorded is refused.
    let shown = CaseShown {
        case: CaseRef::Complaint(id),
        gender_desk: case.state.gender_desk,
        personal_data: true,
    };
    super::audit::record_shown(&state, &auth.principal, AccessedView::ReceiptReprint, shown)
        .await?;
    let receipt = Receipt {
        id: id.to_string(),
        tracking_code: filed.tracking_code.as_str().to_owned(),
        markaz: filed.markaz.as_str().to_owned(),
        category: filed.category.as_str().to_owned(),
        gender_desk: filed.gender_desk,
        filed_at: first.recorded.metadata.occurred_at.to_rfc3339(),
        acknowledge_by: filed.acknowledge_by.to_rfc3339(),
        resolve_by: filed.resolve_by.to_rfc3339(),
        receipt_hash: hex::encode(first.recorded.hash),
    };
    let mut response = Json(receipt).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
