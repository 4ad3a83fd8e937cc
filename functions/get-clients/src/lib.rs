//! `getClients` route: every known user with presence and `lastSeen`, never a connection id.
//! The list travels back as the route response.

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::ChatStore;
use chat_domain::protocol::{ClientAction, GET_CLIENTS, ServerEvent, UserView};
use chat_domain::rules::Clock;

pub async fn handle<S: ChatStore, N, C: Clock>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route_as_caller(request, |_| async move {
        let event = match lambda::decode(request) {
            Ok(ClientAction::GetClients) => match chat.users().await {
                Ok(users) => ServerEvent::Clients {
                    users: users.iter().map(UserView::from).collect(),
                },
                Err(error) => lambda::chat_error_event(&error, GET_CLIENTS, None),
            },
            other => lambda::not_served(other, GET_CLIENTS),
        };
        lambda::reply(&event)
    })
    .await
}
