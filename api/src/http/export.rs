//! `GET /api/v1/audit/export`: every event as JSON Lines, in global order,
//! for auditors.
//!
//! The body is streamed page by page as the log is read, never held whole in
//! memory, and ends at the head the log had when the request arrived (the
//! same snapshot rule as `markaz export`). `?from=POS` starts after a global
//! position, for incremental exports. A failure before the first byte is a
//! problem+json answer; a failure in the middle ends the connection without
//! the final chunk, so a client cannot mistake a cut export for a whole one.
//!
//! The export stops (the connection ends without the final chunk) when the
//! caller's token is revoked while it runs: the officer directory is asked
//! before every page leaves.
//!
//! An export shows every complaint's personal data unmasked, so before each
//! page leaves, the access log records (as `export`) each complaint the page
//! shows personal data of (its filing), each gender-desk case it touches and
//! each service request whose applicant it shows (its request), as a read of
//! a service request: once per case per export, one event per page. Whether a case is a gender-desk case is
//! judged by the case as it is now (a case referred to the gender desk after
//! the exported events counts as one), as every other endpoint judges it.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::stream::{self, StreamExt};
use markaz_domain::codec::{decode, DomainEvent};
use markaz_domain::{
    AccessedView, CaseRef, ComplaintEvent, ComplaintId, ServiceEvent, ServiceRequestId,
};
use markaz_store::command_loop::{load, CommandError};
use markaz_store::transfer::jsonl;
use markaz_store::{EventStore, RecordedEvent, StoreError};
use serde::Deserialize;

use super::auth::{Audit, Authorized};
use super::problem::Problem;
use super::query_params::ApiQuery;
use super::state::AppState;
use crate::audit::access_log::{self, AccessLogError, CaseShown};
use crate::commands::Clock;
use crate::officers::{OfficerDirectory, Principal};
use markaz_domain::ComplaintDecider;

/// The media type of the answer.
pub const JSON_LINES: &str = "application/x-ndjson";

/// Streams whose events belong to a complaint.
const COMPLAINT_PREFIX: &str = "complaint-";

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit/export", get(export))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    /// Only events after this global position; 0 or absent for all.
    from: Option<u64>,
}

/// Why the export stopped midway.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("reading the log failed: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    AccessLog(#[from] AccessLogError),
    #[error("reading {stream} failed: {detail}")]
    Complaint { stream: String, detail: String },
    #[error("the exporting officer's token was revoked")]
    Revoked,
}

/// Every event as JSON Lines, streamed in global order (auditor)
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit",
    params(("from" = Option<u64>, Query, description = "Only events after this position")),
    responses(
        (status = 200, content_type = "application/x-ndjson", body = String, description = "One JSON object per line"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn export(
    State(state): State<AppState>,
    auth: Authorized<Audit>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, Problem> {
    // Reaching the store once before answering turns an unreachable store
    // into a 503 instead of a broken download.
    state.store.head_position().await.map_err(store_problem)?;
    let from = query.from.unwrap_or(0);
    tracing::info!(officer = %auth.principal.officer_id, from, "audit export started");
    let recorder = AccessRecorder {
        store: Arc::clone(&state.store),
        officers: Arc::clone(&state.officers),
        clock: Arc::clone(state.commands.clock()),
        principal: auth.principal,
        seen: HashSet::new(),
    };
    let pages = jsonl::export_pages(Arc::clone(&state.store), from);
    let chunks = stream::unfold(Some((pages, recorder)), |running| async move {
        let (mut pages, mut recorder) = running?;
        let page = pages.next().await?;
        match recorder.lines_of(page).await {
            Ok(lines) => Some((Ok(lines), Some((pages, recorder)))),
            Err(error) => {
                tracing::error!(%error, "audit export stopped midway");
                Some((Err(error), None))
            }
        }
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_LINES));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"markaz-events.jsonl\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Records, once per complaint, what an export page shows of it.
struct AccessRecorder {
    store: Arc<dyn EventStore>,
    officers: Arc<OfficerDirectory>,
    /// The command layer's clock, which stamps the access records.
    clock: Arc<dyn Clock>,
    principal: Principal,
    /// Case streams already recorded, or found to need no record.
    seen: HashSet<String>,
}

impl AccessRecorder {
    /// Records the accesses `page` amounts to, then returns its lines.
    async fn lines_of(
        &mut self,
        page: Result<Vec<RecordedEvent>, StoreError>,
    ) -> Result<Vec<u8>, ExportError> {
        let page = page?;
        if !self.officers.is_active(self.principal.officer_id) {
            return Err(ExportError::Revoked);
        }
        let mut shown = Vec::new();
        for event in &page {
            if self.seen.contains(&event.stream) {
                continue;
            }
            // A service request's request holds the applicant's phone, CNIC
            // and address; its later events show none.
            if let Some(request) = ServiceRequestId::from_stream_name(&event.stream) {
                if is_request(event) {
                    self.seen.insert(event.stream.clone());
                    shown.push(CaseShown {
                        case: CaseRef::ServiceRequest(request),
                        gender_desk: false,
                        personal_data: true,
                    });
                }
                continue;
            }
            if !event.stream.starts_with(COMPLAINT_PREFIX) {
                continue;
            }
            // The filing holds the complainant's phone, CNIC and address; a
            // later event of a complaint filed before `from` shows none.
            let personal_data = is_filing(event);
            let case = self.case_now(&event.stream).await?;
            self.seen.insert(event.stream.clone());
            shown.extend(case.map(|case| CaseShown {
                personal_data,
                ..case
            }));
        }
        let now = self.clock.now();
        access_log::record_all(
            self.store.as_ref(),
            &self.principal,
            AccessedView::Export,
            shown,
            now,
        )
        .await?;
        Ok(jsonl::to_lines(&page))
    }

    /// The complaint of `stream` as it is now, without personal data marked
    /// yet; `None` for a stream that is not a complaint's.
    async fn case_now(&self, stream: &str) -> Result<Option<CaseShown>, ExportError> {
        let Some(complaint) = ComplaintId::from_stream_name(stream) else {
            return Ok(None);
        };
        let gender_desk = match load::<ComplaintDecider>(self.store.as_ref(), stream).await {
            Ok(loaded) => loaded.state.gender_desk,
            // An event this build cannot read does not stop the export (it
            // exports stored bytes); the read is then logged as one of a
            // gender-desk case, which errs on the side of a record.
            Err(CommandError::Decode { .. }) => true,
            Err(error) => {
                return Err(ExportError::Complaint {
                    stream: stream.to_owned(),
                    detail: error.to_string(),
                })
            }
        };
        Ok(Some(CaseShown {
            case: CaseRef::Complaint(complaint),
            gender_desk,
            personal_data: false,
        }))
    }
}

/// Whether `event` is the request that opens a service request.
fn is_request(event: &RecordedEvent) -> bool {
    matches!(
        decode(&event.event_type, event.schema_version, &event.payload),
        Ok(DomainEvent::Service(ServiceEvent::Requested(_)))
    )
}

/// Whether `event` is a complaint's filing.
fn is_filing(event: &RecordedEvent) -> bool {
    matches!(
        decode(&event.event_type, event.schema_version, &event.payload),
        Ok(DomainEvent::Complaint(ComplaintEvent::Filed(_)))
    )
}

fn store_problem(error: StoreError) -> Problem {
    match error {
        StoreError::Unavailable(detail) => Problem::unavailable(
            format!("the event store is unavailable: {detail}; retry shortly"),
            5,
        ),
        other => Problem::internal(&other),
    }
}
