//! `markaz projections rebuild`: replays the whole event log into fresh read
//! models and swaps them in atomically; a running server keeps answering and
//! picks up the new file.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use markaz_projections::performance::calendar::Calendar;
use markaz_projections::{rebuild, RebuildError, RebuildSummary};
use markaz_store::EventStore;

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
            let summary =
                rebuild_with_progress_bar(store.as_ref(), &config.data_dir, &config.calendar)
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

/// A terminal progress bar showing events per second and the time left.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} events ({per_sec}, ETA {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// `rebuild` drawing its progress (position reached of the head) as a bar.
async fn rebuild_with_progress_bar(
    store: &dyn EventStore,
    data_dir: &Path,
    calendar: &Calendar,
) -> Result<RebuildSummary, RebuildError> {
    let bar = progress_bar();
    let started = Instant::now();
    let summary = rebuild(store, data_dir, calendar, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish();
    if let Ok(summary) = &summary {
        let seconds = started.elapsed().as_secs_f64().max(1e-9);
        bar.println(format!(
            "rebuilt {} events up to position {} in {:.1} s ({:.0} events/s)",
            summary.events,
            summary.position,
            seconds,
            summary.events as f64 / seconds
        ));
    }
    summary
}
