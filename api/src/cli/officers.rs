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
use markaz_domain::{Actor, MarkazCode, PersonName, Role, ShortText, Timestamp};

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
        /// The token stops working after this long: e.g. 90d, 12h, 30m
        /// [default: never]
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
    },
    /// List every officer ever registered (never their tokens)
    List,
    /// Issue a new token for an officer; the old one stops working at once.
    /// Prints the new token as the last line, once
    Rotate {
        /// The officer's id, as shown by `markaz officers list`
        id: String,
        /// The new token stops working after this long: e.g. 90d, 12h, 30m
        /// [default: never]
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
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
        OfficersCommand::Add {
            name,
            role,
            markaz,
            expires_in,
        } => {
            let name = PersonName::parse_input(&name)
                .map_err(|e| anyhow::anyhow!("--name: {}", e.message()))?;
            let Some(role) = Role::parse(&role) else {
                bail!("--role: unknown role `{role}`: use desk, gender_desk, supervisor, auditor or admin");
            };
            let markaz = markaz
                .map(|code| MarkazCode::parse(&code))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--markaz: {}", e.message()))?;
            let expires_at = expires_in.as_deref().map(expiry_after).transpose()?;
            let officer = NewOfficer { name, role, markaz };
            let registered =
                registry::register_with_expiry(store.as_ref(), officer, expires_at, Actor::System)
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
                    } else if officer.is_expired() {
                        "expired"
                    } else {
                        "revoked"
                    },
                    officer.name
                );
            }
        }
        OfficersCommand::Rotate { id, expires_in } => {
            let Some(officer) = parse_officer_id(&id) else {
                bail!("`{id}` is not an officer id: copy it from `markaz officers list`");
            };
            let expires_at = expires_in.as_deref().map(expiry_after).transpose()?;
            let rotated = registry::rotate(store.as_ref(), officer, expires_at, Actor::System)
                .await
                .context("the token was not rotated; the old one still works")?;
            println!("officer {officer} has a new token; the old one no longer works");
            println!("keep this token safe; it is shown only once:");
            println!("{}", rotated.token);
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

/// The time `text` (e.g. `90d`, `12h`, `30m`) from now.
fn expiry_after(text: &str) -> anyhow::Result<Timestamp> {
    let text = text.trim();
    let bad = || {
        anyhow::anyhow!(
            "--expires-in: `{text}` is not a duration: give a number and a unit, e.g. 90d, 12h or 30m"
        )
    };
    let split = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let minutes = match unit {
        "d" => number.checked_mul(24 * 60),
        "h" => number.checked_mul(60),
        "m" => Some(number),
        _ => None,
    }
    .filter(|minutes| *minutes > 0)
    .ok_or_else(bad)?;
    let expiry = chrono::Utc::now()
        .checked_add_signed(chrono::TimeDelta::try_minutes(minutes).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    Ok(Timestamp::from_datetime(expiry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_durations_are_read_in_days_hours_and_minutes() {
        let now = chrono::Utc::now().timestamp_micros();
        let in_a_day = expiry_after("1d").unwrap().as_micros() - now;
        assert!(
            (86_000_000_000..=86_500_000_000).contains(&in_a_day),
            "{in_a_day}"
        );
        assert!(expiry_after("12h").is_ok());
        assert!(expiry_after("30m").is_ok());
        for bad in ["", "d", "0d", "-1d", "12", "1w", "1.5d"] {
            assert!(expiry_after(bad).is_err(), "{bad}");
        }
    }
}
