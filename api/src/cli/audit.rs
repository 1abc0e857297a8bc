//! The auditor's and operator's commands: `audit`, `export`, `import`,
//! `migrate-store`, `backup`, `keys`.
//!
//! No subcommand yet: the enum is flattened into the top-level commands.

use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {}

pub async fn run(command: AuditCommand, _config: &Config) -> anyhow::Result<()> {
    match command {}
}
