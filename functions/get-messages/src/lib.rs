//! `getMessages` route: a page of one of the caller's conversations (direct or room), newest first, read through the
//! Messages table's `byConversation` index. The page travels back as the route response.

use chat_domain::Chat;
use chat_domain::chat::GetMessages;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConversationLookup, MessageHistory, MessageLookup};

pub async fn handle<S: MessageHistory + MessageLookup + ConversationLookup, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    lambda::serve_action(&request, |caller, get: GetMessages| async move {
        let history = chat.history(&caller.identity.username, &get).await?;
        Ok(ServerEvent::messages(
            &history,
            &caller.identity.username.key(),
        ))
    })
    .await
}
