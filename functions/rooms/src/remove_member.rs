//! `removeMember`: removes a member from a room (the owner anyone else, an admin members) or the
//! caller themself (leaving); the members and the removed user hear of it, and the calling
//! connection gets the change in the route response.

use chat_domain::chat::RemoveMember;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::Caller;
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationLookup, MemberListing, RoomAdministration,
    UserLookup,
};
use chat_domain::rules::Clock;
use chat_domain::{Chat, ChatError};
use tracing::info;

pub(crate) async fn remove_member<S, N, C>(
    chat: &Chat<S, N, C>,
    caller: &Caller<'_>,
    remove: RemoveMember,
) -> Result<ServerEvent, ChatError>
where
    S: ConversationLookup + RoomAdministration + MemberListing + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
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
}
