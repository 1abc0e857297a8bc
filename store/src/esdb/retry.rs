//! Repeating a call whose outcome is unknown.
//!
//! The caller builds the request once (event ids, expected revision) and the
//! closure sends that same request each time, so a repeat of an append that
//! did land is recognised by the server as the same write.

use std::future::Future;
use std::time::Duration;

use super::connection::EsdbOptions;
use super::mapping::is_retryable;

/// How many times and how patiently to repeat.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub delay: Duration,
}

/// The policy configured in `options`.
pub fn retry_policy(options: &EsdbOptions) -> RetryPolicy {
    RetryPolicy {
        max_attempts: options.max_attempts,
        delay: options.retry_delay,
    }
}

/// Runs `call` until it succeeds, fails for a reason other than an unknown
/// outcome, or has been tried `max_attempts` times.
pub async fn retrying<T, F, Fut>(
    policy: RetryPolicy,
    what: &str,
    mut call: F,
) -> Result<T, kurrentdb::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kurrentdb::Error>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(error) if is_retryable(&error) && attempt < policy.max_attempts.max(1) => {
                tracing::warn!(%error, attempt, "{what}: outcome unknown, repeating the same request");
                tokio::time::sleep(policy.delay.saturating_mul(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const QUICK: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        delay: Duration::ZERO,
    };

    #[tokio::test]
    async fn unknown_outcomes_are_repeated_until_success() {
        let calls = AtomicU32::new(0);
        let result = retrying(QUICK, "test", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(kurrentdb::Error::DeadlineExceeded),
                1 => Err(kurrentdb::Error::ServerError("leader lost".into())),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn repeats_are_bounded() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retrying(QUICK, "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(kurrentdb::Error::ConnectionClosed)
        })
        .await;
        assert!(matches!(result, Err(kurrentdb::Error::ConnectionClosed)));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn definite_failures_are_not_repeated() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retrying(QUICK, "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(kurrentdb::Error::WrongExpectedVersion {
                expected: kurrentdb::StreamState::NoStream,
                current: kurrentdb::CurrentRevision::Current(0),
            })
        })
        .await;
        assert!(matches!(
            result,
            Err(kurrentdb::Error::WrongExpectedVersion { .. })
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
