//! The complaint commands: filing, an officer's action on a case, and the
//! citizen's rating.

use markaz_domain::{
    derived_id, Actor, Category, Channel, Complainant, ComplaintAction, ComplaintCommand,
    ComplaintDecider, ComplaintEvent, ComplaintFiled, ComplaintId, ComplaintState, ComplaintStatus,
    ContactPreference, Description, FileComplaint, Language, ShortText, WorkingCalendar,
};
use markaz_store::command_loop::{handle_command, handle_create, load, Aggregate, Handled};
use uuid::Uuid;

use super::failure::CommandFailure;
use super::visibility::{visible, GuardedCommand, GuardedComplaint};
use super::{command_meta, Commands};
use crate::officers::Principal;

/// Namespace of complaint ids derived from command ids.
const COMPLAINT_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_726b_617a_0002_8000_0000_0000_0003);

/// A complaint as the counter takes it down, already validated; the id, the
/// tracking code and the markaz are added by the filing.
#[derive(Clone, Debug)]
pub struct NewComplaint {
    pub category: Category,
    /// The working calendar in force, which working-day deadlines count on.
    pub calendar: WorkingCalendar,
    pub complainant: Complainant,
    pub description: Description,
    pub location: Option<ShortText>,
    pub channel: Channel,
    pub gender_desk_requested: bool,
    pub contact: Option<ContactPreference>,
    pub language: Language,
}

/// A filed complaint, as stored (a retried filing gets its original back).
#[derive(Clone, Debug)]
pub struct Filed {
    pub id: ComplaintId,
    pub filed: ComplaintFiled,
    pub version: u64,
    pub position: u64,
    /// The hash-chain value of the filing: the citizen's receipt.
    pub receipt_hash: [u8; 32],
}

/// A case after an officer's action or a rating.
#[derive(Clone, Debug)]
pub struct Acted {
    pub id: ComplaintId,
    pub status: Option<ComplaintStatus>,
    pub rated: bool,
    pub version: u64,
    pub position: u64,
    /// The events the command stands for: written now, or by an earlier
    /// attempt of the same command (0 when it decided nothing).
    pub events: usize,
}

impl Acted {
    fn from_handled<D>(id: ComplaintId, handled: Handled<D>) -> Self
    where
        D: Aggregate<State = ComplaintState>,
    {
        Acted {
            id,
            status: handled.state.status,
            rated: handled.state.rated,
            version: handled.version,
            position: handled.position,
            events: handled.events.len(),
        }
    }
}

impl Commands {
    /// Files a complaint at the officer's markaz. The complaint id derives
    /// from `command_id`, so a retried command finds its own complaint.
    pub async fn file(
        &self,
        officer: &Principal,
        complaint: NewComplaint,
        command_id: Uuid,
    ) -> Result<Filed, CommandFailure> {
        let Some(markaz) = officer.markaz.clone() else {
            return Err(CommandFailure::NotAllowed(
                "an officer without a markaz may not file complaints".into(),
            ));
        };
        let id = ComplaintId::from_uuid(derived_id(
            &COMPLAINT_NAMESPACE,
            command_id,
            command_id.as_bytes(),
        ));
        let filing = FileComplaint {
            complaint_id: id,
            tracking_code: self.new_tracking_code(&markaz)?,
            markaz,
            category: complaint.category,
            calendar: complaint.calendar,
            complainant: complaint.complainant,
            description: complaint.description,
            location: complaint.location,
            channel: complaint.channel,
            gender_desk_requested: complaint.gender_desk_requested,
            contact: complaint.contact,
            language: complaint.language,
        };
        let (command, meta) = self.stamp(command_id, officer.actor(), |command_id, at, actor| {
            ComplaintCommand {
                command_id,
                at,
                actor,
                action: ComplaintAction::File(filing),
            }
        });
        let handled =
            handle_create::<ComplaintDecider>(self.store(), &id.stream_name(), &command, &meta)
                .await?;
        let filed = match handled.events.first().map(|written| &written.event) {
            Some(ComplaintEvent::Filed(filed)) => filed.clone(),
            _ => {
                return Err(CommandFailure::Internal(format!(
                    "the filing of {id} did not start its stream with ComplaintFiled"
                )))
            }
        };
        Ok(Filed {
            id,
            filed,
            version: handled.version,
            position: handled.position,
            // A filing is one event, so the command's last hash is the filing's.
            receipt_hash: handled.hash,
        })
    }

    /// An officer's action on a case the officer may see, optionally only if
    /// the case is still at version `if_match`.
    pub async fn act(
        &self,
        officer: &Principal,
        id: ComplaintId,
        action: ComplaintAction,
        if_match: Option<u64>,
        command_id: Uuid,
    ) -> Result<Acted, CommandFailure> {
        let (command, meta) = self.stamp(command_id, officer.actor(), |command_id, at, actor| {
            ComplaintCommand {
                command_id,
                at,
                actor,
                action,
            }
        });
        let guarded = GuardedCommand {
            command,
            principal: officer.clone(),
            // Checked inside the decision, after visibility.
            if_match,
        };
        let handled = handle_command::<GuardedComplaint>(
            self.store(),
            &id.stream_name(),
            &guarded,
            &meta,
            None,
        )
        .await?;
        Ok(Acted::from_handled(id, handled))
    }

    /// Refuses (as unknown) a case `officer` may not see, judged on its stream.
    pub async fn check_visible(
        &self,
        officer: &Principal,
        id: ComplaintId,
    ) -> Result<(), CommandFailure> {
        let case = load::<ComplaintDecider>(self.store(), &id.stream_name()).await?;
        if visible(&case.state, officer) {
            Ok(())
        } else {
            Err(CommandFailure::NotFound)
        }
    }

    /// A command its caller made in full, with its own time and actor: a
    /// planned history (`markaz demo`) and, later, commands of process
    /// managers that happen at the moment a deadline passed. Visibility is
    /// not applied: these callers act for the service, not for an officer.
    pub async fn submit(
        &self,
        id: ComplaintId,
        command: &ComplaintCommand,
    ) -> Result<Acted, CommandFailure> {
        let meta = command_meta(command.command_id, command.at, command.actor.clone());
        let handled = handle_command::<ComplaintDecider>(
            self.store(),
            &id.stream_name(),
            command,
            &meta,
            None,
        )
        .await?;
        Ok(Acted::from_handled(id, handled))
    }

    /// The citizen's rating of case `id` (found by its tracking code).
    pub async fn rate(
        &self,
        id: ComplaintId,
        action: ComplaintAction,
        command_id: Uuid,
    ) -> Result<Acted, CommandFailure> {
        let (command, meta) = self.stamp(command_id, Actor::Citizen, |command_id, at, actor| {
            ComplaintCommand {
                command_id,
                at,
                actor,
                action,
            }
        });
        let handled = handle_command::<ComplaintDecider>(
            self.store(),
            &id.stream_name(),
            &command,
            &meta,
            None,
        )
        .await?;
        Ok(Acted::from_handled(id, handled))
    }
}
