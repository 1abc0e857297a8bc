//! `markaz notifications list|retry`: the operator's view of the outbox.
//! `list` reads the log and shows the messages still being tried and those
//! given up on; `retry` asks for a message given up on to be tried again (a
//! running server's outbox sends it at once).

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use clap::Subcommand;
use markaz_domain::{
    evolve_notification, Actor, NotificationAction, NotificationCommand, NotificationEvent,
    NotificationId, NotificationState,
};
use markaz_store::command_loop::decode_recorded;
use markaz_store::log_pages::LogPages;
use markaz_store::EventStore;

use crate::app::open_store;
use crate::commands::Commands;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// List the messages not sent: still being tried, and given up on
    List {
        /// Also list the messages sent
        #[arg(long)]
        all: bool,
    },
    /// Try a message given up on again (by its id, as `list` shows it)
    Retry { id: String },
}

/// Every message in the log, as it stands.
pub async fn messages(
    store: &dyn EventStore,
) -> anyhow::Result<BTreeMap<NotificationId, NotificationState>> {
    let mut messages: BTreeMap<NotificationId, NotificationState> = BTreeMap::new();
    let mut pages = LogPages::after(store, 0);
    while let Some(page) = pages
        .next_page()
        .await
        .context("cannot read the event log")?
    {
        for recorded in &page {
            let Some(id) = NotificationId::from_stream_name(&recorded.stream) else {
                continue;
            };
            let event: NotificationEvent = decode_recorded(recorded)
                .with_context(|| format!("message {id} cannot be read"))?;
            let state = messages.remove(&id).unwrap_or_default();
            messages.insert(
                id,
                evolve_notification(state, &event, recorded.metadata.occurred_at),
            );
        }
    }
    Ok(messages)
}

pub async fn run(command: NotificationsCommand, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    match command {
        NotificationsCommand::List { all } => {
            let messages = messages(store.as_ref()).await?;
            println!("id\tstate\tcomplaint\ttemplate\tattempts\tnext attempt\tlast answer");
            for (id, message) in &messages {
                let state = if message.sent {
                    "sent"
                } else if message.given_up() {
                    "given up"
                } else {
                    "pending"
                };
                if message.sent && !all {
                    continue;
                }
                let Some(queued) = &message.queued else {
                    continue;
                };
                println!(
                    "{id}\t{state}\t{}\t{}\t{}\t{}\t{}",
                    queued.complaint_id,
                    queued.template,
                    message.attempts,
                    message
                        .next_attempt_at
                        .map_or("-".to_owned(), |at| at.to_rfc3339()),
                    message.last_answer.as_deref().unwrap_or("-"),
                );
            }
        }
        NotificationsCommand::Retry { id } => {
            let Some(id) = uuid::Uuid::try_parse(id.trim()).ok().map(NotificationId) else {
                bail!("`{id}` is not a message id: copy one from `markaz notifications list`");
            };
            let commands = Commands::with_system_clock(store);
            let command = NotificationCommand {
                command_id: uuid::Uuid::new_v4(),
                at: commands.now(),
                actor: Actor::System,
                action: NotificationAction::Retry,
            };
            commands
                .notification(id, &command)
                .await
                .with_context(|| format!("cannot retry message {id}"))?;
            println!("message {id} will be tried again");
        }
    }
    Ok(())
}
