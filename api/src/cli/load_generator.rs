//! The load generator of `markaz bench overload`: filings sent over plain
//! HTTP/1.1 keep-alive connections, all from one thread.
//!
//! The generator shares the machine with the server it measures, so it is
//! built to cost little and to take at most one core:
//!
//! * it runs on its own current-thread runtime, so however hard it works the
//!   server keeps the machine's other cores;
//! * each connection is hyper's bare client connection (no pool, no
//!   redirects, no JSON parsing of the answer): a request costs a few
//!   microseconds of the generator's time;
//! * free connections take the next due filing from one shared schedule, so
//!   a filing waits in the generator only when every connection is busy,
//!   and that wait counts in its latency (measured from its due time, as
//!   `wrk2` does).

use std::cell::Cell;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::bench::filing_body;
use super::cpu_split::pin_current_thread;

/// Where the filings go.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    /// The desk officer's token; without one every filing is refused (401).
    pub token: Option<String>,
}

/// How filings are paced.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// Each connection sends its next filing as soon as the previous answer
    /// has arrived, for `duration`.
    Closed { duration: Duration },
    /// `rate` filings a second for `duration`, each sent at its due time
    /// (or as soon as a connection is free after it).
    Open { rate: f64, duration: Duration },
}

/// One filing's fate: the answer's status (0 if none came) and its latency
/// (from its due time in an open loop, from its sending in a closed one).
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub status: u16,
    pub latency: Duration,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    /// The share of the run's wall time the generator's thread was on a
    /// CPU: near 1.0, the generator itself was the limit.
    pub busy: Option<f64>,
}

/// Runs `pace` over `connections` connections on a new thread of its own
/// (pinned to `cpu` if given) and returns every filing's outcome. Filing
/// numbers start at `first`, so that each run files distinct complaints.
pub async fn run(
    target: Target,
    pace: Pace,
    connections: usize,
    first: u64,
    cpu: Option<usize>,
) -> anyhow::Result<Run> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("markaz-load".into())
        .spawn(move || {
            let _ = reply.send(generate_on_this_thread(
                &target,
                pace,
                connections,
                first,
                cpu,
            ));
        })
        .context("cannot start the load generator's thread")?;
    answer
        .await
        .context("the load generator stopped without an answer")?
}

fn generate_on_this_thread(
    target: &Target,
    pace: Pace,
    connections: usize,
    first: u64,
    cpu: Option<usize>,
) -> anyhow::Result<Run> {
    if let Some(cpu) = cpu {
        pin_current_thread(&[cpu]).context("cannot pin the load generator to its CPU")?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the load generator's runtime")?;
    let (cpu_before, started) = (thread_cpu_time(), std::time::Instant::now());
    let outcomes = runtime.block_on(generate(target, pace, connections, first));
    let busy = thread_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| (after - before).as_secs_f64() / started.elapsed().as_secs_f64());
    Ok(Run { outcomes, busy })
}

/// The CPU time the calling thread has used.
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: fills the timespec owned here.
    let result = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (result == 0).then(|| Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// The shared schedule: which filing comes next and when it is due.
struct Schedule {
    pace: Pace,
    start: Instant,
    next: Cell<u64>,
    first: u64,
}

impl Schedule {
    /// Claims the next filing: its number and due time, after waiting for
    /// the due time; `None` when the run is over.
    async fn claim(&self) -> Option<(u64, Instant)> {
        let n = self.next.get();
        self.next.set(n + 1);
        match self.pace {
            Pace::Closed { duration } => {
                let now = Instant::now();
                (now < self.start + duration).then_some((self.first + n, now))
            }
            Pace::Open { rate, duration } => {
                let total = (rate * duration.as_secs_f64()) as u64;
                if n >= total {
                    return None;
                }
                let due = self.start + Duration::from_secs_f64(n as f64 / rate);
                tokio::time::sleep_until(due).await;
                Some((self.first + n, due))
            }
        }
    }
}

async fn generate(target: &Target, pace: Pace, connections: usize, first: u64) -> Vec<Outcome> {
    let schedule = Schedule {
        pace,
        start: Instant::now(),
        next: Cell::new(0),
        first,
    };
    let workers = (0..connections).map(|_| connection(target, &schedule));
    futures::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// One keep-alive connection taking filings from the schedule until it
/// ends; reconnects after the server closes it.
async fn connection(target: &Target, schedule: &Schedule) -> Vec<Outcome> {
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    let mut outcomes = Vec::new();
    while let Some((n, due)) = schedule.claim().await {
        let status = send_filing(&mut sender, target, n)
            .await
            .unwrap_or_else(|_| {
                sender = None;
                0
            });
        outcomes.push(Outcome {
            status,
            latency: due.elapsed(),
        });
    }
    outcomes
}

/// Sends filing `n` and returns the answer's status after reading its body.
async fn send_filing(
    sender: &mut Option<SendRequest<Full<Bytes>>>,
    target: &Target,
    n: u64,
) -> anyhow::Result<u16> {
    let open = match sender.take() {
        Some(open) if !open.is_closed() => open,
        _ => connect(target.addr).await?,
    };
    let sender = sender.insert(open);
    sender.ready().await?;
    let body = serde_json::to_vec(&filing_body(n))?;
    let mut request = Request::post("/api/v1/complaints")
        .header(HOST, target.addr.to_string())
        .header(CONTENT_TYPE, "application/json");
    if let Some(token) = &target.token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = request.body(Full::new(Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    response.into_body().collect().await?;
    Ok(status)
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    // The connection's own task reads and writes the socket; it ends when
    // the sender is dropped or the server closes.
    tokio::spawn(connection);
    Ok(sender)
}
