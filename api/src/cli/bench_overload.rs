//! `markaz bench overload`: what the server does when offered more filings
//! than it can take.
//!
//! The server runs as a separate process (`markaz serve` on a fresh temporary
//! data directory, started from this same binary), so that the load
//! generator's work is not counted as the server's. The run:
//!
//! 1. measures the capacity: filings answered per second over
//!    `--connections` keep-alive connections, each sending its next filing
//!    when the previous answer arrives (a closed loop);
//! 2. offers filings at 1×, 2× and 4× that capacity on a fixed schedule (an
//!    open loop: a filing is sent when its time comes, whether or not earlier
//!    ones were answered, as independent clients do), over
//!    `--open-connections` connections. Latency is measured from each
//!    filing's scheduled time, so a filing that waited in the generator for a
//!    free connection counts that wait too (as `wrk2` does): a server that
//!    falls behind shows it in the latency rather than hiding it;
//! 3. as the same-run baseline, offers 4× again to a second server started
//!    with load shedding switched off (an in-flight limit no load reaches).
//!
//! For each load it prints the p50 and p99 of the admitted filings (201),
//! the share shed (503) and any other answer, and the server's resident
//! memory (VmRSS) at the end.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Semaphore;

use super::bench::filing_body;

#[derive(Clone, Debug, Args)]
pub struct OverloadBenchArgs {
    /// Connections of the capacity measurement
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub connections: usize,
    /// Seconds of each phase
    #[arg(long, default_value_t = 10, value_name = "S")]
    pub duration: u64,
    /// The server's --max-in-flight
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub max_in_flight: usize,
    /// Connections of the offered loads (each with one filing in flight);
    /// more than --max-in-flight, so that the server sees more than it admits
    #[arg(long, default_value_t = 512, value_name = "N")]
    pub open_connections: usize,
}

/// An in-flight limit no load of this benchmark reaches.
const NO_SHEDDING: usize = 1_000_000;

/// One server process.
struct Server {
    child: Child,
    base: String,
    token: String,
    data_dir: PathBuf,
}

impl Server {
    /// Starts `markaz serve` on a fresh data directory with one desk officer.
    async fn start(max_in_flight: usize) -> anyhow::Result<Server> {
        let exe = std::env::current_exe().context("cannot find this program to start a server")?;
        let data_dir =
            std::env::temp_dir().join(format!("markaz-overload-{}", uuid::Uuid::new_v4()));
        let token = add_officer(&exe, &data_dir).await?;
        let mut child = Command::new(&exe)
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--log-format", "json", "serve"])
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(["--public-rate-limit", "1000000000"])
            .args(["--staff-rate-limit", "1000000000"])
            .args(["--max-in-flight", &max_in_flight.to_string()])
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start `markaz serve`")?;
        let stdout = child.stdout.take().context("no output from the server")?;
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let Some(line) = lines.next_line().await? else {
                bail!("the server stopped before it listened");
            };
            if let Some(url) = line.strip_prefix("markaz listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keep reading (and dropping) its output so that it never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            child,
            base,
            token,
            data_dir,
        })
    }

    /// The server's resident memory, in MiB.
    fn rss_mib(&self) -> Option<f64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    }

    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SIGTERM: a graceful stop, as an operator would.
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        if let Err(error) = std::fs::remove_dir_all(&self.data_dir) {
            eprintln!(
                "warning: cannot remove the benchmark's data directory {}: {error}",
                self.data_dir.display()
            );
        }
    }
}

/// Registers a desk officer with `markaz officers add` and returns the token.
async fn add_officer(exe: &Path, data_dir: &Path) -> anyhow::Result<String> {
    let output = Command::new(exe)
        .arg("--data-dir")
        .arg(data_dir)
        .args([
            "officers",
            "add",
            "--name",
            "Overload Desk",
            "--role",
            "desk",
        ])
        .args(["--markaz", "KCH"])
        .env("RUST_LOG", "error")
        .output()
        .await
        .context("cannot run `markaz officers add`")?;
    if !output.status.success() {
        bail!(
            "`markaz officers add` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8(output.stdout).context("the token is not text")?;
    stdout
        .lines()
        .last()
        .map(|line| line.trim().to_owned())
        .filter(|token| token.starts_with("mkz_"))
        .context("`markaz officers add` printed no token")
}

/// What one load did.
#[derive(Clone, Debug, Default)]
struct LoadFigures {
    label: String,
    offered_per_sec: f64,
    admitted: u64,
    shed: u64,
    other: u64,
    p50: Duration,
    p99: Duration,
    rss_mib: Option<f64>,
}

impl LoadFigures {
    fn sent(&self) -> u64 {
        self.admitted + self.shed + self.other
    }

    fn share(&self, count: u64) -> f64 {
        100.0 * count as f64 / self.sent().max(1) as f64
    }
}

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(4_096)
        .timeout(Duration::from_secs(60))
        .build()
        .context("cannot build the HTTP client")
}

/// Closed loop: filings per second over `connections` connections.
async fn capacity(server: &Server, connections: usize, duration: Duration) -> anyhow::Result<f64> {
    let client = client()?;
    let url = format!("{}/api/v1/complaints", server.base);
    let started = Instant::now();
    let deadline = started + duration;
    let workers = (0..connections).map(|worker| {
        let (client, url, token) = (client.clone(), url.clone(), server.token.clone());
        tokio::spawn(async move {
            let mut ok = 0u64;
            let mut n = worker as u64 * 1_000_000;
            while Instant::now() < deadline {
                n += 1;
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&filing_body(n))
                    .send()
                    .await;
                if let Ok(response) = sent {
                    if response.status().as_u16() == 201 {
                        ok += 1;
                    }
                    let _ = response.bytes().await;
                }
            }
            ok
        })
    });
    let mut ok = 0;
    for worker in futures::future::join_all(workers).await {
        ok += worker.unwrap_or(0);
    }
    Ok(ok as f64 / started.elapsed().as_secs_f64())
}

/// Open loop: `rate` filings per second for `duration`.
async fn offer(
    server: &Server,
    label: String,
    rate: f64,
    duration: Duration,
    connections: usize,
) -> anyhow::Result<LoadFigures> {
    let client = client()?;
    let url = Arc::new(format!("{}/api/v1/complaints", server.base));
    let token = Arc::new(server.token.clone());
    let outstanding = Arc::new(Semaphore::new(connections));
    let total = (rate * duration.as_secs_f64()) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1e-9));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = started + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due).await;
        let permit = Arc::clone(&outstanding)
            .acquire_owned()
            .await
            .context("the generator's connection slots are gone")?;
        let (client, url, token) = (client.clone(), Arc::clone(&url), Arc::clone(&token));
        tasks.push(tokio::spawn(async move {
            let answer = client
                .post(url.as_str())
                .bearer_auth(token.as_str())
                .json(&filing_body(50_000_000 + n))
                .send()
                .await;
            let status = match answer {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let _ = response.bytes().await;
                    status
                }
                Err(_) => 0,
            };
            drop(permit);
            (status, due.elapsed())
        }));
    }
    let mut figures = LoadFigures {
        label,
        offered_per_sec: rate,
        ..LoadFigures::default()
    };
    let mut admitted = Vec::new();
    for task in tasks {
        let Ok((status, latency)) = task.await else {
            figures.other += 1;
            continue;
        };
        match status {
            201 => {
                figures.admitted += 1;
                admitted.push(latency);
            }
            503 => figures.shed += 1,
            _ => figures.other += 1,
        }
    }
    admitted.sort_unstable();
    figures.p50 = percentile(&admitted, 0.50);
    figures.p99 = percentile(&admitted, 0.99);
    figures.rss_mib = server.rss_mib();
    Ok(figures)
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * quantile).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// Runs the whole benchmark and prints its table.
pub async fn bench_overload(args: &OverloadBenchArgs) -> anyhow::Result<()> {
    if [args.connections, args.open_connections, args.max_in_flight].contains(&0)
        || args.duration == 0
    {
        bail!(
            "--connections, --open-connections, --duration and --max-in-flight must be at least 1"
        );
    }
    if args.max_in_flight > NO_SHEDDING / 10 {
        bail!("--max-in-flight must be at most {}", NO_SHEDDING / 10);
    }
    let duration = Duration::from_secs(args.duration);
    let server = Server::start(args.max_in_flight).await?;
    let idle_rss = server.rss_mib();
    let capacity = capacity(&server, args.connections, duration).await?;
    if capacity < 1.0 {
        bail!("the server answered no filing: is the officer registered?");
    }
    let mut loads = Vec::new();
    for multiple in [1.0, 2.0, 4.0] {
        let label = format!("{multiple:.0}x, shedding at {}", args.max_in_flight);
        let rate = capacity * multiple;
        loads.push(offer(&server, label, rate, duration, args.open_connections).await?);
    }
    server.stop().await;
    let baseline = Server::start(NO_SHEDDING).await?;
    let label = "4x, no shedding (baseline)".to_owned();
    let rate = capacity * 4.0;
    loads.push(offer(&baseline, label, rate, duration, args.open_connections).await?);
    baseline.stop().await;

    println!(
        "markaz bench overload: filings, {} s per load, server in its own process",
        args.duration
    );
    if cfg!(debug_assertions) {
        println!("warning: a debug build; measure with --release");
    }
    println!(
        "capacity (closed loop, {} connections): {capacity:.0} filings/s; server RSS idle {}",
        args.connections,
        mib(idle_rss)
    );
    println!(
        "{:<30} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>10}",
        "offered load", "per s", "admitted", "shed %", "other %", "p50 ms", "p99 ms", "RSS"
    );
    for load in &loads {
        println!(
            "{:<30} {:>9.0} {:>9} {:>8.1} {:>8.1} {:>9.1} {:>9.1} {:>10}",
            load.label,
            load.offered_per_sec,
            load.admitted,
            load.share(load.shed),
            load.share(load.other),
            load.p50.as_secs_f64() * 1e3,
            load.p99.as_secs_f64() * 1e3,
            mib(load.rss_mib),
        );
    }
    let one = loads[0].p99.as_secs_f64().max(1e-9);
    println!(
        "p99 of admitted filings at 4x / at 1x: {:.2} with shedding, {:.2} without",
        loads[2].p99.as_secs_f64() / one,
        loads[3].p99.as_secs_f64() / one
    );
    Ok(())
}

fn mib(value: Option<f64>) -> String {
    value.map_or_else(|| "?".to_owned(), |mib| format!("{mib:.1} MiB"))
}
