//! One running Markaz: the event store, the projection runner, the officer
//! directory and the HTTP server in one process.
//!
//! `start` is what `markaz serve` runs and what the black-box tests call (on
//! port 0 with a temporary data directory); `RunningApp::shutdown` stops taking
//! requests, lets those in flight finish, stops the background tasks and
//! releases the files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use markaz_domain::{Catalogue, ServiceCatalogue};
use markaz_projections::{DatabaseError, ReadModels, RunnerError, RunnerHandle, RunnerOptions};
use markaz_store::{EventStore, SqliteStore, StoreError};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::commands::{Clock, Commands, SystemClock};
use crate::config::{Config, StoreLocation};
use crate::escalation::EscalationProcess;
use crate::http::state::{AppState, Shared};
use crate::http::{self, stream_limits::StreamLimits};
use crate::idempotency_store::{IdempotencyError, IdempotencyStore};
use crate::notifications::{FileGateway, Gateway, HttpGateway, NotificationPolicy, Outbox};
use crate::officers::OfficerDirectory;
use crate::server::{self, ServeLimits};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the event store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot read the catalogue {path}: {problem}")]
    Catalogue { path: PathBuf, problem: String },
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
    #[error("cannot open the read models: {0}; `markaz projections rebuild` recreates them")]
    ReadModels(#[from] DatabaseError),
    #[error("cannot start the projections: {0}")]
    Projections(#[from] RunnerError),
    #[error(transparent)]
    Calendar(#[from] markaz_projections::CalendarError),
    #[error("cannot listen on {addr}: {source}; choose another address with {option}")]
    Listen {
        addr: SocketAddr,
        option: &'static str,
        source: std::io::Error,
    },
}

/// Opens the event store the configuration names.
pub async fn open_store(config: &Config) -> Result<Arc<dyn EventStore>, StartError> {
    match &config.store {
        StoreLocation::Embedded => {
            std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
                path: config.data_dir.clone(),
                source,
            })?;
            Ok(Arc::new(SqliteStore::open(config.events_path())?))
        }
        StoreLocation::EventStoreDb(url) => {
            Ok(Arc::new(markaz_store::esdb::EsdbStore::connect(url).await?))
        }
    }
}

/// The catalogue file named by the configuration, or the built-in one.
pub fn load_catalogue(config: &Config) -> Result<Catalogue, StartError> {
    let Some(path) = &config.catalogue else {
        return Ok(Catalogue::default());
    };
    let problem = |problem: String| StartError::Catalogue {
        path: path.clone(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|error| problem(error.to_string()))?;
    Catalogue::from_toml_str(&text).map_err(|error| problem(error.to_string()))
}

/// The service catalogue file named by the configuration, or the built-in one.
pub fn load_service_catalogue(config: &Config) -> Result<ServiceCatalogue, StartError> {
    let Some(path) = &config.service_catalogue else {
        return Ok(ServiceCatalogue::default());
    };
    let problem = |problem: String| StartError::Catalogue {
        path: path.clone(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|error| problem(error.to_string()))?;
    ServiceCatalogue::from_toml_str(&text).map_err(|error| problem(error.to_string()))
}

/// A server started by `start`.
pub struct RunningApp {
    /// The address actually bound (useful with port 0).
    pub addr: SocketAddr,
    /// The operations listener's address (`/metrics`, detailed health).
    pub admin_addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
    /// The deadline escalation process, unless configured off.
    escalation: Option<EscalationProcess>,
    /// The outbox of messages to complainants, when configured on.
    outbox: Option<Outbox>,
}

/// Starts the outbox on the configured gateway, with tracking links on the
/// public URL (or the address served).
fn start_outbox(config: &Config, commands: &Commands, addr: SocketAddr) -> Outbox {
    let gateway: Arc<dyn Gateway> = match &config.notifications.http {
        Some(http) => Arc::new(HttpGateway::new(http.clone())),
        None => Arc::new(FileGateway::new(config.data_dir.join(SMS_OUTBOX_FILE))),
    };
    let policy = NotificationPolicy {
        link_origin: config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
        time_zone: config.calendar.default_zone(),
        ..config.notifications.policy.clone()
    };
    Outbox::start(commands.clone(), gateway, policy)
}

/// The file gateway's file in the data directory.
pub const SMS_OUTBOX_FILE: &str = "sms-outbox.jsonl";

/// Starts everything and returns once the server accepts connections.
pub async fn start(config: Config) -> Result<RunningApp, StartError> {
    start_with_clock(config, Arc::new(SystemClock)).await
}

/// `start` with another clock for commands and process managers (tests
/// move a `ManualClock` to make deadlines pass).
pub async fn start_with_clock(
    config: Config,
    clock: Arc<dyn Clock>,
) -> Result<RunningApp, StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let catalogue = Arc::new(load_catalogue(&config)?);
    let services = Arc::new(load_service_catalogue(&config)?);
    let metrics = Arc::new(crate::metrics::Metrics::default());
    // Appends are counted for /metrics whatever the backend.
    let store = metrics.meter_store(open_store(&config).await?);
    let officers = OfficerDirectory::load(Arc::clone(&store)).await?;
    let idempotency = IdempotencyStore::open(&config.idempotency_path())?;
    let read_models = ReadModels::open(config.read_models_path())?;
    markaz_projections::performance::adopt(&config.read_models_path(), &config.calendar)?;
    let projections = Arc::new(RunnerHandle::start(
        Arc::clone(&store),
        config.read_models_path(),
        RunnerOptions::default(),
    )?);
    let (shutdown, shutdown_seen) = watch::channel(false);
    let background = vec![tokio::spawn(
        Arc::clone(&officers).follow(shutdown_seen.clone()),
    )];
    let rate_limits = Arc::new(http::rate_limit::RateLimits::with_capacity(
        http::rate_limit::RateLimitPolicy::new(config.public_rate_limit, config.unknown_code_limit)
            .with_staff(config.staff_rate_limit),
        config.trusted_proxies.clone(),
        config.max_tracked_clients,
    ));
    let streams = StreamLimits::new(
        config.limits.max_event_streams,
        config.limits.max_event_streams_per_officer,
    );
    let state = AppState::new(Shared {
        config: Arc::new(config),
        commands: Commands::new(Arc::clone(&store), clock),
        store,
        officers,
        idempotency,
        catalogue,
        services,
        read_models,
        projections,
        metrics,
        rate_limits,
        streams,
        shutdown: shutdown_seen.clone(),
    });
    let (listener, addr) = bind(state.config.listen, "--listen").await?;
    let (admin_listener, admin_addr) = bind(state.config.admin_listen, "--admin-listen").await?;
    let limits = ServeLimits {
        header_read_timeout: state.config.limits.header_read_timeout,
        max_connections: state.config.limits.max_connections,
    };
    let public = tokio::spawn(server::serve(
        listener,
        http::router::build(state.clone()),
        limits.clone(),
        Arc::clone(&state.metrics),
        shutdown_seen.clone(),
    ));
    let admin = tokio::spawn(server::serve(
        admin_listener,
        http::admin::build(state.clone()),
        limits,
        Arc::clone(&state.metrics),
        shutdown_seen,
    ));
    let server = tokio::spawn(async move {
        let (public, admin) = tokio::join!(public, admin);
        for served in [public, admin] {
            served.map_err(std::io::Error::other)??;
        }
        Ok(())
    });
    let outbox = state
        .config
        .notifications
        .policy
        .enabled
        .then(|| start_outbox(&state.config, &state.commands, addr));
    if let Some(outbox) = &outbox {
        state.metrics.follow_outbox(outbox.watch());
    }
    let escalation =
        state.config.escalation.enabled.then(|| {
            EscalationProcess::start(state.commands.clone(), state.config.escalation.clone())
        });
    tracing::info!(%addr, %admin_addr, data_dir = %state.config.data_dir.display(), "markaz is serving");
    Ok(RunningApp {
        addr,
        admin_addr,
        state,
        shutdown,
        server,
        background,
        escalation,
        outbox,
    })
}

/// Binds a listener; `option` names the setting to change when it fails.
async fn bind(
    address: SocketAddr,
    option: &'static str,
) -> Result<(TcpListener, SocketAddr), StartError> {
    let failed = |source| StartError::Listen {
        addr: address,
        option,
        source,
    };
    let listener = TcpListener::bind(address).await.map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    Ok((listener, bound))
}

impl RunningApp {
    /// The base URL of the server, e.g. `http://127.0.0.1:43117`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of the operations listener.
    pub fn admin_url(&self) -> String {
        format!("http://{}", self.admin_addr)
    }

    /// The deadline escalation process, when it runs.
    pub fn escalation(&self) -> Option<&EscalationProcess> {
        self.escalation.as_ref()
    }

    /// The outbox, when it runs.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// Stops taking new requests, waits (up to the configured grace period)
    /// for requests in flight, then stops the background tasks.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        if let Some(escalation) = self.escalation {
            escalation.stop().await;
        }
        if let Some(outbox) = self.outbox {
            outbox.stop().await;
        }
        let grace = self.state.config.shutdown_grace;
        let mut server = self.server;
        match tokio::time::timeout(grace, &mut server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::error!(%error, "the HTTP server failed"),
            Ok(Err(error)) => tracing::error!(%error, "the HTTP server task failed"),
            Err(_) => {
                tracing::warn!(
                    ?grace,
                    "requests still running after the grace period; aborting them"
                );
                server.abort();
            }
        }
        for task in self.background {
            if let Err(error) = task.await {
                tracing::error!(%error, "a background task failed");
            }
        }
        // The server and its clones of the state are gone: stop the runner
        // (a batch in progress commits or rolls back as a whole).
        // If a clone is still held somewhere, the runner stops when the last
        // one is dropped instead.
        let runner = self
            .state
            .into_shared()
            .and_then(|shared| Arc::try_unwrap(shared.projections).ok());
        if let Some(runner) = runner {
            runner.stop().await;
        }
        tracing::info!("markaz stopped");
    }
}
