//! `renameRoom`: an owner or admin renames a room; every member's live connections hear of it, and
//! the calling connection gets the room as renamed in the route response.

use chat_domain::chat::RenameRoom;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::Caller;
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationLookup, MemberListing, RoomAdministration,
    UserLookup,
};
use chat_domain::rules::Clock;
use chat_domain::{Chat, ChatError};
use tracing::info;

pub(crate) async fn rename_room<S, N, C>(
    chat: &Chat<S, N, C>,
    caller: &Caller<'_>,
    rename: RenameRoom,
) -> Result<ServerEvent, ChatError>
where
    S: ConversationLookup + RoomAdministration + MemberListing + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    let room = chat
        .rename_room(&caller.identity.username, caller.connection_id, &rename)
        .await?;
    info!(conversation_id = %room.id, "room renamed");
    Ok(ServerEvent::room(&room, rename.request_id.as_ref()))
}
