//! Settings of the EventStoreDB backend, parsing of connection strings and
//! creation of the client (with the TLS crypto provider installed first).

use std::sync::Once;
use std::time::Duration;

use kurrentdb::{Client, ClientSettings};

use crate::contract::StoreError;

/// The stream prefixes Markaz writes to; everything else in `$all` is ignored.
pub const DEFAULT_STREAM_PREFIXES: [&str; 6] = [
    "complaint-",
    "officer-",
    "access-",
    "seal-",
    // The outbox's messages to complainants.
    "notification-",
    "service-",
];

/// How the backend talks to the server. The defaults suit a LAN cluster.
#[derive(Clone, Debug)]
pub struct EsdbOptions {
    /// Deadline of every single-answer call (append, reading one event).
    pub call_deadline: Duration,
    /// Deadline of a whole multi-event read (a stream page or a `$all` page).
    pub read_deadline: Duration,
    /// Attempts of a call whose outcome is unknown (deadline, leader change,
    /// server error, unavailable), each with the same event ids and the same
    /// expected revision, before `StoreError::Unavailable` is returned.
    pub max_attempts: u32,
    /// Pause before the first repeat; the n-th repeat waits n times as long.
    pub retry_delay: Duration,
    /// How often an `ExpectedVersion::Any` append re-reads the stream's end and
    /// tries again after losing a race to another writer.
    pub max_conflict_retries: u32,
    /// Consecutive failed (re)subscriptions before a feed reports an error.
    pub max_resubscribes: u32,
    /// The streams that belong to Markaz (prefix match; system streams never do).
    pub stream_prefixes: Vec<String>,
}

impl Default for EsdbOptions {
    fn default() -> Self {
        EsdbOptions {
            call_deadline: Duration::from_secs(10),
            read_deadline: Duration::from_secs(60),
            max_attempts: 4,
            retry_delay: Duration::from_millis(250),
            max_conflict_retries: 16,
            max_resubscribes: 20,
            stream_prefixes: DEFAULT_STREAM_PREFIXES.map(String::from).to_vec(),
        }
    }
}

static CRYPTO_PROVIDER: Once = Once::new();

/// Installs rustls' ring provider as the process default, once. The client
/// pulls in two providers; without a chosen default, whichever library builds
/// a TLS configuration first would panic.
pub fn install_crypto_provider() {
    CRYPTO_PROVIDER.call_once(|| {
        // An error means the program already chose a provider: that one is
        // just as good for us, so there is nothing to do.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Parses `esdb://`, `esdb+discover://`, `kurrentdb://` and
/// `kurrentdb+discover://` connection strings, single node or cluster.
pub fn parse_settings(url: &str) -> Result<ClientSettings, StoreError> {
    url.parse::<ClientSettings>().map_err(|e| {
        StoreError::InvalidRequest(format!(
            "the EventStoreDB connection string is invalid ({}): use esdb://host:2113?tls=false, kurrentdb://user:pass@h1:2113,h2:2113,h3:2113 or esdb+discover://host:2113",
            hide_password(e.message(), url)
        ))
    })
}

/// `text` with the password of connection string `url` (if any) masked, so
/// that error messages quoting the string can be logged.
fn hide_password(text: &str, url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?'])
        .next()
        .unwrap_or(after_scheme);
    let password = authority
        .rsplit_once('@')
        .and_then(|(user_info, _)| user_info.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    match password {
        Some(password) => text.replace(password, "***"),
        None => text.to_owned(),
    }
}

/// A client for `settings`. Must run inside a tokio runtime; connects lazily.
pub fn create_client(settings: ClientSettings) -> Result<Client, StoreError> {
    install_crypto_provider();
    Client::new(settings)
        .map_err(|e| StoreError::Unavailable(format!("cannot create the EventStoreDB client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_node_and_cluster_strings_parse() {
        let single = parse_settings("esdb://localhost:2113?tls=false").unwrap();
        assert_eq!(single.hosts().len(), 1);
        assert!(!single.is_secure_mode_enabled());

        let kurrent = parse_settings("kurrentdb://admin:changeit@db.example:2113").unwrap();
        assert_eq!(kurrent.hosts().len(), 1);
        assert!(kurrent.is_secure_mode_enabled());

        let cluster =
            parse_settings("esdb://h1:2113,h2:2113,h3:2113?tls=false&nodePreference=leader")
                .unwrap();
        assert_eq!(cluster.hosts().len(), 3);

        let discover = parse_settings("kurrentdb+discover://cluster.example:2113").unwrap();
        assert!(discover.is_dns_discovery_enabled());
    }

    #[test]
    fn bad_strings_are_rejected_without_echoing_secrets() {
        for bad in [
            "http://localhost:2113",
            "esdb://user:s3cret@localhost:notaport",
            "",
        ] {
            match parse_settings(bad) {
                Err(StoreError::InvalidRequest(message)) => {
                    assert!(!message.contains("s3cret"), "{message}");
                    assert!(!message.contains("ClientSettings"), "{message}");
                    assert!(message.contains("esdb://"), "{message}");
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn passwords_are_masked() {
        let url = "esdb://admin:pa55@h1:2113,h2:2113?tls=true";
        assert_eq!(
            hide_password(&format!("bad {url}"), url),
            "bad esdb://admin:***@h1:2113,h2:2113?tls=true"
        );
        let plain = "esdb://h1:2113?tls=false";
        assert_eq!(hide_password(plain, plain), plain);
        let user_only = "esdb://admin@h1:2113";
        assert_eq!(hide_password(user_only, user_only), user_only);
    }

    #[test]
    fn crypto_provider_is_installed_once() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }

    #[tokio::test]
    async fn client_is_created_without_a_reachable_server() {
        let settings = parse_settings("esdb://127.0.0.1:1?tls=false").unwrap();
        assert!(create_client(settings).is_ok());
    }
}
