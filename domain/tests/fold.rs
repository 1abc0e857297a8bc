//! Property: any sequence of accepted commands folds to a consistent state.

mod common;

use common::*;
use markaz_domain::{
    decide, evolve, Actor, ComplaintAction, ComplaintEvent, ComplaintState, ComplaintStatus, Role,
    Timestamp,
};
use proptest::prelude::*;

fn action(kind: u8, window_days: u32) -> ComplaintAction {
    match kind % 7 {
        0 => file(),
        1 => acknowledge(),
        2 => refer(),
        3 => resolve(),
        4 => ComplaintAction::Reopen {
            reason: text("Not fixed"),
            window_days,
        },
        5 => rate(),
        _ => withdraw(),
    }
}

fn actor(kind: u8) -> Actor {
    match kind % 6 {
        0 => Actor::Citizen,
        1 => Actor::System,
        2 => officer(Role::Desk),
        3 => officer(Role::GenderDesk),
        4 => officer(Role::Supervisor),
        _ => officer(Role::Auditor),
    }
}

/// The status the last status-changing event leaves behind.
fn expected_status(events: &[ComplaintEvent]) -> Option<ComplaintStatus> {
    events.iter().rev().find_map(|event| match event {
        ComplaintEvent::Filed(_) => Some(ComplaintStatus::Filed),
        ComplaintEvent::Acknowledged(_) | ComplaintEvent::Reopened(_) => {
            Some(ComplaintStatus::Acknowledged)
        }
        ComplaintEvent::Referred(_) => Some(ComplaintStatus::Referred),
        ComplaintEvent::Resolved(_) => Some(ComplaintStatus::Resolved),
        ComplaintEvent::Withdrawn(_) => Some(ComplaintStatus::Withdrawn),
        ComplaintEvent::Rated(_)
        | ComplaintEvent::DeadlineReminder(_)
        | ComplaintEvent::DeadlineMissed(_)
        | ComplaintEvent::Escalated(_) => None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn accepted_commands_fold_to_a_consistent_state(
        steps in prop::collection::vec((any::<u8>(), any::<u8>(), 0i64..(40 * 24), 0u32..40), 1..40),
        start_with_filing in any::<bool>(),
    ) {
        let mut state = ComplaintState::default();
        let mut events: Vec<(ComplaintEvent, Timestamp)> = Vec::new();
        let mut now = T0;
        let mut steps = steps;
        if start_with_filing {
            steps.insert(0, (0, 2, 0, 30));
        }
        for (kind, who, hours_later, window_days) in steps {
            now = Timestamp::from_micros(now.as_micros() + hours_later * HOUR);
            let command = command(action(kind, window_days), now, actor(who));
            if let Ok(new_events) = decide(&state, &command) {
                prop_assert_eq!(new_events.len(), 1);
                for event in new_events {
                    state = evolve(state, &event, now);
                    events.push((event, now));
                }
            }
        }
        let history: Vec<ComplaintEvent> = events.iter().map(|(e, _)| e.clone()).collect();

        prop_assert_eq!(state.version, history.len() as u64);
        prop_assert_eq!(state.status, expected_status(&history));
        if let Some(first) = history.first() {
            prop_assert!(matches!(first, ComplaintEvent::Filed(_)));
        }
        let count = |f: fn(&ComplaintEvent) -> bool| history.iter().filter(|e| f(e)).count();
        prop_assert!(count(|e| matches!(e, ComplaintEvent::Filed(_))) <= 1);
        prop_assert!(count(|e| matches!(e, ComplaintEvent::Rated(_))) <= 1);
        prop_assert_eq!(state.rated, count(|e| matches!(e, ComplaintEvent::Rated(_))) == 1);
        prop_assert_eq!(state.reopen_count as usize, count(|e| matches!(e, ComplaintEvent::Reopened(_))));
        prop_assert_eq!(state.resolved_at.is_some(), state.status == Some(ComplaintStatus::Resolved));
        // A rating always directly follows a resolution (possibly after nothing else).
        for pair in history.windows(2) {
            if matches!(pair[1], ComplaintEvent::Rated(_)) {
                prop_assert!(matches!(pair[0], ComplaintEvent::Resolved(_)));
            }
        }
        // Nothing follows a withdrawal.
        if let Some(index) = history.iter().position(|e| matches!(e, ComplaintEvent::Withdrawn(_))) {
            prop_assert_eq!(index, history.len() - 1);
        }
        // Reopens happen within their window of the resolution before them.
        for (index, (event, at)) in events.iter().enumerate() {
            if matches!(event, ComplaintEvent::Reopened(_)) {
                let (before, resolved_at) = &events[index - 1];
                prop_assert!(matches!(before, ComplaintEvent::Resolved(_) | ComplaintEvent::Rated(_)));
                prop_assert!(at >= resolved_at);
            }
        }
        // Folding the history again gives the same state: evolve is a pure fold.
        let refolded = events
            .iter()
            .fold(ComplaintState::default(), |s, (e, at)| evolve(s, e, *at));
        prop_assert_eq!(refolded, state);
    }
}
