//! Black-box test support: `spawn_app` starts the real server in-process on
//! port 0 with its own temporary data directory, and `TestApp` speaks HTTP to
//! it. Tests share nothing but the code: each starts its own app.
//!
//! The event store is the embedded SQLite one, unless `MARKAZ_TEST_STORE=esdb`
//! or the test program's name starts with `esdb_` (tests/tests/esdb_*.rs reuse
//! the ordinary suites this way): then each app gets its own in-memory
//! KurrentDB test server, or the node `MARKAZ_ESDB_URL` names.

pub mod browser;

use std::sync::Arc;
use std::time::Duration;

use markaz_api::app::{self, RunningApp};
use markaz_api::commands::{Clock, SystemClock};
use markaz_api::config::{Config, StoreLocation};
use markaz_api::escalation::EscalationProcess;
use markaz_api::officers::registry::{self, NewOfficer};
use markaz_domain::{Actor, MarkazCode, PersonName, Role};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;

/// A running server and a client for it.
pub struct TestApp {
    pub client: reqwest::Client,
    dir: Arc<TempDir>,
    config: Config,
    running: Option<RunningApp>,
    /// The clock commands and process managers read (the system's unless a
    /// test gives its own); kept across restarts.
    clock: Arc<dyn Clock>,
    /// The EventStoreDB the app uses, if any; it outlives restarts.
    _esdb: Option<Arc<kurrentdb_test_server::Target>>,
}

/// The event store the black-box tests of this test program run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestStore {
    Sqlite,
    Esdb,
}

/// `MARKAZ_TEST_STORE` (`sqlite` or `esdb`), else `esdb` for test programs
/// named `esdb_*`, else `sqlite`.
pub fn test_store() -> TestStore {
    match std::env::var("MARKAZ_TEST_STORE").as_deref() {
        Ok("esdb") => return TestStore::Esdb,
        Ok("sqlite") => return TestStore::Sqlite,
        Ok(other) if !other.is_empty() => {
            panic!("MARKAZ_TEST_STORE is {other:?}: use sqlite or esdb")
        }
        _ => {}
    }
    let program = std::env::current_exe().ok();
    let name = program
        .as_deref()
        .and_then(|path| path.file_name())
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    if name.starts_with("esdb_") {
        TestStore::Esdb
    } else {
        TestStore::Sqlite
    }
}

/// An HTTP answer, its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The raw body, for checks that must see every byte (privacy).
    pub text: String,
    pub json: Value,
}

impl Answer {
    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        &self.json
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn expect_problem(&self, status: u16, code: &str) -> &Value {
        self.expect(status);
        let content_type = self
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        assert_eq!(content_type, "application/problem+json", "{}", self.text);
        assert_eq!(self.json["status"], status, "{}", self.text);
        assert_eq!(self.json["code"], code, "{}", self.text);
        assert!(self.json["type"].is_string(), "{}", self.text);
        assert!(self.json["title"].is_string(), "{}", self.text);
        assert!(self.json["detail"].is_string(), "{}", self.text);
        &self.json
    }
}

/// Starts a fresh app in its own temporary data directory.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, with configuration changes (kept across restarts).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with_clock(configure, Arc::new(SystemClock)).await
}

/// Like `spawn_app_with`, on a clock of the test's (a `ManualClock` makes
/// deadlines pass without waiting).
pub async fn spawn_app_with_clock(
    configure: impl FnOnce(&mut Config),
    clock: Arc<dyn Clock>,
) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("a temporary data directory"));
    let mut config = Config::with_data_dir(dir.path());
    config.listen = "127.0.0.1:0".parse().expect("an address");
    config.admin_listen = "127.0.0.1:0".parse().expect("an address");
    config.min_position_wait = Duration::from_secs(5);
    config.shutdown_grace = Duration::from_secs(5);
    let esdb = (test_store() == TestStore::Esdb).then(|| {
        let target = kurrentdb_test_server::Target::from_env();
        config.store = StoreLocation::EventStoreDb(target.url().to_owned());
        Arc::new(target)
    });
    configure(&mut config);
    let running = app::start_with_clock(config.clone(), Arc::clone(&clock))
        .await
        .expect("the app starts");
    TestApp {
        client: reqwest::Client::new(),
        dir,
        config,
        running: Some(running),
        clock,
        _esdb: esdb,
    }
}

impl TestApp {
    /// The KurrentDB test server under this app, for fault injection (`None`
    /// on SQLite, or when `MARKAZ_ESDB_URL` names a real node).
    pub fn esdb_faults(&self) -> Option<&kurrentdb_test_server::Faults> {
        let target = self._esdb.as_ref()?;
        target.server().map(|server| server.faults())
    }

    fn running(&self) -> &RunningApp {
        self.running.as_ref().expect("the app is running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running().base_url(), path)
    }

    /// A URL on the operations listener (`/metrics`, detailed health).
    pub fn admin_url(&self, path: &str) -> String {
        format!("{}{}", self.running().admin_url(), path)
    }

    /// The app's configuration (as it was started).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The app's deadline escalation process (configured on).
    pub fn escalation(&self) -> &EscalationProcess {
        self.running()
            .escalation()
            .expect("the escalation process runs")
    }

    /// The app's outbox (configured on).
    pub fn running_outbox(&self) -> &markaz_api::notifications::Outbox {
        self.running().outbox().expect("the outbox runs")
    }

    /// The running app's shared state, for tests that inject faults.
    pub fn state(&self) -> &markaz_api::http::state::AppState {
        &self.running().state
    }

    /// Stops the server gracefully and starts a new one on the same data directory.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    /// Restarts with the idempotency records gone, as if the process had
    /// died between appending a command's events and recording its answer.
    pub async fn restart_without_idempotency_records(&mut self) {
        self.stop().await;
        let records = self.config.idempotency_path();
        for suffix in ["", "-wal", "-shm"] {
            let mut path = records.clone().into_os_string();
            path.push(suffix);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => panic!("cannot remove {path:?}: {error}"),
            }
        }
        self.start().await;
    }

    async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }

    async fn start(&mut self) {
        assert!(self.dir.path().exists());
        let running = app::start_with_clock(self.config.clone(), Arc::clone(&self.clock))
            .await
            .expect("the app restarts");
        self.running = Some(running);
    }

    /// Registers an officer directly in the store (as `markaz officers add`
    /// does) and returns their bearer token.
    pub async fn officer(&self, role: Role, markaz: Option<&str>) -> String {
        let officer = NewOfficer {
            name: PersonName::parse(&format!("Test {role}")).expect("a name"),
            role,
            markaz: markaz.map(|code| MarkazCode::parse(code).expect("a markaz code")),
        };
        registry::register(self.running().state.store.as_ref(), officer, Actor::System)
            .await
            .expect("the officer is registered")
            .token
    }

    /// The position of the last event in the log.
    pub async fn running_head(&self) -> u64 {
        self.running()
            .state
            .store
            .head_position()
            .await
            .expect("the store answers")
    }

    /// How many events the log holds outside the access log. Reads append to
    /// the access log, so "this changed nothing" is judged on the rest.
    pub async fn changes_recorded(&self) -> usize {
        let store = &self.running().state.store;
        let (mut after, mut changes) = (0, 0);
        loop {
            let page = store.read_all(after, 1000).await.expect("the store reads");
            let Some(last) = page.last() else {
                return changes;
            };
            after = last.position;
            changes += page
                .iter()
                .filter(|event| !event.stream.starts_with("access-"))
                .count();
        }
    }

    /// Sends a request; `token` adds `Authorization: Bearer`, `body` is sent as JSON.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        answer(request.send().await.expect("the server answers")).await
    }

    /// Sends raw bytes with the given content type.
    pub async fn send_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await.expect("the server answers")).await
    }

    /// A GET on the operations listener.
    pub async fn admin_get(&self, path: &str) -> Answer {
        let request = self.client.get(self.admin_url(path));
        answer(request.send().await.expect("the admin listener answers")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(Method::GET, path, token, &[], None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.send(Method::POST, path, token, &[], Some(body)).await
    }

    /// Files a complaint and returns the 201 answer's body.
    pub async fn file(&self, token: &str, body: &Value) -> Value {
        self.post("/api/v1/complaints", Some(token), body)
            .await
            .expect(201)
            .clone()
    }

    /// Reads a complaint's status view once the read models include `position`.
    pub async fn status(&self, token: &str, id: &str, position: u64) -> Answer {
        self.get(
            &format!("/api/v1/complaints/{id}?min_position={position}"),
            Some(token),
        )
        .await
    }

    /// The public tracking view once the read models include `position`.
    pub async fn track(&self, code: &str, position: u64) -> Answer {
        self.get(
            &format!("/api/v1/track/{code}?min_position={position}"),
            None,
        )
        .await
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

/// A valid filing body for a male complainant (not a gender-desk case).
pub fn theft_report() -> Value {
    json!({
        "complainant": {
            "name": "Abdul Wahid",
            "gender": "male",
            "phone": "0300-1234567",
            "cnic": "54400-1234567-1",
            "address": "House 12, Killi Kuchlak"
        },
        "category": "theft_report",
        "description": "My motorcycle was stolen outside the mosque after Friday prayers.",
        "location": "Kuchlak bazaar",
        "channel": "counter"
    })
}

/// A filing that goes to the gender desk (female complainant, harassment).
pub fn harassment_report() -> Value {
    json!({
        "complainant": {
            "name": "Bibi Amina",
            "gender": "female",
            "phone": "+923331234567",
            "cnic": "54400-7654321-2",
            "address": "Street 4, Kuchlak"
        },
        "category": "harassment",
        "description": "A neighbour keeps following me to the market and calling my phone.",
        "channel": "phone"
    })
}
