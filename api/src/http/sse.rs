//! `GET /api/v1/events`: Server-Sent Events of new events the caller may see.
//!
//! The stream follows the store's live feed (not the read models, which lag),
//! so a dashboard sees a change as soon as it is durable. Each message's `id`
//! is the event's global position: a client that reconnects with
//! `Last-Event-ID` (browsers do this on their own) or `?after=N` resumes
//! right after it, with no gap and no duplicate. Without either the stream
//! starts at the current end of the log.
//!
//! A start beyond the end of the log is refused (400): nothing could be sent
//! until the log got there, and a revocation before it would go unseen.
//!
//! Streams are capped in all and per officer (`stream_limits`); beyond the
//! cap the request is answered 503 with `Retry-After`.
//!
//! The stream ends when the caller's token is revoked or expires, or the
//! server shuts down. A revocation is seen in the same feed, so no event after it reaches
//! the caller; the officer directory is also asked about the caller before
//! every event and every `REVOCATION_CHECK_EVERY`, which catches a revocation
//! the feed does not carry (one made before the stream's start position).
//!
//! Only complaint events are sent, and only those of cases the caller may see
//! (`privacy::may_see`: markaz scoping, gender-desk cases hidden from `desk`).
//! A case's markaz is fixed when it is filed; it becomes a gender-desk case
//! when filed as one or referred to the gender desk, and stays one. Events the
//! stream replays (up to the end of the log when it started) are judged by the
//! case as it is now, like every other endpoint judges them: a case since
//! referred to the gender desk is hidden from `desk` from its filing on. Live
//! events are judged by the case as it is when they happen. The scope is read
//! once per case and cached for the connection, then kept up to date from the
//! referrals it sees.
//! Messages carry no personal data: no complainant, description, location or
//! free-text note, reason or summary; only what a dashboard counts (type,
//! status, category, referral target, outcome, stars, deadlines).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::{Stream, StreamExt};
use markaz_domain::codec::{decode, DomainEvent};
use markaz_domain::values::ReferralKind;
use markaz_domain::{evolve, ComplaintEvent, ComplaintId, ComplaintState};
use markaz_store::{EventFeed, EventStore, RecordedEvent, StoreError};
use serde_json::{json, Value};
use tokio::sync::watch;

use super::auth::{Authorized, ReadComplaints};
use super::privacy::may_see;
use super::problem::Problem;
use super::state::AppState;
use super::stream_limits::StreamSlot;
use crate::metrics::SseClientGuard;
use crate::officers::{OfficerDirectory, Principal};
use crate::timeline::actor_json;

/// How often a comment line keeps idle connections (and proxies) open.
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(15);
/// How long a client waits before reconnecting after the stream ends.
const RECONNECT_AFTER: Duration = Duration::from_secs(2);
/// Cases remembered per connection before the cache is emptied.
const CACHE_LIMIT: usize = 50_000;
/// How often an idle stream asks the officer directory whether the caller's
/// token is still valid.
const REVOCATION_CHECK_EVERY: Duration = Duration::from_secs(1);

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

/// Where the stream starts: `Last-Event-ID` wins over `?after=`.
fn start_position(parts: &Parts) -> Result<Option<u64>, Problem> {
    if let Some(value) = parts.headers.get("last-event-id") {
        return value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| {
                Problem::bad_request(
                    "Last-Event-ID must be the id of an event this stream sent (a position)",
                )
            });
    }
    let query = parts.uri.query().unwrap_or_default();
    let mut after = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name != "after" || after.is_some() {
            return Err(Problem::bad_request(format!(
                "unknown or repeated query parameter `{name}`: the only one is `after`, once"
            )));
        }
        after = Some(value.parse::<u64>().map_err(|_| {
            Problem::bad_request("`after` must be a global position (a whole number)")
        })?);
    }
    Ok(after)
}

/// Server-Sent Events of new events the caller may see (no personal data)
#[utoipa::path(get, path = "/api/v1/events", tag = "complaints",
    params(
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event id (a global position)"),
        ("after" = Option<u64>, Query, description = "Like Last-Event-ID, for clients that cannot set headers"),
    ),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
            description = "`id:` the global position, `event:` the event type, `data:` JSON with \
                           position, complaint_id, version, type, occurred_at, actor, markaz, \
                           category, gender_desk, status and non-personal data; comment lines keep \
                           the connection alive"),
        (status = 400, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn events(
    State(state): State<AppState>,
    auth: Authorized<ReadComplaints>,
    request: axum::extract::Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let slot = match state.streams.open(auth.principal.officer_id) {
        Ok(slot) => slot,
        Err(problem) => return problem.into_response(),
    };
    let asked = match start_position(&parts) {
        Ok(asked) => asked,
        Err(problem) => return problem.into_response(),
    };
    let head = match state.store.head_position().await {
        Ok(head) => head,
        Err(error) => return store_problem(error).into_response(),
    };
    let start = match asked {
        Some(position) if position > head => {
            return Problem::bad_request(format!(
                "position {position} is beyond the end of the log ({head}): resume from an id \
                 this stream sent, or connect without one to start at the end"
            ))
            .into_response()
        }
        Some(position) => position,
        None => head,
    };
    let feed = match state.store.subscribe_all(start).await {
        Ok(feed) => feed,
        Err(error) => return store_problem(error).into_response(),
    };
    let mut revocation_check = tokio::time::interval(REVOCATION_CHECK_EVERY);
    revocation_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let follower = Follower {
        feed,
        store: Arc::clone(&state.store),
        officers: Arc::clone(&state.officers),
        own_stream: auth.principal.officer_id.stream_name(),
        principal: auth.principal,
        replay_until: head,
        cases: HashMap::new(),
        stop: state.shutdown.clone(),
        revocation_check,
        _client: state.metrics.sse_client(),
        _slot: slot,
    };
    Sse::new(follower.into_stream())
        .keep_alive(
            KeepAlive::new()
                .interval(KEEP_ALIVE_EVERY)
                .text("keep-alive"),
        )
        .into_response()
}

fn store_problem(error: StoreError) -> Problem {
    match error {
        StoreError::Unavailable(detail) => {
            Problem::unavailable(format!("the event store is unavailable: {detail}"), 1)
        }
        other => Problem::internal(&other),
    }
}

/// What visibility needs to know about a case: set at filing, except that a
/// referral to the gender desk makes it a gender-desk case from then on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CaseScope {
    markaz: String,
    gender_desk: bool,
    category: String,
}

/// One client's position in the feed.
struct Follower {
    feed: EventFeed,
    store: Arc<dyn EventStore>,
    officers: Arc<OfficerDirectory>,
    principal: Principal,
    /// The caller's own officer stream, watched for a revocation.
    own_stream: String,
    /// The end of the log when the stream started: events up to it are
    /// replayed history, later ones live.
    replay_until: u64,
    cases: HashMap<ComplaintId, Option<CaseScope>>,
    stop: watch::Receiver<bool>,
    revocation_check: tokio::time::Interval,
    _client: SseClientGuard,
    _slot: StreamSlot,
}

/// What the next step of a follower produced.
enum Step {
    Send(Event),
    /// The stream ends (shutdown or a failed feed), after this last message.
    End(Option<Event>),
}

impl Follower {
    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> + Send {
        futures::stream::unfold(Some(self), |follower| async move {
            let mut follower = follower?;
            match follower.next_event().await {
                Step::Send(event) => Some((Ok(event), Some(follower))),
                Step::End(Some(event)) => Some((Ok(event), None)),
                Step::End(None) => None,
            }
        })
    }

    async fn next_event(&mut self) -> Step {
        loop {
            let next = tokio::select! {
                next = self.feed.next() => Some(next),
                _ = self.stop.wait_for(|stopping| *stopping) => return Step::End(None),
                _ = self.revocation_check.tick() => None,
            };
            let Some(next) = next else {
                if !self.caller_is_active() {
                    return Step::End(Some(revoked()));
                }
                continue;
            };
            let recorded = match next {
                Some(Ok(recorded)) => recorded,
                Some(Err(error)) => {
                    tracing::warn!(%error, "event stream: the store feed failed");
                    return Step::End(Some(feed_failed()));
                }
                None => return Step::End(Some(feed_failed())),
            };
            if (recorded.stream == self.own_stream && recorded.event_type == "OfficerRevoked")
                || !self.caller_is_active()
            {
                // The token was revoked: the stream ends here, and a
                // reconnection is refused (401).
                return Step::End(Some(revoked()));
            }
            match self.visible_message(&recorded).await {
                Ok(Some(event)) => return Step::Send(event),
                Ok(None) => continue,
                Err(error) => {
                    tracing::warn!(%error, position = recorded.position, "event stream: cannot read a case");
                    return Step::End(Some(feed_failed()));
                }
            }
        }
    }

    /// Whether the officer directory still holds the caller's token valid.
    fn caller_is_active(&self) -> bool {
        self.officers.is_active(self.principal.officer_id)
    }

    /// The message for `recorded` if it is a complaint event the caller may see.
    async fn visible_message(
        &mut self,
        recorded: &RecordedEvent,
    ) -> Result<Option<Event>, StoreError> {
        let Some(id) = ComplaintId::from_stream_name(&recorded.stream) else {
            return Ok(None);
        };
        let Ok(DomainEvent::Complaint(event)) = decode(
            &recorded.event_type,
            recorded.schema_version,
            &recorded.payload,
        ) else {
            // Not a complaint event, or one this build cannot read: the
            // projections report undecodable events; a dashboard can skip it.
            return Ok(None);
        };
        let Some(scope) = self.scope(id, recorded, &event).await? else {
            return Ok(None);
        };
        if !may_see(&self.principal, &scope.markaz, scope.gender_desk) {
            return Ok(None);
        }
        let message = message(id, recorded, &event, &scope);
        Ok(Some(
            Event::default()
                .id(recorded.position.to_string())
                .event(recorded.event_type.as_str())
                .data(message.to_string()),
        ))
    }

    async fn scope(
        &mut self,
        id: ComplaintId,
        recorded: &RecordedEvent,
        event: &ComplaintEvent,
    ) -> Result<Option<CaseScope>, StoreError> {
        if let Some(scope) = self.cases.get_mut(&id) {
            if let (Some(scope), ComplaintEvent::Referred(referred)) = (scope.as_mut(), event) {
                scope.gender_desk |= referred.kind == ReferralKind::GenderDesk;
            }
            return Ok(scope.clone());
        }
        let scope = match event {
            // Replayed history: the case as it is now decides.
            _ if recorded.position <= self.replay_until => {
                scope_at(self.store.as_ref(), &recorded.stream, u64::MAX).await?
            }
            ComplaintEvent::Filed(filed) => Some(scope_of(filed)),
            // Joining a case midway: its history up to this event decides.
            _ => scope_at(self.store.as_ref(), &recorded.stream, recorded.version).await?,
        };
        if self.cases.len() >= CACHE_LIMIT {
            self.cases.clear();
        }
        self.cases.insert(id, scope.clone());
        Ok(scope)
    }
}

/// The scope of a case folded from its events up to `version` (`u64::MAX`:
/// all of them).
async fn scope_at(
    store: &dyn EventStore,
    stream: &str,
    version: u64,
) -> Result<Option<CaseScope>, StoreError> {
    let limit = usize::try_from(version).unwrap_or(usize::MAX);
    let mut state = ComplaintState::default();
    for recorded in store.read_stream(stream, 1, limit).await? {
        let Ok(DomainEvent::Complaint(event)) = decode(
            &recorded.event_type,
            recorded.schema_version,
            &recorded.payload,
        ) else {
            return Ok(None);
        };
        state = evolve(state, &event, recorded.metadata.occurred_at);
    }
    Ok(match (state.markaz, state.category) {
        (Some(markaz), Some(category)) => Some(CaseScope {
            markaz: markaz.as_str().to_owned(),
            gender_desk: state.gender_desk,
            category: category.as_str().to_owned(),
        }),
        _ => None,
    })
}

fn scope_of(filed: &markaz_domain::ComplaintFiled) -> CaseScope {
    CaseScope {
        markaz: filed.markaz.as_str().to_owned(),
        gender_desk: filed.gender_desk,
        category: filed.category.as_str().to_owned(),
    }
}

/// Tells the client to reconnect (with `Last-Event-ID`) a little later.
fn feed_failed() -> Event {
    Event::default()
        .event("reconnect")
        .retry(RECONNECT_AFTER)
        .data(r#"{"detail":"the event feed was interrupted: reconnect to resume"}"#)
}

/// The last message to a caller whose token was revoked.
fn revoked() -> Event {
    Event::default()
        .event("revoked")
        .data(r#"{"detail":"your token was revoked: the stream ends here"}"#)
}

/// The status an event leaves the case in, if it sets one.
fn status_after(event: &ComplaintEvent) -> Option<&'static str> {
    match event {
        ComplaintEvent::Filed(_) => Some("filed"),
        ComplaintEvent::Acknowledged(_) | ComplaintEvent::Reopened(_) => Some("acknowledged"),
        ComplaintEvent::Referred(_) => Some("referred"),
        ComplaintEvent::Resolved(_) => Some("resolved"),
        ComplaintEvent::Withdrawn(_) => Some("withdrawn"),
        ComplaintEvent::Rated(_)
        | ComplaintEvent::DeadlineReminder(_)
        | ComplaintEvent::DeadlineMissed(_)
        | ComplaintEvent::Escalated(_) => None,
    }
}

/// The fields of an event a dashboard may see: nothing personal, no free text.
fn dashboard_data(event: &ComplaintEvent) -> Value {
    match event {
        ComplaintEvent::Filed(filed) => json!({
            "channel": filed.channel.as_str(),
            "non_cognizable": filed.non_cognizable,
            "acknowledge_by": filed.acknowledge_by.to_rfc3339(),
            "resolve_by": filed.resolve_by.to_rfc3339(),
        }),
        ComplaintEvent::Referred(referred) => json!({
            "to": referred.to.as_str(),
            "kind": referred.kind.as_str(),
        }),
        ComplaintEvent::Resolved(resolved) => json!({ "outcome": resolved.outcome.as_str() }),
        ComplaintEvent::Rated(rated) => json!({ "stars": rated.stars.stars() }),
        ComplaintEvent::DeadlineReminder(step) => json!({
            "deadline": step.deadline.as_str(),
            "due_at": step.due_at.to_rfc3339(),
        }),
        ComplaintEvent::DeadlineMissed(step) => json!({
            "deadline": step.deadline.as_str(),
            "due_at": step.due_at.to_rfc3339(),
        }),
        ComplaintEvent::Escalated(step) => json!({
            "deadline": step.deadline.as_str(),
            "due_at": step.due_at.to_rfc3339(),
            "level": step.level.as_str(),
        }),
        ComplaintEvent::Acknowledged(_)
        | ComplaintEvent::Reopened(_)
        | ComplaintEvent::Withdrawn(_) => json!({}),
    }
}

fn message(
    id: ComplaintId,
    recorded: &RecordedEvent,
    event: &ComplaintEvent,
    scope: &CaseScope,
) -> Value {
    json!({
        "position": recorded.position,
        "complaint_id": id.to_string(),
        "version": recorded.version,
        "type": recorded.event_type,
        "occurred_at": recorded.metadata.occurred_at.to_rfc3339(),
        "actor": actor_json(&recorded.metadata.actor, None),
        "markaz": scope.markaz,
        "category": scope.category,
        "gender_desk": scope.gender_desk,
        "status": status_after(event),
        "data": dashboard_data(event),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, last_event_id: Option<&str>) -> Parts {
        let mut request = axum::http::Request::builder().uri(uri);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn last_event_id_wins_over_after_and_bad_values_are_refused() {
        assert_eq!(start_position(&parts("/events", None)).unwrap(), None);
        assert_eq!(
            start_position(&parts("/events?after=7", None)).unwrap(),
            Some(7)
        );
        assert_eq!(
            start_position(&parts("/events?after=7", Some("42"))).unwrap(),
            Some(42)
        );
        assert!(start_position(&parts("/events", Some("x"))).is_err());
        assert!(start_position(&parts("/events?after=-1", None)).is_err());
        assert!(start_position(&parts("/events?since=1", None)).is_err());
    }

    #[test]
    fn rating_sets_no_status_and_reopening_returns_to_acknowledged() {
        let rated = ComplaintEvent::Rated(markaz_domain::ComplaintRated {
            stars: markaz_domain::Rating::new(4).unwrap(),
            comment: Some(markaz_domain::ShortText::parse("call me on 03001234567").unwrap()),
        });
        assert_eq!(status_after(&rated), None);
        let data = dashboard_data(&rated);
        assert_eq!(
            data,
            json!({ "stars": 4 }),
            "the comment is free text and stays out"
        );
        let reopened = ComplaintEvent::Reopened(markaz_domain::ComplaintReopened {
            reason: markaz_domain::ShortText::parse("not fixed").unwrap(),
        });
        assert_eq!(status_after(&reopened), Some("acknowledged"));
        assert_eq!(dashboard_data(&reopened), json!({}));
    }
}
