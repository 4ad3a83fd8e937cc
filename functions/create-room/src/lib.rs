//! `createRoom` route: creates a room owned by the caller with its first members, tells those
//! members they were added and the caller's other connections about the room, and answers the
//! room to the calling connection in the route response.

use chat_domain::Chat;
use chat_domain::chat::CreateRoom;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConnectionCleanup, ConnectionNotifier, RoomCreation, UserLookup};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: RoomCreation + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, create: CreateRoom| async move {
        let room = chat
            .create_room(&caller.identity.username, caller.connection_id, &create)
            .await?;
        info!(conversation_id = %room.id, members = room.member_count, "room created");
        Ok(ServerEvent::room(&room, create.request_id.as_ref()))
    })
    .await
}
