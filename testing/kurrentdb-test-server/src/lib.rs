//! A KurrentDB (EventStoreDB) test server: the gRPC protocol of the
//! `kurrentdb` client crate, generated from that crate's own `.proto` files,
//! answered from an in-memory log on an ephemeral loopback port.
//!
//! It reproduces what the Markaz backend relies on: appends with expected
//! revisions (wrong versions answered in the reply, idempotent repeats),
//! byte-offset-like positions, stream and `$all` reads, filtered catch-up
//! subscriptions to `$all` with checkpoints and live delivery, soft delete and
//! tombstone, `$`-typed system events, `ServerFeatures` (or its absence), and
//! faults a test switches on. See docs/testing.md for what it does not do.
//!
//! ```no_run
//! let server = kurrentdb_test_server::TestServer::start();
//! let url = server.url(); // esdb://127.0.0.1:PORT?tls=false
//! ```

mod faults;
mod log;
pub mod proto;
mod streams;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, watch};
use tonic::{Request, Response, Status};

pub use faults::{Failure, Faults};
pub use streams::Stats;

use proto::event_store::client::server_features::{
    server_features_server, SupportedMethod, SupportedMethods,
};
use proto::event_store::client::streams::streams_server::StreamsServer;

/// The server version a real node of the client's generation reports.
const SERVER_VERSION: &str = "24.10.0";

/// How the server answers `ServerFeatures.GetSupportedMethods`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Features {
    /// The methods and version a 24.10 node lists.
    #[default]
    Advertised,
    /// `Unimplemented`, as servers before 21.10 answer (the client then
    /// assumes defaults).
    Unimplemented,
}

/// Options of a server.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub features: Features,
    /// Keep the log in this file (JSON lines), reading back what is there:
    /// a server started again on it has the same log. In memory if `None`.
    pub file: Option<std::path::PathBuf>,
}

/// A running server; it stops when dropped.
pub struct TestServer {
    address: SocketAddr,
    faults: Faults,
    stats: Arc<Stats>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts a server with the default configuration.
    pub fn start() -> TestServer {
        TestServer::start_with(Config::default())
    }

    /// Starts a server on its own thread and runtime (so it outlives the
    /// caller's runtime and works from synchronous code), on 127.0.0.1 and a
    /// port the system chooses.
    pub fn start_with(config: Config) -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let address = listener.local_addr().expect("the bound address");
        let faults = Faults::new(address.port());
        let stats = Arc::new(Stats::default());
        let (length, _) = watch::channel(0);
        let log = match &config.file {
            Some(path) => log::Log::open(path).unwrap_or_else(|error| {
                panic!(
                    "cannot open the test server's file {}: {error}",
                    path.display()
                )
            }),
            None => log::Log::new(),
        };
        let shared = streams::Shared {
            log: Arc::new(Mutex::new(log)),
            length,
            faults: faults.clone(),
            stats: Arc::clone(&stats),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(format!("kurrentdb-test-server-{}", address.port()))
            .spawn(move || serve(listener, shared, config, stopped))
            .expect("start the server thread");
        TestServer {
            address,
            faults,
            stats,
            stop: Some(stop),
        }
    }

    /// The loopback address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A connection string for the client: `esdb://127.0.0.1:PORT?tls=false`.
    pub fn url(&self) -> String {
        format!("esdb://{}?tls=false", self.address)
    }

    /// The switchboard of injected faults.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// What the clients have done so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already have stopped; nothing is left to do then.
            let _ = stop.send(());
        }
    }
}

fn serve(
    listener: std::net::TcpListener,
    shared: streams::Shared,
    config: Config,
    stopped: oneshot::Receiver<()>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the server runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("adopt the listener");
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        let result = tonic::transport::Server::builder()
            .add_service(StreamsServer::new(streams::StreamsService { shared }))
            .add_service(server_features_server::ServerFeaturesServer::new(
                FeaturesService { config },
            ))
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stopped.await;
            })
            .await;
        if let Err(error) = result {
            eprintln!("the KurrentDB test server stopped: {error}");
        }
    });
}

struct FeaturesService {
    config: Config,
}

#[tonic::async_trait]
impl server_features_server::ServerFeatures for FeaturesService {
    async fn get_supported_methods(
        &self,
        _request: Request<()>,
    ) -> Result<Response<SupportedMethods>, Status> {
        if self.config.features == Features::Unimplemented {
            return Err(Status::unimplemented("ServerFeatures is not implemented"));
        }
        let streams = "event_store.client.streams.streams";
        let methods = ["read", "append", "delete", "tombstone"]
            .into_iter()
            .map(|name| SupportedMethod {
                method_name: name.to_owned(),
                service_name: streams.to_owned(),
                features: Vec::new(),
            })
            .chain(std::iter::once(SupportedMethod {
                method_name: "getsupportedmethods".to_owned(),
                service_name: "event_store.client.server_features.serverfeatures".to_owned(),
                features: Vec::new(),
            }))
            .collect();
        Ok(Response::new(SupportedMethods {
            methods,
            event_store_server_version: SERVER_VERSION.to_owned(),
        }))
    }
}

/// The server a test runs against: the one `MARKAZ_ESDB_URL` names when it is
/// set (a real node), otherwise a fresh test server that lives as long as this.
pub struct Target {
    url: String,
    server: Option<TestServer>,
}

impl Target {
    /// `MARKAZ_ESDB_URL`, or a new test server.
    pub fn from_env() -> Target {
        match std::env::var("MARKAZ_ESDB_URL") {
            Ok(url) if !url.is_empty() => Target { url, server: None },
            _ => {
                let server = TestServer::start();
                Target {
                    url: server.url(),
                    server: Some(server),
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The test server, when this target is one (fault injection needs it).
    pub fn server(&self) -> Option<&TestServer> {
        self.server.as_ref()
    }
}
