//! `markaz bench`: HTTP benchmarks against a real server.
//!
//! No subcommand yet: the enum is flattened into the top-level commands.

use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {}

pub async fn run(command: BenchCommand, _config: &Config) -> anyhow::Result<()> {
    match command {}
}
