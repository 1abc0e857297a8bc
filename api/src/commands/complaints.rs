//! The complaint commands: filing, and what the shared path of officers'
//! steps and ratings (`case`) needs to know of complaints.

use markaz_domain::{
    derived_id, Category, Channel, Complainant, ComplaintAction, ComplaintCommand,
    ComplaintDecider, ComplaintEvent, ComplaintFiled, ComplaintId, ComplaintState,
    ContactPreference, Description, FileComplaint, Language, ShortText, WorkingCalendar,
};
use markaz_store::command_loop::handle_create;
use uuid::Uuid;

use super::case::CaseId;
use super::failure::CommandFailure;
use super::visibility::visible;
use super::Commands;
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
}

impl CaseId for ComplaintId {
    type Decider = ComplaintDecider;
    type Action = ComplaintAction;

    fn stream(self) -> String {
        self.stream_name()
    }

    fn visible(state: &ComplaintState, principal: &Principal) -> bool {
        visible(state, principal)
    }

    fn version(state: &ComplaintState) -> u64 {
        state.version
    }

    fn status(state: &ComplaintState) -> Option<&'static str> {
        state.status.map(|status| status.as_str())
    }

    fn rated(state: &ComplaintState) -> bool {
        state.rated
    }
}
