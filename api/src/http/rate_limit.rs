//! Per-client rate limits of the public endpoints (tracking, rating,
//! categories), stricter for unknown tracking codes, and per-token limits of
//! the staff endpoints.
//!
//! * every public request takes a token from its client's *public* bucket,
//!   and every staff request one from its bearer token's *staff* bucket
//!   (`governor`'s GCRA limiters: constant work per request);
//! * a tracking request answered 404 (no complaint has that code) also takes
//!   one from the much smaller *unknown-code* bucket, and while that bucket is
//!   empty every tracking request of the address is refused. Guessing codes is
//!   therefore throttled to a few per minute, while a citizen who mistypes
//!   their code once or twice notices nothing. The token is taken when the
//!   request is admitted and given back when the code turns out to be known,
//!   so that guesses sent all at once cannot each find the last token there.
//!
//! Every per-client or per-token state lives in a `BoundedMap`: memory has a
//! hard bound however many clients come, and no request scans the map.
//!
//! A refused request gets 429 with `Retry-After` and a problem body, and does
//! not reach the handler. Clients are keyed by the address `client_address`
//! finds (the TCP peer, or what a `--trusted-proxy` forwarded); IPv6 clients
//! by their /64 prefix, since a single host usually owns a whole /64 and
//! could otherwise rotate addresses.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;
use tower::layer::layer_fn;
use tower::Service;

use super::bounded_keys::BoundedMap;
use super::client_address::client_address;

use super::problem::Problem;
use super::state::AppState;
use crate::metrics::Metrics;

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
    /// Every staff request, per bearer token.
    pub staff: Rate,
}

impl RateLimitPolicy {
    /// `public_per_minute` public requests a minute and
    /// `unknown_per_ten_minutes` unknown tracking codes per 10 minutes, each
    /// allowed in one burst (`--public-rate-limit`, `--unknown-code-limit`).
    pub fn new(public_per_minute: u32, unknown_per_ten_minutes: u32) -> Self {
        RateLimitPolicy {
            public: Rate::per(public_per_minute, Duration::from_secs(60)),
            unknown_codes: Rate::per(unknown_per_ten_minutes, Duration::from_secs(600)),
            staff: Rate::per(600, Duration::from_secs(60)),
        }
    }

    /// Sets the staff limit: `per_minute` requests a minute per token
    /// (`--staff-rate-limit`), in bursts of up to as many.
    pub fn with_staff(self, per_minute: u32) -> Self {
        RateLimitPolicy {
            staff: Rate::per(per_minute, Duration::from_secs(60)),
            ..self
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

/// Clients (or tokens) whose state is kept at most, per limit.
pub const MAX_TRACKED_KEYS: usize = 100_000;

/// A `governor` limiter over a bounded store.
type KeyedLimiter<K> = RateLimiter<
    K,
    BoundedMap<K, governor::nanos::Nanos>,
    DefaultClock,
    NoOpMiddleware<<DefaultClock as Clock>::Instant>,
>;

fn quota(rate: Rate) -> Quota {
    let burst = NonZeroU32::new(rate.burst.clamp(1.0, f64::from(u32::MAX)) as u32)
        .unwrap_or(NonZeroU32::MIN);
    let period = if rate.per_second > 0.0 {
        Duration::from_secs_f64((1.0 / rate.per_second).min(1e9))
    } else {
        Duration::from_secs(3600)
    };
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

fn keyed<K: std::hash::Hash + Eq + Clone>(rate: Rate, capacity: usize) -> KeyedLimiter<K> {
    RateLimiter::new(
        quota(rate),
        BoundedMap::new(capacity),
        DefaultClock::default(),
    )
}

/// The `governor` limiters of one policy.
struct Governors {
    public: KeyedLimiter<IpAddr>,
    staff: KeyedLimiter<[u8; 16]>,
}

impl Governors {
    fn new(policy: &RateLimitPolicy, capacity: usize) -> Self {
        Governors {
            public: keyed(policy.public, capacity),
            staff: keyed(policy.staff, capacity),
        }
    }
}

fn wait_of<K: std::hash::Hash + Eq + Clone>(
    limiter: &KeyedLimiter<K>,
    key: &K,
) -> Result<(), Duration> {
    limiter
        .check_key(key)
        .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
}

/// The unknown-code buckets, one per client key.
struct Buckets {
    by_client: BoundedMap<IpAddr, Bucket>,
}

impl Buckets {
    fn new(capacity: usize) -> Self {
        Buckets {
            by_client: BoundedMap::new(capacity),
        }
    }

    /// Takes a token if there is one; otherwise says how long to wait.
    fn take(&self, client: IpAddr, rate: Rate, now: Instant) -> Result<(), Duration> {
        self.by_client.update(&client, |bucket| {
            let mut bucket = bucket.unwrap_or_else(|| Bucket::full(rate, now));
            bucket.refill(rate, now);
            let taken = match bucket.wait_for_token(rate) {
                Duration::ZERO => {
                    bucket.tokens -= 1.0;
                    Ok(())
                }
                wait => Err(wait),
            };
            (taken, Some(bucket))
        })
    }

    /// Gives back a token taken by `take` (never beyond the burst); a full
    /// bucket is forgotten, since a new one starts full anyway.
    fn refund(&self, client: IpAddr, rate: Rate, now: Instant) {
        self.by_client.update(&client, |bucket| {
            let Some(mut bucket) = bucket else {
                return ((), None);
            };
            bucket.refill(rate, now);
            bucket.tokens = (bucket.tokens + 1.0).min(rate.burst);
            let keep = bucket.tokens < rate.burst;
            ((), keep.then_some(bucket))
        });
    }
}

/// The limits of one running server (shared through `AppState`).
pub struct RateLimits {
    policy: RwLock<RateLimitPolicy>,
    governors: RwLock<Arc<Governors>>,
    unknown_codes: Buckets,
    trusted_proxies: Vec<IpNet>,
    capacity: usize,
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    TooManyRequests { retry_after: Duration },
    TooManyUnknownCodes { retry_after: Duration },
    TooManyStaffRequests { retry_after: Duration },
}

impl RateLimits {
    pub fn new(policy: RateLimitPolicy, trusted_proxies: Vec<IpNet>) -> Self {
        Self::with_capacity(policy, trusted_proxies, MAX_TRACKED_KEYS)
    }

    /// Like `new`, keeping the state of at most `capacity` keys per limit.
    pub fn with_capacity(
        policy: RateLimitPolicy,
        trusted_proxies: Vec<IpNet>,
        capacity: usize,
    ) -> Self {
        RateLimits {
            governors: RwLock::new(Arc::new(Governors::new(&policy, capacity))),
            policy: RwLock::new(policy),
            unknown_codes: Buckets::new(capacity),
            trusted_proxies,
            capacity,
        }
    }

    pub fn policy(&self) -> RateLimitPolicy {
        *self.policy.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the limits; the public and staff buckets start afresh.
    pub fn set_policy(&self, policy: RateLimitPolicy) {
        *self
            .governors
            .write()
            .unwrap_or_else(PoisonError::into_inner) =
            Arc::new(Governors::new(&policy, self.capacity));
        *self.policy.write().unwrap_or_else(PoisonError::into_inner) = policy;
    }

    fn governors(&self) -> Arc<Governors> {
        Arc::clone(
            &self
                .governors
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Client keys whose public-limit state is kept now (at most the capacity).
    pub fn tracked_clients(&self) -> usize {
        self.governors().public.len()
    }

    /// Admits or refuses one public request from `client`. A tracking
    /// request takes an unknown-code token too, until `known_code` gives it
    /// back.
    pub fn admit(&self, client: IpAddr, tracking: bool, now: Instant) -> Result<(), Refusal> {
        let policy = self.policy();
        let client = client_key(client);
        if tracking {
            self.unknown_codes
                .take(client, policy.unknown_codes, now)
                .map_err(|retry_after| Refusal::TooManyUnknownCodes { retry_after })?;
        }
        let admitted = wait_of(&self.governors().public, &client)
            .map_err(|retry_after| Refusal::TooManyRequests { retry_after });
        if admitted.is_err() && tracking {
            self.refund_unknown_code(client, now);
        }
        admitted
    }

    /// Admits or refuses one staff request made with `token`.
    pub fn admit_staff(&self, token: &str) -> Result<(), Refusal> {
        let digest = crate::officers::token::hash_token(token);
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        wait_of(&self.governors().staff, &key)
            .map_err(|retry_after| Refusal::TooManyStaffRequests { retry_after })
    }

    /// Gives back the unknown-code token of an admitted tracking request
    /// whose code named a complaint (or that was not about a code at all).
    pub fn known_code(&self, client: IpAddr, now: Instant) {
        self.refund_unknown_code(client_key(client), now);
    }

    fn refund_unknown_code(&self, key: IpAddr, now: Instant) {
        let policy = self.policy();
        self.unknown_codes.refund(key, policy.unknown_codes, now);
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

impl Refusal {
    /// The limit's label in `markaz_rate_limited_total`.
    pub fn limit(&self) -> &'static str {
        match self {
            Refusal::TooManyRequests { .. } => "public",
            Refusal::TooManyUnknownCodes { .. } => "unknown_codes",
            Refusal::TooManyStaffRequests { .. } => "staff",
        }
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
            Refusal::TooManyStaffRequests { retry_after } => (
                retry_after,
                "too many requests with this token: wait the seconds given in Retry-After",
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
    public.layer(layer_fn(move |inner| Limited {
        inner,
        limiter: limiter.clone(),
    }))
}

/// What the rate-limit layer holds (a plain tower layer rather than axum's
/// `from_fn`, which clones and boxes the inner service for every request).
#[derive(Clone)]
struct Limiter {
    limits: Arc<RateLimits>,
    metrics: Arc<Metrics>,
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
        let client = client_address(&request, &self.limiter.limits.trusted_proxies);
        let tracking = is_tracking(&request);
        let Limiter { limits, metrics } = &self.limiter;
        if let Err(refusal) = limits.admit(client, tracking, Instant::now()) {
            metrics.record_rate_limited(refusal.limit());
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

/// Wraps staff routes with the per-token limit. A request without a bearer
/// token passes (it is refused as unauthenticated without reaching the store).
pub fn limit_staff(staff: Router<AppState>, state: &AppState) -> Router<AppState> {
    let limiter = Limiter {
        limits: Arc::clone(&state.rate_limits),
        metrics: Arc::clone(&state.metrics),
    };
    staff.layer(layer_fn(move |inner| StaffLimited {
        inner,
        limiter: limiter.clone(),
    }))
}

/// A staff route behind the per-token limit.
#[derive(Clone)]
struct StaffLimited<S> {
    inner: S,
    limiter: Limiter,
}

impl<S> Service<Request> for StaffLimited<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        futures::future::Either<S::Future, futures::future::Ready<Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let token = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .map(|(_, token)| token.trim());
        if let Some(token) = token {
            if let Err(refusal) = self.limiter.limits.admit_staff(token) {
                self.limiter.metrics.record_rate_limited(refusal.limit());
                return futures::future::Either::Right(futures::future::ready(Ok(
                    refusal.into_response()
                )));
            }
        }
        futures::future::Either::Left(self.inner.call(request))
    }
}

/// Whether the request is a tracking lookup or rating (by route template, so
/// that the check cannot be dodged with odd spellings of the path).
fn is_tracking(request: &Request) -> bool {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path(), MatchedPath::as_str);
    // Document numbers, like tracking codes, must not be guessed in bulk.
    path.contains("/track/") || path.contains("/verify/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RateLimitPolicy {
        RateLimitPolicy {
            // Slow enough that no token comes back while a test runs.
            public: Rate::per(3, Duration::from_secs(3600)),
            unknown_codes: Rate::per(2, Duration::from_secs(10)),
            staff: Rate::per(2, Duration::from_secs(3600)),
        }
    }

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn a_burst_is_allowed_then_refused_with_the_wait_for_a_token() {
        let limits = RateLimits::new(policy(), Vec::new());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limits.admit(CLIENT, false, start), Ok(()));
        }
        let Err(Refusal::TooManyRequests { retry_after }) = limits.admit(CLIENT, false, start)
        else {
            panic!("the fourth request must be refused");
        };
        // One token per 1200 s.
        assert!(retry_after > Duration::from_secs(1100), "{retry_after:?}");
        assert!(retry_after <= Duration::from_secs(1200), "{retry_after:?}");
        assert!(
            limits.admit(OTHER, false, start).is_ok(),
            "other clients are unaffected"
        );
    }

    #[test]
    fn staff_tokens_have_buckets_of_their_own() {
        let limits = RateLimits::new(policy(), Vec::new());
        assert!(limits.admit_staff("mkz_a").is_ok());
        assert!(limits.admit_staff("mkz_a").is_ok());
        assert!(matches!(
            limits.admit_staff("mkz_a"),
            Err(Refusal::TooManyStaffRequests { .. })
        ));
        assert!(limits.admit_staff("mkz_b").is_ok());
    }

    #[test]
    fn a_hundred_thousand_clients_keep_the_state_bounded() {
        let limits = RateLimits::with_capacity(policy(), Vec::new(), 10_000);
        let now = Instant::now();
        for n in 0..100_000u32 {
            let client = IpAddr::V4(std::net::Ipv4Addr::from(n));
            assert_eq!(limits.admit(client, true, now), Ok(()));
        }
        assert!(
            limits.tracked_clients() <= 10_000,
            "{}",
            limits.tracked_clients()
        );
        assert!(limits.unknown_codes.by_client.len() <= 10_000);
    }

    #[test]
    fn unknown_codes_block_tracking_but_not_other_public_requests() {
        let limits = RateLimits::new(
            RateLimitPolicy {
                public: Rate::per(100, Duration::from_secs(1)),
                ..policy()
            },
            Vec::new(),
        );
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
        let limits = RateLimits::new(
            RateLimitPolicy {
                public: Rate::per(100, Duration::from_secs(1)),
                ..policy()
            },
            Vec::new(),
        );
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
        let limits = RateLimits::new(
            RateLimitPolicy {
                public: Rate::per(1, Duration::from_secs(1)),
                ..policy()
            },
            Vec::new(),
        );
        let now = Instant::now();
        assert_eq!(limits.admit(CLIENT, false, now), Ok(()));
        for _ in 0..5 {
            assert!(matches!(
                limits.admit(CLIENT, true, now),
                Err(Refusal::TooManyRequests { .. })
            ));
        }
        // The unknown-code bucket still has both of its tokens.
        let rate = limits.policy().unknown_codes;
        assert_eq!(limits.unknown_codes.take(CLIENT, rate, now), Ok(()));
        assert_eq!(limits.unknown_codes.take(CLIENT, rate, now), Ok(()));
        assert!(limits.unknown_codes.take(CLIENT, rate, now).is_err());
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
