//! `editMessage`, `deleteMessage` and `react` routes: the changes to a sent message. The author
//! edits its text; the author (in a room, also an owner or admin) deletes it, its attachment's file
//! first; any member sets their reaction. Every member's other live connections hear of a change,
//! and the calling connection gets it in the route response.

use chat_domain::Chat;
use chat_domain::chat::{DeleteMessage, EditMessage, React};
use chat_domain::events::{Echo, ServerEvent};
use chat_domain::lambda::{self, HandlerError, Request, Response, ServedActions};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationActivity, ConversationLookup, MediaDeletion,
    MemberListing, MessageLookup, MessageRevision, ReactionStore, UserLookup,
};
use chat_domain::protocol::{ClientAction, RoutedAction};
use chat_domain::rules::Clock;
use tracing::info;

/// The requests this function serves, one per route.
#[derive(Debug)]
pub enum ChangeMessage {
    Edit(EditMessage),
    Delete(DeleteMessage),
    React(React),
}

impl ServedActions for ChangeMessage {
    const ROUTES: &'static str = "editMessage, deleteMessage and react";

    fn from_action(action: ClientAction) -> Option<Self> {
        match action {
            ClientAction::EditMessage(edit) => Some(Self::Edit(edit)),
            ClientAction::DeleteMessage(delete) => Some(Self::Delete(delete)),
            ClientAction::React(react) => Some(Self::React(react)),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Edit(_) => EditMessage::NAME,
            Self::Delete(_) => DeleteMessage::NAME,
            Self::React(_) => React::NAME,
        }
    }

    fn echo(&self) -> Echo {
        match self {
            Self::Edit(edit) => RoutedAction::echo(edit),
            Self::Delete(delete) => RoutedAction::echo(delete),
            Self::React(react) => RoutedAction::echo(react),
        }
    }
}

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    media: &impl MediaDeletion,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConversationLookup
        + MessageLookup
        + MessageRevision
        + ReactionStore
        + ConversationActivity
        + ConnectionCleanup
        + UserLookup
        + MemberListing,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, change: ChangeMessage| async move {
        let (me, connection_id) = (&caller.identity.username, caller.connection_id);
        match change {
            ChangeMessage::Edit(edit) => {
                let edited = chat.edit_message(me, connection_id, &edit).await?;
                let delivery = edited.delivery;
                info!(
                    message_id = %edited.message.id,
                    changed = edited.changed,
                    delivered = delivery.delivered,
                    gone = delivery.gone,
                    failed = delivery.failed,
                    "message edited"
                );
                Ok(ServerEvent::message_edited(
                    &edited.message,
                    edit.request_id.as_ref(),
                ))
            }
            ChangeMessage::Delete(delete) => {
                let deleted = chat
                    .delete_message(media, me, connection_id, &delete)
                    .await?;
                let delivery = deleted.delivery;
                info!(
                    message_id = %deleted.message.id,
                    delivered = delivery.delivered,
                    gone = delivery.gone,
                    failed = delivery.failed,
                    "message deleted"
                );
                Ok(ServerEvent::message_deleted(
                    &deleted.message,
                    &deleted.deletion,
                    delete.request_id.as_ref(),
                ))
            }
            ChangeMessage::React(react) => {
                let reacted = chat.react(me, connection_id, &react).await?;
                let delivery = reacted.delivery;
                info!(
                    message_id = %reacted.message_id,
                    changed = reacted.changed,
                    count = reacted.count,
                    delivered = delivery.delivered,
                    gone = delivery.gone,
                    failed = delivery.failed,
                    "reaction set"
                );
                Ok(ServerEvent::reaction(&reacted, react.request_id.as_ref()))
            }
        }
    })
    .await
}
