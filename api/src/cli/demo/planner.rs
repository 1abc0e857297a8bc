//! The plan of a demo history: for each case, from its own seeded random
//! generator, the filing and every later step with the time it happens.

use chrono::{DateTime, Datelike, Duration as Span, Timelike, Utc, Weekday};
use markaz_domain::{
    Catalogue, Category, Channel, Cnic, Complainant, ComplaintAction, ComplaintId, Description,
    FileComplaint, Gender, MarkazCode, Outcome, PersonName, Phone, Rating, ReferralKind, ShortText,
    TrackingCode, WorkingCalendar,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use uuid::Uuid;

use super::sample_texts::*;

/// The period the history covers.
#[derive(Clone, Copy, Debug)]
pub(super) struct Period {
    pub(super) from: DateTime<Utc>,
    pub(super) until: DateTime<Utc>,
}

/// Everything a case plan depends on.
pub(super) struct PlanInputs {
    pub(super) seed: u64,
    pub(super) catalogue: Catalogue,
    pub(super) markaz: Vec<MarkazCode>,
    pub(super) period: Period,
    pub(super) reopen_window_days: u32,
}

/// Who acts in a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum By {
    /// The desk (or the gender desk for gender-desk cases), officer `n`.
    Desk(u32),
    Supervisor,
    Citizen,
}

/// One planned command after filing.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Step {
    pub(super) at: DateTime<Utc>,
    pub(super) by: By,
    pub(super) action: ComplaintAction,
}

/// A whole case: the filing and what follows.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CasePlan {
    pub(super) filed_at: DateTime<Utc>,
    pub(super) filing: FileComplaint,
    pub(super) filing_command: Uuid,
    pub(super) filed_by: u32,
    pub(super) gender_desk: bool,
    pub(super) steps: Vec<(Uuid, Step)>,
}

/// A random generator for case `number` alone.
pub(super) fn case_rng(seed: u64, number: u32) -> StdRng {
    // splitmix64 of (seed, number): neighbouring cases get unrelated streams.
    let mut z = seed ^ (u64::from(number).wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}

/// A time-ordered (version 7) id made at simulated time `at`, as the server
/// makes its command ids (see `ids::time_ordered_uuid`).
pub(super) fn time_ordered_uuid(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let millis = at.timestamp_millis().max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.random()).into_uuid()
}

/// Picks from `(weight, value)` pairs.
pub(super) fn weighted<T: Copy>(rng: &mut StdRng, table: &[(u32, T)]) -> T {
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

/// A log-normal delay with the given median: most short, a long tail.
pub(super) fn delay(rng: &mut StdRng, median_minutes: f64, spread: f64) -> Span {
    // Box-Muller: one standard normal draw.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let minutes = median_minutes * (spread * normal).exp();
    Span::seconds((minutes.clamp(1.0, 60.0 * 24.0 * 120.0) * 60.0) as i64)
}

/// A time in the period when a centre takes cases: more in later months
/// as the centre becomes known, mostly in office hours, never on Sundays.
pub(super) fn office_time(rng: &mut StdRng, period: Period) -> DateTime<Utc> {
    let Period { from, until } = period;
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
    let mut at = day
        .with_hour(hour)
        .and_then(|at| at.with_minute(rng.random_range(0..60)))
        .unwrap_or(day);
    // Sundays are off.
    if at.weekday() == Weekday::Sun {
        at -= Span::days(1);
    }
    if at > until {
        at = until - Span::minutes(rng.random_range(1..600));
    }
    at.clamp(from, until)
}

/// Plans case `number`: a pure function of the inputs.
pub(super) fn plan_case(inputs: &PlanInputs, number: u32) -> CasePlan {
    let rng = &mut case_rng(inputs.seed, number);
    let Period { until, .. } = inputs.period;
    let filed_at = office_time(rng, inputs.period);

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
        contact: None,
        language: markaz_domain::Language::Urdu,
        category,
        calendar: WorkingCalendar::pakistan(),
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

pub(super) fn text(value: &str) -> ShortText {
    ShortText::parse(value).unwrap_or_else(|_| unreachable!("demo texts are valid"))
}

/// The steps after filing, in time order (possibly past the period's end:
/// the caller cuts them there).
pub(super) fn plan_steps(
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
pub(super) fn referral(
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

pub(super) fn resolution(rng: &mut StdRng, referred: Option<ReferralKind>) -> ComplaintAction {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::cli::demo) fn inputs(seed: u64) -> PlanInputs {
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
}
