//! The complaint commands: filing, acknowledge, refer, resolve, reopen,
//! withdraw, and the citizen's rating through the tracking code.
//!
//! Commands are decided on the complaint's stream in the event store (not on
//! the read models, which may lag): the case must exist and be visible to the
//! caller, otherwise 404 (see `visible_complaint`). The rating alone finds its
//! complaint through the read models, by tracking code.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use markaz_domain::{
    derived_id, event_id_for, Actor, ComplaintAction, ComplaintCommand, ComplaintEvent,
    ComplaintFiled, ComplaintId, ComplaintState, DomainError, EventMetadata, FileComplaint,
    MarkazCode, Timestamp, TrackingCode,
};
use markaz_store::command_loop::{handle_command, Aggregate, CommandError, CommandMeta};
use markaz_store::hash_chain::{chain_hash, GENESIS_HASH};
use markaz_store::{EventStore, ExpectedVersion, NewEvent, StoreError};
use serde_json::json;
use uuid::Uuid;

use super::auth::{ActOnComplaints, Authorized, FileComplaints};
use super::body::ApiJson;
use super::command_errors::{command_problem, guarded_problem, loop_problem};
use super::complaint_input::{
    AcknowledgeBody, FileBody, RateBody, ReasonBody, ReferBody, ResolveBody, ValidFiling,
};
use super::idempotency::{run_once, CommandAnswer, IdempotencyKey, Keyed};
use super::if_match::IfMatch;
use super::problem::Problem;
use super::query_params::{look_up, ApiPath};
use super::tracking::{parse_code, unknown_tracking_code};
use super::visible_complaint::{GuardedCommand, VisibleComplaint};
use crate::aggregates::ComplaintAggregate;
use crate::app::AppState;
use crate::ids::random_u64;
use crate::officers::Principal;

/// Namespace of complaint ids derived from command ids.
const COMPLAINT_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0002_8000_0000_0000_0003);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", post(file))
        .route("/complaints/{id}/acknowledge", post(acknowledge))
        .route("/complaints/{id}/referrals", post(refer))
        .route("/complaints/{id}/resolution", post(resolve))
        .route("/complaints/{id}/reopen", post(reopen))
        .route("/complaints/{id}/withdrawal", post(withdraw))
}

/// Public routes (no token): the citizen's rating.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/track/{code}/rating", post(rate))
}

/// Parses a complaint id from the path; anything else names no complaint.
pub fn parse_complaint_id(text: &str) -> Result<ComplaintId, Problem> {
    Uuid::parse_str(text)
        .map(ComplaintId::from_uuid)
        .map_err(|_| complaint_not_found())
}

pub fn complaint_not_found() -> Problem {
    Problem::not_found("no complaint with this id is visible to you: check the id")
}

fn now() -> Timestamp {
    Timestamp::from_datetime(chrono::Utc::now())
}

fn officer_actor(principal: &Principal) -> Actor {
    Actor::Officer {
        id: principal.officer_id,
        role: principal.role,
    }
}

fn meta(command_id: Uuid, at: Timestamp, actor: Actor) -> CommandMeta {
    CommandMeta {
        command_id,
        at,
        actor,
        correlation_id: command_id,
        causation_id: command_id,
    }
}

fn caller_of(principal: &Principal) -> String {
    format!("officer:{}", principal.officer_id)
}

async fn file(
    State(state): State<AppState>,
    auth: Authorized<FileComplaints>,
    IdempotencyKey(key): IdempotencyKey,
    OriginalUri(uri): OriginalUri,
    body: ApiJson<FileBody>,
) -> Response {
    let valid = match body.value.validate(&state.catalogue) {
        Ok(valid) => valid,
        Err(problem) => return problem.into_response(),
    };
    let principal = auth.principal;
    let Some(markaz) = principal.markaz.clone() else {
        return Problem::forbidden("an officer without a markaz may not file complaints")
            .into_response();
    };
    let keyed = Keyed::of(key, uri.path(), || body.digest());
    // Only a keyed request reuses a command id (and so event ids) of an
    // earlier request; without a key the command id is fresh.
    let may_be_retry = keyed.is_some();
    let caller = caller_of(&principal);
    let store = state.store.clone();
    run_once(&state, caller, keyed, |command_id| async move {
        let filing = Filing {
            command_id,
            may_be_retry,
        };
        file_once(store.as_ref(), &principal, markaz, valid, filing)
            .await
            .unwrap_or_else(CommandAnswer::from)
    })
    .await
}

/// The 201 answer to a filing (`FilingAnswer` in the contract), serialised
/// straight from its fields.
#[derive(serde::Serialize)]
struct FilingReceipt<'a> {
    id: String,
    tracking_code: &'a str,
    status: &'static str,
    gender_desk: bool,
    acknowledge_by: String,
    resolve_by: String,
    version: u64,
    position: u64,
    receipt_hash: String,
}

/// The command id of a filing, and whether an earlier request may have used it.
struct Filing {
    command_id: Uuid,
    may_be_retry: bool,
}

/// Files one complaint with ids derived from its command id.
async fn file_once(
    store: &dyn EventStore,
    principal: &Principal,
    markaz: MarkazCode,
    valid: ValidFiling,
    filing: Filing,
) -> Result<CommandAnswer, Problem> {
    let Filing {
        command_id,
        may_be_retry,
    } = filing;
    let complaint_id = ComplaintId::from_uuid(derived_id(
        &COMPLAINT_NAMESPACE,
        command_id,
        command_id.as_bytes(),
    ));
    let random = random_u64().map_err(|error| Problem::internal(&error))?;
    let filing = FileComplaint {
        complaint_id,
        tracking_code: TrackingCode::from_random(&markaz, random),
        markaz,
        category: valid.category,
        complainant: valid.complainant,
        description: valid.description,
        location: valid.location,
        channel: valid.channel,
        gender_desk_requested: valid.gender_desk_requested,
    };
    let at = now();
    let actor = officer_actor(principal);
    let command = ComplaintCommand {
        command_id,
        at,
        actor: actor.clone(),
        action: ComplaintAction::File(filing),
    };
    let stream = complaint_id.stream_name();
    let appended = append_filing(
        store,
        &stream,
        &command,
        &meta(command_id, at, actor),
        may_be_retry,
    )
    .await
    .map_err(command_problem)?;
    // The answer describes the first event as stored, and the receipt is its
    // hash-chain value. A retried key gets its original complaint, read back.
    let (filed, receipt_hash, version, position) = match appended {
        AppendedFiling::New {
            filed,
            hash,
            version,
            position,
        } => (*filed, hash, version, position),
        AppendedFiling::Existing { version, position } => {
            let (filed, hash) = stored_filing(store, &stream).await?;
            (filed, hash, version, position)
        }
    };
    let body = FilingReceipt {
        id: complaint_id.to_string(),
        tracking_code: filed.tracking_code.as_str(),
        status: "filed",
        gender_desk: filed.gender_desk,
        acknowledge_by: filed.acknowledge_by.to_rfc3339(),
        resolve_by: filed.resolve_by.to_rfc3339(),
        version,
        position,
        receipt_hash: hex::encode(receipt_hash),
    };
    Ok(CommandAnswer::json(StatusCode::CREATED, &body)
        .with_location(format!("/api/v1/complaints/{complaint_id}")))
}

/// The `ComplaintFiled` event of a complaint stream and its hash, as stored.
async fn stored_filing(
    store: &dyn EventStore,
    stream: &str,
) -> Result<(ComplaintFiled, [u8; 32]), Problem> {
    let first = store
        .read_stream(stream, 1, 1)
        .await
        .map_err(|error| Problem::internal(&error))?
        .into_iter()
        .next()
        .ok_or_else(|| Problem::internal(&"the filed complaint's stream reads as empty"))?;
    match ComplaintAggregate::decode(&first) {
        Ok(ComplaintEvent::Filed(filed)) => Ok((filed, first.hash)),
        Ok(_) => Err(Problem::internal(
            &"a complaint stream starts without ComplaintFiled",
        )),
        Err(error) => Err(Problem::internal(&error)),
    }
}

/// What appending a filing stored.
enum AppendedFiling {
    /// The stream was new, so it now holds exactly the filing decided here, at
    /// version 1, with the hash the chain's rule gives it: nothing to read back.
    New {
        filed: Box<ComplaintFiled>,
        hash: [u8; 32],
        version: u64,
        position: u64,
    },
    /// The stream may hold an earlier filing of the same command (a retried
    /// `Idempotency-Key`, which the store acknowledges without writing again):
    /// its first event is the original filing and must be read from the store.
    Existing { version: u64, position: u64 },
}

/// Appends a filing and returns what was stored.
///
/// A new complaint's stream is empty, so the first attempt appends without
/// reading it. If the stream exists after all (a retried `Idempotency-Key`
/// whose complaint is already filed), the full command loop answers, and
/// finds the command's own events there. When `may_be_retry`, even a
/// successful append may be the store recognising the event ids of an earlier
/// one, so the filing is then read back rather than taken from this decision.
async fn append_filing(
    store: &dyn EventStore,
    stream: &str,
    command: &ComplaintCommand,
    meta: &CommandMeta,
    may_be_retry: bool,
) -> Result<AppendedFiling, CommandError<DomainError>> {
    let decided = ComplaintAggregate::decide(&ComplaintState::default(), command)
        .map_err(CommandError::Domain)?;
    let events: Vec<NewEvent> = decided
        .iter()
        .enumerate()
        .map(|(index, event)| {
            let (event_type, schema_version, payload) = ComplaintAggregate::encode(event);
            NewEvent {
                event_type,
                schema_version,
                payload,
                metadata: EventMetadata {
                    event_id: event_id_for(meta.command_id, index),
                    occurred_at: meta.at,
                    actor: meta.actor.clone(),
                    correlation_id: meta.correlation_id,
                    causation_id: meta.causation_id,
                },
            }
        })
        .collect();
    let first = match (decided.into_iter().next(), events.first()) {
        _ if may_be_retry => None,
        (Some(ComplaintEvent::Filed(filed)), Some(event)) => {
            Some((Box::new(filed), chain_hash(&GENESIS_HASH, stream, 1, event)))
        }
        _ => None,
    };
    match store
        .append(stream, ExpectedVersion::NoStream, events)
        .await
    {
        Ok(outcome) => match first {
            Some((filed, hash)) => Ok(AppendedFiling::New {
                filed,
                hash,
                version: outcome.version,
                position: outcome.position,
            }),
            // Possibly a retry, or (never expected) a filing that decides no
            // `ComplaintFiled` first: answer from what the store holds.
            None => Ok(AppendedFiling::Existing {
                version: outcome.version,
                position: outcome.position,
            }),
        },
        Err(StoreError::WrongExpectedVersion { .. }) => {
            let handled =
                handle_command::<ComplaintAggregate>(store, stream, command, meta, None).await?;
            Ok(AppendedFiling::Existing {
                version: handled.version,
                position: handled.position,
            })
        }
        Err(error) => Err(error.into()),
    }
}

/// Everything an officer's command on an existing complaint shares.
struct OfficerCommand {
    principal: Principal,
    id: String,
    keyed: Option<Keyed>,
    if_match: Option<u64>,
}

async fn act(state: AppState, request: OfficerCommand, action: ComplaintAction) -> Response {
    let id = match parse_complaint_id(&request.id) {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    let caller = caller_of(&request.principal);
    let principal = request.principal;
    let if_match = request.if_match;
    let shared = state.clone();
    run_once(&state, caller, request.keyed, |command_id| async move {
        act_once(&shared, &principal, id, action, if_match, command_id)
            .await
            .unwrap_or_else(CommandAnswer::from)
    })
    .await
}

async fn act_once(
    state: &AppState,
    principal: &Principal,
    id: ComplaintId,
    action: ComplaintAction,
    if_match: Option<u64>,
    command_id: Uuid,
) -> Result<CommandAnswer, Problem> {
    let at = now();
    let actor = officer_actor(principal);
    let guarded = GuardedCommand {
        command: ComplaintCommand {
            command_id,
            at,
            actor: actor.clone(),
            action,
        },
        principal: principal.clone(),
        // Checked inside the decision, after visibility (see `visible_complaint`).
        if_match,
    };
    let handled = handle_command::<VisibleComplaint>(
        state.store.as_ref(),
        &id.stream_name(),
        &guarded,
        &meta(command_id, at, actor),
        None,
    )
    .await
    .map_err(|error| loop_problem(error, guarded_problem))?;
    Ok(CommandAnswer::json(
        StatusCode::OK,
        &json!({
            "id": id.to_string(),
            "status": handled.state.status.map(|status| status.as_str()),
            "version": handled.version,
            "position": handled.position,
        }),
    ))
}

macro_rules! officer_command {
    ($name:ident, $body:ty, |$state:ident, $value:ident| $action:expr) => {
        async fn $name(
            State($state): State<AppState>,
            auth: Authorized<ActOnComplaints>,
            ApiPath(id): ApiPath<String>,
            IfMatch(if_match): IfMatch,
            IdempotencyKey(key): IdempotencyKey,
            OriginalUri(uri): OriginalUri,
            body: ApiJson<$body>,
        ) -> Response {
            let $value = &body.value;
            let action: Result<ComplaintAction, Problem> = $action;
            let action = match action {
                Ok(action) => action,
                Err(problem) => return problem.into_response(),
            };
            let request = OfficerCommand {
                principal: auth.principal,
                id,
                keyed: Keyed::of(key, uri.path(), || body.digest()),
                if_match,
            };
            act($state, request, action).await
        }
    };
}

officer_command!(acknowledge, AcknowledgeBody, |state, body| body.validate());
officer_command!(refer, ReferBody, |state, body| body.validate());
officer_command!(resolve, ResolveBody, |state, body| body.validate());
officer_command!(reopen, ReasonBody, |state, body| body.reason().map(
    |reason| {
        ComplaintAction::Reopen {
            reason,
            window_days: state.config.reopen_window_days,
        }
    }
));
officer_command!(withdraw, ReasonBody, |state, body| body
    .reason()
    .map(|reason| ComplaintAction::Withdraw { reason }));

async fn rate(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    body: ApiJson<RateBody>,
) -> Response {
    let action = match body.value.validate() {
        Ok(action) => action,
        Err(problem) => return problem.into_response(),
    };
    let code = match parse_code(&code) {
        Ok(code) => code,
        Err(problem) => return problem.into_response(),
    };
    let id = match complaint_with_code(&state, &code).await {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    // The canonical code, not the path as typed: a retry may spell it otherwise.
    let path = format!("/api/v1/track/{}/rating", code.as_str());
    let keyed = Keyed::of(key, &path, || body.digest());
    let caller = format!("citizen:{}", code.as_str());
    let store = state.store.clone();
    run_once(&state, caller, keyed, |command_id| async move {
        rate_once(store.as_ref(), id, &code, action, command_id)
            .await
            .unwrap_or_else(CommandAnswer::from)
    })
    .await
}

/// The complaint a tracking code names, from the read models.
async fn complaint_with_code(
    state: &AppState,
    code: &TrackingCode,
) -> Result<ComplaintId, Problem> {
    let now = now();
    let view = look_up(state, || {
        state.read_models.status_by_tracking_code(code, now)
    })
    .await?
    .ok_or_else(unknown_tracking_code)?;
    parse_complaint_id(&view.id)
}

/// Records one rating; the answer carries no personal data and no internal id.
async fn rate_once(
    store: &dyn EventStore,
    id: ComplaintId,
    code: &TrackingCode,
    action: ComplaintAction,
    command_id: Uuid,
) -> Result<CommandAnswer, Problem> {
    let at = now();
    let command = ComplaintCommand {
        command_id,
        at,
        actor: Actor::Citizen,
        action,
    };
    let handled = handle_command::<ComplaintAggregate>(
        store,
        &id.stream_name(),
        &command,
        &meta(command_id, at, Actor::Citizen),
        None,
    )
    .await
    .map_err(command_problem)?;
    Ok(CommandAnswer::json(
        StatusCode::OK,
        &json!({
            "tracking_code": code.as_str(),
            "status": handled.state.status.map(|status| status.as_str()),
            "rated": handled.state.rated,
            "version": handled.version,
            "position": handled.position,
        }),
    ))
}
