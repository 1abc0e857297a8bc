//! `Idempotency-Key`: the same key with the same request returns the first
//! answer again; the same key with another request is 422.
//!
//! The first answer (success or 4xx refusal) is recorded durably after the
//! command ran, and kept for `idempotency_store::RETENTION_MICROS` (7 days).
//! Requests with the same key run one at a time, so two copies sent at once
//! cannot both run. Should the answer go unrecorded (the process dying
//! between the append and the record, the client hanging up, the record
//! failing), the retry is still safe: the command id is derived from the
//! caller, the key and the request's digest, so the store's command loop finds
//! the events of that command already in the stream and returns their result
//! instead of deciding again. The digest is part of it so that, in that case,
//! a key wrongly reused for another request runs that request as its own
//! command rather than being answered with the first one's result (and the 422
//! for a reused key needs the record).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use markaz_domain::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::problem::{Problem, PROBLEM_JSON};
use super::state::AppState;
use crate::idempotency_store::StoredAnswer;
use crate::ids::time_ordered_uuid;

/// Longest accepted key.
const MAX_KEY_LEN: usize = 255;
/// Namespace of command ids derived from idempotency keys.
const COMMAND_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0001_8000_0000_0000_0002);

/// The optional `Idempotency-Key` header.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_LEN)
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters, \
                     e.g. a UUID"
                ))
            })?;
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

/// A command's answer in a form that can be stored and replayed.
#[derive(Clone, Debug)]
pub struct CommandAnswer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: Vec<u8>,
    pub problem: bool,
}

impl CommandAnswer {
    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Self {
        CommandAnswer {
            status,
            location: None,
            body: serde_json::to_vec(body).unwrap_or_default(),
            problem: false,
        }
    }

    pub fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    fn into_response_replayed(self, replayed: bool) -> Response {
        let content_type = if self.problem {
            PROBLEM_JSON
        } else {
            "application/json"
        };
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        if replayed {
            headers.insert(
                HeaderName::from_static("idempotent-replayed"),
                HeaderValue::from_static("true"),
            );
        }
        response
    }
}

impl From<Problem> for CommandAnswer {
    fn from(problem: Problem) -> Self {
        CommandAnswer {
            status: problem.status,
            location: None,
            body: problem.body_bytes(),
            problem: true,
        }
    }
}

impl IntoResponse for CommandAnswer {
    fn into_response(self) -> Response {
        self.into_response_replayed(false)
    }
}

/// The command id for a keyed request: the same for every retry of the same
/// request (path and canonical body, `digest`), another for another request.
pub fn command_id_for(caller: &str, key: &str, digest: &[u8; 32]) -> Uuid {
    let mut name = Vec::with_capacity(caller.len() + key.len() + 2 + digest.len());
    name.extend_from_slice(caller.as_bytes());
    name.push(0);
    name.extend_from_slice(key.as_bytes());
    name.push(0);
    name.extend_from_slice(digest);
    Uuid::new_v5(&COMMAND_NAMESPACE, &name)
}

/// What identifies "the same request": the path and the canonical body.
pub fn request_digest(path: &str, body_digest: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body_digest);
    hasher.finalize().into()
}

/// The identity of a request on `path` sent with `If-Match: if_match`: the
/// precondition is part of the request, so a key reused with another
/// `If-Match` is another request (422), not a replay. Without one, the
/// identity is the path alone, as recorded before preconditions counted.
pub fn with_precondition(path: &str, if_match: Option<u64>) -> String {
    match if_match {
        Some(version) => format!("{path}\0if-match:{version}"),
        None => path.to_owned(),
    }
}

/// An `Idempotency-Key` with the digest of the request it came with.
pub struct Keyed {
    pub key: String,
    pub digest: [u8; 32],
}

impl Keyed {
    /// Pairs a key (if the request has one) with the request's identity;
    /// `body_digest` runs only when there is a key.
    pub fn of(
        key: Option<String>,
        path: &str,
        body_digest: impl FnOnce() -> [u8; 32],
    ) -> Option<Self> {
        key.map(|key| Keyed {
            key,
            digest: request_digest(path, &body_digest()),
        })
    }
}

/// Runs `command` at most once per (caller, key); see the module doc.
/// `command` receives the command id to use: derived from the key when there
/// is one (so a retry finds the events of its first attempt), otherwise fresh
/// and time-ordered (so the ids derived from it keep the store's indexes
/// growing at one end).
pub async fn run_once<F, Fut>(
    state: &AppState,
    caller: String,
    keyed: Option<Keyed>,
    command: F,
) -> Response
where
    F: FnOnce(Uuid) -> Fut,
    Fut: std::future::Future<Output = CommandAnswer>,
{
    let Some(Keyed { key, digest }) = keyed else {
        return match time_ordered_uuid() {
            Ok(command_id) => command(command_id).await.into_response(),
            Err(error) => Problem::internal(&error).into_response(),
        };
    };
    // Held from the look-up to the record: a copy of this request sent at the
    // same moment waits, then replays this answer or gets 422.
    let _one_at_a_time = state.idempotency.lock_key(&caller, &key).await;
    match state.idempotency.find(caller.clone(), key.clone()).await {
        Ok(Some(stored)) if stored.request_digest == digest => {
            return replay(stored);
        }
        Ok(Some(_)) => {
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "The idempotency key was used for another request",
                "this Idempotency-Key was first sent with a different request: \
                 use a new key for a new request",
            )
            .into_response();
        }
        Ok(None) => {}
        Err(error) => return Problem::internal(&error).into_response(),
    }
    let answer = command(command_id_for(&caller, &key, &digest)).await;
    if answer.status.is_server_error() {
        // Not an answer to remember: the retry should try again.
        return answer.into_response();
    }
    let stored = StoredAnswer {
        request_digest: digest,
        status: answer.status.as_u16(),
        location: answer.location.clone(),
        body: answer.body.clone(),
    };
    let now = Timestamp::from_datetime(chrono::Utc::now()).as_micros();
    if let Err(error) = state.idempotency.record(caller, key, stored, now).await {
        // The events are durable; a retry finds them through the command id.
        tracing::error!(%error, "cannot record an idempotency key");
    }
    answer.into_response()
}

fn replay(stored: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let problem = !status.is_success();
    CommandAnswer {
        status,
        location: stored.location,
        body: stored.body,
        problem,
    }
    .into_response_replayed(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_ids_depend_on_caller_key_and_request() {
        let (one, other) = ([1u8; 32], [2u8; 32]);
        let a = command_id_for("officer-1", "key-1", &one);
        assert_eq!(a, command_id_for("officer-1", "key-1", &one));
        assert_ne!(a, command_id_for("officer-2", "key-1", &one));
        assert_ne!(a, command_id_for("officer-1", "key-2", &one));
        assert_ne!(a, command_id_for("officer-1", "key-1", &other));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(
            command_id_for("ab", "c", &one),
            command_id_for("a", "bc", &one)
        );
    }

    #[test]
    fn if_match_is_part_of_the_request_identity() {
        let body = [1u8; 32];
        let path = "/api/v1/complaints/x/acknowledge";
        assert_eq!(with_precondition(path, None), path);
        assert_ne!(
            request_digest(&with_precondition(path, Some(1)), &body),
            request_digest(&with_precondition(path, Some(2)), &body)
        );
        assert_ne!(
            request_digest(&with_precondition(path, Some(1)), &body),
            request_digest(path, &body)
        );
    }

    #[test]
    fn the_path_is_part_of_the_request_identity() {
        let body = [1u8; 32];
        assert_ne!(
            request_digest("/api/v1/complaints/x/acknowledge", &body),
            request_digest("/api/v1/complaints/y/acknowledge", &body)
        );
    }
}
