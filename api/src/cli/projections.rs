//! `markaz projections rebuild`: replays the whole event log into fresh read
//! models and swaps them in atomically; a running server keeps answering and
//! picks up the new file.

use anyhow::Context;
use clap::Subcommand;

use crate::app::open_store;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Rebuild every read model from the event log, with a progress bar
    Rebuild,
}

pub async fn run(command: ProjectionsCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        ProjectionsCommand::Rebuild => {
            let store = open_store(config)
                .await
                .context("cannot open the event store")?;
            let summary = markaz_projections::rebuild_with_progress_bar(
                store.as_ref(),
                &config.data_dir,
                &config.calendar,
            )
            .await
            .context("the rebuild failed; the live read models are unchanged")?;
            println!(
                "read models rebuilt from {} events (position {}) into {}",
                summary.events,
                summary.position,
                summary.path.display()
            );
            Ok(())
        }
    }
}
