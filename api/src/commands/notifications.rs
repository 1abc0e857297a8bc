//! Commands on the messages of the outbox (queue, record an attempt, retry),
//! sent by the notification process and by operators on the CLI.

use markaz_domain::{NotificationCommand, NotificationDecider, NotificationId, NotificationState};
use markaz_store::command_loop::{handle_command, load};

use super::failure::CommandFailure;
use super::{command_meta, Commands};

impl Commands {
    /// Runs a command on message `id`; its version and state after it.
    pub async fn notification(
        &self,
        id: NotificationId,
        command: &NotificationCommand,
    ) -> Result<(u64, NotificationState), CommandFailure> {
        let meta = command_meta(command.command_id, command.at, command.actor.clone());
        let handled =
            handle_command::<NotificationDecider>(self.store(), &id.stream_name(), command, &meta)
                .await?;
        Ok((handled.version, handled.state))
    }

    /// Message `id` as its stream tells it.
    pub async fn notification_state(
        &self,
        id: NotificationId,
    ) -> Result<(u64, NotificationState), CommandFailure> {
        let loaded = load::<NotificationDecider>(self.store(), &id.stream_name()).await?;
        Ok((loaded.version, loaded.state))
    }
}
