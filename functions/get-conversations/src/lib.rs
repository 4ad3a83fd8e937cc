//! `getConversations` route: a page of the caller's inbox, most recent activity first, with each
//! conversation's last message, unread count and (direct) the other user's presence and read
//! point. The page travels back as the route response.

use chat_domain::Chat;
use chat_domain::chat::GetConversations;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConversationBatchLookup, MembershipIndex, MessageHistory, UserLookup};
use tracing::info;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: MembershipIndex + ConversationBatchLookup + MessageHistory + UserLookup,
{
    lambda::serve_action(&request, |caller, get: GetConversations| async move {
        let page = chat.conversations(&caller.identity.username, &get).await?;
        info!(
            listed = page.entries.len(),
            more = page.next.is_some(),
            "inbox page read"
        );
        Ok(ServerEvent::conversations(&page, get.request_id.as_ref()))
    })
    .await
}
