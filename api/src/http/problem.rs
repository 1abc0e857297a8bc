//! RFC 9457 problem details: the one shape of every error answer.
//!
//! `type` is a relative URI `/problems/<code>` (documented in docs/api.md), so
//! clients can switch on a stable code without parsing the human `detail`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One invalid field of a request body or query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error answer. Build one with the constructors, then return it.
#[derive(Clone, Debug)]
pub struct Problem {
    pub status: StatusCode,
    /// Stable snake_case code; the `type` URI ends with it.
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds, for 503 and 429 answers.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    problem_type: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            code,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// 400: the body or query does not fit the expected shape.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request is malformed",
            detail,
        )
    }

    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|error| format!("{}: {}", error.field, error.message))
            .collect::<Vec<_>>()
            .join("; ");
        Problem {
            errors,
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Some fields are invalid",
                detail,
            )
        }
    }

    /// 400 with one entry per invalid query parameter.
    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        Problem {
            code: "invalid_query",
            title: "Some query parameters are invalid",
            ..Problem::validation(errors)
        }
        .with_status(StatusCode::BAD_REQUEST)
    }

    fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn unauthorized() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            "send `Authorization: Bearer <token>` with a valid, unrevoked officer token",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not allowed for this role",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    /// 409: the lifecycle forbids the command; `code` says which rule.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::CONFLICT,
            code,
            "The complaint's lifecycle forbids this",
            detail,
        )
    }

    pub fn precondition_failed(expected: u64, actual: u64) -> Self {
        Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "The complaint has moved on",
            format!(
                "If-Match asked for version {expected} but the complaint is at version \
                 {actual}: read it again and decide anew"
            ),
        )
    }

    /// 503 with `Retry-After`.
    pub fn unavailable(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        Problem {
            retry_after: Some(retry_after_secs),
            ..Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
                detail,
            )
        }
    }

    /// 500: logged with its cause; the client learns only that it failed.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server failed to answer: try again later, and tell the operator if it persists",
        )
    }

    /// The serialized body (also what idempotency records keep).
    pub fn body_bytes(&self) -> Vec<u8> {
        let body = ProblemBody {
            problem_type: format!("/problems/{}", self.code.replace('_', "-")),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
            errors: &self.errors,
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body_bytes()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Answers unknown routes with a problem body instead of an empty 404.
pub async fn route_not_found() -> Problem {
    Problem::not_found("no such endpoint: see /openapi.json for the routes this server answers")
}

/// Answers a known path with the wrong method.
pub async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "this endpoint does not take that method: see /openapi.json",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_rfc_9457_members_and_field_errors() {
        let problem = Problem::validation(vec![FieldError::new(
            "complainant.phone",
            "not a Pakistani mobile number",
        )]);
        let body: serde_json::Value = serde_json::from_slice(&problem.body_bytes()).unwrap();
        assert_eq!(body["type"], "/problems/validation");
        assert_eq!(body["status"], 422);
        assert_eq!(body["errors"][0]["field"], "complainant.phone");
        assert!(body["detail"]
            .as_str()
            .unwrap()
            .contains("complainant.phone"));
    }

    #[test]
    fn retry_after_is_sent_for_unavailable() {
        let response = Problem::unavailable("busy", 1).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
