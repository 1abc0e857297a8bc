//! Deadline escalation, a process manager: it follows the event log and the
//! clock, and records on each case's own stream, through the command layer
//! and as the system, a reminder before a deadline, the missed deadline, and
//! the escalations to the supervisor and then the district
//! (`policy.rs` when, `schedule.rs` what is pending, `manager.rs` the loop).

mod manager;
mod policy;
mod schedule;

pub use manager::{step_command, EscalationProcess, Progress};
pub use policy::{EscalationPolicy, PlannedStep};
pub use schedule::{next_step, Schedule};
