//! Per-client-address rate limits of the public endpoints (tracking, rating,
//! categories), stricter for unknown tracking codes.
//!
//! Two token buckets per client address, kept in memory:
//! * every public request takes a token from the *public* bucket;
//! * a tracking request answered 404 (no complaint has that code) also takes
//!   one from the much smaller *unknown-code* bucket, and while that bucket is
//!   empty every tracking request of the address is refused. Guessing codes is
//!   therefore throttled to a few per minute, while a citizen who mistypes
//!   their code once or twice notices nothing. The token is taken when the
//!   request is admitted and given back when the code turns out to be known,
//!   so that guesses sent all at once cannot each find the last token there.
//!
//! A refused request gets 429 with `Retry-After` and a problem body, and does
//! not reach the handler. IPv6 clients are keyed by their /64 prefix, since a
//! single host usually owns a whole /64 and could otherwise rotate addresses.
//! Behind a reverse proxy every client shares the proxy's address: give the
//! proxy its own limits, or run Markaz where it sees client addresses.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::{Layer, Service};

use super::metrics::Metrics;
use super::problem::Problem;
use crate::app::AppState;

/// A refill rate and a burst size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// The most tokens a bucket holds (a fresh client starts full).
    pub burst: f64,
}

impl Rate {
    /// `count` requests per `period`, all of them allowed at once.
    pub fn per(count: u32, period: Duration) -> Rate {
        Rate {
            per_second: f64::from(count) / period.as_secs_f64().max(f64::MIN_POSITIVE),
            burst: f64::from(count),
        }
    }
}

/// The limits in force.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimitPolicy {
    /// Every public request.
    pub public: Rate,
    /// Tracking requests for codes that name no complaint.
    pub unknown_codes: Rate,
}

impl RateLimitPolicy {
    /// `public_per_minute` public requests a minute and
    /// `unknown_per_ten_minutes` unknown tracking codes per 10 minutes, each
    /// allowed in one burst (`--public-rate-limit`, `--unknown-code-limit`).
    pub fn new(public_per_minute: u32, unknown_per_ten_minutes: u32) -> Self {
        RateLimitPolicy {
            public: Rate::per(public_per_minute, Duration::from_secs(60)),
            unknown_codes: Rate::per(unknown_per_ten_minutes, Duration::from_secs(600)),
        }
    }
}

impl Default for RateLimitPolicy {
    /// 60 public requests a minute in bursts of up to 60 (a dashboard
    /// refreshing a few codes stays well inside), and 10 unknown tracking codes
    /// per 10 minutes: enough for typing mistakes, far too few to enumerate 60
    /// random bits.
    fn default() -> Self {
        RateLimitPolicy::new(60, 10)
    }
}

/// One token bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Self {
        Bucket {
            tokens: rate.burst,
            updated: now,
        }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.updated = now;
    }

    /// How long until one whole token is available (zero if it is now).
    fn wait_for_token(&self, rate: Rate) -> Duration {
        if self.tokens >= 1.0 {
            return Duration::ZERO;
        }
        if rate.per_second <= 0.0 {
            return Duration::from_secs(3600);
        }
        Duration::from_secs_f64((1.0 - self.tokens) / rate.per_second)
    }
}

/// A set of buckets, one per client key.
#[derive(Debug, Default)]
struct Buckets {
    by_client: HashMap<IpAddr, Bucket>,
}

/// Above this many tracked clients, buckets that have refilled completely
/// (clients who went quiet) are dropped: they would start full anyway.
const PRUNE_ABOVE: usize = 10_000;

impl Buckets {
    fn bucket(&mut self, client: IpAddr, rate: Rate, now: Instant) -> &mut Bucket {
        if self.by_client.len() >= PRUNE_ABOVE && !self.by_client.contains_key(&client) {
            self.by_client.retain(|_, bucket| {
                let mut bucket = *bucket;
                bucket.refill(rate, now);
                bucket.tokens < rate.burst
            });
        }
        let bucket = self
            .by_client
            .entry(client)
            .or_insert_with(|| Bucket::full(rate, now));
        bucket.refill(rate, now);
        bucket
    }

    /// Takes a token if there is one; otherwise says how long to wait.
    fn take(&mut self, client: IpAddr, rate: Rate, now: Instant) -> Result<(), Duration> {
        let bucket = self.bucket(client, rate, now);
        match bucket.wait_for_token(rate) {
            Duration::ZERO => {
                bucket.tokens -= 1.0;
                Ok(())
            }
            wait => Err(wait),
        }
    }

    /// Gives back a token taken by `take` (never beyond the burst).
    fn refund(&mut self, client: IpAddr, rate: Rate, now: Instant) {
        let bucket = self.bucket(client, rate, now);
        bucket.tokens = (bucket.tokens + 1.0).min(rate.burst);
    }
}

/// The buckets of one running server (shared through `AppState`).
#[derive(Debug, Default)]
pub struct RateLimits {
    policy: RwLock<RateLimitPolicy>,
    public: Mutex<Buckets>,
    unknown_codes: Mutex<Buckets>,
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    TooManyRequests { retry_after: Duration },
    TooManyUnknownCodes { retry_after: Duration },
}

impl RateLimits {
    pub fn new(policy: RateLimitPolicy) -> Self {
        RateLimits {
            policy: RwLock::new(policy),
            ..RateLimits::default()
        }
    }

    pub fn policy(&self) -> RateLimitPolicy {
        *self.policy.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the limits; buckets keep their tokens (capped to the new burst).
    pub fn set_policy(&self, policy: RateLimitPolicy) {
        *self.policy.write().unwrap_or_else(PoisonError::into_inner) = policy;
    }

    /// Admits or refuses one public request from `client`. A tracking
    /// request takes an unknown-code token too, until `known_code` gives it
    /// back.
    pub fn admit(&self, client: IpAddr, tracking: bool, now: Instant) -> Result<(), Refusal> {
        let policy = self.policy();
        let client = client_key(client);
        if tracking {
            self.unknown_codes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(client, policy.unknown_codes, now)
                .map_err(|retry_after| Refusal::TooManyUnknownCodes { retry_after })?;
        }
        let admitted = self
            .public
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(client, policy.public, now)
            .map_err(|retry_after| Refusal::TooManyRequests { retry_after });
        if admitted.is_err() && tracking {
            self.refund_unknown_code(client, now);
        }
        admitted
    }

    /// Gives back the unknown-code token of an admitted tracking request
    /// whose code named a complaint (or that was not about a code at all).
    pub fn known_code(&self, client: IpAddr, now: Instant) {
        self.refund_unknown_code(client_key(client), now);
    }

    fn refund_unknown_code(&self, key: IpAddr, now: Instant) {
        let policy = self.policy();
        self.unknown_codes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .refund(key, policy.unknown_codes, now);
    }
}

/// The bucket key of an address: IPv4 as is, IPv6 by its /64 prefix
/// (IPv4-mapped IPv6 addresses count as the IPv4 address).
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (retry_after, detail) = match self {
            Refusal::TooManyRequests { retry_after } => (
                retry_after,
                "too many requests from your address: wait the seconds given in Retry-After",
            ),
            Refusal::TooManyUnknownCodes { retry_after } => (
                retry_after,
                "too many unknown tracking codes from your address: check the code on your \
                 receipt and try again after the seconds given in Retry-After",
            ),
        };
        // Round up: retrying a moment too early would only be refused again.
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Problem {
            retry_after: Some(seconds.max(1)),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                detail,
            )
        }
        .into_response()
    }
}

/// Wraps the public routes with the rate-limiting layer.
pub fn limit_public(public: Router<AppState>, state: &AppState) -> Router<AppState> {
    let limiter = Limiter {
        limits: Arc::clone(&state.rate_limits),
        metrics: Arc::clone(&state.metrics),
    };
    public.layer(limiter)
}

/// The rate-limit layer (a plain tower layer rather than axum's `from_fn`,
/// which clones and boxes the inner service for every request).
#[derive(Clone)]
struct Limiter {
    limits: Arc<RateLimits>,
    metrics: Arc<Metrics>,
}

impl<S> Layer<S> for Limiter {
    type Service = Limited<S>;

    fn layer(&self, inner: S) -> Limited<S> {
        Limited {
            inner,
            limiter: self.clone(),
        }
    }
}

/// A public route behind the rate limits.
#[derive(Clone)]
struct Limited<S> {
    inner: S,
    limiter: Limiter,
}

impl<S> Service<Request> for Limited<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // Without connection info (a server not started by `app::start`) all
        // clients share one bucket, which errs on the side of refusing.
        let client = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
        let tracking = is_tracking(&request);
        let Limiter { limits, metrics } = &self.limiter;
        if let Err(refusal) = limits.admit(client, tracking, Instant::now()) {
            let unknown_codes = matches!(refusal, Refusal::TooManyUnknownCodes { .. });
            metrics.record_rate_limited(unknown_codes);
            let refused = refusal.into_response();
            return Box::pin(async move { Ok(refused) });
        }
        let answer = self.inner.call(request);
        if !tracking {
            return Box::pin(answer);
        }
        let limiter = self.limiter.clone();
        Box::pin(async move {
            let Ok(response) = answer.await;
            // The unknown-code token taken on admission stays taken for a
            // 404 (and for a request abandoned before its answer).
            if response.status() == StatusCode::NOT_FOUND {
                limiter.metrics.record_unknown_code();
            } else {
                limiter.limits.known_code(client, Instant::now());
            }
            Ok(response)
        })
    }
}

/// Whether the request is a tracking lookup or rating (by route template, so
/// that the check cannot be dodged with odd spellings of the path).
fn is_tracking(request: &Request) -> bool {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path(), MatchedPath::as_str);
    path.contains("/track/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RateLimitPolicy {
        RateLimitPolicy {
            public: Rate::per(3, Duration::from_secs(3)),
            unknown_codes: Rate::per(2, Duration::from_secs(10)),
        }
    }

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn a_burst_is_allowed_then_refused_until_refilled() {
        let limits = RateLimits::new(policy());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limits.admit(CLIENT, false, start), Ok(()));
        }
        let Err(Refusal::TooManyRequests { retry_after }) = limits.admit(CLIENT, false, start)
        else {
            panic!("the fourth request in the same instant must be refused");
        };
        assert_eq!(retry_after, Duration::from_secs(1));
        assert!(
            limits.admit(OTHER, false, start).is_ok(),
            "other clients are unaffected"
        );
        let later = start + Duration::from_secs(1);
        assert_eq!(limits.admit(CLIENT, false, later), Ok(()));
        assert!(limits.admit(CLIENT, false, later).is_err());
    }

    #[test]
    fn unknown_codes_block_tracking_but_not_other_public_requests() {
        let limits = RateLimits::new(RateLimitPolicy {
            public: Rate::per(100, Duration::from_secs(1)),
            ..policy()
        });
        let now = Instant::now();
        // Known codes give their token back.
        for _ in 0..5 {
            assert_eq!(limits.admit(CLIENT, true, now), Ok(()));
            limits.known_code(CLIENT, now);
        }
        for _ in 0..2 {
            assert_eq!(limits.admit(CLIENT, true, now), Ok(()));
        }
        let Err(Refusal::TooManyUnknownCodes { retry_after }) = limits.admit(CLIENT, true, now)
        else {
            panic!("tracking must be refused after two unknown codes");
        };
        assert_eq!(retry_after, Duration::from_secs(5));
        assert_eq!(limits.admit(CLIENT, false, now), Ok(()));
        assert_eq!(limits.admit(OTHER, true, now), Ok(()));
        assert_eq!(
            limits.admit(CLIENT, true, now + Duration::from_secs(5)),
            Ok(())
        );
    }

    #[test]
    fn guesses_sent_at_once_cannot_share_the_last_token() {
        let limits = RateLimits::new(RateLimitPolicy {
            public: Rate::per(100, Duration::from_secs(1)),
            ..policy()
        });
        let now = Instant::now();
        // Both unknown-code tokens are taken by two requests still in
        // flight: a third sent meanwhile is refused before any answer.
        assert_eq!(limits.admit(CLIENT, true, now), Ok(()));
        assert_eq!(limits.admit(CLIENT, true, now), Ok(()));
        assert!(matches!(
            limits.admit(CLIENT, true, now),
            Err(Refusal::TooManyUnknownCodes { .. })
        ));
        // One of them named a complaint after all: its token comes back.
        limits.known_code(CLIENT, now);
        assert_eq!(limits.admit(CLIENT, true, now), Ok(()));
    }

    #[test]
    fn a_request_refused_by_the_public_limit_keeps_no_unknown_code_token() {
        let limits = RateLimits::new(RateLimitPolicy {
            public: Rate::per(1, Duration::from_secs(1)),
            ..policy()
        });
        let now = Instant::now();
        assert_eq!(limits.admit(CLIENT, false, now), Ok(()));
        for _ in 0..5 {
            assert!(matches!(
                limits.admit(CLIENT, true, now),
                Err(Refusal::TooManyRequests { .. })
            ));
        }
        // A second later the public bucket has a token again, and the
        // unknown-code bucket (a token per 5 s) still has both of its own.
        let later = now + Duration::from_secs(1);
        assert_eq!(limits.admit(CLIENT, true, later), Ok(()));
        let after = later + Duration::from_secs(1);
        assert_eq!(limits.admit(CLIENT, true, after), Ok(()));
    }

    #[test]
    fn ipv6_clients_share_their_64_prefix_and_mapped_v4_is_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_key(mapped), CLIENT);
    }

    #[test]
    fn quiet_clients_are_pruned_and_busy_ones_kept() {
        let rate = Rate::per(1, Duration::from_secs(60));
        let mut buckets = Buckets::default();
        let start = Instant::now();
        for n in 0..PRUNE_ABOVE as u32 {
            let client = IpAddr::V4(std::net::Ipv4Addr::from(n));
            assert!(buckets.take(client, rate, start).is_ok());
        }
        let much_later = start + Duration::from_secs(3600);
        let busy = IpAddr::V4(std::net::Ipv4Addr::from(0));
        assert!(buckets.take(busy, rate, much_later).is_ok());
        let newcomer = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
        assert!(buckets.take(newcomer, rate, much_later).is_ok());
        assert_eq!(
            buckets.by_client.len(),
            2,
            "only the two drained buckets remain"
        );
    }

    #[test]
    fn refusals_are_429_with_a_whole_retry_after() {
        let response = Refusal::TooManyUnknownCodes {
            retry_after: Duration::from_millis(1500),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "2");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}
