//! Accepting connections and serving HTTP/1.1 on them, with the limits that
//! keep slow or idle clients from holding the server.
//!
//! `axum::serve` builds hyper without a timer, which silently disables
//! hyper's header-read timeout: a client that sends half a request head (or
//! nothing) keeps its connection, and its file descriptor, for ever. Here
//! hyper gets tokio's timer, so a connection that has not sent a whole request
//! head within `header_read_timeout` (also while idle between two requests
//! on a kept-alive connection) is closed. A semaphore caps the connections
//! open at once: at the cap the server stops accepting, and further clients
//! wait in the kernel's listen queue rather than costing a descriptor each.
//!
//! Only HTTP/1.1 is spoken: HTTP/2 needs TLS in practice, which a reverse
//! proxy in front of Markaz terminates.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

use crate::metrics::Metrics;

/// How long to pause accepting after `accept` failed (e.g. out of file
/// descriptors), so that the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Resolves once shutdown begins (or its sender is gone).
async fn stopping(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}

/// What one listener allows.
#[derive(Clone, Debug)]
pub struct ServeLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `router` on `listener` until `stop` turns true (or its sender is
/// dropped), then lets the requests in flight finish (the caller bounds how
/// long by aborting the task).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = stopping(&mut stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopping(&mut stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "cannot accept a connection; pausing");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let open = metrics.connection_opened();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(open);
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
