//! `markaz serve`: runs until SIGINT or SIGTERM, then shuts down gracefully.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::audit::PeriodicSealing;
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
    /// Public requests (tracking, rating, categories) allowed per minute per
    /// client address, in bursts of up to as many [default: 60]
    #[arg(long, env = "MARKAZ_PUBLIC_RATE_LIMIT", value_name = "N")]
    pub public_rate_limit: Option<u32>,
    /// Unknown tracking codes a client address may try per 10 minutes before
    /// its tracking requests are refused [default: 10]
    #[arg(long, env = "MARKAZ_UNKNOWN_CODE_LIMIT", value_name = "N")]
    pub unknown_code_limit: Option<u32>,
    /// The markaz's name in English, printed on receipts [default: Police Khidmat Markaz]
    #[arg(long, env = "MARKAZ_MARKAZ_NAME_EN", value_name = "NAME")]
    pub markaz_name_en: Option<String>,
    /// The markaz's name in Urdu, printed on receipts [default: پولیس خدمت مرکز]
    #[arg(long, env = "MARKAZ_MARKAZ_NAME_UR", value_name = "NAME")]
    pub markaz_name_ur: Option<String>,
    /// The address citizens reach this server at, for the QR code on receipts,
    /// e.g. https://markaz.example.pk [default: the Host of each request]
    #[arg(long, env = "MARKAZ_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Seal the log with this signing key (`markaz keys generate`), kept
    /// outside the data directory, every --seal-every events
    #[arg(
        long,
        env = "MARKAZ_SEAL_KEY",
        value_name = "FILE",
        requires = "seal_every"
    )]
    pub seal_key: Option<PathBuf>,
    /// How many new events call for a new seal
    #[arg(
        long,
        env = "MARKAZ_SEAL_EVERY",
        value_name = "EVENTS",
        requires = "seal_key"
    )]
    pub seal_every: Option<u64>,
}

impl ServeArgs {
    pub fn add_overrides(&self, overrides: &mut Overrides) {
        overrides.listen = self.listen.clone();
        overrides.min_position_wait_ms = self.min_position_wait_ms;
        overrides.ready_max_lag = self.ready_max_lag;
        overrides.shutdown_grace_secs = self.shutdown_grace_secs;
        overrides.public_rate_limit = self.public_rate_limit;
        overrides.unknown_code_limit = self.unknown_code_limit;
        overrides.markaz_name_en = self.markaz_name_en.clone();
        overrides.markaz_name_ur = self.markaz_name_ur.clone();
        overrides.public_url = self.public_url.clone();
    }
}

pub async fn run(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    let sealing = match (&args.seal_key, args.seal_every) {
        (Some(key), Some(every)) => Some(
            PeriodicSealing::prepare(&config, key, every)
                .context("periodic sealing cannot start")?,
        ),
        _ => None,
    };
    let running = app::start(config).await.context("markaz could not start")?;
    let sealing = sealing.map(|sealing| sealing.spawn(&running));
    println!("markaz listening on {}", running.base_url());
    shutdown_signal().await?;
    tracing::info!("shutdown requested; finishing requests in flight");
    running.shutdown().await;
    if let Some(sealing) = sealing {
        let _ = sealing.await;
    }
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
