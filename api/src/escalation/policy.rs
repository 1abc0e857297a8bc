//! When the steps of a deadline's escalation fall due: a reminder at a share
//! of the time to the deadline, the missed deadline at the deadline itself,
//! and the escalations to the supervisor and then the district after their
//! grace periods. Pure: the schedule of a case is a function of its filing
//! time and deadlines.

use std::time::Duration;

use markaz_domain::{Deadline, DeadlineStep, EscalationLevel, ShortText, Timestamp};

/// The rules the escalation process follows (configuration `[escalation]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscalationPolicy {
    /// Whether `markaz serve` runs the escalation process.
    pub enabled: bool,
    /// A reminder at this percentage of the time from filing to a deadline
    /// (1 to 99); `None`: no reminders.
    pub reminder_percent: Option<u8>,
    /// How long after a missed deadline the case goes to the supervisor.
    pub supervisor_after: Duration,
    /// How long after a missed deadline the case goes to the district
    /// (longer than `supervisor_after`).
    pub district_after: Duration,
}

impl EscalationPolicy {
    pub const DEFAULT_REMINDER_PERCENT: u8 = 75;
    pub const DEFAULT_SUPERVISOR_AFTER_HOURS: u64 = 2;
    pub const DEFAULT_DISTRICT_AFTER_HOURS: u64 = 24;
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        EscalationPolicy {
            enabled: true,
            reminder_percent: Some(Self::DEFAULT_REMINDER_PERCENT),
            supervisor_after: Duration::from_secs(Self::DEFAULT_SUPERVISOR_AFTER_HOURS * 3_600),
            district_after: Duration::from_secs(Self::DEFAULT_DISTRICT_AFTER_HOURS * 3_600),
        }
    }
}

/// One step of a deadline as the policy plans it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedStep {
    /// The step's true time: when it falls due.
    pub at: Timestamp,
    pub deadline: Deadline,
    pub due_at: Timestamp,
    pub step: DeadlineStep,
    /// The rule that fires, in words, recorded in the event.
    pub rule: ShortText,
}

impl EscalationPolicy {
    /// The steps of one deadline of a case filed at `filed_at`, in time order.
    pub fn steps(
        &self,
        filed_at: Timestamp,
        deadline: Deadline,
        due_at: Timestamp,
    ) -> Vec<PlannedStep> {
        let planned = |at, step, rule: String| PlannedStep {
            at,
            deadline,
            due_at,
            step,
            rule: ShortText::from_stored(rule),
        };
        let mut steps = Vec::with_capacity(4);
        if let Some(percent) = self.reminder_percent {
            let span = due_at
                .as_micros()
                .saturating_sub(filed_at.as_micros())
                .max(0);
            let at = filed_at
                .as_micros()
                .saturating_add(span / 100 * i64::from(percent));
            steps.push(planned(
                Timestamp::from_micros(at),
                DeadlineStep::Reminder,
                format!("at {percent}% of the time to the deadline"),
            ));
        }
        steps.push(planned(
            due_at,
            DeadlineStep::Missed,
            "at the deadline".to_owned(),
        ));
        for (level, after) in [
            (EscalationLevel::Supervisor, self.supervisor_after),
            (EscalationLevel::District, self.district_after),
        ] {
            let micros = i64::try_from(after.as_micros()).unwrap_or(i64::MAX);
            steps.push(planned(
                Timestamp::from_micros(due_at.as_micros().saturating_add(micros)),
                DeadlineStep::Escalated(level),
                format!("to the {level} {} after the deadline", words(after)),
            ));
        }
        steps
    }
}

/// A grace period in words: whole hours where it is whole hours.
fn words(after: Duration) -> String {
    let seconds = after.as_secs();
    match seconds {
        3_600 => "1 hour".to_owned(),
        s if s % 3_600 == 0 => format!("{} hours", s / 3_600),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_has_a_reminder_the_miss_and_two_escalations_in_order() {
        let filed = Timestamp::from_micros(0);
        let due = filed.plus_hours(8);
        let steps = EscalationPolicy::default().steps(filed, Deadline::Acknowledge, due);
        let times: Vec<_> = steps.iter().map(|s| s.at).collect();
        assert_eq!(
            times,
            [
                filed.plus_hours(6),
                due,
                due.plus_hours(2),
                due.plus_hours(24)
            ]
        );
        assert_eq!(
            steps[3].rule.as_str(),
            "to the district 24 hours after the deadline"
        );
        let quiet = EscalationPolicy {
            reminder_percent: None,
            ..EscalationPolicy::default()
        };
        assert_eq!(
            quiet.steps(filed, Deadline::Resolve, due)[0].step,
            DeadlineStep::Missed
        );
    }
}
