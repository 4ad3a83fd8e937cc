//! `getMessages` route: a page of the caller's conversation with another user, newest first, read
//! through the Messages table's `byConversation` index. The page travels back as the route response.

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::ChatStore;
use chat_domain::protocol::{ClientAction, GET_MESSAGES, MessageView, ServerEvent};
use chat_domain::rules::Clock;

pub async fn handle<S: ChatStore, N, C: Clock>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route_as_caller(request, |caller| async move {
        let get = match lambda::decode(request) {
            Ok(ClientAction::GetMessages(get)) => get,
            other => return lambda::reply(&lambda::not_served(other, GET_MESSAGES)),
        };
        let event = match chat.history(&caller.identity.username, &get).await {
            Ok(page) => ServerEvent::Messages {
                with: get.with.as_str().to_owned(),
                messages: page.messages.iter().map(MessageView::from).collect(),
                next_cursor: page.next.as_ref().map(|cursor| cursor.encode()),
            },
            Err(error) => lambda::chat_error_event(&error, GET_MESSAGES, None),
        };
        lambda::reply(&event)
    })
    .await
}
