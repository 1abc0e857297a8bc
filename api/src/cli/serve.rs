//! `markaz serve`: runs until SIGINT or SIGTERM, then shuts down gracefully.

use anyhow::Context;
use clap::Args;

use crate::app;
use crate::config::{Config, Overrides};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "MARKAZ_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// How long a query with ?min_position= waits for the read models, in
    /// milliseconds, before answering 503 [default: 5000]
    #[arg(long, env = "MARKAZ_MIN_POSITION_WAIT_MS", value_name = "MS")]
    pub min_position_wait_ms: Option<u64>,
    /// Projection lag (events) above which /readyz answers 503 [default: 10000]
    #[arg(long, env = "MARKAZ_READY_MAX_LAG", value_name = "EVENTS")]
    pub ready_max_lag: Option<u64>,
    /// Seconds to let requests in flight finish on shutdown [default: 30]
    #[arg(long, env = "MARKAZ_SHUTDOWN_GRACE_SECS", value_name = "SECS")]
    pub shutdown_grace_secs: Option<u64>,
}

impl ServeArgs {
    pub fn add_overrides(&self, overrides: &mut Overrides) {
        overrides.listen = self.listen.clone();
        overrides.min_position_wait_ms = self.min_position_wait_ms;
        overrides.ready_max_lag = self.ready_max_lag;
        overrides.shutdown_grace_secs = self.shutdown_grace_secs;
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let running = app::start(config).await.context("markaz could not start")?;
    println!("markaz listening on {}", running.base_url());
    shutdown_signal().await?;
    tracing::info!("shutdown requested; finishing requests in flight");
    running.shutdown().await;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot listen for SIGINT")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}
