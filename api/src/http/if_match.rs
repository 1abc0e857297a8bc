//! The `If-Match` header of conditional commands.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::problem::Problem;

/// `If-Match: <version>` (quoted or not).
pub struct IfMatch(pub Option<u64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        value
            .to_str()
            .ok()
            .map(|text| text.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|text| text.parse::<u64>().ok())
            .map(|version| IfMatch(Some(version)))
            .ok_or_else(|| {
                Problem::bad_request(
                    "If-Match must be the complaint version the change is based on, e.g. \"3\"",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(value: &str) -> Result<Option<u64>, Problem> {
        let request = axum::http::Request::builder()
            .header(header::IF_MATCH, value)
            .body(())
            .unwrap();
        let mut parts = request.into_parts().0;
        IfMatch::from_request_parts(&mut parts, &())
            .await
            .map(|IfMatch(version)| version)
    }

    #[tokio::test]
    async fn versions_are_read_quoted_weak_or_bare() {
        assert_eq!(parse("\"3\"").await.unwrap(), Some(3));
        assert_eq!(parse("3").await.unwrap(), Some(3));
        assert_eq!(parse("W/\"12\"").await.unwrap(), Some(12));
        assert_eq!(parse("soon").await.unwrap_err().code, "bad_request");
        assert_eq!(parse("\"-1\"").await.unwrap_err().code, "bad_request");
    }
}
