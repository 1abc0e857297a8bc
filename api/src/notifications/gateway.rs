//! Where messages go: one trait, a file gateway (the embedded default: one
//! JSON line per message in `sms-outbox.jsonl` of the data directory, for a
//! centre without an SMS contract or for testing), and a generic HTTP gateway
//! for an SMS aggregator (a URL, an authorization header, a JSON body
//! template).
//!
//! Every message carries its id (the notification's): a gateway that drops
//! repeats of an id makes a message sent twice (a crash between the
//! gateway's answer and its record) arrive once.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

/// One SMS to hand over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingSms {
    /// The notification id: the same on every attempt.
    pub id: String,
    /// The number in international form (`+923001234567`).
    pub to: String,
    pub text: String,
    pub parts: u8,
}

/// Why a gateway did not take a message.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The gateway answered with a refusal, or not in time: try again later.
    #[error("{0}")]
    Failed(String),
}

#[async_trait]
pub trait Gateway: Send + Sync {
    /// A short name recorded with each attempt (`file`, `http`).
    fn name(&self) -> &'static str;

    /// Hands one message over; the gateway's answer when it took it.
    async fn send(&self, sms: &OutgoingSms) -> Result<String, GatewayError>;
}

/// Appends each message to a JSON Lines file.
pub struct FileGateway {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileGateway {
    pub fn new(path: PathBuf) -> Self {
        FileGateway {
            path,
            lock: Mutex::new(()),
        }
    }
}

#[async_trait]
impl Gateway for FileGateway {
    fn name(&self) -> &'static str {
        "file"
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<String, GatewayError> {
        let line = serde_json::json!({
            "id": sms.id,
            "to": sms.to,
            "text": sms.text,
            "parts": sms.parts,
        })
        .to_string();
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| {
                writeln!(file, "{line}")?;
                file.sync_data()
            });
        written
            .map(|()| format!("written to {}", self.path.display()))
            .map_err(|error| {
                GatewayError::Failed(format!("cannot write {}: {error}", self.path.display()))
            })
    }
}

/// The HTTP gateway's settings (`[notifications.http]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpGatewayConfig {
    pub url: String,
    /// A header sent with every request, e.g. `("Authorization", "Bearer …")`.
    pub auth_header: Option<(String, String)>,
    /// The JSON body, with `{{id}}`, `{{to}}`, `{{text}}` and `{{parts}}`
    /// replaced by the message's values, JSON-escaped (so write them inside
    /// quotes, except `{{parts}}`).
    pub body_template: String,
    pub timeout: Duration,
}

impl HttpGatewayConfig {
    pub const DEFAULT_BODY: &'static str =
        r#"{"id": "{{id}}", "to": "{{to}}", "text": "{{text}}"}"#;
}

/// Posts each message to an aggregator's HTTP API; any 2xx is taken.
pub struct HttpGateway {
    config: HttpGatewayConfig,
    client: reqwest::Client,
}

impl HttpGateway {
    pub fn new(config: HttpGatewayConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        HttpGateway { config, client }
    }

    /// The request body of `sms`.
    pub fn body(&self, sms: &OutgoingSms) -> String {
        let escaped = |text: &str| {
            let quoted = serde_json::Value::from(text).to_string();
            quoted[1..quoted.len() - 1].to_owned()
        };
        self.config
            .body_template
            .replace("{{id}}", &escaped(&sms.id))
            .replace("{{to}}", &escaped(&sms.to))
            .replace("{{text}}", &escaped(&sms.text))
            .replace("{{parts}}", &sms.parts.to_string())
    }
}

#[async_trait]
impl Gateway for HttpGateway {
    fn name(&self) -> &'static str {
        "http"
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<String, GatewayError> {
        let mut request = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &sms.id)
            .body(self.body(sms));
        if let Some((name, value)) = &self.config.auth_header {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .send()
            .await
            .map_err(|error| GatewayError::Failed(short(&format!("no answer: {error}"))))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let answer = short(&format!("{} {}", status.as_u16(), text.trim()));
        if status.is_success() {
            Ok(answer)
        } else {
            Err(GatewayError::Failed(answer))
        }
    }
}

/// A gateway's answer as recorded: at most 200 characters.
fn short(text: &str) -> String {
    text.chars().take(200).collect()
}
