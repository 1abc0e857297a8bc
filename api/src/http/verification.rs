//! `GET /verify/{number}`: whether a printed document is one Markaz issued.
//!
//! Public and rate-limited like tracking (an unknown number costs from the
//! same small bucket as an unknown tracking code). The answer is the
//! document's content as issued (so a forged text does not match), whether
//! it still stands, was superseded (and by which number) or revoked, and the
//! hash of the issuing event; nothing beyond what is printed on the document
//! (the holder's CNIC only masked). With `?digest=`, the short digest the
//! document's QR code carries, it also says whether the printed content is
//! the content issued.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use markaz_domain::DocumentNumber;
use markaz_projections::IssuedDocument;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::problem::Problem;
use super::query_params::{look_up, wait_for, ApiPath, ApiQuery};
use super::state::AppState;

pub fn public_routes() -> Router<AppState> {
    Router::new().route("/verify/{number}", get(verify))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyQuery {
    /// The digest printed beside (and carried by) the document's QR code.
    digest: Option<String>,
    min_position: Option<u64>,
}

/// An issued document as the verification page shows it: its content as
/// issued, whether it stands, and whether the printed content matches.
#[derive(Serialize, ToSchema)]
pub struct VerifiedDocument {
    #[serde(flatten)]
    pub document: IssuedDocument,
    /// With `?digest=`: whether the printed content is the content issued.
    pub matches: Option<bool>,
}

fn unknown_document() -> Problem {
    Problem::not_found(
        "no document with this number was issued: check the number printed on the document",
    )
}

/// Verify an issued document by its number (and the digest its QR code carries)
#[utoipa::path(get, path = "/api/v1/verify/{number}", tag = "public",
    params(
        ("number" = String, Path, description = "The number printed on the document"),
        ("digest" = Option<String>, Query, description = "The content digest printed beside the QR code"),
        ("min_position" = Option<u64>, Query),
    ),
    responses(
        (status = 200, body = VerifiedDocument),
        (status = 404, body = super::openapi::Problem, content_type = "application/problem+json", description = "No document has this number"),
        (status = 429, body = super::openapi::Problem, content_type = "application/problem+json",
            description = "Too many requests, or too many unknown numbers, from this address", headers(("Retry-After" = u64))),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ))]
async fn verify(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
    ApiQuery(query): ApiQuery<VerifyQuery>,
) -> Result<Json<VerifiedDocument>, Problem> {
    let number = DocumentNumber::parse(&number).map_err(|error| {
        Problem::not_found(format!(
            "{}: check the number printed on the document",
            error.message()
        ))
    })?;
    wait_for(&state, query.min_position).await?;
    let document = look_up(&state, || {
        state.read_models.issued_document(number.as_str())
    })
    .await?
    .ok_or_else(unknown_document)?;
    let matches = query
        .digest
        .as_deref()
        .map(|digest| digest.trim().eq_ignore_ascii_case(&document.digest));
    Ok(Json(VerifiedDocument { document, matches }))
}
