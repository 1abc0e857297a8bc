//! `markaz demo`: fills a store with a realistic history.
//!
//! Every complaint goes through the same command path as the API: the store's
//! command loop with the domain decider, one command per step, each with the
//! time it happened. The history looks like a Khidmat Markaz's months: filing
//! mostly in office hours on working days and growing over time; the category
//! mix of a centre (lost documents and theft reports first); acknowledgement
//! and resolution delays that are usually short with a long tail past the
//! deadlines; referrals to police stations, to a Magistrate under s.155 CrPC
//! for non-cognizable matters, to departments and to the gender desk;
//! reopenings, withdrawals and citizens' ratings. Steps that would fall after
//! the end of the period are not taken, so recent cases are still open.
//!
//! Each case is planned from its own random generator seeded with (seed,
//! case number), so the cases (ids, tracking codes, times, texts, steps) are
//! the same for the same `--seed`, `--until` and catalogue whatever the
//! concurrency; only the interleaving in the global log varies unless
//! `--concurrency 1`. Officers are registered with fresh random tokens.

mod planner;
mod sample_texts;
mod services;

use std::sync::Arc;

use anyhow::{bail, Context};
use chrono::{DateTime, Duration as Span, Utc};
use clap::{Args, Subcommand};
use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use markaz_domain::{
    Actor, ComplaintAction, ComplaintCommand, MarkazCode, OfficerId, PersonName, Role,
    ServiceCommand, Timestamp,
};
use markaz_store::EventStore;

use crate::app;
use crate::commands::Commands;
use crate::config::Config;
use crate::officers::registry::{register, NewOfficer};
use planner::{plan_case, By, CasePlan, Period, PlanInputs, Step};

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Fill the store with a realistic history of complaints (for demos and benchmarks)
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many complaints to file
    #[arg(long, value_name = "N")]
    pub complaints: u32,
    /// Seed of the generator: the same seed gives the same cases
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Markaz codes the complaints are filed at (repeat for several)
    #[arg(long = "markaz", value_name = "CODE", default_values_t = [String::from("KCH")])]
    pub markaz: Vec<String>,
    /// Months of history before --until
    #[arg(long, default_value_t = 6, value_name = "MONTHS")]
    pub months: u32,
    /// End of the period, RFC 3339 (default: now); fix it to repeat a history exactly
    #[arg(long, value_name = "TIME")]
    pub until: Option<DateTime<Utc>>,
    /// Complaints handled at the same time (1 also fixes the order in the log)
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub concurrency: usize,
    /// How many service requests to take (default: half as many as complaints)
    #[arg(long, value_name = "N")]
    pub service_requests: Option<u32>,
}

pub async fn run(command: DemoCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        DemoCommand::Demo(args) => demo(args, config).await,
    }
}

async fn demo(args: DemoArgs, config: &Config) -> anyhow::Result<()> {
    if args.months == 0 || args.months > 120 {
        bail!("--months must be between 1 and 120");
    }
    let markaz = args
        .markaz
        .iter()
        .map(|code| MarkazCode::parse(code).map_err(|error| anyhow::anyhow!("--markaz: {error}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let catalogue = app::load_catalogue(config)?;
    let service_catalogue = app::load_service_catalogue(config)?;
    let store = app::open_store(config).await?;
    let until = args.until.unwrap_or_else(Utc::now);
    let period = Period {
        from: until - Span::days(30 * i64::from(args.months)),
        until,
    };
    let staff = register_staff(store.as_ref(), &markaz).await?;
    // The planned history brings its own times: commands go through the
    // command layer as made in full (`Commands::submit`).
    let commands = Commands::with_system_clock(Arc::clone(&store));
    let plan = Arc::new(PlanInputs {
        seed: args.seed,
        catalogue,
        markaz,
        period,
        reopen_window_days: config.reopen_window_days,
    });
    let progress = ProgressBar::new(u64::from(args.complaints));
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} filing {pos}/{len} complaints [{bar:40}] {per_sec} eta {eta}",
        )
        .context("the progress bar template is invalid")?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let events: u64 = futures::stream::iter(0..args.complaints)
        .map(|number| {
            let commands = commands.clone();
            let plan = Arc::clone(&plan);
            let staff = &staff;
            let progress = progress.clone();
            async move {
                let case = plan_case(&plan, number);
                let written = play(&commands, &case, staff).await.with_context(|| {
                    format!("complaint {number} ({})", case.filing.complaint_id)
                })?;
                progress.inc(1);
                anyhow::Ok(written)
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .try_fold(0u64, |total, written| async move { Ok(total + written) })
        .await?;
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "filed {} complaints ({events} events) from {} to {} in {elapsed:.1} s ({:.0} events/s)",
        args.complaints,
        period.from.format("%Y-%m-%d"),
        period.until.format("%Y-%m-%d"),
        events as f64 / elapsed.max(1e-9),
    );
    let requests = args.service_requests.unwrap_or(args.complaints / 2);
    let started = std::time::Instant::now();
    let service_events: u64 = futures::stream::iter(0..requests)
        .map(|number| {
            let commands = commands.clone();
            let staff = &staff;
            let plan = &plan;
            let service_catalogue = &service_catalogue;
            async move {
                let Some(request) = services::plan_request(
                    plan.seed,
                    number,
                    service_catalogue,
                    &plan.markaz,
                    plan.period,
                ) else {
                    return anyhow::Ok(0);
                };
                play_request(&commands, &request, staff)
                    .await
                    .with_context(|| format!("service request {number} ({})", request.id))
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .try_fold(0u64, |total, written| async move { Ok(total + written) })
        .await?;
    println!(
        "took {requests} service requests ({service_events} events) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("officers registered for the demo (tokens are shown only now):");
    for officer in &staff.all {
        println!(
            "  {:<12} {:<8} {:<28} {}",
            officer.role.as_str(),
            officer.markaz.as_ref().map_or("-", |m| m.as_str()),
            officer.name,
            officer.token
        );
    }
    Ok(())
}

/// One registered demo officer.
struct DemoOfficer {
    id: OfficerId,
    name: String,
    role: Role,
    markaz: Option<MarkazCode>,
    token: String,
}

/// The demo officers, by markaz and role.
struct Staff {
    all: Vec<DemoOfficer>,
}

impl Staff {
    /// An officer of `role` at `markaz`, picked by `pick`.
    fn actor(&self, markaz: &MarkazCode, role: Role, pick: u32) -> Option<Actor> {
        let candidates: Vec<&DemoOfficer> = self
            .all
            .iter()
            .filter(|officer| officer.role == role && officer.markaz.as_ref() == Some(markaz))
            .collect();
        let officer = candidates.get(pick as usize % candidates.len().max(1))?;
        Some(Actor::Officer {
            id: officer.id,
            role,
        })
    }
}

const OFFICER_NAMES: [&str; 8] = [
    "Abdul Wahid Kakar",
    "Muhammad Hanif Achakzai",
    "Gul Muhammad Rind",
    "Zahoor Ahmed Mengal",
    "Faizullah Durrani",
    "Noor Ahmed Lehri",
    "Asadullah Kasi",
    "Jan Muhammad Jamali",
];
/// Gender desks are staffed by women officers.
const WOMEN_OFFICER_NAMES: [&str; 6] = [
    "Shazia Baloch",
    "Naseem Akhtar",
    "Sadia Tareen",
    "Rukhsana Bugti",
    "Mahjabeen Kasi",
    "Samina Jamali",
];

/// Three desk officers, two at the gender desk and a supervisor per markaz,
/// and one auditor.
async fn register_staff(store: &dyn EventStore, markaz: &[MarkazCode]) -> anyhow::Result<Staff> {
    let roles = [
        Role::Desk,
        Role::Desk,
        Role::Desk,
        Role::GenderDesk,
        Role::GenderDesk,
        Role::Supervisor,
    ];
    let mut wanted: Vec<(Role, Option<MarkazCode>)> = markaz
        .iter()
        .flat_map(|code| roles.iter().map(move |role| (*role, Some(code.clone()))))
        .collect();
    wanted.push((Role::Auditor, None));
    let mut all = Vec::with_capacity(wanted.len());
    for (index, (role, markaz)) in wanted.into_iter().enumerate() {
        let name = if role == Role::GenderDesk {
            WOMEN_OFFICER_NAMES[index % WOMEN_OFFICER_NAMES.len()]
        } else {
            OFFICER_NAMES[index % OFFICER_NAMES.len()]
        };
        let officer = NewOfficer {
            name: PersonName::parse(name)?,
            role,
            markaz: markaz.clone(),
        };
        let registered = register(store, officer, Actor::System)
            .await
            .with_context(|| format!("cannot register the demo officer {name}"))?;
        all.push(DemoOfficer {
            id: registered.id,
            name: name.to_owned(),
            role,
            markaz,
            token: registered.token,
        });
    }
    Ok(Staff { all })
}

/// Files the case and takes its steps through the command loop; returns
/// the number of events written.
async fn play(commands: &Commands, case: &CasePlan, staff: &Staff) -> anyhow::Result<u64> {
    let markaz = &case.filing.markaz;
    let desk_role = if case.gender_desk {
        Role::GenderDesk
    } else {
        Role::Desk
    };
    let actor_for = |by: By| -> anyhow::Result<Actor> {
        let actor = match by {
            By::Desk(n) => staff.actor(markaz, desk_role, n),
            By::Supervisor => staff.actor(markaz, Role::Supervisor, 0),
            By::Citizen => Some(Actor::Citizen),
        };
        actor.with_context(|| format!("no demo officer for {by:?} at {markaz}"))
    };
    let filing = (
        case.filing_command,
        Step {
            at: case.filed_at,
            by: By::Desk(case.filed_by),
            action: ComplaintAction::File(case.filing.clone()),
        },
    );
    let mut written = 0;
    let mut version = 0;
    for (command_id, step) in std::iter::once(&filing).chain(&case.steps) {
        let at = Timestamp::from_datetime(step.at);
        let actor = actor_for(step.by)?;
        let command = ComplaintCommand {
            command_id: *command_id,
            at,
            actor,
            action: step.action.clone(),
        };
        let before = version;
        version = commands
            .submit(case.filing.complaint_id, &command)
            .await
            .with_context(|| format!("the {} step was refused", step.action.name()))?
            .version;
        written += version - before;
    }
    Ok(written)
}

/// Takes the request and its steps through the command layer; returns the
/// number of events written.
async fn play_request(
    commands: &Commands,
    request: &services::ServicePlan,
    staff: &Staff,
) -> anyhow::Result<u64> {
    let markaz = &request.markaz;
    let mut written = 0;
    let mut version = 0;
    for step in &request.steps {
        let actor = match step.by {
            By::Desk(n) => staff.actor(markaz, Role::Desk, n),
            By::Supervisor => staff.actor(markaz, Role::Supervisor, 0),
            By::Citizen => Some(Actor::Citizen),
        }
        .with_context(|| format!("no demo officer for {:?} at {markaz}", step.by))?;
        let command = ServiceCommand {
            command_id: step.command_id,
            at: Timestamp::from_datetime(step.at),
            actor,
            action: step.action.clone(),
        };
        let before = version;
        version = commands
            .submit(request.id, &command)
            .await
            .with_context(|| format!("the {} step was refused", step.action.name()))?
            .version;
        written += version - before;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::planner::tests::inputs;
    use super::*;

    #[tokio::test]
    async fn a_planned_history_is_accepted_by_the_decider() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn EventStore> =
            Arc::new(markaz_store::SqliteStore::open(dir.path().join("events.sqlite")).unwrap());
        let commands = Commands::with_system_clock(Arc::clone(&store));
        let markaz = [MarkazCode::parse("KCH").unwrap()];
        let staff = register_staff(store.as_ref(), &markaz).await.unwrap();
        let inputs = inputs(11);
        let mut events = 0;
        for number in 0..40 {
            let plan = plan_case(&inputs, number);
            let written = play(&commands, &plan, &staff).await.unwrap();
            assert_eq!(written as usize, 1 + plan.steps.len());
            events += written;
        }
        let officers = staff.all.len() as u64;
        assert_eq!(store.head_position().await.unwrap(), events + officers);
    }

    #[tokio::test]
    async fn planned_service_requests_are_accepted_by_the_decider() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn EventStore> =
            Arc::new(markaz_store::SqliteStore::open(dir.path().join("events.sqlite")).unwrap());
        let commands = Commands::with_system_clock(Arc::clone(&store));
        let markaz = [MarkazCode::parse("KCH").unwrap()];
        let staff = register_staff(store.as_ref(), &markaz).await.unwrap();
        let inputs = inputs(11);
        let catalogue = markaz_domain::ServiceCatalogue::default();
        let mut kinds = std::collections::BTreeSet::new();
        for number in 0..80 {
            let plan =
                services::plan_request(5, number, &catalogue, &markaz, inputs.period).unwrap();
            let written = play_request(&commands, &plan, &staff).await.unwrap();
            assert_eq!(written as usize, plan.steps.len());
            for step in &plan.steps {
                kinds.insert(step.action.name());
            }
        }
        for kind in [
            "request",
            "acknowledge",
            "send for verification",
            "issue",
            "mark as collected",
            "rate",
        ] {
            assert!(kinds.contains(kind), "no {kind} step in {kinds:?}");
        }
    }
}
