//! Support for the audit and tamper tests: a data directory whose history is
//! written through the real command loop at chosen times (the HTTP API
//! always uses the clock), and direct access to the event file.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use markaz_api::config::Config;
use markaz_domain::ComplaintDecider;
use markaz_domain::{
    Actor, Catalogue, CategoryCode, Channel, Complainant, ComplaintAction, ComplaintCommand,
    ComplaintId, Description, FileComplaint, Gender, MarkazCode, OfficerId, Outcome, PersonName,
    Phone, Role, ShortText, Timestamp, TrackingCode,
};
use markaz_store::command_loop::{handle_command, CommandMeta};
use markaz_store::{EventStore, SqliteStore};
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

/// 2026-03-02T00:00:00Z, a Monday.
pub const DAY_ONE: i64 = 1_772_409_600_000_000;
pub const HOUR: i64 = 3_600_000_000;
pub const DAY: i64 = 24 * HOUR;

pub fn at(micros: i64) -> Timestamp {
    Timestamp::from_micros(micros)
}

/// A data directory with an embedded store open on it.
pub struct ScriptedLog {
    pub dir: TempDir,
    pub store: Arc<SqliteStore>,
    pub officer: OfficerId,
    next: u128,
}

impl ScriptedLog {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let store = Arc::new(SqliteStore::open(dir.path().join("events.sqlite")).expect("a store"));
        ScriptedLog {
            dir,
            store,
            officer: OfficerId(Uuid::from_u128(0xA0)),
            next: 1,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The configuration the CLI functions get.
    pub fn config(&self) -> Config {
        Config::with_data_dir(self.dir.path())
    }

    pub fn events_path(&self) -> PathBuf {
        self.dir.path().join("events.sqlite")
    }

    fn fresh(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(0x5EED_0000 + self.next)
    }

    fn actor(&self) -> Actor {
        Actor::Officer {
            id: self.officer,
            role: Role::Supervisor,
        }
    }

    async fn run(&mut self, id: ComplaintId, action: ComplaintAction, when: Timestamp) -> u64 {
        let command_id = self.fresh();
        let command = ComplaintCommand {
            command_id,
            at: when,
            actor: if matches!(action, ComplaintAction::Rate { .. }) {
                Actor::Citizen
            } else {
                self.actor()
            },
            action,
        };
        let meta = CommandMeta {
            command_id,
            at: when,
            actor: command.actor.clone(),
            correlation_id: command_id,
            causation_id: command_id,
        };
        handle_command::<ComplaintDecider>(self.store.as_ref(), &id.stream_name(), &command, &meta)
            .await
            .expect("the command is accepted")
            .version
    }

    /// Files a complaint at `when`; `female` sends it to the gender desk.
    pub async fn file(&mut self, when: Timestamp, female: bool) -> ComplaintId {
        let id = ComplaintId::from_uuid(self.fresh());
        let markaz = MarkazCode::parse("KCH").expect("a markaz");
        let category = if female { "harassment" } else { "theft_report" };
        let category = Catalogue::default()
            .get(&CategoryCode::parse(category).expect("a code"))
            .expect("a built-in category")
            .clone();
        let file = FileComplaint {
            complaint_id: id,
            tracking_code: TrackingCode::from_random(&markaz, self.next as u64 * 7919),
            markaz,
            category,
            calendar: markaz_domain::WorkingCalendar::pakistan(),
            complainant: Complainant {
                name: PersonName::parse(if female { "Bibi Amina" } else { "Abdul Wahid" })
                    .expect("a name"),
                gender: if female { Gender::Female } else { Gender::Male },
                phone: Phone::parse("03001234567").expect("a phone"),
                cnic: None,
                address: Some(ShortText::parse("Killi Kuchlak").expect("an address")),
            },
            description: Description::parse("Scripted complaint for the audit tests")
                .expect("a description"),
            location: None,
            channel: Channel::Counter,
            gender_desk_requested: false,
            contact: None,
            language: markaz_domain::Language::Urdu,
        };
        self.run(id, ComplaintAction::File(file), when).await;
        id
    }

    pub async fn acknowledge(&mut self, id: ComplaintId, when: Timestamp) -> u64 {
        let action = ComplaintAction::Acknowledge { note: None };
        self.run(id, action, when).await
    }

    pub async fn resolve(&mut self, id: ComplaintId, when: Timestamp, summary: &str) -> u64 {
        let action = ComplaintAction::Resolve {
            outcome: Outcome::Resolved,
            summary: ShortText::parse(summary).expect("a summary"),
        };
        self.run(id, action, when).await
    }

    /// Closes the store and keeps only the directory, for a server to open.
    pub fn into_dir(self) -> TempDir {
        drop(self.store);
        self.dir
    }

    pub async fn head(&self) -> u64 {
        self.store.head_position().await.expect("the store answers")
    }
}

/// A server started on an existing data directory, and a plain client.
pub struct Server {
    pub running: markaz_api::app::RunningApp,
    client: reqwest::Client,
}

impl Server {
    pub async fn start(data_dir: &Path) -> Self {
        let mut config = Config::with_data_dir(data_dir);
        config.listen = "127.0.0.1:0".parse().expect("an address");
        config.shutdown_grace = std::time::Duration::from_secs(5);
        let running = markaz_api::app::start(config)
            .await
            .expect("the app starts");
        Server {
            running,
            client: reqwest::Client::new(),
        }
    }

    /// Registers an officer and returns their token.
    pub async fn officer(&self, role: Role, markaz: Option<&str>) -> String {
        let officer = markaz_api::officers::registry::NewOfficer {
            name: PersonName::parse(&format!("Test {role}")).expect("a name"),
            role,
            markaz: markaz.map(|code| MarkazCode::parse(code).expect("a markaz")),
        };
        markaz_api::officers::registry::register(
            self.running.state.store.as_ref(),
            officer,
            Actor::System,
        )
        .await
        .expect("the officer is registered")
        .token
    }

    async fn send(&self, request: reqwest::RequestBuilder, token: Option<&str>) -> (u16, Value) {
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let url = format!("{}{path}", self.running.base_url());
        self.send(self.client.get(url), token).await
    }

    /// A GET on the operations listener (detailed health, metrics).
    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.running.admin_url());
        self.send(self.client.get(url), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let url = format!("{}{path}", self.running.base_url());
        self.send(self.client.post(url).json(body), Some(token))
            .await
    }

    pub async fn stop(self) {
        self.running.shutdown().await;
    }
}
