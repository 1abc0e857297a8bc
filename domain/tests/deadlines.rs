//! Deadlines at filing (clock hours or working days, the calendar recorded)
//! and the escalation steps: given/when/then.

mod common;

use chrono::{NaiveDate, TimeZone};
use common::*;
use markaz_domain::{
    decide, evolve, Actor, Catalogue, CategoryCode, ComplaintAction, ComplaintEvent,
    ComplaintState, Deadline, DeadlineAction, DeadlineRule, DeadlineStep, DomainError,
    EscalationLevel, Gender, Timestamp,
};

/// A catalogue with one category due in 2 working days, the Eid ul-Adha of
/// 2027 notified for Monday and Tuesday 17 and 18 May.
const EID_CATALOGUE: &str = r#"
[[category]]
code = "lost_documents"
name_en = "Lost documents"
name_ur = "گمشدہ دستاویزات"
non_cognizable = true
gender_sensitive = false
acknowledge_within_hours = 8
resolve_within_working_days = 2

[[holiday]]
date = 2027-05-17
name_en = "Eid ul-Adha"
name_ur = "عید الاضحی"

[[holiday]]
date = 2027-05-18
name_en = "Eid ul-Adha"
name_ur = "عید الاضحی"
"#;

fn karachi(local: &str) -> Timestamp {
    let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    let at = chrono_tz::Asia::Karachi
        .from_local_datetime(&naive)
        .single()
        .unwrap();
    Timestamp::from_datetime(at.with_timezone(&chrono::Utc))
}

fn file_on(catalogue: &Catalogue, at: Timestamp) -> (ComplaintState, ComplaintEvent) {
    let mut filing = file_with(
        catalogue
            .get(&CategoryCode::parse("lost_documents").unwrap())
            .unwrap()
            .clone(),
        Gender::Male,
        false,
    );
    filing.calendar = catalogue.calendar().clone();
    let events = decide(
        &ComplaintState::default(),
        &command(ComplaintAction::File(filing), at, desk()),
    )
    .unwrap();
    let state = evolve(ComplaintState::default(), &events[0], at);
    (state, events[0].clone())
}

#[test]
fn a_saturday_afternoon_filing_before_eid_is_due_after_two_working_days() {
    let catalogue = Catalogue::from_toml_str(EID_CATALOGUE).unwrap();
    let filed_at = karachi("2027-05-15 15:30"); // Saturday
    let (_, event) = file_on(&catalogue, filed_at);
    let ComplaintEvent::Filed(filed) = event else {
        panic!("expected a filing")
    };
    // Sunday off, Monday and Tuesday Eid: Wednesday and Thursday count, so
    // the case is late from the first instant of Friday.
    assert_eq!(filed.resolve_by, karachi("2027-05-21 00:00"));
    // Clock hours run through the night and the holiday.
    assert_eq!(filed.acknowledge_by, karachi("2027-05-15 23:30"));
    let terms = filed.deadline_terms.expect("the terms are recorded");
    assert_eq!(terms.acknowledge, DeadlineRule::Hours(8));
    assert_eq!(terms.resolve, DeadlineRule::WorkingDays(2));
    assert_eq!(terms.calendar.time_zone, "Asia/Karachi");
    assert_eq!(terms.calendar.working_days.len(), 6);
    assert_eq!(
        terms.calendar.holidays,
        vec![
            NaiveDate::from_ymd_opt(2027, 5, 17).unwrap(),
            NaiveDate::from_ymd_opt(2027, 5, 18).unwrap()
        ],
        "the holidays the promise skipped are recorded with it"
    );
}

#[test]
fn a_later_calendar_does_not_move_a_recorded_deadline() {
    let catalogue = Catalogue::from_toml_str(EID_CATALOGUE).unwrap();
    let (state, _) = file_on(&catalogue, karachi("2027-05-15 15:30"));
    // The calendar changed afterwards (the first holiday moved to Thursday):
    // new filings count on it, old cases keep their promise.
    let moved =
        Catalogue::from_toml_str(&EID_CATALOGUE.replace("2027-05-17", "2027-05-20")).unwrap();
    let (_, event) = file_on(&moved, karachi("2027-05-15 15:30"));
    let ComplaintEvent::Filed(new_filing) = event else {
        panic!("expected a filing")
    };
    assert_eq!(state.resolve_by, Some(karachi("2027-05-21 00:00")));
    assert_eq!(new_filing.resolve_by, karachi("2027-05-20 00:00"));
}

#[test]
fn a_category_gives_each_deadline_in_one_unit_only() {
    let both = EID_CATALOGUE.replace(
        "resolve_within_working_days = 2",
        "resolve_within_working_days = 2\nresolve_within_hours = 72",
    );
    let error = Catalogue::from_toml_str(&both).unwrap_err().to_string();
    assert!(error.contains("not both"), "{error}");
    let neither = EID_CATALOGUE.replace("resolve_within_working_days = 2\n", "");
    let error = Catalogue::from_toml_str(&neither).unwrap_err().to_string();
    assert!(error.contains("resolve_within_working_days"), "{error}");
}

fn step(state: &ComplaintState, deadline: Deadline, step: DeadlineStep) -> DeadlineAction {
    DeadlineAction {
        deadline,
        due_at: state.due_at(deadline).unwrap(),
        step,
        rule: text("at the deadline"),
    }
}

fn system(action: DeadlineAction, at: Timestamp) -> markaz_domain::ComplaintCommand {
    command(ComplaintAction::Deadline(action), at, Actor::System)
}

#[test]
fn a_deadline_step_is_recorded_once_and_only_while_the_deadline_is_unmet() {
    let (state, _) = given(&[file()]);
    let due = state.acknowledge_by.unwrap();
    let missed = step(&state, Deadline::Acknowledge, DeadlineStep::Missed);
    let events = decide(&state, &system(missed.clone(), due)).unwrap();
    assert!(matches!(events[..], [ComplaintEvent::DeadlineMissed(ref e)] if e.scheduled_at == due));
    let state = evolve(state, &events[0], due);
    assert!(
        decide(&state, &system(missed, due)).unwrap().is_empty(),
        "a second time decides nothing"
    );
    let escalate = step(
        &state,
        Deadline::Acknowledge,
        DeadlineStep::Escalated(EscalationLevel::Supervisor),
    );
    let events = decide(&state, &system(escalate, due.plus_hours(4))).unwrap();
    let state = evolve(state, &events[0], due.plus_hours(4));
    assert_eq!(state.escalated_to, Some(EscalationLevel::Supervisor));
}

#[test]
fn a_deadline_met_before_the_step_decides_nothing_but_one_met_late_still_counts() {
    let (state, _) = given(&[file(), acknowledge()]);
    let missed = step(&state, Deadline::Acknowledge, DeadlineStep::Missed);
    // Acknowledged an hour after filing, well before its deadline.
    let due = state.acknowledge_by.unwrap();
    assert!(decide(&state, &system(missed, due)).unwrap().is_empty());
    // The resolution deadline is still open.
    let missed = step(&state, Deadline::Resolve, DeadlineStep::Missed);
    let due = state.resolve_by.unwrap();
    assert_eq!(
        decide(&state, &system(missed.clone(), due)).unwrap().len(),
        1
    );
    // Resolved after the deadline (while the process was stopped): it was
    // still missed at its true time.
    let (late, _) = given(&[file(), acknowledge()]);
    let resolved = decide(&late, &command(resolve(), due.plus_hours(1), desk())).unwrap();
    let late = evolve(late, &resolved[0], due.plus_hours(1));
    assert_eq!(decide(&late, &system(missed, due)).unwrap().len(), 1);
}

#[test]
fn only_the_system_records_deadline_steps_and_only_for_the_case_deadline() {
    let (state, _) = given(&[file()]);
    let missed = step(&state, Deadline::Acknowledge, DeadlineStep::Missed);
    let due = missed.due_at;
    let by_officer = decide(
        &state,
        &command(ComplaintAction::Deadline(missed.clone()), due, desk()),
    );
    assert!(matches!(by_officer, Err(DomainError::NotAllowed { .. })));
    let wrong = DeadlineAction {
        due_at: due.plus_hours(1),
        ..missed
    };
    assert!(matches!(
        decide(&state, &system(wrong, due)),
        Err(DomainError::InvalidDeadline(_))
    ));
}
