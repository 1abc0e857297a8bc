//! `markaz audit show|access|performance|verify|seal` and `markaz keys
//! generate`: the auditor's commands.
//!
//! They work on the data directory (or EventStoreDB) directly, with or
//! without a server running on it. Answers are printed as JSON, the same
//! JSON the HTTP endpoints give. Each command's work is a public function
//! returning that JSON, which the tests call.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use markaz_domain::{ComplaintId, MarkazCode, Timestamp};
use markaz_projections::GroupBy;
use markaz_store::seal::{LogVerification, SealFile};
use serde_json::Value;

use crate::app::open_store;
use crate::audit::{access_log, history, keys, performance, sealing, verify};
use crate::config::Config;
use crate::officers::OfficerDirectory;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Audit the event log: past states, past figures, verification, seals
    #[command(subcommand)]
    Audit(AuditSubcommand),
    /// Manage the Ed25519 keys that sign seals
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditSubcommand {
    /// Print a complaint as it stood at a past time or version, with its
    /// events up to then (the latest state without --as-of or --version)
    Show {
        /// The complaint's id
        id: String,
        #[command(flatten)]
        point: PointArgs,
    },
    /// Print who read a complaint's gender-desk case or personal data
    Access {
        /// The complaint's id
        id: String,
    },
    /// Print performance figures as they stood at the end of a past local day,
    /// replayed from the log into a temporary file (the live read models
    /// are not touched)
    Performance(PerformanceArgs),
    /// Verify the hash chains and the seals, and name the events this build
    /// cannot decode; exits non-zero on a break or an undecodable event
    Verify(VerifyArgs),
    /// Seal the log: sign a digest of every stream's head with a key kept
    /// outside the data directory, record it in the log and print it
    Seal(SealArgs),
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct PointArgs {
    /// RFC 3339 time (2026-03-01T12:00:00Z) or a day (the end of that day, UTC)
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// The number of events to replay (1 = as filed)
    #[arg(long, value_name = "N")]
    pub version: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    Unit,
    Officer,
    Category,
    Day,
}

impl From<GroupByArg> for GroupBy {
    fn from(arg: GroupByArg) -> Self {
        match arg {
            GroupByArg::Unit => GroupBy::Unit,
            GroupByArg::Officer => GroupBy::Officer,
            GroupByArg::Category => GroupBy::Category,
            GroupByArg::Day => GroupBy::Day,
        }
    }
}

#[derive(Debug, Args)]
pub struct PerformanceArgs {
    /// The local day (YYYY-MM-DD, in the markaz's time zone) whose end the
    /// figures are taken at
    #[arg(long, value_name = "DATE")]
    pub as_of: String,
    /// The first day counted [default: the day of the first event]
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// How the figures are grouped
    #[arg(long, value_enum, default_value = "unit")]
    pub by: GroupByArg,
    /// Only this markaz
    #[arg(long, value_name = "CODE")]
    pub markaz: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Verify only this stream's chain (e.g. complaint-<uuid>)
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// A seal file kept outside the server (`markaz audit seal --out`): the
    /// log must still hold every stream head it lists
    #[arg(long, value_name = "FILE")]
    pub seal: Option<PathBuf>,
    /// A public key seals may be signed with: 64 hex digits, or a PEM file
    /// (`markaz keys generate` prints it). Repeat it for every key used
    /// since the first seal; without it, seals are only checked against the
    /// key each one names
    #[arg(long, value_name = "KEY")]
    pub public_key: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SealArgs {
    /// The signing key (`markaz keys generate --out FILE`), outside the data directory
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Also write the seal as a JSON file to keep elsewhere
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a new seal signing key (PKCS#8 PEM, mode 0600) and print its
    /// public key; keep the file outside the data directory
    Generate {
        /// Where to write the key; an existing file is never overwritten
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub async fn run(command: AuditCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        AuditCommand::Audit(command) => run_audit(command, config).await,
        AuditCommand::Keys(KeysCommand::Generate { out }) => {
            let public = generate_key(config, &out)?;
            println!("wrote the signing key to {}", out.display());
            println!("public key: {public}");
            println!(
                "keep the key file away from the data directory and its backups; give auditors \
                 the public key"
            );
            Ok(())
        }
    }
}

async fn run_audit(command: AuditSubcommand, config: &Config) -> anyhow::Result<()> {
    let output = match command {
        AuditSubcommand::Show { id, point } => show(config, &id, &point).await?,
        AuditSubcommand::Access { id } => access(config, &id).await?,
        AuditSubcommand::Performance(args) => past_performance(config, &args).await?,
        AuditSubcommand::Verify(args) => {
            let report = verify_log(config, &args).await?;
            let decoding = undecodable(config, &args).await?;
            let authenticated = !args.public_key.is_empty();
            print_json(&verify::report_json(&report, authenticated, &decoding))?;
            if let Some(broken) = &report.first_broken {
                bail!(
                    "the log failed verification at {} version {}: {}",
                    broken.stream,
                    broken.version,
                    broken.what
                );
            }
            if let Some(first) = decoding.undecodable.first() {
                bail!(
                    "{} event(s) cannot be decoded by this build, the first at position {} \
                     ({} version {}, {} v{}): {}; the projections stop in front of it until a \
                     build that reads it is deployed",
                    decoding.undecodable_count,
                    first.position,
                    first.stream,
                    first.version,
                    first.event_type,
                    first.schema_version,
                    first.reason
                );
            }
            return Ok(());
        }
        AuditSubcommand::Seal(args) => seal(config, &args).await?,
    };
    print_json(&output)
}

fn print_json(value: &Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("cannot render the answer")?;
    println!("{text}");
    Ok(())
}

fn parse_complaint_id(text: &str) -> anyhow::Result<ComplaintId> {
    uuid::Uuid::try_parse(text.trim())
        .map(ComplaintId::from_uuid)
        .map_err(|_| anyhow::anyhow!("`{text}` is not a complaint id: give the complaint's UUID"))
}

fn parse_day(option: &str, text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("{option}: `{text}` is not a day: give it as YYYY-MM-DD"))
}

/// `--as-of` as an instant: an RFC 3339 time, or the end of a day.
fn parse_as_of(text: &str) -> anyhow::Result<Timestamp> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(Timestamp::from_datetime(at.with_timezone(&chrono::Utc)));
    }
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        anyhow::anyhow!(
            "--as-of: `{text}` is not a time: give an RFC 3339 time (2026-01-31T09:00:00Z) or a \
             day (2026-01-31)"
        )
    })?;
    Ok(performance::end_of_day(day))
}

/// `markaz audit show`: the JSON of `GET /audit/complaints/{id}`.
pub async fn show(config: &Config, id: &str, point: &PointArgs) -> anyhow::Result<Value> {
    let id = parse_complaint_id(id)?;
    let point = match (&point.as_of, point.version) {
        (Some(text), _) => history::PointInTime::AsOf(parse_as_of(text)?),
        (None, Some(version)) => history::PointInTime::Version(version),
        (None, None) => history::PointInTime::Latest,
    };
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    let past = history::complaint_at(store.as_ref(), id, point).await?;
    let officers = OfficerDirectory::load(store)
        .await
        .context("cannot read the officers")?;
    Ok(history::past_complaint_json(&past, &officers))
}

/// `markaz audit access`: the JSON of `GET /audit/complaints/{id}/access`
/// (or of the service-request one, for a request's id), whole, from a scan of
/// the log (no read models needed).
pub async fn access(config: &Config, id: &str) -> anyhow::Result<Value> {
    let id = parse_complaint_id(id)?.as_uuid();
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    let (case, entries) = access_log::list(store.as_ref(), id).await?;
    let officers = OfficerDirectory::load(store)
        .await
        .context("cannot read the officers")?;
    Ok(access_log::entries_json(case, &entries, None, &officers))
}

/// `markaz audit performance`: figures at the end of `--as-of`.
pub async fn past_performance(config: &Config, args: &PerformanceArgs) -> anyhow::Result<Value> {
    let as_of = parse_day("--as-of", &args.as_of)?;
    let from = args
        .from
        .as_deref()
        .map(|text| parse_day("--from", text))
        .transpose()?;
    let markaz = args
        .markaz
        .as_deref()
        .map(MarkazCode::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--markaz: {}", e.message()))?;
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    let figures = performance::performance_as_of(
        store,
        as_of,
        from,
        args.by.into(),
        markaz,
        &config.calendar,
        &std::env::temp_dir(),
    )
    .await?;
    serde_json::to_value(figures).context("cannot render the figures")
}

/// `markaz audit verify`: the events of the log (or of `--stream`) that this
/// build cannot decode.
pub async fn undecodable(
    config: &Config,
    args: &VerifyArgs,
) -> anyhow::Result<verify::DecodeReport> {
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    verify::undecodable_events(store.as_ref(), args.stream.as_deref())
        .await
        .context("cannot read the event log")
}

/// `markaz audit verify`: the report (the caller decides the exit status).
pub async fn verify_log(config: &Config, args: &VerifyArgs) -> anyhow::Result<LogVerification> {
    let trusted = args
        .public_key
        .iter()
        .map(|key| keys::read_public_key(key))
        .collect::<Result<Vec<_>, _>>()?;
    let kept = args
        .seal
        .as_deref()
        .map(|path| verify::read_kept_seal(path, &trusted))
        .transpose()?;
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    let report = verify::verify(
        store.as_ref(),
        args.stream.as_deref(),
        kept.as_ref(),
        &trusted,
    )
    .await?;
    Ok(report)
}

/// `markaz audit seal`: seals the log, writes `--out`, returns the seal file's JSON.
pub async fn seal(config: &Config, args: &SealArgs) -> anyhow::Result<Value> {
    keys::ensure_outside(&args.key, &config.data_dir)?;
    let key = keys::read_signing_key(&args.key)?;
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let mut walker = markaz_store::seal::LogWalker::new();
    let made = sealing::seal_now(store.as_ref(), &mut walker, &key, now).await?;
    let file = SealFile::from(&made.seal);
    let text = serde_json::to_string_pretty(&file).context("cannot render the seal")?;
    if let Some(out) = &args.out {
        write_new_file(out, &text)?;
    }
    let mut value = serde_json::to_value(&file).context("cannot render the seal")?;
    value["seal_event"] = serde_json::json!({
        "stream": markaz_domain::audit::SEAL_STREAM,
        "version": made.version,
        "position": made.position,
    });
    Ok(value)
}

fn write_new_file(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot create {}: give a path that does not exist yet",
                path.display()
            )
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `markaz keys generate`: writes the key, returns the public key in hex.
pub fn generate_key(config: &Config, out: &Path) -> anyhow::Result<String> {
    keys::ensure_outside(out, &config.data_dir)?;
    let key = keys::generate()?;
    keys::write_signing_key(out, &key)?;
    Ok(hex::encode(key.verifying_key().as_bytes()))
}

/// `markaz serve --seal-key FILE --seal-every N`: a checked key, ready to
/// seal the log every N events once the server runs.
pub struct PeriodicSealing {
    key: ed25519_dalek::SigningKey,
    every: u64,
}

impl PeriodicSealing {
    /// Checks the options and reads the key, before the server starts, so
    /// that a bad key stops it from starting rather than failing later.
    pub fn prepare(config: &Config, key: &Path, every: u64) -> anyhow::Result<Self> {
        if every == 0 {
            bail!("--seal-every must be at least 1 event");
        }
        keys::ensure_outside(key, &config.data_dir)?;
        let key = keys::read_signing_key(key)?;
        Ok(PeriodicSealing { key, every })
    }

    /// Seals the log of `running` until it shuts down.
    pub fn spawn(self, running: &crate::app::RunningApp) -> tokio::task::JoinHandle<()> {
        tracing::info!(
            every = self.every,
            public_key = %hex::encode(self.key.verifying_key().as_bytes()),
            "sealing the event log periodically"
        );
        tokio::spawn(sealing::run_periodic(
            std::sync::Arc::clone(&running.state.store),
            self.key,
            self.every,
            running.state.shutdown.clone(),
        ))
    }
}
