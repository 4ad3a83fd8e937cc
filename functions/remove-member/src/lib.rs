//! `removeMember` route: removes a member from a room (the owner anyone else, an admin members)
//! or the caller themself (leaving); the members and the removed user hear of it, and the
//! calling connection gets the change in the route response.

use chat_domain::Chat;
use chat_domain::chat::RemoveMember;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationLookup, MemberListing, RoomAdministration,
    UserLookup,
};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConversationLookup + RoomAdministration + MemberListing + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, remove: RemoveMember| async move {
        let change = chat
            .remove_member(&caller.identity.username, caller.connection_id, &remove)
            .await?;
        info!(
            conversation_id = %change.room.id,
            change = ?change.kind,
            members = change.room.member_count,
            "member removed"
        );
        Ok(ServerEvent::membership(&change, remove.request_id.as_ref()))
    })
    .await
}
