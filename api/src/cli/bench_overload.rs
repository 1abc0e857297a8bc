//! `markaz bench overload`: what the server does when offered more filings
//! than it can take.
//!
//! The server runs as a separate process (`markaz serve` on a fresh temporary
//! data directory, started from this same binary), so that the load
//! generator's work is not counted as the server's; the generator runs on
//! one thread of its own (see `load_generator`), so the server always has
//! the machine's other cores. The run:
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
//! memory at the end (VmRSS, and in brackets its anonymous part, RssAnon).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::cpu_split::{pin_command, CpuSplit};
use super::load_generator::{self, Pace, Target};

#[derive(Clone, Debug, Args)]
pub struct OverloadBenchArgs {
    /// Connections of the capacity measurement
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub connections: usize,
    /// Seconds of each phase
    #[arg(long, default_value_t = 10, value_name = "S")]
    pub duration: u64,
    /// The server's --max-in-flight (by default the server's default)
    #[arg(long, default_value_t = crate::config::Config::DEFAULT_MAX_IN_FLIGHT, value_name = "N")]
    pub max_in_flight: usize,
    /// Connections of the offered loads (each with one filing in flight);
    /// more than --max-in-flight, so that the server sees more than it admits
    #[arg(long, default_value_t = 512, value_name = "N")]
    pub open_connections: usize,
    /// Let the server and the load generator share every core (by default
    /// the generator gets the last core to itself and the server the rest)
    #[arg(long)]
    pub share_cores: bool,
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
    /// Pinned to `cpus` if given.
    async fn start(max_in_flight: usize, cpus: Option<Vec<usize>>) -> anyhow::Result<Server> {
        let exe = std::env::current_exe().context("cannot find this program to start a server")?;
        let data_dir =
            std::env::temp_dir().join(format!("markaz-overload-{}", uuid::Uuid::new_v4()));
        let token = add_officer(&exe, &data_dir).await?;
        let mut command = Command::new(&exe);
        if let Some(cpus) = cpus {
            pin_command(&mut command, cpus);
        }
        command
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--log-format", "json", "serve"])
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(["--public-rate-limit", "1000000000"])
            .args(["--staff-rate-limit", "1000000000"])
            .args(["--max-in-flight", &max_in_flight.to_string()])
            .env("RUST_LOG", "error");
        let (child, base) = spawn_announced(&mut command, "markaz listening on ").await?;
        Ok(Server {
            child,
            base,
            token,
            data_dir,
        })
    }

    /// The server's resident memory, in MiB: all of it (VmRSS) and its
    /// anonymous part (RssAnon: the heap and stacks). The rest is mostly the
    /// read-model file's pages that the readers map (reclaimable page
    /// cache, growing with the data the queries touch, not with the load).
    fn memory(&self) -> Option<Memory> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| -> Option<f64> {
            let kib: f64 = status
                .lines()
                .find_map(|line| line.strip_prefix(name))?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(kib / 1024.0)
        };
        Some(Memory {
            rss_mib: field("VmRSS:")?,
            anon_mib: field("RssAnon:")?,
        })
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

/// Answers per second of a bare axum router (`markaz bench bare-route`, in a
/// process of its own on the server's cores) to the same requests, which it
/// answers at once with 404: what an HTTP exchange alone costs here.
async fn bare_answers(
    cpus: Option<Vec<usize>>,
    connections: usize,
    duration: Duration,
    generator_cpu: Option<usize>,
) -> anyhow::Result<f64> {
    let exe = std::env::current_exe().context("cannot find this program")?;
    let mut command = Command::new(&exe);
    if let Some(cpus) = cpus {
        pin_command(&mut command, cpus);
    }
    command.args(["bench", "bare-route", "--listen", "127.0.0.1:0"]);
    let (mut child, url) = spawn_announced(&mut command, "bare route on http://").await?;
    let addr = url
        .trim_end_matches("/bare")
        .parse()
        .with_context(|| format!("the bare route's address {url:?} is not host:port"))?;
    let target = Target { addr, token: None };
    let pace = Pace::Closed { duration };
    let run = load_generator::run(target, pace, connections, 0, generator_cpu).await?;
    let _ = child.kill().await;
    let answered = run.outcomes.iter().filter(|o| o.status != 0).count();
    Ok(answered as f64 / duration.as_secs_f64())
}

/// Starts `command` and returns the process and the rest of the first line
/// of its output that starts with `prefix` (where it says it listens); the
/// rest of its output is read and dropped, so that it never blocks on it.
async fn spawn_announced(command: &mut Command, prefix: &str) -> anyhow::Result<(Child, String)> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start a benchmark process")?;
    let stdout = child.stdout.take().context("no output from the process")?;
    let mut lines = BufReader::new(stdout).lines();
    let announced = loop {
        let Some(line) = lines.next_line().await? else {
            bail!("the process stopped before it listened");
        };
        if let Some(rest) = line.strip_prefix(prefix) {
            break rest.trim().to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, announced))
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
    memory: Option<Memory>,
    /// Complaints the server held at the end (about: the capacity phase's
    /// are estimated from its rate).
    stored: u64,
    /// The share of the time the generator's thread was on a CPU.
    generator_busy: Option<f64>,
}

impl LoadFigures {
    fn sent(&self) -> u64 {
        self.admitted + self.shed + self.other
    }

    fn share(&self, count: u64) -> f64 {
        100.0 * count as f64 / self.sent().max(1) as f64
    }
}

impl Server {
    /// The filing endpoint, with the officer's token or (`refused`) without.
    fn target(&self, refused: bool) -> anyhow::Result<Target> {
        let addr = self
            .base
            .trim_start_matches("http://")
            .parse()
            .with_context(|| format!("the server's address {} is not host:port", self.base))?;
        Ok(Target {
            addr,
            token: (!refused).then(|| self.token.clone()),
        })
    }
}

/// Closed loop: answers with `status` per second over `connections`
/// connections, for filings with the officer's token or (`refused`) without.
async fn answers_per_sec(
    server: &Server,
    refused: bool,
    status: u16,
    connections: usize,
    duration: Duration,
    generator_cpu: Option<usize>,
) -> anyhow::Result<f64> {
    let pace = Pace::Closed { duration };
    let target = server.target(refused)?;
    let run = load_generator::run(target, pace, connections, 0, generator_cpu).await?;
    let answered = run.outcomes.iter().filter(|o| o.status == status).count();
    Ok(answered as f64 / duration.as_secs_f64())
}

/// Open loop: `rate` filings per second for `duration`; filing numbers start
/// at `first` so that each load files complaints of its own.
async fn offer(
    server: &Server,
    label: String,
    rate: f64,
    duration: Duration,
    connections: usize,
    first: u64,
    generator_cpu: Option<usize>,
) -> anyhow::Result<LoadFigures> {
    let pace = Pace::Open { rate, duration };
    let target = server.target(false)?;
    let run = load_generator::run(target, pace, connections, first, generator_cpu).await?;
    let mut figures = LoadFigures {
        label,
        offered_per_sec: rate,
        generator_busy: run.busy,
        ..LoadFigures::default()
    };
    let mut admitted = Vec::new();
    for outcome in run.outcomes {
        match outcome.status {
            201 => {
                figures.admitted += 1;
                admitted.push(outcome.latency);
            }
            503 => figures.shed += 1,
            _ => figures.other += 1,
        }
    }
    admitted.sort_unstable();
    figures.p50 = percentile(&admitted, 0.50);
    figures.p99 = percentile(&admitted, 0.99);
    figures.memory = server.memory();
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
    let split = (!args.share_cores)
        .then(CpuSplit::of_this_process)
        .flatten();
    let server_cpus = split.as_ref().map(|split| split.server.clone());
    let generator_cpu = split.as_ref().map(|split| split.generator);
    let server = Server::start(args.max_in_flight, server_cpus.clone()).await?;
    let idle = server.memory();
    let connections = args.connections;
    let capacity =
        answers_per_sec(&server, false, 201, connections, duration, generator_cpu).await?;
    if capacity < 1.0 {
        bail!("the server answered no filing: is the officer registered?");
    }
    // What refusing costs: a filing without a token passes the same layers
    // as a shed one and is answered with a problem document too.
    let refusals =
        answers_per_sec(&server, true, 401, connections, duration, generator_cpu).await?;
    let bare = bare_answers(server_cpus.clone(), connections, duration, generator_cpu).await?;
    let mut loads = Vec::new();
    // Complaints the server holds: its memory grows with them (see the table).
    let mut stored = (capacity * duration.as_secs_f64()) as u64;
    for multiple in [1.0, 2.0, 4.0] {
        let label = format!("{multiple:.0}x, shedding at {}", args.max_in_flight);
        let rate = capacity * multiple;
        let first = 10_000_000 * multiple as u64;
        let connections = args.open_connections;
        let load = offer(
            &server,
            label,
            rate,
            duration,
            connections,
            first,
            generator_cpu,
        );
        let mut load = load.await?;
        stored += load.admitted;
        load.stored = stored;
        loads.push(load);
    }
    server.stop().await;
    let baseline = Server::start(NO_SHEDDING, server_cpus).await?;
    let label = "4x, no shedding (baseline)".to_owned();
    let rate = capacity * 4.0;
    let connections = args.open_connections;
    let load = offer(
        &baseline,
        label,
        rate,
        duration,
        connections,
        0,
        generator_cpu,
    );
    let mut load = load.await?;
    load.stored = load.admitted;
    loads.push(load);
    baseline.stop().await;

    println!(
        "markaz bench overload: filings, {} s per load, server in its own process",
        args.duration
    );
    if cfg!(debug_assertions) {
        println!("warning: a debug build; measure with --release");
    }
    match &split {
        Some(split) => println!("cores: {}", split.describe()),
        None => println!("cores: shared by the server and the load generator"),
    }
    println!(
        "capacity (closed loop, {} connections): {capacity:.0} filings/s; server RSS (anon) idle {}",
        args.connections,
        mib(idle)
    );
    println!(
        "refusals (closed loop, filings without a token, 401): {refusals:.0}/s, so a refusal \
         costs {:.2} of a filing; refusing the 3 capacities of excess at 4x would take {:.0} % \
         of the server's cores",
        capacity / refusals.max(1.0),
        100.0 * 3.0 * capacity / refusals.max(1.0)
    );
    println!(
        "bare axum router (closed loop, the same requests answered 404 at once): {bare:.0}/s, \
         so a bare HTTP exchange costs {:.2} of a filing",
        capacity / bare.max(1.0)
    );
    println!(
        "{:<30} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>16} {:>8} {:>9}",
        "offered load",
        "per s",
        "admitted",
        "shed %",
        "other %",
        "p50 ms",
        "p99 ms",
        "RSS (anon)",
        "stored",
        "gen busy"
    );
    for load in &loads {
        println!(
            "{:<30} {:>9.0} {:>9} {:>8.1} {:>8.1} {:>9.1} {:>9.1} {:>16} {:>8} {:>9}",
            load.label,
            load.offered_per_sec,
            load.admitted,
            load.share(load.shed),
            load.share(load.other),
            load.p50.as_secs_f64() * 1e3,
            load.p99.as_secs_f64() * 1e3,
            mib(load.memory),
            load.stored,
            load.generator_busy
                .map_or_else(|| "?".to_owned(), |busy| format!("{:.0} %", busy * 100.0)),
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

/// A server's resident memory, in MiB.
#[derive(Clone, Copy, Debug)]
struct Memory {
    rss_mib: f64,
    anon_mib: f64,
}

fn mib(memory: Option<Memory>) -> String {
    memory.map_or_else(
        || "?".to_owned(),
        |m| format!("{:.0} ({:.0}) MiB", m.rss_mib, m.anon_mib),
    )
}
