//! `markaz officers add|list|revoke|rotate`: officer management on the
//! command line. This is the only way to register `auditor`, `gender_desk`
//! and `admin` officers (over HTTP an admin may add only `desk` and
//! `supervisor`).
//!
//! Works whether or not a server runs on the same data directory: the
//! embedded store is a SQLite file two processes can share, and a running
//! server looks for officers it does not know yet before refusing a token.

use anyhow::{bail, Context};
use clap::Subcommand;
use markaz_domain::{Actor, MarkazCode, PersonName, Role, ShortText};

use crate::app::open_store;
use crate::config::Config;
use crate::officers::registry::{self, parse_officer_id, NewOfficer};
use crate::officers::OfficerDirectory;

#[derive(Debug, Subcommand)]
pub enum OfficersCommand {
    /// Register an officer; prints their bearer token as the last line, once
    Add {
        /// The officer's full name
        #[arg(long)]
        name: String,
        /// desk, gender_desk, supervisor, auditor or admin
        #[arg(long)]
        role: String,
        /// Code of the markaz they work at (e.g. KCH); required except for
        /// auditors and admins
        #[arg(long)]
        markaz: Option<String>,
    },
    /// List every officer ever registered (never their tokens)
    List,
    /// Issue a new token for an officer and retire the old one: registers
    /// the officer anew (same name, role and markaz, a new id) and revokes
    /// the old registration; prints the new token as the last line, once
    Rotate {
        /// The officer's id, as shown by `markaz officers list`
        id: String,
    },
    /// Revoke an officer's token for good
    Revoke {
        /// The officer's id, as shown by `markaz officers list`
        id: String,
        /// Why access is withdrawn (recorded in the officer's history)
        #[arg(long)]
        reason: Option<String>,
    },
}

pub async fn run(command: OfficersCommand, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config)
        .await
        .context("cannot open the event store")?;
    match command {
        OfficersCommand::Add { name, role, markaz } => {
            let name =
                PersonName::parse_input(&name).map_err(|e| anyhow::anyhow!("--name: {}", e.message()))?;
            let Some(role) = Role::parse(&role) else {
                bail!("--role: unknown role `{role}`: use desk, gender_desk, supervisor, auditor or admin");
            };
            let markaz = markaz
                .map(|code| MarkazCode::parse(&code))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--markaz: {}", e.message()))?;
            let officer = NewOfficer { name, role, markaz };
            let registered = registry::register(store.as_ref(), officer, Actor::System)
                .await
                .context("the officer was not registered")?;
            println!("registered officer {} ({role})", registered.id);
            println!("keep this token safe; it is shown only once:");
            println!("{}", registered.token);
        }
        OfficersCommand::List => {
            let directory = OfficerDirectory::load(store)
                .await
                .context("cannot read the officers")?;
            println!(
                "{:<36}  {:<12}  {:<8}  {:<7}  NAME",
                "ID", "ROLE", "MARKAZ", "STATUS"
            );
            for officer in directory.list() {
                println!(
                    "{:<36}  {:<12}  {:<8}  {:<7}  {}",
                    officer.id,
                    officer.role.as_str(),
                    officer.markaz.as_ref().map_or("-", |m| m.as_str()),
                    if officer.is_active() {
                        "active"
                    } else {
                        "revoked"
                    },
                    officer.name
                );
            }
        }
        OfficersCommand::Rotate { id } => {
            let Some(old) = parse_officer_id(&id) else {
                bail!("`{id}` is not an officer id: copy it from `markaz officers list`");
            };
            let directory = OfficerDirectory::load(std::sync::Arc::clone(&store))
                .await
                .context("cannot read the officers")?;
            let Some(record) = directory.get(old) else {
                bail!("no officer has the id {old}: copy it from `markaz officers list`");
            };
            if !record.is_active() {
                bail!("officer {old} is revoked: register them anew with `markaz officers add`");
            }
            let officer = NewOfficer {
                name: record.name.clone(),
                role: record.role,
                markaz: record.markaz.clone(),
            };
            let registered = registry::register(store.as_ref(), officer, Actor::System)
                .await
                .context("the new token was not issued; the old one still works")?;
            let reason = ShortText::parse(&format!("token rotated; now officer {}", registered.id))
                .map_err(|e| anyhow::anyhow!("rotation reason: {}", e.message()))?;
            registry::revoke(store.as_ref(), old, Some(reason), Actor::System)
                .await
                .with_context(|| {
                    format!(
                        "the new token was issued (officer {}) but the old one was not revoked: \
                         run `markaz officers revoke {old}`",
                        registered.id
                    )
                })?;
            println!(
                "officer {old} retired; the same officer is now {} ({})",
                registered.id, record.role
            );
            println!("keep this token safe; it is shown only once:");
            println!("{}", registered.token);
        }
        OfficersCommand::Revoke { id, reason } => {
            let Some(officer) = parse_officer_id(&id) else {
                bail!("`{id}` is not an officer id: copy it from `markaz officers list`");
            };
            let reason = reason
                .map(|text| ShortText::parse_input(&text))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--reason: {}", e.message()))?;
            registry::revoke(store.as_ref(), officer, reason, Actor::System)
                .await
                .context("the officer was not revoked")?;
            println!("revoked officer {officer}");
        }
    }
    Ok(())
}
