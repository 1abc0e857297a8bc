//! `markaz bench http`: drives a real server over loopback and prints
//! throughput and latency next to a bare axum route measured in the same run.
//!
//! By default the server is started in this process on a fresh temporary
//! data directory (embedded store, full durability: every 201 means fsynced);
//! `--url` targets a running server instead. Each phase sends a bounded number
//! of requests (`--requests`, stopped early after `--duration`) over a fixed
//! number of keep-alive connections (`--connections`), each connection sending
//! its next request when the previous answer is fully read:
//!
//! 1. the bare route: `GET` of a tiny JSON answer from an axum router with no
//!    state, no layers and no I/O, on another port of the same process: what
//!    this machine, runtime and client can do at best;
//! 2. filings: `POST /api/v1/complaints`, each a new complaint;
//! 3. tracking lookups: `GET /api/v1/track/{code}` of the codes just filed,
//!    once the read models have caught up with the filings.
//!
//! The client runs on the same machine and cores as the server, as it does
//! for the bare route, so the ratios compare like with like.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Bytes;
use axum::routing::get;
use axum::{Json, Router};
use clap::{Args, Subcommand};
use markaz_domain::{Actor, MarkazCode, PersonName, Role};
use serde_json::{json, Value};

use crate::app::{self, RunningApp};
use crate::config::Config;
use crate::http::rate_limit::{Rate, RateLimitPolicy};
use crate::officers::registry::{register, NewOfficer};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Benchmarks (figures printed next to a baseline measured in the same run)
    #[command(subcommand)]
    Bench(BenchTarget),
}

#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Filings and tracking lookups over HTTP against a bare axum route
    Http(HttpBenchArgs),
    /// Filings offered at 1x, 2x and 4x the measured capacity to a server in
    /// its own process: p99 of admitted filings, share shed, memory
    Overload(super::bench_overload::OverloadBenchArgs),
    /// Serves only the bare axum route (`GET /bare`) until interrupted, so
    /// that a load generator in another process (wrk) measures the baseline
    /// the same way it measures `markaz serve`
    BareRoute(BareRouteArgs),
}

#[derive(Clone, Debug, Args)]
pub struct BareRouteArgs {
    /// Where to listen
    #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
    pub listen: SocketAddr,
}

#[derive(Clone, Debug, Args)]
pub struct HttpBenchArgs {
    /// Keep-alive connections, each with one request in flight
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub connections: usize,
    /// Requests per phase
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    pub requests: u64,
    /// Longest time per phase, in seconds (the phase stops at whichever comes first)
    #[arg(long, default_value_t = 30, value_name = "S")]
    pub duration: u64,
    /// A running server to drive instead of one started in this process; all
    /// requests come from one address, so start it with a high
    /// --public-rate-limit
    #[arg(long, value_name = "URL", requires = "token")]
    pub url: Option<String>,
    /// Bearer token of a desk officer of the running server (with --url)
    #[arg(
        long,
        env = "MARKAZ_BENCH_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

pub async fn run(command: BenchCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        BenchCommand::Bench(BenchTarget::Http(args)) => {
            let report = bench_http(&args, config).await?;
            print!("{report}");
            Ok(())
        }
        BenchCommand::Bench(BenchTarget::Overload(args)) => {
            super::bench_overload::bench_overload(&args).await
        }
        BenchCommand::Bench(BenchTarget::BareRoute(args)) => {
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            println!("bare route on http://{}/bare", listener.local_addr()?);
            axum::serve(listener, bare_router())
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .context("the bare route's server failed")
        }
    }
}

/// The figures of one phase.
#[derive(Clone, Debug)]
pub struct PhaseFigures {
    pub name: &'static str,
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    /// The first unexpected answer, to say what went wrong.
    pub first_error: Option<String>,
}

impl PhaseFigures {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The whole run, printable.
#[derive(Clone, Debug)]
pub struct HttpReport {
    pub target: String,
    pub connections: usize,
    pub requests: u64,
    pub bare: PhaseFigures,
    pub filings: PhaseFigures,
    pub lookups: PhaseFigures,
}

impl std::fmt::Display for HttpReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "markaz bench http: {} connections, up to {} requests per phase, {}",
            self.connections, self.requests, self.target
        )?;
        if cfg!(debug_assertions) {
            writeln!(f, "warning: a debug build; measure with --release")?;
        }
        writeln!(
            f,
            "{:<28} {:>9} {:>7} {:>10} {:>9} {:>9}",
            "phase", "ok", "errors", "req/s", "p50 ms", "p99 ms"
        )?;
        for phase in [&self.bare, &self.filings, &self.lookups] {
            writeln!(
                f,
                "{:<28} {:>9} {:>7} {:>10.0} {:>9.2} {:>9.2}",
                phase.name,
                phase.ok,
                phase.errors,
                phase.rate(),
                phase.p50.as_secs_f64() * 1e3,
                phase.p99.as_secs_f64() * 1e3,
            )?;
            if let Some(error) = &phase.first_error {
                writeln!(f, "  first error: {error}")?;
            }
        }
        let bare = self.bare.rate().max(1e-9);
        writeln!(
            f,
            "ratio to the bare route: filings {:.2}, tracking lookups {:.2}",
            self.filings.rate() / bare,
            self.lookups.rate() / bare
        )
    }
}

/// Where the phases send their requests.
struct Target {
    base: String,
    token: String,
    /// The in-process server, if the bench started one.
    local: Option<LocalServer>,
}

struct LocalServer {
    running: RunningApp,
    data_dir: PathBuf,
}

const MAX_CONNECTIONS: usize = 4096;
const MAX_REQUESTS: u64 = 10_000_000;
const MAX_DURATION_SECS: u64 = 3600;

/// Runs the three phases and returns their figures.
pub async fn bench_http(args: &HttpBenchArgs, config: &Config) -> anyhow::Result<HttpReport> {
    if args.connections == 0 || args.requests == 0 || args.duration == 0 {
        bail!("--connections, --requests and --duration must be at least 1");
    }
    // A benchmark is bounded by design: these caps keep a mistyped number from
    // turning into a runaway load or an impossible allocation.
    if args.connections > MAX_CONNECTIONS {
        bail!("--connections must be at most {MAX_CONNECTIONS}");
    }
    if args.requests > MAX_REQUESTS {
        bail!("--requests must be at most {MAX_REQUESTS} per phase");
    }
    if args.duration > MAX_DURATION_SECS {
        bail!("--duration must be at most {MAX_DURATION_SECS} seconds per phase");
    }
    let target = match (&args.url, &args.token) {
        (Some(url), Some(token)) => Target {
            base: url.trim_end_matches('/').to_owned(),
            token: token.clone(),
            local: None,
        },
        (Some(_), None) => bail!("--url needs --token (a desk officer's bearer token)"),
        (None, _) => start_local(config).await?,
    };
    let result = run_phases(args, &target).await;
    if let Some(local) = target.local {
        local.running.shutdown().await;
        if let Err(error) = std::fs::remove_dir_all(&local.data_dir) {
            eprintln!(
                "warning: cannot remove the benchmark's data directory {}: {error}",
                local.data_dir.display()
            );
        }
    }
    result
}

/// Starts a server on loopback port 0 with a fresh data directory and a desk officer.
async fn start_local(config: &Config) -> anyhow::Result<Target> {
    let data_dir = std::env::temp_dir().join(format!("markaz-bench-{}", uuid::Uuid::new_v4()));
    let mut local = config.clone();
    local.data_dir = data_dir.clone();
    local.store = crate::config::StoreLocation::Embedded;
    local.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    local.admin_listen = SocketAddr::from(([127, 0, 0, 1], 0));
    local.shutdown_grace = Duration::from_secs(5);
    let running = app::start(local)
        .await
        .context("cannot start the server to benchmark")?;
    // Every request comes from one loopback address: lift the per-client
    // limits (the buckets are still consulted on every public request).
    let unlimited = Rate {
        per_second: 1e9,
        burst: 1e9,
    };
    running.state.rate_limits.set_policy(RateLimitPolicy {
        public: unlimited,
        unknown_codes: unlimited,
        staff: unlimited,
    });
    let officer = NewOfficer {
        name: PersonName::parse("Benchmark Desk")?,
        role: Role::Desk,
        markaz: Some(MarkazCode::parse("KCH")?),
    };
    let registered = register(running.state.store.as_ref(), officer, Actor::System)
        .await
        .context("cannot register the benchmark's officer")?;
    Ok(Target {
        base: running.base_url(),
        token: registered.token,
        local: Some(LocalServer { running, data_dir }),
    })
}

fn client(connections: usize) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .build()
        .context("cannot build the HTTP client")
}

async fn run_phases(args: &HttpBenchArgs, target: &Target) -> anyhow::Result<HttpReport> {
    let limit = Limit {
        connections: args.connections,
        requests: args.requests,
        duration: Duration::from_secs(args.duration),
    };
    let (bare_addr, bare_server) = serve_bare_route().await?;
    let bare_url = Arc::new(format!("http://{bare_addr}/bare"));
    let bare_client = client(args.connections)?;
    let (bare, _) = drive("bare axum route", limit, move |_| {
        let request = bare_client.get(bare_url.as_str());
        async move { expect_status(request, 200).await.map(|_| None::<()>) }
    })
    .await;
    // The baseline is measured first, alone; its server is not needed after.
    bare_server.abort();

    let api = client(args.connections)?;
    let filing_url = Arc::new(format!("{}/api/v1/complaints", target.base));
    let token = Arc::new(target.token.clone());
    let filing_client = api.clone();
    let (filings, filed) = drive("filings (durable, 201)", limit, move |n| {
        let request = filing_client
            .post(filing_url.as_str())
            .bearer_auth(token.as_str())
            .json(&filing_body(n));
        async move {
            let body = expect_status(request, 201).await?;
            let receipt: Receipt = serde_json::from_slice(&body)
                .map_err(|error| format!("the filing answer is not a receipt: {error}"))?;
            Ok(Some((receipt.tracking_code, receipt.position)))
        }
    })
    .await;
    if filed.is_empty() {
        bail!(
            "no filing succeeded, so there is nothing to look up: {}",
            filings.first_error.as_deref().unwrap_or("no answer")
        );
    }
    let last_position = filed
        .iter()
        .map(|(_, position)| *position)
        .max()
        .unwrap_or(0);
    wait_for_read_models(target, &api, &filed[0].0, last_position).await?;

    let codes: Arc<Vec<String>> = Arc::new(filed.into_iter().map(|(code, _)| code).collect());
    let track_base = Arc::new(format!("{}/api/v1/track/", target.base));
    let lookup_client = api.clone();
    let (lookups, _) = drive("tracking lookups (200)", limit, move |n| {
        let code = &codes[(n as usize) % codes.len()];
        let request = lookup_client.get(format!("{track_base}{code}"));
        async move { expect_status(request, 200).await.map(|_| None::<()>) }
    })
    .await;

    let where_ = match &target.local {
        Some(local) => format!(
            "server in this process at {} (embedded store in a temporary directory)",
            local.running.addr
        ),
        None => format!("server at {}", target.base),
    };
    Ok(HttpReport {
        target: where_,
        connections: args.connections,
        requests: args.requests,
        bare,
        filings,
        lookups,
    })
}

/// Waits until the read models include every filing, so lookups find them.
async fn wait_for_read_models(
    target: &Target,
    api: &reqwest::Client,
    code: &str,
    position: u64,
) -> anyhow::Result<()> {
    if let Some(local) = &target.local {
        local
            .running
            .state
            .projections
            .wait_for_position(position, Duration::from_secs(120))
            .await
            .context("the read models did not catch up with the filings")?;
        return Ok(());
    }
    let url = format!(
        "{}/api/v1/track/{code}?min_position={position}",
        target.base
    );
    for _ in 0..60 {
        let response = api.get(&url).send().await?;
        if response.status().is_success() {
            return Ok(());
        }
        if response.status() != reqwest::StatusCode::SERVICE_UNAVAILABLE {
            bail!(
                "waiting for the read models failed: {} {}",
                response.status(),
                response.text().await.unwrap_or_default()
            );
        }
    }
    bail!("the read models did not catch up with the filings within a minute")
}

/// A filing body; the phone varies so the complaints are not all alike.
pub(crate) fn filing_body(n: u64) -> Value {
    json!({
        "complainant": {
            "name": "Abdul Wahid Kakar",
            "gender": "male",
            "phone": format!("030{:08}", n % 100_000_000),
        },
        "category": "theft_report",
        "description": "Motorcycle stolen outside the mosque after Friday prayers.",
        "location": "Kuchlak Bazaar",
        "channel": "counter",
    })
}

/// What the lookups need of a filing's answer.
#[derive(serde::Deserialize)]
struct Receipt {
    tracking_code: String,
    position: u64,
}

/// Sends `request` and returns its body if the status is `expected`. The body
/// is parsed only where its contents are needed: the client shares the
/// machine with the server, and parsing every answer would spend on the
/// client CPU time the phases are meant to measure on the server.
async fn expect_status(request: reqwest::RequestBuilder, expected: u16) -> Result<Bytes, String> {
    let response = request.send().await.map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|error| error.to_string())?;
    if status != expected {
        return Err(format!(
            "status {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ));
    }
    Ok(bytes)
}

/// The baseline: a tiny JSON answer from an axum router with nothing else.
fn bare_router() -> Router {
    Router::new().route("/bare", get(|| async { Json(json!({ "status": "ok" })) }))
}

/// A bare axum route on loopback port 0, served until the task is aborted.
async fn serve_bare_route() -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let router = bare_router();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .context("cannot listen for the bare route")?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            eprintln!("the bare route's server failed: {error}");
        }
    });
    Ok((addr, server))
}

/// How much load one phase applies.
#[derive(Clone, Copy, Debug)]
struct Limit {
    connections: usize,
    requests: u64,
    duration: Duration,
}

/// Sends up to `limit.requests` requests from `limit.connections` workers,
/// each sending its next request when the previous one is answered. `send(n)`
/// performs request number `n` and may return a value to collect.
async fn drive<F, Fut, T>(name: &'static str, limit: Limit, send: F) -> (PhaseFigures, Vec<T>)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<T>, String>> + Send + 'static,
    T: Send + 'static,
{
    let send = Arc::new(send);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + limit.duration;
    let mut workers = Vec::with_capacity(limit.connections);
    for _ in 0..limit.connections {
        let send = Arc::clone(&send);
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move {
            let mut worker = Worker::default();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= limit.requests || Instant::now() >= deadline {
                    break;
                }
                let sent = Instant::now();
                let answer = send(n).await;
                worker.latencies.push(sent.elapsed());
                match answer {
                    Ok(value) => {
                        worker.ok += 1;
                        worker.values.extend(value);
                    }
                    Err(error) => {
                        worker.errors += 1;
                        worker.first_error.get_or_insert(error);
                    }
                }
            }
            worker
        }));
    }
    let mut all = Worker::default();
    for worker in workers {
        match worker.await {
            Ok(mut worker) => {
                all.latencies.append(&mut worker.latencies);
                all.values.append(&mut worker.values);
                all.ok += worker.ok;
                all.errors += worker.errors;
                if all.first_error.is_none() {
                    all.first_error = worker.first_error;
                }
            }
            Err(error) => {
                all.errors += 1;
                all.first_error
                    .get_or_insert(format!("a worker failed: {error}"));
            }
        }
    }
    let elapsed = started.elapsed();
    all.latencies.sort_unstable();
    let figures = PhaseFigures {
        name,
        ok: all.ok,
        errors: all.errors,
        elapsed,
        p50: percentile(&all.latencies, 0.50),
        p99: percentile(&all.latencies, 0.99),
        first_error: all.first_error,
    };
    (figures, all.values)
}

/// What one connection's worker saw.
struct Worker<T> {
    latencies: Vec<Duration>,
    values: Vec<T>,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
}

impl<T> Default for Worker<T> {
    fn default() -> Self {
        Worker {
            latencies: Vec::new(),
            values: Vec::new(),
            ok: 0,
            errors: 0,
            first_error: None,
        }
    }
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * quantile).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}
