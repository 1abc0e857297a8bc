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

use std::sync::Arc;

use anyhow::{bail, Context};
use chrono::{DateTime, Datelike, Duration as Span, Timelike, Utc, Weekday};
use clap::{Args, Subcommand};
use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use markaz_domain::{
    Actor, Catalogue, Category, Channel, Cnic, Complainant, ComplaintAction, ComplaintCommand,
    ComplaintId, Description, FileComplaint, Gender, MarkazCode, OfficerId, Outcome, PersonName,
    Phone, Rating, ReferralKind, Role, ShortText, Timestamp, TrackingCode,
};
use markaz_store::EventStore;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use uuid::Uuid;

use crate::app;
use crate::commands::Commands;
use crate::config::Config;
use crate::officers::registry::{register, NewOfficer};

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

/// The period the history covers.
#[derive(Clone, Copy, Debug)]
struct Period {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

/// Everything a case plan depends on.
struct PlanInputs {
    seed: u64,
    catalogue: Catalogue,
    markaz: Vec<MarkazCode>,
    period: Period,
    reopen_window_days: u32,
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

/// Who acts in a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    /// The desk (or the gender desk for gender-desk cases), officer `n`.
    Desk(u32),
    Supervisor,
    Citizen,
}

/// One planned command after filing.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    at: DateTime<Utc>,
    by: By,
    action: ComplaintAction,
}

/// A whole case: the filing and what follows.
#[derive(Clone, Debug, PartialEq)]
struct CasePlan {
    filed_at: DateTime<Utc>,
    filing: FileComplaint,
    filing_command: Uuid,
    filed_by: u32,
    gender_desk: bool,
    steps: Vec<(Uuid, Step)>,
}

/// A random generator for case `number` alone.
fn case_rng(seed: u64, number: u32) -> StdRng {
    // splitmix64 of (seed, number): neighbouring cases get unrelated streams.
    let mut z = seed ^ (u64::from(number).wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}

/// A time-ordered (version 7) id made at simulated time `at`, as the server
/// makes its command ids (see `ids::time_ordered_uuid`).
fn time_ordered_uuid(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let millis = at.timestamp_millis().max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.random()).into_uuid()
}

/// Picks from `(weight, value)` pairs.
fn weighted<T: Copy>(rng: &mut StdRng, table: &[(u32, T)]) -> T {
    let total: u32 = table.iter().map(|(weight, _)| weight).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (weight, value) in table {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    table[table.len() - 1].1
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// A log-normal delay with the given median: most short, a long tail.
fn delay(rng: &mut StdRng, median_minutes: f64, spread: f64) -> Span {
    // Box-Muller: one standard normal draw.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let minutes = median_minutes * (spread * normal).exp();
    Span::seconds((minutes.clamp(1.0, 60.0 * 24.0 * 120.0) * 60.0) as i64)
}

/// How often each category reaches a centre (per mille); categories of a
/// custom catalogue that are not listed here get a small share.
fn category_weight(code: &str) -> u32 {
    match code {
        "lost_documents" => 240,
        "theft_report" => 160,
        "fraud_cheating" => 120,
        "property_dispute" => 100,
        "threats_intimidation" => 80,
        "harassment" => 70,
        "domestic_violence" => 60,
        "nuisance" => 60,
        "police_misconduct" => 40,
        "other" => 70,
        _ => 30,
    }
}

const MALE_FIRST: [&str; 14] = [
    "Abdul Wahid",
    "Muhammad Hanif",
    "Gul Muhammad",
    "Naseebullah",
    "Abdul Qadir",
    "Sher Ali",
    "Zahoor Ahmed",
    "Habibullah",
    "Faizullah",
    "Noor Ahmed",
    "Abdul Malik",
    "Jan Muhammad",
    "Asadullah",
    "Khair Bakhsh",
];
const FEMALE_FIRST: [&str; 10] = [
    "Shazia",
    "Gul Bano",
    "Mahjabeen",
    "Naseem",
    "Fatima",
    "Rukhsana",
    "Amina",
    "Sadia",
    "Zarghuna",
    "Samina",
];
const TRANS_NAMES: [&str; 4] = ["Nadira", "Bindiya", "Shehzadi", "Laila"];
const FAMILY: [&str; 12] = [
    "Kakar", "Achakzai", "Baloch", "Tareen", "Mengal", "Bugti", "Rind", "Kasi", "Durrani", "Lehri",
    "Jamali", "Hazara",
];
const AREAS: [&str; 12] = [
    "Kuchlak Bazaar",
    "Sariab Road",
    "Jinnah Road",
    "Satellite Town",
    "Pishin Stop",
    "Hazar Ganji",
    "Brewery Road",
    "Nawa Killi",
    "Samungli Road",
    "Airport Road",
    "Spinny Road",
    "Killi Kotwal",
];
const POLICE_STATIONS: [&str; 6] = [
    "PS Kuchlak",
    "PS Saddar Quetta",
    "PS Bijli Road",
    "PS Airport Road",
    "PS Sariab",
    "PS Pishin",
];
const MAGISTRATES: [&str; 3] = [
    "Judicial Magistrate, Quetta",
    "Magistrate Section 30, Quetta",
    "Judicial Magistrate, Pishin",
];

fn description(rng: &mut StdRng, category: &str, area: &str) -> String {
    let text = match category {
        "lost_documents" => format!(
            "Lost my {} near {area}; need a report to apply for a duplicate.",
            pick(
                rng,
                &[
                    "CNIC",
                    "driving licence",
                    "vehicle registration book",
                    "passport",
                    "CNIC and ATM card"
                ]
            )
        ),
        "theft_report" => format!(
            "My {} was stolen near {area} {}.",
            pick(
                rng,
                &[
                    "motorcycle",
                    "mobile phone",
                    "shop lock and goods",
                    "solar panel",
                    "car battery"
                ]
            ),
            pick(
                rng,
                &[
                    "at night",
                    "in the afternoon",
                    "while I was at the mosque",
                    "from outside my house"
                ]
            )
        ),
        "fraud_cheating" => format!(
            "{} and did not return the money.",
            pick(
                rng,
                &[
                    "A dealer took an advance for a car",
                    "Someone called as a bank officer and took my card details",
                    "A man sold me a plot he did not own",
                    "An agent took money for a visa"
                ]
            )
        ),
        "property_dispute" => format!(
            "{} near {area}.",
            pick(
                rng,
                &[
                    "Neighbour has built a wall on our land",
                    "Relatives refuse to give my share of inherited land",
                    "Tenant refuses to vacate the shop",
                    "Dispute over a water channel"
                ]
            )
        ),
        "threats_intimidation" => format!(
            "Threatened by {} over {}.",
            pick(
                rng,
                &[
                    "a neighbour",
                    "a relative",
                    "unknown callers",
                    "a former business partner"
                ]
            ),
            pick(
                rng,
                &["a land matter", "a loan", "a family matter", "a shop"]
            )
        ),
        "harassment" => pick(
            rng,
            &[
                "Receiving harassing messages and calls from an unknown number.",
                "Harassed on the way to work near the bus stop.",
                "A colleague keeps harassing me at the workplace.",
            ],
        )
        .to_owned(),
        "domestic_violence" => pick(
            rng,
            &[
                "Beaten by my husband; asking for protection.",
                "In-laws beat me and threw me out of the house.",
                "My brother beats me and my mother.",
            ],
        )
        .to_owned(),
        "nuisance" => format!(
            "{} near {area}.",
            pick(
                rng,
                &[
                    "Loud generator running all night",
                    "Illegal parking blocks the street",
                    "Garbage dumped in the street",
                    "Aerial firing at weddings"
                ]
            )
        ),
        "police_misconduct" => pick(
            rng,
            &[
                "Police official demanded money to register my report.",
                "My son was detained without any record at the police station.",
                "Officials refused to record my complaint.",
            ],
        )
        .to_owned(),
        _ => format!("Request for help with a matter near {area}."),
    };
    text
}

/// Plans case `number`: a pure function of the inputs.
fn plan_case(inputs: &PlanInputs, number: u32) -> CasePlan {
    let rng = &mut case_rng(inputs.seed, number);
    let Period { from, until } = inputs.period;
    // More complaints in later months as the centre becomes known.
    let share: f64 = rng.random::<f64>().powf(0.8);
    let span_seconds = (until - from).num_seconds().max(1) as f64;
    let day = from + Span::seconds((share * span_seconds) as i64);
    let hour = weighted(
        rng,
        &[
            (2, 8),
            (10, 9),
            (14, 10),
            (14, 11),
            (12, 12),
            (8, 13),
            (10, 14),
            (9, 15),
            (6, 16),
            (3, 17),
            (2, 19),
            (1, 22),
        ],
    );
    let mut filed_at = day
        .with_hour(hour)
        .and_then(|at| at.with_minute(rng.random_range(0..60)))
        .unwrap_or(day);
    // Sundays are off.
    if filed_at.weekday() == Weekday::Sun {
        filed_at -= Span::days(1);
    }
    if filed_at > until {
        filed_at = until - Span::minutes(rng.random_range(1..600));
    }
    let filed_at = filed_at.clamp(from, until);

    let categories: Vec<(u32, &Category)> = inputs
        .catalogue
        .iter()
        .map(|category| (category_weight(category.code.as_str()), category))
        .collect();
    let category = weighted(rng, &categories).clone();
    let code = category.code.as_str().to_owned();
    let markaz = inputs.markaz[rng.random_range(0..inputs.markaz.len())].clone();

    let women_first = matches!(code.as_str(), "harassment" | "domestic_violence");
    let gender = weighted(
        rng,
        &[
            (if women_first { 80 } else { 22 }, Gender::Female),
            (if women_first { 12 } else { 70 }, Gender::Male),
            (1, Gender::Transgender),
            (7, Gender::Undisclosed),
        ],
    );
    let first = match gender {
        Gender::Female => pick(rng, &FEMALE_FIRST),
        Gender::Transgender => pick(rng, &TRANS_NAMES),
        _ => pick(rng, &MALE_FIRST),
    };
    let name = format!("{first} {}", pick(rng, &FAMILY));
    let phone = format!(
        "03{}{:08}",
        rng.random_range(0..5),
        rng.random_range(0..100_000_000)
    );
    let cnic = rng.random_bool(0.6).then(|| {
        format!(
            "5{:04}{:07}{}",
            rng.random_range(0..10_000),
            rng.random_range(0..10_000_000),
            rng.random_range(1..10)
        )
    });
    let area = pick(rng, &AREAS);
    let address = rng.random_bool(0.5).then(|| {
        format!(
            "House {}, Street {}, {area}, Quetta",
            rng.random_range(1..400),
            rng.random_range(1..40)
        )
    });
    let channel = weighted(
        rng,
        &[
            (60, Channel::Counter),
            (25, Channel::Phone),
            (12, Channel::Online),
            (3, Channel::Email),
        ],
    );
    let requested = rng.random_bool(0.03);
    let gender_desk = requested
        || matches!(gender, Gender::Female | Gender::Transgender)
        || category.gender_sensitive;
    let complaint_id = ComplaintId::from_uuid(time_ordered_uuid(rng, filed_at));
    let tracking_code = TrackingCode::from_random(&markaz, rng.random());
    let text = description(rng, &code, area);
    let filing = FileComplaint {
        complaint_id,
        tracking_code,
        markaz,
        complainant: Complainant {
            name: PersonName::parse(&name).unwrap_or_else(|_| unreachable!("demo names are valid")),
            gender,
            phone: Phone::parse(&phone).unwrap_or_else(|_| unreachable!("demo phones are valid")),
            cnic: cnic.and_then(|cnic| Cnic::parse(&cnic).ok()),
            address: address.and_then(|address| ShortText::parse(&address).ok()),
        },
        description: Description::parse(&text)
            .unwrap_or_else(|_| unreachable!("demo descriptions are valid")),
        location: ShortText::parse(&format!("{area}, Quetta")).ok(),
        channel,
        gender_desk_requested: requested,
        category,
    };
    let filing_command = time_ordered_uuid(rng, filed_at);
    let filed_by = rng.random_range(0..3);
    let steps = plan_steps(rng, &filing, filed_at, inputs)
        .into_iter()
        .take_while(|step| step.at <= until)
        .map(|step| (time_ordered_uuid(rng, step.at), step))
        .collect();
    CasePlan {
        filed_at,
        filing,
        filing_command,
        filed_by,
        gender_desk,
        steps,
    }
}

fn text(value: &str) -> ShortText {
    ShortText::parse(value).unwrap_or_else(|_| unreachable!("demo texts are valid"))
}

/// The steps after filing, in time order (possibly past the period's end:
/// the caller cuts them there).
fn plan_steps(
    rng: &mut StdRng,
    filing: &FileComplaint,
    filed_at: DateTime<Utc>,
    inputs: &PlanInputs,
) -> Vec<Step> {
    let category = &filing.category;
    let code = category.code.as_str();
    let officer = rng.random_range(0..3);
    let desk = By::Desk(officer);
    let mut steps = Vec::new();
    let mut at = filed_at;
    if rng.random_bool(0.03) {
        at += delay(rng, 240.0, 1.0);
        steps.push(Step {
            at,
            by: desk,
            action: ComplaintAction::Withdraw {
                reason: text(pick(
                    rng,
                    &[
                        "The matter was settled between the parties.",
                        "Complainant no longer wishes to pursue it.",
                    ],
                )),
            },
        });
        return steps;
    }
    // Acknowledgement: usually within a few hours, a tail past the deadline.
    let ack_hours = f64::from(category.acknowledge_within_hours);
    at += delay(rng, ack_hours * 60.0 * 0.25, 1.1);
    steps.push(Step {
        at,
        by: desk,
        action: ComplaintAction::Acknowledge {
            note: rng
                .random_bool(0.3)
                .then(|| text("Complainant informed of the tracking code.")),
        },
    });
    let referral = referral(rng, code, category.non_cognizable);
    if let Some((kind, to, reason)) = &referral {
        at += delay(rng, 360.0, 1.0);
        steps.push(Step {
            at,
            by: desk,
            action: ComplaintAction::Refer {
                to: text(to),
                kind: *kind,
                reason: text(reason),
            },
        });
        if rng.random_bool(0.08) {
            at += delay(rng, 60.0 * 48.0, 0.8);
            steps.push(Step {
                at,
                by: By::Supervisor,
                action: ComplaintAction::Refer {
                    to: text(pick(rng, &POLICE_STATIONS)),
                    kind: ReferralKind::PoliceStation,
                    reason: text("Referred on: the area falls under another police station."),
                },
            });
        }
    }
    if rng.random_bool(0.04) {
        at += delay(rng, 60.0 * 24.0, 1.0);
        steps.push(Step {
            at,
            by: desk,
            action: ComplaintAction::Withdraw {
                reason: text("Complainant withdrew after a compromise."),
            },
        });
        return steps;
    }
    // Resolution: a fraction of the deadline, with a tail of late cases.
    let resolve_minutes = f64::from(category.resolve_within_hours) * 60.0;
    let resolved_at = at + delay(rng, resolve_minutes * 0.3, 0.9);
    let on_time = resolved_at <= filed_at + Span::hours(i64::from(category.resolve_within_hours));
    at = resolved_at;
    let by = if rng.random_bool(0.2) {
        By::Supervisor
    } else {
        desk
    };
    steps.push(Step {
        at,
        by,
        action: resolution(rng, referral.as_ref().map(|r| r.0)),
    });
    if rng.random_bool(0.05) {
        at += delay(rng, 60.0 * 24.0 * 3.0, 0.6);
        let window = Span::days(i64::from(inputs.reopen_window_days));
        if at - resolved_at < window {
            steps.push(Step {
                at,
                by: desk,
                action: ComplaintAction::Reopen {
                    reason: text(pick(
                        rng,
                        &[
                            "Complainant reports the matter is not settled.",
                            "The order was not carried out.",
                        ],
                    )),
                    window_days: inputs.reopen_window_days,
                },
            });
            at += delay(rng, resolve_minutes * 0.2, 0.8);
            steps.push(Step {
                at,
                by: By::Supervisor,
                action: ComplaintAction::Resolve {
                    outcome: Outcome::Resolved,
                    summary: text("Settled after follow-up by the supervisor."),
                },
            });
        }
    }
    if rng.random_bool(0.45) {
        at += delay(rng, 60.0 * 24.0, 1.0);
        let stars = if on_time {
            weighted(rng, &[(5, 1), (5, 2), (15, 3), (35, 4), (40, 5)])
        } else {
            weighted(rng, &[(20, 1), (20, 2), (25, 3), (20, 4), (15, 5)])
        };
        let comment = rng.random_bool(0.25).then(|| {
            text(if stars >= 4 {
                pick(
                    rng,
                    &[
                        "Staff were helpful.",
                        "Shukriya, quick response.",
                        "Good service at the counter.",
                    ],
                )
            } else {
                pick(
                    rng,
                    &[
                        "Took too long.",
                        "Nobody called me back.",
                        "Had to visit many times.",
                    ],
                )
            })
        });
        steps.push(Step {
            at,
            by: By::Citizen,
            action: ComplaintAction::Rate {
                stars: Rating::new(stars).unwrap_or_else(|_| unreachable!("1..=5")),
                comment,
            },
        });
    }
    steps
}

/// Where a case is referred, if anywhere: kind, unit and reason.
fn referral(
    rng: &mut StdRng,
    code: &str,
    non_cognizable: bool,
) -> Option<(ReferralKind, String, &'static str)> {
    let department = match code {
        "lost_documents" => Some(pick(
            rng,
            &[
                "NADRA Registration Centre, Quetta",
                "Excise and Taxation Office, Quetta",
                "Passport Office, Quetta",
            ],
        )),
        "property_dispute" => Some("Revenue Department (Tehsildar), Quetta"),
        "fraud_cheating" => Some("FIA Cyber Crime Circle, Quetta"),
        "nuisance" => Some("Quetta Metropolitan Corporation"),
        "police_misconduct" => Some(pick(
            rng,
            &["SSP Operations, Quetta", "DIG Complaint Cell, Quetta"],
        )),
        _ => None,
    };
    if let Some(unit) = department {
        if rng.random_bool(0.3) {
            return Some((
                ReferralKind::Department,
                unit.to_owned(),
                "The matter is for the department concerned.",
            ));
        }
    }
    if !non_cognizable && rng.random_bool(0.6) {
        return Some((
            ReferralKind::PoliceStation,
            pick(rng, &POLICE_STATIONS).to_owned(),
            "Cognizable offence: for registration of an FIR.",
        ));
    }
    if non_cognizable && rng.random_bool(0.4) {
        return Some((
            ReferralKind::Magistrate,
            pick(rng, &MAGISTRATES).to_owned(),
            "Non-cognizable offence: permission to investigate sought under s.155 CrPC.",
        ));
    }
    if matches!(code, "threats_intimidation" | "property_dispute" | "other")
        && rng.random_bool(0.03)
    {
        return Some((
            ReferralKind::GenderDesk,
            "Gender desk".to_owned(),
            "Women of the family are involved.",
        ));
    }
    None
}

fn resolution(rng: &mut StdRng, referred: Option<ReferralKind>) -> ComplaintAction {
    let outcome = match referred {
        Some(ReferralKind::Magistrate) => weighted(
            rng,
            &[
                (60, Outcome::ReferredToCourt),
                (30, Outcome::Resolved),
                (10, Outcome::NoAction),
            ],
        ),
        Some(ReferralKind::PoliceStation) => weighted(
            rng,
            &[
                (55, Outcome::FirRegistered),
                (35, Outcome::Resolved),
                (10, Outcome::NoAction),
            ],
        ),
        _ => weighted(rng, &[(78, Outcome::Resolved), (22, Outcome::NoAction)]),
    };
    let summary = match outcome {
        Outcome::FirRegistered => "FIR registered at the police station.",
        Outcome::ReferredToCourt => "Magistrate's order obtained; the matter is before the court.",
        Outcome::NoAction => "No action possible; complainant informed.",
        Outcome::Resolved => "Matter resolved; complainant satisfied.",
    };
    ComplaintAction::Resolve {
        outcome,
        summary: text(summary),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(seed: u64) -> PlanInputs {
        let until = DateTime::parse_from_rfc3339("2026-06-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        PlanInputs {
            seed,
            catalogue: Catalogue::default(),
            markaz: vec![MarkazCode::parse("KCH").unwrap()],
            period: Period {
                from: until - Span::days(180),
                until,
            },
            reopen_window_days: 30,
        }
    }

    #[test]
    fn the_same_seed_plans_the_same_cases_and_another_seed_others() {
        let (a, b, c) = (inputs(7), inputs(7), inputs(8));
        for number in 0..50 {
            assert_eq!(plan_case(&a, number), plan_case(&b, number));
        }
        assert_ne!(plan_case(&a, 0), plan_case(&c, 0));
        assert_ne!(plan_case(&a, 0), plan_case(&a, 1));
    }

    #[test]
    fn plans_stay_in_the_period_in_time_order_and_look_like_a_centre() {
        let inputs = inputs(3);
        let plans: Vec<CasePlan> = (0..2000).map(|n| plan_case(&inputs, n)).collect();
        let mut kinds = std::collections::HashSet::new();
        let (mut withdrawn, mut rated, mut reopened, mut open, mut gender_desk) = (0, 0, 0, 0, 0);
        for plan in &plans {
            assert!(plan.filed_at >= inputs.period.from && plan.filed_at <= inputs.period.until);
            let mut last = plan.filed_at;
            for (_, step) in &plan.steps {
                assert!(step.at >= last && step.at <= inputs.period.until);
                last = step.at;
                match &step.action {
                    ComplaintAction::Refer { kind, .. } => {
                        kinds.insert(kind.as_str());
                    }
                    ComplaintAction::Withdraw { .. } => withdrawn += 1,
                    ComplaintAction::Rate { .. } => rated += 1,
                    ComplaintAction::Reopen { .. } => reopened += 1,
                    _ => {}
                }
            }
            let closed = plan.steps.iter().any(|(_, s)| {
                matches!(
                    s.action,
                    ComplaintAction::Resolve { .. } | ComplaintAction::Withdraw { .. }
                )
            });
            open += usize::from(!closed);
            gender_desk += usize::from(plan.gender_desk);
        }
        for kind in ["police_station", "magistrate", "department", "gender_desk"] {
            assert!(kinds.contains(kind), "no referral to {kind}");
        }
        assert!((40..200).contains(&withdrawn), "withdrawn {withdrawn}");
        assert!((500..1100).contains(&rated), "rated {rated}");
        assert!(reopened > 20, "reopened {reopened}");
        assert!(open > 10, "recent cases should still be open: {open}");
        assert!(
            (300..1000).contains(&gender_desk),
            "gender desk {gender_desk}"
        );
    }

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
}
