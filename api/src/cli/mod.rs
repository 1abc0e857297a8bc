//! The `markaz` command line: option parsing, configuration, dispatch.
//!
//! Errors here are `anyhow`: this is the binary's edge, where every failure
//! ends as one message on standard error and a non-zero exit status.

pub mod audit;
pub mod bench;
pub mod bench_overload;
mod cpu_split;
pub mod demo;
mod load_generator;
pub mod notifications;
pub mod officers;
pub mod projections;
pub mod serve;
pub mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, FileConfig, LogFormat, Overrides};
use crate::logging;

/// Markaz: case tracking for Police Khidmat Markaz service centres.
///
/// Every option may also be set with an environment variable (shown in
/// brackets) or in the TOML file given with --config; a flag beats the
/// environment, which beats the file, which beats the default.
#[derive(Debug, Parser)]
#[command(name = "markaz", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML configuration file; its keys are the long option names with
    /// underscores (data_dir, listen, store, catalogue, reopen_window_days,
    /// min_position_wait_ms, ready_max_lag, shutdown_grace_secs, log_format,
    /// public_rate_limit, unknown_code_limit, staff_rate_limit, max_tracked_clients,
    /// trusted_proxies (a list), admin_listen, header_read_timeout_secs,
    /// request_timeout_secs, max_in_flight, max_connections,
    /// max_event_streams, max_event_streams_per_officer, time_zone, a
    /// [markaz_time_zones] table of CODE = "Zone/Name", and the [escalation]
    /// and [notifications] tables of docs/operations.md and
    /// docs/notifications.md)
    #[arg(long, global = true, env = "MARKAZ_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory of the embedded event log, read models and idempotency
    /// records [default: ./data]
    #[arg(long, global = true, env = "MARKAZ_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Event store: `sqlite` (embedded, in the data directory) or an
    /// EventStoreDB URL such as esdb://localhost:2113?tls=false [default: sqlite]
    #[arg(long, global = true, env = "MARKAZ_STORE", value_name = "STORE")]
    pub store: Option<String>,
    /// Category catalogue (TOML [[category]] tables) replacing the built-in one
    #[arg(long, global = true, env = "MARKAZ_CATALOGUE", value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// Service catalogue (TOML [[service]] tables) replacing the built-in one
    #[arg(
        long,
        global = true,
        env = "MARKAZ_SERVICE_CATALOGUE",
        value_name = "FILE"
    )]
    pub service_catalogue: Option<PathBuf>,
    /// Days after resolution during which a complaint may be reopened [default: 30]
    #[arg(
        long,
        global = true,
        env = "MARKAZ_REOPEN_WINDOW_DAYS",
        value_name = "DAYS"
    )]
    pub reopen_window_days: Option<u32>,
    /// Log format on standard error [default: human]
    #[arg(long, global = true, env = "MARKAZ_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Time zone (IANA name) whose days and months performance figures count
    /// in; markaz in other zones are set in the file's [markaz_time_zones].
    /// Changing it needs `markaz projections rebuild` [default: Asia/Karachi]
    #[arg(long, global = true, env = "MARKAZ_TIME_ZONE", value_name = "ZONE")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API, the projections and the event store in one process
    Serve(Box<serve::ServeArgs>),
    /// Register, list and revoke officers
    #[command(subcommand)]
    Officers(officers::OfficersCommand),
    /// Maintain the read models
    #[command(subcommand)]
    Projections(projections::ProjectionsCommand),
    /// List the messages to complainants not sent, and retry those given up on
    #[command(subcommand)]
    Notifications(notifications::NotificationsCommand),
    #[command(flatten)]
    Audit(audit::AuditCommand),
    #[command(flatten)]
    Demo(demo::DemoCommand),
    #[command(flatten)]
    Bench(bench::BenchCommand),
    #[command(flatten)]
    Transfer(transfer::TransferCommand),
}

impl Cli {
    /// Merges the command line and environment over the configuration file.
    pub fn config(&self) -> anyhow::Result<Config> {
        let file = match &self.global.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        let mut overrides = Overrides {
            data_dir: self.global.data_dir.clone(),
            store: self.global.store.clone(),
            catalogue: self.global.catalogue.clone(),
            service_catalogue: self.global.service_catalogue.clone(),
            reopen_window_days: self.global.reopen_window_days,
            log_format: self.global.log_format,
            time_zone: self.global.time_zone.clone(),
            ..Overrides::default()
        };
        if let Command::Serve(serve) = &self.command {
            serve.add_overrides(&mut overrides);
        }
        Ok(overrides.resolve(file)?)
    }
}

/// Entry point of the `markaz` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config()?;
    logging::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(dispatch(cli.command, config))
}

async fn dispatch(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(config, *args).await,
        Command::Officers(command) => officers::run(command, &config).await,
        Command::Projections(command) => projections::run(command, &config).await,
        Command::Notifications(command) => notifications::run(command, &config).await,
        Command::Audit(command) => audit::run(command, &config).await,
        Command::Demo(command) => demo::run(command, &config).await,
        Command::Bench(command) => bench::run(command, &config).await,
        Command::Transfer(command) => transfer::run(command, &config).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn data_dir_is_accepted_before_and_after_the_subcommand() {
        let after = Cli::try_parse_from(["markaz", "serve", "--data-dir", "/tmp/x"]).unwrap();
        assert_eq!(after.config().unwrap().data_dir, PathBuf::from("/tmp/x"));
        let before = Cli::try_parse_from(["markaz", "--data-dir", "/tmp/y", "serve"]).unwrap();
        assert_eq!(before.config().unwrap().data_dir, PathBuf::from("/tmp/y"));
    }
}
