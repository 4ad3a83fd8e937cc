//! `createRoom`: creates a room owned by the caller with its first members, tells those members
//! they were added and the caller's other connections about the room, and answers the room to the
//! calling connection in the route response.

use chat_domain::chat::CreateRoom;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::Caller;
use chat_domain::ports::{ConnectionCleanup, ConnectionNotifier, RoomCreation, UserLookup};
use chat_domain::rules::Clock;
use chat_domain::{Chat, ChatError};
use tracing::info;

pub(crate) async fn create_room<S, N, C>(
    chat: &Chat<S, N, C>,
    caller: &Caller<'_>,
    create: CreateRoom,
) -> Result<ServerEvent, ChatError>
where
    S: RoomCreation + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    let room = chat
        .create_room(&caller.identity.username, caller.connection_id, &create)
        .await?;
    info!(conversation_id = %room.id, members = room.member_count, "room created");
    Ok(ServerEvent::room(&room, create.request_id.as_ref()))
}
