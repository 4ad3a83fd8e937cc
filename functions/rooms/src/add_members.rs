//! `addMembers`: an owner or admin adds users to a room (those already in are left out); every
//! member, the new ones included, hears of it, and the calling connection gets the change in the
//! route response.

use chat_domain::chat::AddMembers;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::Caller;
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationBatchLookup, ConversationLookup,
    MemberListing, RoomAdministration, UserLookup,
};
use chat_domain::rules::Clock;
use chat_domain::{Chat, ChatError};
use tracing::info;

pub(crate) async fn add_members<S, N, C>(
    chat: &Chat<S, N, C>,
    caller: &Caller<'_>,
    add: AddMembers,
) -> Result<ServerEvent, ChatError>
where
    S: ConversationLookup
        + ConversationBatchLookup
        + RoomAdministration
        + MemberListing
        + UserLookup
        + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    let change = chat
        .add_members(&caller.identity.username, caller.connection_id, &add)
        .await?;
    info!(
        conversation_id = %change.room.id,
        added = change.users.len(),
        members = change.room.member_count,
        "members added"
    );
    Ok(ServerEvent::membership(&change, add.request_id.as_ref()))
}
