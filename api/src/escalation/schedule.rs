//! What the escalation process knows of the open deadlines: each case's
//! state folded from its events with the domain's own `evolve` (so "met" and
//! "already recorded" mean what the decider means), and a queue of each
//! case's next pending step in time order. Pure: no clock, no store.

use std::collections::{BTreeSet, HashMap};

use markaz_domain::{evolve, ComplaintEvent, ComplaintId, ComplaintState, Deadline, Timestamp};

use super::policy::{EscalationPolicy, PlannedStep};

/// The cases with deadline steps still to come, by their next step.
#[derive(Default)]
pub struct Schedule {
    cases: HashMap<ComplaintId, ComplaintState>,
    /// (time of the case's next pending step, case).
    queue: BTreeSet<(Timestamp, ComplaintId)>,
    next: HashMap<ComplaintId, Timestamp>,
}

impl Schedule {
    /// Folds one event of a case that happened at `at`.
    pub fn apply(
        &mut self,
        policy: &EscalationPolicy,
        id: ComplaintId,
        event: &ComplaintEvent,
        at: Timestamp,
    ) {
        let state = match self.cases.remove(&id) {
            Some(state) => state,
            // A case the schedule let go of has nothing left to escalate,
            // and one it never saw filed is not ours to guess about.
            None if matches!(event, ComplaintEvent::Filed(_)) => ComplaintState::default(),
            None => return,
        };
        self.keep(policy, id, evolve(state, event, at));
    }

    /// Records that a step was handled (written now, or found already
    /// written or no longer due), so it is not sent again before its event
    /// comes back through the log.
    pub fn handled(&mut self, policy: &EscalationPolicy, id: ComplaintId, step: &PlannedStep) {
        if let Some(mut state) = self.cases.remove(&id) {
            state.deadline_steps.push((step.deadline, step.step));
            self.keep(policy, id, state);
        }
    }

    /// The earliest pending step of any case, if one is due by `now`.
    pub fn due(
        &self,
        policy: &EscalationPolicy,
        now: Timestamp,
    ) -> Option<(ComplaintId, PlannedStep)> {
        let &(at, id) = self.queue.first()?;
        if at > now {
            return None;
        }
        let state = self.cases.get(&id)?;
        next_step(policy, state).map(|step| (id, step))
    }

    /// When the earliest pending step falls due.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.queue.first().map(|(at, _)| *at)
    }

    /// Cases followed (those with a step still to come).
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    fn keep(&mut self, policy: &EscalationPolicy, id: ComplaintId, state: ComplaintState) {
        if let Some(at) = self.next.remove(&id) {
            self.queue.remove(&(at, id));
        }
        // A case with no pending step is let go: its deadlines and steps
        // are fixed, and later events can only meet deadlines, never add
        // a step.
        if let Some(step) = next_step(policy, &state) {
            self.queue.insert((step.at, id));
            self.next.insert(id, step.at);
            self.cases.insert(id, state);
        }
    }
}

/// The case's earliest step that is neither recorded nor met by its time.
pub fn next_step(policy: &EscalationPolicy, state: &ComplaintState) -> Option<PlannedStep> {
    let filed_at = state.filed_at?;
    [Deadline::Acknowledge, Deadline::Resolve]
        .into_iter()
        .filter_map(|deadline| Some((deadline, state.due_at(deadline)?)))
        .flat_map(|(deadline, due_at)| policy.steps(filed_at, deadline, due_at))
        .filter(|step| !state.has_step(step.deadline, step.step))
        .filter(|step| state.met_at(step.deadline).is_none_or(|met| met > step.at))
        .min_by_key(|step| (step.at, step.deadline == Deadline::Resolve))
}
