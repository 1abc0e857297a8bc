//! Query-string parsing with problem+json errors, the `min_position` wait for
//! read-your-writes, and the second look of a lookup that missed.

use std::future::Future;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, Utc};
use markaz_domain::Timestamp;
use markaz_projections::{Calendar, QueryError, Tz, WaitError};
use serde::de::DeserializeOwned;

use super::problem::{FieldError, Problem};
use super::state::AppState;

/// Like axum's `Query`, but a bad query string is a problem+json 400.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| {
                Problem::bad_request(format!(
                    "{}: see docs/api.md for the parameters of this endpoint",
                    rejection.body_text()
                ))
            })
    }
}

/// Like axum's `Path`, but a path segment that cannot be read (e.g. invalid
/// percent-encoding) is a problem+json 404: no resource has such a name.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|rejection| {
                Problem::not_found(format!("{}: check the path", rejection.body_text()))
            })
    }
}

/// Waits until the read models include `min_position` (if given): 503 with
/// `Retry-After` when they do not catch up in time. A position beyond the
/// log's head is refused at once (400): no write ever returned it, so waiting
/// could only end in a timeout.
pub async fn wait_for(state: &AppState, min_position: Option<u64>) -> Result<(), Problem> {
    let Some(position) = min_position else {
        return Ok(());
    };
    if position > state.projections.position() {
        let head = state.store.head_position().await.map_err(|error| {
            tracing::warn!(%error, "min_position: the event store does not answer");
            Problem::unavailable("the event store does not answer: retry shortly", 1)
        })?;
        if position > head {
            return Err(Problem::invalid_query(vec![FieldError::new(
                "min_position",
                format!(
                    "position {position} is beyond the end of the log ({head}): give a \
                     position a write returned"
                ),
            )]));
        }
    }
    match state
        .projections
        .wait_for_position(position, state.config.min_position_wait)
        .await
    {
        Ok(()) => Ok(()),
        Err(WaitError::Timeout { wanted, reached }) => Err(Problem::unavailable(
            format!("the read models are at position {reached}, not yet {wanted}: retry shortly"),
            1,
        )),
        Err(error @ WaitError::Stopped { .. }) => Err(Problem::unavailable(error.to_string(), 5)),
    }
}

/// Runs a read-model lookup of one case. On a miss while the read models have
/// not yet applied the whole log, waits for them to reach the log's head (as
/// `wait_for` does) and looks once more: a case filed a moment ago, whose
/// receipt the caller already holds, is then found rather than called
/// unknown. The read models commit in batches (see the projection runner), so
/// they may trail the log by some milliseconds.
pub async fn look_up<T, F, Fut>(state: &AppState, lookup: F) -> Result<Option<T>, Problem>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<T>, QueryError>>,
{
    if let Some(found) = lookup().await.map_err(query_problem)? {
        return Ok(Some(found));
    }
    let head = match state.store.head_position().await {
        Ok(head) => head,
        // The miss stands; the store's trouble shows on the next command.
        Err(_) => return Ok(None),
    };
    // Looked at again even when the read models are already there: they may
    // have committed the case between the first look and now.
    if state.projections.position() < head {
        wait_for(state, Some(head)).await?;
    }
    lookup().await.map_err(query_problem)
}

/// Parses an RFC 3339 time or a `YYYY-MM-DD` day (its first microsecond, or
/// its last when `end_of_day`).
pub fn parse_time(
    field: &str,
    text: &str,
    end_of_day: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Timestamp> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(Timestamp::from_datetime(at.with_timezone(&Utc)));
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0)?.and_utc();
        let at = if end_of_day {
            Timestamp::from_micros(Timestamp::from_datetime(start).as_micros() + 86_400_000_000 - 1)
        } else {
            Timestamp::from_datetime(start)
        };
        return Some(at);
    }
    errors.push(FieldError::new(
        field,
        "not a time: give an RFC 3339 time (2026-01-31T09:00:00Z) or a day (2026-01-31)",
    ));
    None
}

/// Parses an RFC 3339 time, or a `YYYY-MM-DD` day of the local calendar of
/// `zone` (its first instant, or its last with `end_of_day`): a list of
/// cases filed "on the 1st" means the 1st where the markaz is.
pub fn parse_local_time(
    field: &str,
    text: &str,
    end_of_day: bool,
    zone: Tz,
    errors: &mut Vec<FieldError>,
) -> Option<Timestamp> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let micros = if end_of_day {
            Calendar::end_of_day(zone, day)
        } else {
            Calendar::start_of_day(zone, day)
        };
        return Some(Timestamp::from_micros(micros));
    }
    parse_time(field, text, end_of_day, errors)
}

/// Parses a `YYYY-MM-DD` day.
pub fn parse_day(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) => Some(day),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "not a day: give it as YYYY-MM-DD, e.g. 2026-01-31",
            ));
            None
        }
    }
}

/// Maps a read-model failure to a problem.
pub fn query_problem(error: QueryError) -> Problem {
    match error {
        QueryError::InvalidCursor(cursor) => {
            Problem::invalid_query(vec![FieldError::new("cursor", cursor.to_string())])
        }
        QueryError::EmptyRange { .. } => {
            Problem::invalid_query(vec![FieldError::new("from", error.to_string())])
        }
        other => Problem::internal(&other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_cover_the_whole_day_and_times_are_exact() {
        let mut errors = Vec::new();
        let start = parse_time("from", "2026-01-31", false, &mut errors).unwrap();
        let end = parse_time("to", "2026-01-31", true, &mut errors).unwrap();
        assert_eq!(end.as_micros() - start.as_micros(), 86_400_000_000 - 1);
        let exact = parse_time("at", "2026-01-31T09:00:00+05:00", false, &mut errors).unwrap();
        assert_eq!(exact.to_rfc3339(), "2026-01-31T04:00:00.000000Z");
        assert!(errors.is_empty());
        assert!(parse_time("at", "yesterday", false, &mut errors).is_none());
        assert_eq!(errors[0].field, "at");
    }

    #[test]
    fn local_days_start_at_local_midnight() {
        let mut errors = Vec::new();
        let karachi = markaz_projections::DEFAULT_TIME_ZONE;
        let start = parse_local_time("from", "2026-03-01", false, karachi, &mut errors).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-02-28T19:00:00.000000Z");
        let end = parse_local_time("to", "2026-03-01", true, karachi, &mut errors).unwrap();
        assert_eq!(end.to_rfc3339(), "2026-03-01T18:59:59.999999Z");
        let exact =
            parse_local_time("at", "2026-01-31T09:00:00Z", false, karachi, &mut errors).unwrap();
        assert_eq!(exact.to_rfc3339(), "2026-01-31T09:00:00.000000Z");
        assert!(errors.is_empty());
    }
}
