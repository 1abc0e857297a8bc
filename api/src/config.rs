//! The resolved configuration of one `markaz` process.
//!
//! Every value comes from, in order of precedence: a command-line flag, its
//! `MARKAZ_...` environment variable (both handled by clap), the TOML file given
//! with `--config`, then the built-in default. `Config` is the merged result
//! that the rest of the program uses.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use markaz_projections::Calendar;

use crate::escalation::EscalationPolicy;
use crate::notifications::{HttpGatewayConfig, NotificationPolicy};
use serde::Deserialize;

/// Where the event log lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreLocation {
    /// The embedded SQLite store: `events.sqlite` in the data directory.
    Embedded,
    /// An EventStoreDB/KurrentDB cluster, e.g. `esdb://localhost:2113?tls=false`.
    EventStoreDb(String),
}

impl StoreLocation {
    /// Parses `--store`: `sqlite` (or empty) for the embedded store, an
    /// `esdb://`, `esdb+discover://` or `kurrentdb://` URL otherwise.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim();
        if text.is_empty() || text == "sqlite" {
            return Ok(StoreLocation::Embedded);
        }
        let known = [
            "esdb://",
            "esdb+discover://",
            "kurrentdb://",
            "kurrentdb+discover://",
        ];
        if known.iter().any(|scheme| text.starts_with(scheme)) {
            return Ok(StoreLocation::EventStoreDb(text.to_owned()));
        }
        Err(ConfigError::Invalid {
            option: "store",
            problem: format!(
                "`{text}` is neither `sqlite` nor an esdb:// or kurrentdb:// URL: \
                 use `sqlite` or e.g. esdb://localhost:2113?tls=false"
            ),
        })
    }
}

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The merged configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// Directory of the embedded event log, the read models and the idempotency records.
    pub data_dir: PathBuf,
    pub store: StoreLocation,
    /// A TOML category catalogue replacing the built-in one.
    pub catalogue: Option<PathBuf>,
    /// A TOML service catalogue (`[[service]]` tables) replacing the built-in one.
    pub service_catalogue: Option<PathBuf>,
    /// How many days after resolution a complaint may be reopened.
    pub reopen_window_days: u32,
    /// How long a query with `min_position` waits for the read models.
    pub min_position_wait: Duration,
    /// Projection lag (events) above which `/readyz` reports not ready.
    pub ready_max_lag: u64,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    pub log_format: LogFormat,
    /// Public requests (tracking, rating, categories) per minute per client address.
    pub public_rate_limit: u32,
    /// Unknown tracking codes a client address may try per 10 minutes.
    pub unknown_code_limit: u32,
    /// The time zone of each markaz, whose days and months the performance
    /// figures count in (changing it needs `markaz projections rebuild`).
    pub calendar: Calendar,
    /// The markaz's name as printed on receipts and shown in the pages.
    pub markaz_name: MarkazName,
    /// The address citizens reach this server at (e.g. `https://markaz.example.pk`),
    /// printed in receipts' QR codes; `None`: the `Host` of the request.
    pub public_url: Option<String>,
    /// Requests per minute per staff token.
    pub staff_rate_limit: u32,
    /// Clients (and tokens) whose rate-limit state is kept, per limit.
    pub max_tracked_clients: usize,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Address of the operations listener (`/metrics`, detailed health).
    pub admin_listen: SocketAddr,
    pub limits: ConnectionLimits,
    /// When deadline steps fall due (the `[escalation]` table of the file).
    pub escalation: EscalationPolicy,
    /// Messages to complainants (the `[notifications]` table of the file).
    pub notifications: NotificationConfig,
}

/// The outbox's settings: its rules, and the HTTP gateway if one is set
/// (otherwise messages go to `sms-outbox.jsonl` in the data directory).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotificationConfig {
    pub policy: NotificationPolicy,
    pub http: Option<HttpGatewayConfig>,
}

/// The markaz's name in both languages of its pages and receipts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkazName {
    pub en: String,
    pub ur: String,
}

impl Default for MarkazName {
    fn default() -> Self {
        MarkazName {
            en: "Police Khidmat Markaz".to_owned(),
            ur: "پولیس خدمت مرکز".to_owned(),
        }
    }
}

/// How much of the server one client, or all of them, may hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A connection that has not sent a whole request head in this time
    /// (also between requests on a kept-alive connection) is closed.
    pub header_read_timeout: Duration,
    /// A command or query not answered in this time is answered 503
    /// (the event stream and the export are excepted).
    pub request_timeout: Duration,
    /// Requests being answered at once; more are refused at once with 503.
    pub max_in_flight: usize,
    /// Open connections per listener; further ones wait in the kernel's queue.
    pub max_connections: usize,
    /// Live event streams (`GET /api/v1/events`) in all.
    pub max_event_streams: usize,
    /// Live event streams per officer.
    pub max_event_streams_per_officer: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(Config::DEFAULT_HEADER_READ_TIMEOUT_SECS),
            request_timeout: Duration::from_secs(Config::DEFAULT_REQUEST_TIMEOUT_SECS),
            max_in_flight: Config::DEFAULT_MAX_IN_FLIGHT,
            max_connections: Config::DEFAULT_MAX_CONNECTIONS,
            max_event_streams: Config::DEFAULT_MAX_EVENT_STREAMS,
            max_event_streams_per_officer: Config::DEFAULT_MAX_EVENT_STREAMS_PER_OFFICER,
        }
    }
}

impl Config {
    pub const DEFAULT_LISTEN: &'static str = "127.0.0.1:8080";
    pub const DEFAULT_DATA_DIR: &'static str = "./data";
    pub const DEFAULT_REOPEN_WINDOW_DAYS: u32 = 30;
    pub const DEFAULT_MIN_POSITION_WAIT_MS: u64 = 5_000;
    pub const DEFAULT_READY_MAX_LAG: u64 = 10_000;
    pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 30;
    pub const DEFAULT_PUBLIC_RATE_LIMIT: u32 = 60;
    pub const DEFAULT_UNKNOWN_CODE_LIMIT: u32 = 10;
    pub const DEFAULT_STAFF_RATE_LIMIT: u32 = 600;
    pub const DEFAULT_MAX_TRACKED_CLIENTS: usize = 100_000;
    /// The largest count any limit accepts.
    pub const MAX_COUNT: usize = 100_000_000;
    pub const DEFAULT_ADMIN_LISTEN: &'static str = "127.0.0.1:9090";
    pub const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 10;
    pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
    /// Low enough that at twice the filings a 2-core machine takes the
    /// admitted ones stay within a few times their latency at capacity
    /// (`markaz bench overload`, docs/benchmarks.md); a markaz's real load
    /// is far below it.
    pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
    pub const DEFAULT_MAX_CONNECTIONS: usize = 4_096;
    pub const DEFAULT_MAX_EVENT_STREAMS: usize = 500;
    pub const DEFAULT_MAX_EVENT_STREAMS_PER_OFFICER: usize = 4;

    /// The defaults, with the given data directory (what tests start from).
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            store: StoreLocation::Embedded,
            catalogue: None,
            service_catalogue: None,
            reopen_window_days: Self::DEFAULT_REOPEN_WINDOW_DAYS,
            min_position_wait: Duration::from_millis(Self::DEFAULT_MIN_POSITION_WAIT_MS),
            ready_max_lag: Self::DEFAULT_READY_MAX_LAG,
            shutdown_grace: Duration::from_secs(Self::DEFAULT_SHUTDOWN_GRACE_SECS),
            log_format: LogFormat::Human,
            public_rate_limit: Self::DEFAULT_PUBLIC_RATE_LIMIT,
            unknown_code_limit: Self::DEFAULT_UNKNOWN_CODE_LIMIT,
            markaz_name: MarkazName::default(),
            public_url: None,
            calendar: Calendar::default(),
            staff_rate_limit: Self::DEFAULT_STAFF_RATE_LIMIT,
            max_tracked_clients: Self::DEFAULT_MAX_TRACKED_CLIENTS,
            trusted_proxies: Vec::new(),
            // Any free port: two servers made from these defaults (tests,
            // benchmarks) must not fight over the admin port. `markaz serve`
            // resolves its own default (`DEFAULT_ADMIN_LISTEN`).
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            limits: ConnectionLimits::default(),
            escalation: EscalationPolicy::default(),
            // Off unless asked for: tests and tools made from these defaults
            // must not append messages behind their back. `markaz serve`
            // resolves its own default (on).
            notifications: NotificationConfig::default(),
        }
    }

    /// The embedded event log file.
    pub fn events_path(&self) -> PathBuf {
        self.data_dir.join("events.sqlite")
    }

    /// The read-model database.
    pub fn read_models_path(&self) -> PathBuf {
        markaz_projections::read_model_path(&self.data_dir)
    }

    /// The durable record of idempotency keys.
    pub fn idempotency_path(&self) -> PathBuf {
        self.data_dir.join("idempotency.sqlite")
    }
}

/// Declares the settings a flag (or its `MARKAZ_...` variable) and the file
/// can both give, once: the file's keys and the overrides are made from the
/// same list, and `Overrides::over` takes each from the command line if
/// given, else from the file.
macro_rules! settings {
    ($($(#[$doc:meta])* $name:ident: $ty:ty,)*) => {
        /// The `--config` file. Every key is optional; unknown keys are refused so a
        /// typo does not silently fall back to a default.
        #[derive(Clone, Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct FileConfig {
            $($(#[$doc])* pub $name: Option<$ty>,)*
            /// Markaz in another zone: `[markaz_time_zones]` with `CODE = "Zone/Name"`.
            #[serde(default)]
            pub markaz_time_zones: BTreeMap<String, String>,
            /// `[escalation]`: when deadline steps fall due.
            pub escalation: Option<EscalationFile>,
            /// `[notifications]`: messages to complainants.
            pub notifications: Option<NotificationsFile>,
        }

        /// What the command line and environment said (flags and `MARKAZ_...`
        /// variables are already merged by clap); `None` means "not given".
        #[derive(Clone, Debug, Default)]
        pub struct Overrides {
            $($(#[$doc])* pub $name: Option<$ty>,)*
        }

        impl Overrides {
            /// Each setting from the command line if given there, else from the file.
            fn over(self, file: &FileConfig) -> Overrides {
                Overrides {
                    $($name: self.$name.or_else(|| file.$name.clone()),)*
                }
            }
        }
    };
}

settings! {
    listen: String,
    data_dir: PathBuf,
    store: String,
    catalogue: PathBuf,
    service_catalogue: PathBuf,
    reopen_window_days: u32,
    min_position_wait_ms: u64,
    ready_max_lag: u64,
    shutdown_grace_secs: u64,
    log_format: LogFormat,
    public_rate_limit: u32,
    unknown_code_limit: u32,
    markaz_name_en: String,
    markaz_name_ur: String,
    public_url: String,
    /// The zone of every markaz without one of its own (IANA name).
    time_zone: String,
    staff_rate_limit: u32,
    max_tracked_clients: usize,
    trusted_proxies: Vec<String>,
    admin_listen: String,
    header_read_timeout_secs: u64,
    request_timeout_secs: u64,
    max_in_flight: usize,
    max_connections: usize,
    max_event_streams: usize,
    max_event_streams_per_officer: usize,
}

/// The `[notifications]` table of the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationsFile {
    /// Run the outbox in `markaz serve` (default true).
    pub enabled: Option<bool>,
    /// Write only about events younger than this (default 24).
    pub max_age_hours: Option<u32>,
    /// Attempts before a message is given up on (default 8).
    pub max_attempts: Option<u32>,
    /// Seconds after the first failed attempt, doubling (default 30).
    pub first_retry_secs: Option<u64>,
    /// `[notifications.http]`: send through an aggregator's HTTP API.
    pub http: Option<HttpGatewayFile>,
}

/// The `[notifications.http]` table of the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpGatewayFile {
    pub url: String,
    /// A header sent with every request, e.g. "Authorization".
    pub auth_header_name: Option<String>,
    pub auth_header_value: Option<String>,
    /// The JSON body with `{{id}}`, `{{to}}`, `{{text}}`, `{{parts}}`.
    pub body_template: Option<String>,
    /// Seconds to wait for the gateway's answer (default 10).
    pub timeout_secs: Option<u64>,
}

impl NotificationsFile {
    fn resolve(self) -> Result<NotificationConfig, ConfigError> {
        let defaults = NotificationPolicy::default();
        let invalid = |option, problem: &str| ConfigError::Invalid {
            option,
            problem: problem.to_owned(),
        };
        let max_attempts = self.max_attempts.unwrap_or(defaults.max_attempts);
        if max_attempts == 0 {
            return Err(invalid("notifications.max_attempts", "must be at least 1"));
        }
        let policy = NotificationPolicy {
            enabled: self.enabled.unwrap_or(true),
            max_age: self.max_age_hours.map_or(defaults.max_age, |hours| {
                Duration::from_secs(u64::from(hours) * 3_600)
            }),
            max_attempts,
            first_retry: self
                .first_retry_secs
                .map_or(defaults.first_retry, Duration::from_secs),
            ..defaults
        };
        let http = match self.http {
            None => None,
            Some(http) => {
                if !(http.url.starts_with("http://") || http.url.starts_with("https://")) {
                    return Err(invalid(
                        "notifications.http.url",
                        "give the gateway's http:// or https:// URL",
                    ));
                }
                let auth_header = match (http.auth_header_name, http.auth_header_value) {
                    (Some(name), Some(value)) => Some((name, value)),
                    (None, None) => None,
                    _ => {
                        return Err(invalid(
                            "notifications.http.auth_header_name",
                            "give both auth_header_name and auth_header_value, or neither",
                        ))
                    }
                };
                Some(HttpGatewayConfig {
                    url: http.url,
                    auth_header,
                    body_template: http
                        .body_template
                        .unwrap_or_else(|| HttpGatewayConfig::DEFAULT_BODY.to_owned()),
                    timeout: Duration::from_secs(http.timeout_secs.unwrap_or(10).max(1)),
                })
            }
        };
        Ok(NotificationConfig { policy, http })
    }
}

/// The `[escalation]` table of the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationFile {
    /// Run the escalation process in `markaz serve` (default true).
    pub enabled: Option<bool>,
    /// Remind at this percentage of the time to a deadline (1 to 99, 0 for
    /// no reminders; default 75).
    pub reminder_percent: Option<u8>,
    /// Hours after a missed deadline until the supervisor (default 2).
    pub supervisor_after_hours: Option<u32>,
    /// Hours after a missed deadline until the district (default 24).
    pub district_after_hours: Option<u32>,
}

impl EscalationFile {
    fn resolve(self) -> Result<EscalationPolicy, ConfigError> {
        let defaults = EscalationPolicy::default();
        let invalid = |option, problem: &str| ConfigError::Invalid {
            option,
            problem: problem.to_owned(),
        };
        let reminder_percent = match self.reminder_percent {
            None => defaults.reminder_percent,
            Some(0) => None,
            Some(percent @ 1..=99) => Some(percent),
            Some(_) => {
                return Err(invalid(
                    "escalation.reminder_percent",
                    "give 1 to 99, or 0 for no reminders",
                ))
            }
        };
        let hours = |value: Option<u32>, default: Duration| {
            value.map_or(default, |hours| {
                Duration::from_secs(u64::from(hours) * 3_600)
            })
        };
        let supervisor_after = hours(self.supervisor_after_hours, defaults.supervisor_after);
        let district_after = hours(self.district_after_hours, defaults.district_after);
        if district_after <= supervisor_after {
            return Err(invalid(
                "escalation.district_after_hours",
                "must be longer than supervisor_after_hours: the district comes after the \
                 supervisor",
            ));
        }
        Ok(EscalationPolicy {
            enabled: self.enabled.unwrap_or(defaults.enabled),
            reminder_percent,
            supervisor_after,
            district_after,
        })
    }
}

impl FileConfig {
    /// Reads and parses a TOML configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|problem| ConfigError::Parse {
            path: path.to_owned(),
            problem,
        })
    }

    /// Parses TOML text; the error says which key is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|error| error.to_string())
    }
}

impl Overrides {
    /// Merges flags/environment over the file over the defaults.
    pub fn resolve(self, file: FileConfig) -> Result<Config, ConfigError> {
        let given = self.over(&file);
        let listen_text = given
            .listen
            .unwrap_or_else(|| Config::DEFAULT_LISTEN.to_owned());
        let listen = listen_text
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Invalid {
                option: "listen",
                problem: format!(
                    "`{listen_text}` is not an address: give IP:PORT, e.g. 127.0.0.1:8080"
                ),
            })?;
        let store = match given.store {
            Some(text) => StoreLocation::parse(&text)?,
            None => StoreLocation::Embedded,
        };
        let reopen_window_days = given
            .reopen_window_days
            .unwrap_or(Config::DEFAULT_REOPEN_WINDOW_DAYS);
        if reopen_window_days == 0 {
            return Err(ConfigError::Invalid {
                option: "reopen-window-days",
                problem: "must be at least 1 day".to_owned(),
            });
        }
        let limit = |option: &'static str, value: Option<u32>, default: u32| match value {
            Some(0) => Err(ConfigError::Invalid {
                option,
                problem: "must be at least 1".to_owned(),
            }),
            other => Ok(other.unwrap_or(default)),
        };
        let public_rate_limit = limit(
            "public-rate-limit",
            given.public_rate_limit,
            Config::DEFAULT_PUBLIC_RATE_LIMIT,
        )?;
        let unknown_code_limit = limit(
            "unknown-code-limit",
            given.unknown_code_limit,
            Config::DEFAULT_UNKNOWN_CODE_LIMIT,
        )?;
        let defaults = MarkazName::default();
        let name = |option: &'static str, value: Option<String>, default: String| match value
            .map(|text| text.trim().to_owned())
        {
            Some(text) if text.is_empty() || text.chars().count() > 100 => {
                Err(ConfigError::Invalid {
                    option,
                    problem: "give a name of 1 to 100 characters".to_owned(),
                })
            }
            Some(text) => Ok(text),
            None => Ok(default),
        };
        let markaz_name = MarkazName {
            en: name("markaz-name-en", given.markaz_name_en, defaults.en)?,
            ur: name("markaz-name-ur", given.markaz_name_ur, defaults.ur)?,
        };
        let public_url = match given.public_url {
            Some(url) => Some(parse_public_url(&url)?),
            None => None,
        };
        let calendar = calendar(given.time_zone, &file.markaz_time_zones)?;
        let staff_rate_limit = limit(
            "staff-rate-limit",
            given.staff_rate_limit,
            Config::DEFAULT_STAFF_RATE_LIMIT,
        )?;
        let admin_text = given
            .admin_listen
            .unwrap_or_else(|| Config::DEFAULT_ADMIN_LISTEN.to_owned());
        let admin_listen = admin_text
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Invalid {
                option: "admin-listen",
                problem: format!(
                    "`{admin_text}` is not an address: give IP:PORT, e.g. 127.0.0.1:9090"
                ),
            })?;
        let trusted_proxies = given
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .flat_map(|text| text.split(','))
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(parse_proxy)
            .collect::<Result<Vec<_>, _>>()?;
        let count = |option: &'static str, value: Option<usize>, default: usize| match value {
            Some(0) => Err(ConfigError::Invalid {
                option,
                problem: "must be at least 1".to_owned(),
            }),
            Some(n) if n > Config::MAX_COUNT => Err(ConfigError::Invalid {
                option,
                problem: format!("must be at most {}", Config::MAX_COUNT),
            }),
            other => Ok(other.unwrap_or(default)),
        };
        let seconds = |option: &'static str, value: Option<u64>, default: u64| match value {
            Some(0) => Err(ConfigError::Invalid {
                option,
                problem: "must be at least 1 second".to_owned(),
            }),
            other => Ok(Duration::from_secs(other.unwrap_or(default))),
        };
        let max_tracked_clients = count(
            "max-tracked-clients",
            given.max_tracked_clients,
            Config::DEFAULT_MAX_TRACKED_CLIENTS,
        )?;
        let limits = ConnectionLimits {
            header_read_timeout: seconds(
                "header-read-timeout-secs",
                given.header_read_timeout_secs,
                Config::DEFAULT_HEADER_READ_TIMEOUT_SECS,
            )?,
            request_timeout: seconds(
                "request-timeout-secs",
                given.request_timeout_secs,
                Config::DEFAULT_REQUEST_TIMEOUT_SECS,
            )?,
            max_in_flight: count(
                "max-in-flight",
                given.max_in_flight,
                Config::DEFAULT_MAX_IN_FLIGHT,
            )?,
            max_connections: count(
                "max-connections",
                given.max_connections,
                Config::DEFAULT_MAX_CONNECTIONS,
            )?,
            max_event_streams: count(
                "max-event-streams",
                given.max_event_streams,
                Config::DEFAULT_MAX_EVENT_STREAMS,
            )?,
            max_event_streams_per_officer: count(
                "max-event-streams-per-officer",
                given.max_event_streams_per_officer,
                Config::DEFAULT_MAX_EVENT_STREAMS_PER_OFFICER,
            )?,
        };
        Ok(Config {
            listen,
            data_dir: given
                .data_dir
                .unwrap_or_else(|| PathBuf::from(Config::DEFAULT_DATA_DIR)),
            store,
            catalogue: given.catalogue,
            service_catalogue: given.service_catalogue,
            reopen_window_days,
            min_position_wait: Duration::from_millis(
                given
                    .min_position_wait_ms
                    .unwrap_or(Config::DEFAULT_MIN_POSITION_WAIT_MS),
            ),
            ready_max_lag: given.ready_max_lag.unwrap_or(Config::DEFAULT_READY_MAX_LAG),
            shutdown_grace: Duration::from_secs(
                given
                    .shutdown_grace_secs
                    .unwrap_or(Config::DEFAULT_SHUTDOWN_GRACE_SECS),
            ),
            log_format: given.log_format.unwrap_or(LogFormat::Human),
            public_rate_limit,
            unknown_code_limit,
            markaz_name,
            public_url,
            calendar,
            staff_rate_limit,
            max_tracked_clients,
            trusted_proxies,
            admin_listen,
            limits,
            escalation: file.escalation.unwrap_or_default().resolve()?,
            notifications: file.notifications.unwrap_or_default().resolve()?,
        })
    }
}

/// `--public-url`: an `http://` or `https://` origin, without a trailing slash.
fn parse_public_url(text: &str) -> Result<String, ConfigError> {
    let url = text.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match host {
        Some(host)
            if !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c)) =>
        {
            Ok(url.to_owned())
        }
        _ => Err(ConfigError::Invalid {
            option: "public-url",
            problem: format!(
                "`{text}` is not an origin: give e.g. https://markaz.example.pk (no path)"
            ),
        }),
    }
}

/// The calendar from the default zone and the per-markaz zones.
fn calendar(
    default: Option<String>,
    by_markaz: &BTreeMap<String, String>,
) -> Result<Calendar, ConfigError> {
    let zone = |option: &'static str, name: &str| {
        markaz_projections::performance::calendar::parse_zone(name).map_err(|error| {
            ConfigError::Invalid {
                option,
                problem: error.to_string(),
            }
        })
    };
    let mut calendar = match default {
        Some(name) => Calendar::new(zone("time-zone", &name)?),
        None => Calendar::default(),
    };
    for (markaz, name) in by_markaz {
        let code =
            markaz_domain::MarkazCode::parse(markaz).map_err(|error| ConfigError::Invalid {
                option: "markaz_time_zones",
                problem: error.to_string(),
            })?;
        calendar = calendar.with_markaz(code.as_str(), zone("markaz_time_zones", name)?);
    }
    Ok(calendar)
}

/// Parses one `--trusted-proxy`: an address (`10.0.0.5`) or a network
/// (`10.0.0.0/24`).
fn parse_proxy(text: &str) -> Result<ipnet::IpNet, ConfigError> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| ConfigError::Invalid {
            option: "trusted-proxy",
            problem: format!(
                "`{text}` is neither an address nor a network: give e.g. 10.0.0.5 or 10.0.0.0/24"
            ),
        })
}

/// Why the configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {problem}")]
    Parse { path: PathBuf, problem: String },
    #[error("option `{option}`: {problem}")]
    Invalid {
        option: &'static str,
        problem: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let file = FileConfig::parse(
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/markaz\"\nreopen_window_days = 10\n",
        )
        .unwrap();
        let overrides = Overrides {
            listen: Some("127.0.0.1:7000".to_owned()),
            ..Overrides::default()
        };
        let config = overrides.resolve(file).unwrap();
        assert_eq!(config.listen, "127.0.0.1:7000".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("/srv/markaz"));
        assert_eq!(config.reopen_window_days, 10);
        assert_eq!(config.min_position_wait, Duration::from_secs(5));
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let config = Overrides::default().resolve(FileConfig::default()).unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert_eq!(config.store, StoreLocation::Embedded);
        assert_eq!(config.log_format, LogFormat::Human);
    }

    #[test]
    fn time_zones_default_to_karachi_and_are_checked() {
        let config = Overrides::default().resolve(FileConfig::default()).unwrap();
        assert_eq!(config.calendar.describe(), "Asia/Karachi");
        let file = FileConfig::parse(
            "time_zone = \"Asia/Karachi\"\n[markaz_time_zones]\nkbl = \"Asia/Kabul\"\n",
        )
        .unwrap();
        let config = Overrides::default().resolve(file).unwrap();
        assert_eq!(config.calendar.describe(), "Asia/Karachi (KBL: Asia/Kabul)");
        let overrides = Overrides {
            time_zone: Some("Asia/Quetta".to_owned()),
            ..Overrides::default()
        };
        let error = overrides.resolve(FileConfig::default()).unwrap_err();
        assert!(error.to_string().contains("Asia/Quetta"), "{error}");
    }

    #[test]
    fn trusted_proxies_and_limits_are_read() {
        let file = FileConfig::parse(
            "trusted_proxies = [\"10.0.0.0/24\", \"192.0.2.7\"]\nmax_in_flight = 64\n",
        )
        .unwrap();
        let config = Overrides::default().resolve(file).unwrap();
        assert_eq!(config.trusted_proxies.len(), 2);
        assert!(
            config.trusted_proxies[0].contains(&"10.0.0.9".parse::<std::net::IpAddr>().unwrap())
        );
        assert!(
            config.trusted_proxies[1].contains(&"192.0.2.7".parse::<std::net::IpAddr>().unwrap())
        );
        assert_eq!(config.limits.max_in_flight, 64);
        assert_eq!(config.admin_listen, "127.0.0.1:9090".parse().unwrap());
        let overrides = Overrides {
            trusted_proxies: Some(vec!["proxy.local".to_owned()]),
            ..Overrides::default()
        };
        let error = overrides.resolve(FileConfig::default()).unwrap_err();
        assert!(error.to_string().contains("trusted-proxy"), "{error}");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let error = FileConfig::parse("lisen = \"x\"").unwrap_err();
        assert!(error.contains("lisen"), "{error}");
    }

    #[test]
    fn bad_values_say_what_to_do() {
        let overrides = Overrides {
            listen: Some("localhost".to_owned()),
            ..Overrides::default()
        };
        let error = overrides.resolve(FileConfig::default()).unwrap_err();
        assert!(error.to_string().contains("IP:PORT"), "{error}");
        let overrides = Overrides {
            public_url: Some("markaz.example.pk/track".to_owned()),
            ..Overrides::default()
        };
        let error = overrides.resolve(FileConfig::default()).unwrap_err();
        assert!(error.to_string().contains("public-url"), "{error}");
        let file = FileConfig::parse(
            "public_url = \"https://markaz.example.pk/\"\nmarkaz_name_en = \"PKM Kuchlak\"\n",
        )
        .unwrap();
        let config = Overrides::default().resolve(file).unwrap();
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://markaz.example.pk")
        );
        assert_eq!(config.markaz_name.en, "PKM Kuchlak");
        assert_eq!(config.markaz_name.ur, MarkazName::default().ur);
        assert!(StoreLocation::parse("postgres://x").is_err());
        assert_eq!(
            StoreLocation::parse("esdb://localhost:2113?tls=false").unwrap(),
            StoreLocation::EventStoreDb("esdb://localhost:2113?tls=false".to_owned())
        );
    }
}
