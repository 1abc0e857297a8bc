//! `markaz demo`: fills a store with a realistic history.
//!
//! No subcommand yet: the enum is flattened into the top-level commands.

use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum DemoCommand {}

pub async fn run(command: DemoCommand, _config: &Config) -> anyhow::Result<()> {
    match command {}
}
