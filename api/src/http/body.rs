//! The JSON body extractor: every way a body can be wrong becomes problem+json.
//!
//! axum's own `Json` answers with plain text, so bodies are read as bytes here
//! (the 64 KiB limit applies while reading: 413) and parsed with serde_json.
//! Malformed JSON and a body that does not fit the expected shape (unknown
//! field, wrong type, missing field) are 400; valid shapes with invalid values
//! are left to each handler's validation, which answers 422 with `errors[]`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::problem::Problem;

/// The largest body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A parsed JSON body, with its bytes kept for the idempotency digest.
#[derive(Debug)]
pub struct ApiJson<T> {
    pub value: T,
    bytes: Bytes,
}

impl<T> ApiJson<T> {
    /// SHA-256 of the body re-serialized with sorted keys, so that the same
    /// JSON with other whitespace or key order counts as the same body.
    /// Computed on demand: only requests with an `Idempotency-Key` need it.
    pub fn digest(&self) -> [u8; 32] {
        let canonical = serde_json::from_slice::<serde_json::Value>(&self.bytes)
            .ok()
            .and_then(|tree| serde_json::to_vec(&tree).ok());
        match canonical {
            Some(canonical) => Sha256::digest(&canonical).into(),
            None => Sha256::digest(&self.bytes).into(),
        }
    }
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(bytes_rejection)?;
        if bytes.is_empty() {
            // Commands whose fields are all optional may be sent without a body.
            return parse(Bytes::from_static(b"{}"));
        }
        if !content_type.as_deref().is_some_and(is_json) {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        parse(bytes)
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse<T: DeserializeOwned>(bytes: Bytes) -> Result<ApiJson<T>, Problem> {
    if !is_object_without_lists(&bytes) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "The body does not have the expected fields",
            "send one JSON object with named fields; no field of this API takes a list",
        ));
    }
    match serde_json::from_slice::<T>(&bytes) {
        Ok(value) => Ok(ApiJson { value, bytes }),
        Err(error) if error.classify() == serde_json::error::Category::Data => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "The body does not have the expected fields",
            format!("{error}: see docs/api.md for the fields of this request"),
        )),
        Err(error) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body is not valid JSON",
            format!("{error}: send one JSON object"),
        )),
    }
}

/// Whether `bytes` start with a JSON object and hold no array outside
/// strings. serde also accepts a struct written as an array of its field
/// values, in field order and with no names to check: `["moved away"]` would
/// be read as a withdrawal's reason. No request body of this API has a list,
/// so arrays are refused before parsing. (Malformed JSON is left to the
/// parser, which says where it went wrong.)
fn is_object_without_lists(bytes: &[u8]) -> bool {
    let mut content = bytes.iter().skip_while(|byte| byte.is_ascii_whitespace());
    if content.clone().next().is_some_and(|&first| first != b'{') {
        return false;
    }
    let (mut in_string, mut escaped) = (false, false);
    for &byte in content.by_ref() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else if byte == b'[' {
            return false;
        }
    }
    true
}

fn bytes_rejection(rejection: BytesRejection) -> Problem {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "The body is too large",
            format!("bodies are limited to {BODY_LIMIT} bytes: shorten the request"),
        );
    }
    Problem::bad_request(format!(
        "the body could not be read: {}",
        rejection.body_text()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        #[allow(dead_code)]
        reason: String,
    }

    #[test]
    fn a_struct_written_as_a_list_is_refused() {
        // serde alone would read this as `Sample { reason: "moved away" }`.
        let listed = parse::<Sample>(Bytes::from_static(br#"["moved away"]"#));
        assert_eq!(listed.unwrap_err().code, "invalid_body");
        let nested = parse::<serde_json::Value>(Bytes::from_static(br#"{"a": {"b": [1]}}"#));
        assert_eq!(nested.unwrap_err().code, "invalid_body");
        // Brackets and escaped quotes inside strings are text.
        let text = parse::<Sample>(Bytes::from_static(br#" {"reason": "see [1] \"x[\""}"#));
        assert!(text.is_ok());
        let malformed = parse::<Sample>(Bytes::from_static(b"{\"reason\": "));
        assert_eq!(malformed.unwrap_err().code, "malformed_json");
    }

    #[test]
    fn same_json_in_another_layout_has_the_same_digest() {
        let a: ApiJson<serde_json::Value> = parse(Bytes::from_static(br#"{"a":1,"b":2}"#)).unwrap();
        let b: ApiJson<serde_json::Value> =
            parse(Bytes::from_static(b"{ \"b\": 2,\n \"a\": 1 }")).unwrap();
        assert_eq!(a.digest(), b.digest());
        let c: ApiJson<serde_json::Value> = parse(Bytes::from_static(br#"{"a":1,"b":3}"#)).unwrap();
        assert_ne!(a.digest(), c.digest());
    }

    #[test]
    fn malformed_and_misshapen_bodies_are_400() {
        let malformed = parse::<Sample>(Bytes::from_static(b"{\"reason\":")).unwrap_err();
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.code, "malformed_json");
        let unknown =
            parse::<Sample>(Bytes::from_static(br#"{"reason":"x","extra":1}"#)).unwrap_err();
        assert_eq!(unknown.code, "invalid_body");
        assert!(unknown.detail.contains("extra"), "{}", unknown.detail);
        let wrong_type = parse::<Sample>(Bytes::from_static(br#"{"reason":5}"#)).unwrap_err();
        assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn json_media_types_are_recognised() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
    }
}
