//! `setRole`: a room's owner makes a member an admin or a member, or hands ownership over
//! (becoming an admin); every member hears of it, and the calling connection gets the change in
//! the route response.

use chat_domain::chat::SetRole;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::Caller;
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationLookup, MemberListing, RoomAdministration,
    UserLookup,
};
use chat_domain::rules::Clock;
use chat_domain::{Chat, ChatError};
use tracing::info;

pub(crate) async fn set_role<S, N, C>(
    chat: &Chat<S, N, C>,
    caller: &Caller<'_>,
    set: SetRole,
) -> Result<ServerEvent, ChatError>
where
    S: ConversationLookup + RoomAdministration + MemberListing + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    let change = chat
        .set_role(&caller.identity.username, caller.connection_id, &set)
        .await?;
    info!(
        conversation_id = %change.room.id,
        role = %set.role,
        "role changed"
    );
    Ok(ServerEvent::membership(&change, set.request_id.as_ref()))
}
