//! `markaz export`, `import`, `migrate-store` and `backup`: taking the event
//! log out, putting it back, moving it between backends and copying it to a
//! safe place, all while a server may be running on the same data directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use markaz_domain::Timestamp;
use markaz_store::hash_chain::ChainReport;
use markaz_store::sqlite::backup::{backup_database, inspect_event_file};
use markaz_store::transfer::migrate::{check_distinct, migrate, StoreUrl};
use markaz_store::transfer::{csv, import, jsonl};
use markaz_store::EventStore;
use tokio::io::AsyncWriteExt;

use crate::app::open_store;
use crate::config::{Config, StoreLocation};

#[derive(Debug, Subcommand)]
pub enum TransferCommand {
    /// Write every event in global order (JSON Lines), or one row per
    /// complaint (CSV)
    Export(ExportArgs),
    /// Load a JSON Lines export into an empty store, keeping ids, versions
    /// and hashes, then verify it
    Import(ImportArgs),
    /// Copy a whole log from one store to another; run it again to resume
    MigrateStore(MigrateArgs),
    /// Copy the embedded store of the data directory into a new directory,
    /// consistently, while the server keeps running
    Backup(BackupArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One event per line with all its metadata, restorable with `import`
    Jsonl,
    /// One row per complaint with its lifecycle timestamps, for spreadsheets
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// JSON Lines only: start after this global position (the last position
    /// of an earlier export); 0 exports everything
    #[arg(long, value_name = "POS", default_value_t = 0)]
    pub from: u64,
    /// CSV only: judge SLA deadlines as of this RFC 3339 time [default: now]
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Write here instead of standard output (replaced only once complete)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A JSON Lines file written by `markaz export --format jsonl`
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The store to copy: a data directory, an event file (.sqlite),
    /// sqlite://PATH, or an esdb:// or kurrentdb:// URL
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The store to copy into, in the same forms
    #[arg(long, value_name = "URL")]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// A new or empty directory to write the backup into
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub async fn run(command: TransferCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        TransferCommand::Export(args) => export(args, config).await,
        TransferCommand::Import(args) => import_file(args, config).await,
        TransferCommand::MigrateStore(args) => migrate_store(args).await,
        TransferCommand::Backup(args) => {
            // The copy and its check are blocking file work.
            let config = config.clone();
            tokio::task::spawn_blocking(move || backup(args, &config))
                .await
                .context("the backup task failed")?
        }
    }
}

/// Opens the configured store, refusing to create an empty embedded one.
async fn open_existing_store(config: &Config) -> anyhow::Result<Arc<dyn EventStore>> {
    if config.store == StoreLocation::Embedded && !config.events_path().is_file() {
        bail!(
            "there is no event log at {}; give the data directory with --data-dir",
            config.events_path().display()
        );
    }
    open_store(config)
        .await
        .context("cannot open the event store")
}

fn counter(what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(what);
    bar
}

async fn export(args: ExportArgs, config: &Config) -> anyhow::Result<()> {
    if args.format == ExportFormat::Csv && args.from != 0 {
        bail!("--from applies to JSON Lines only: a CSV row needs each complaint's whole history");
    }
    if args.format == ExportFormat::Jsonl && args.as_of.is_some() {
        bail!("--as-of applies to CSV only: JSON Lines hold events, not SLA judgements");
    }
    let as_of = match &args.as_of {
        Some(text) => parse_time(text)?,
        None => Timestamp::from_datetime(chrono::Utc::now()),
    };
    let store = open_existing_store(config).await?;
    let mut out = Output::open(args.out.as_deref()).await?;
    let written = match args.format {
        ExportFormat::Jsonl => write_jsonl(store, args.from, &mut out).await,
        ExportFormat::Csv => write_csv(store, as_of, &mut out).await,
    };
    let count = match written {
        Ok(count) => count,
        Err(error) => {
            out.abandon().await;
            return Err(error);
        }
    };
    let what = match args.format {
        ExportFormat::Jsonl => "events",
        ExportFormat::Csv => "complaints",
    };
    let destination = out.finish().await?;
    eprintln!("exported {count} {what} to {destination}");
    Ok(())
}

/// Writes the JSON Lines export; returns the number of events.
async fn write_jsonl(
    store: Arc<dyn EventStore>,
    from: u64,
    out: &mut Output,
) -> anyhow::Result<u64> {
    let progress = counter("events exported");
    let mut chunks = jsonl::export(store, from);
    let mut lines = 0;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.context("the export stopped")?;
        let count = chunk.iter().filter(|byte| **byte == b'\n').count() as u64;
        out.write(&chunk).await?;
        lines += count;
        progress.inc(count);
    }
    progress.finish_and_clear();
    Ok(lines)
}

/// Writes the CSV export; returns the number of complaints.
async fn write_csv(
    store: Arc<dyn EventStore>,
    as_of: Timestamp,
    out: &mut Output,
) -> anyhow::Result<u64> {
    let rows = csv::complaint_rows(store.as_ref())
        .await
        .context("the CSV export stopped")?;
    let mut bytes = Vec::new();
    csv::write_csv(&rows, as_of, &mut bytes)?;
    out.write(&bytes).await?;
    Ok(rows.len() as u64)
}

fn parse_time(text: &str) -> anyhow::Result<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| Timestamp::from_datetime(at.to_utc()))
        .with_context(|| {
            format!("--as-of `{text}` is not an RFC 3339 time: write e.g. 2026-03-31T23:59:59Z")
        })
}

/// Standard output, or a file written beside its final name and renamed
/// into place once complete.
enum Output {
    Stdout(tokio::io::Stdout),
    File {
        file: tokio::fs::File,
        partial: PathBuf,
        path: PathBuf,
    },
}

impl Output {
    async fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        let Some(path) = path else {
            return Ok(Output::Stdout(tokio::io::stdout()));
        };
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = tokio::fs::File::create(&partial)
            .await
            .with_context(|| format!("cannot create {}", partial.display()))?;
        Ok(Output::File {
            file,
            partial,
            path: path.to_path_buf(),
        })
    }

    async fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        match self {
            Output::Stdout(stdout) => stdout
                .write_all(bytes)
                .await
                .context("cannot write to standard output"),
            Output::File { file, partial, .. } => file
                .write_all(bytes)
                .await
                .with_context(|| format!("cannot write {}", partial.display())),
        }
    }

    /// Removes the incomplete file after a failure.
    async fn abandon(self) {
        if let Output::File { partial, .. } = self {
            let _ = tokio::fs::remove_file(&partial).await;
        }
    }

    /// Flushes, syncs and renames; returns where the output went.
    async fn finish(self) -> anyhow::Result<String> {
        match self {
            Output::Stdout(mut stdout) => {
                stdout
                    .flush()
                    .await
                    .context("cannot write to standard output")?;
                Ok("standard output".to_owned())
            }
            Output::File {
                mut file,
                partial,
                path,
            } => {
                file.flush()
                    .await
                    .with_context(|| format!("cannot write {}", partial.display()))?;
                file.sync_all()
                    .await
                    .with_context(|| format!("cannot write {}", partial.display()))?;
                tokio::fs::rename(&partial, &path)
                    .await
                    .with_context(|| format!("cannot rename {} into place", partial.display()))?;
                Ok(path.display().to_string())
            }
        }
    }
}

fn chains_line(report: &ChainReport) -> String {
    format!(
        "{} streams and {} events verified",
        report.streams_checked, report.events_checked
    )
}

async fn import_file(args: ImportArgs, config: &Config) -> anyhow::Result<()> {
    if !args.file.exists() {
        bail!(
            "cannot open the export {}: no such file",
            args.file.display()
        );
    }
    if !args.file.is_file() {
        bail!(
            "{} is not a regular file: the import reads the export twice (to load, then to \
             check), so save it to a file first",
            args.file.display()
        );
    }
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    let progress = counter("lines imported");
    let report = import::import_file(store.as_ref(), &args.file, |lines| {
        progress.set_position(lines)
    })
    .await;
    progress.finish_and_clear();
    let report =
        report.with_context(|| format!("the import of {} stopped", args.file.display()))?;
    println!(
        "imported {}: {} events in the file, {} already present, {} appended; {}",
        args.file.display(),
        report.events_in_file,
        report.already_present,
        report.appended,
        chains_line(&report.verified)
    );
    Ok(())
}

async fn migrate_store(args: MigrateArgs) -> anyhow::Result<()> {
    let from = StoreUrl::parse(&args.from).context("--from")?;
    let to = StoreUrl::parse(&args.to).context("--to")?;
    check_distinct(&from, &to)?;
    if let StoreUrl::Embedded(file) = &from {
        if !file.is_file() {
            bail!("--from: there is no event log at {}", file.display());
        }
    }
    let source = from
        .open()
        .await
        .with_context(|| format!("cannot open the source {from}"))?;
    let target = to
        .open()
        .await
        .with_context(|| format!("cannot open the target {to}"))?;
    let progress = counter("events copied or matched");
    let report = migrate(source.as_ref(), target.as_ref(), |events| {
        progress.set_position(events)
    })
    .await;
    progress.finish_and_clear();
    let report = report.with_context(|| format!("the copy from {from} to {to} stopped"))?;
    println!(
        "copied {from} to {to} up to source position {}: {} events in {} streams, \
         {} already at the target, {} appended; target: {}",
        report.source_head,
        report.source_events,
        report.source_streams,
        report.already_present,
        report.copied,
        chains_line(&report.target)
    );
    if report.target.streams_checked > report.source_streams {
        println!(
            "note: the target holds {} streams that the source does not",
            report.target.streams_checked - report.source_streams
        );
    }
    Ok(())
}

/// Files of the data directory that a backup copies, in the order it copies
/// them. Idempotency records go first: each is written only after its
/// command's events are durable, so every record in the copy refers to
/// events that the (later) copy of the log holds. Read models are left out:
/// they are rebuilt from the log.
fn backup_files(config: &Config) -> [(PathBuf, bool); 2] {
    [
        (config.idempotency_path(), false),
        (config.events_path(), true),
    ]
}

fn backup(args: BackupArgs, config: &Config) -> anyhow::Result<()> {
    if let StoreLocation::EventStoreDb(_) = config.store {
        bail!(
            "backup copies the embedded store; back up an EventStoreDB cluster with its own \
             tools, or copy it to an embedded store with `markaz migrate-store`"
        );
    }
    if !config.events_path().is_file() {
        bail!(
            "there is no event log at {}; give the data directory with --data-dir",
            config.events_path().display()
        );
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut copied = Vec::new();
    for (source, required) in backup_files(config) {
        if !required && !source.is_file() {
            continue;
        }
        let name = source
            .file_name()
            .context("a data file without a name")?
            .to_owned();
        let destination = args.dir.join(&name);
        backup_database(&source, &destination)?;
        copied.push(destination);
    }
    let events = args.dir.join(
        config
            .events_path()
            .file_name()
            .context("the event file has no name")?,
    );
    let summary = inspect_event_file(&events)?;
    if let Some(broken) = &summary.chains.first_broken {
        bail!(
            "the backup {} is broken at version {} of {}: {}; the source log needs \
             `markaz audit verify`",
            events.display(),
            broken.version,
            broken.stream,
            broken.what
        );
    }
    if !summary.dense {
        bail!(
            "the backup {} has gaps in its positions; the source log needs `markaz audit verify`",
            events.display()
        );
    }
    for file in &copied {
        println!("wrote {}", file.display());
    }
    println!(
        "backup complete: {} events up to position {}; {}",
        summary.events,
        summary.head_position,
        chains_line(&summary.chains)
    );
    Ok(())
}
