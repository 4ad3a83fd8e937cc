//! `getClients` route: every known user with presence and `lastSeen`, never a connection id.
//! The list travels back as the route response.

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConnectionStore, MessageStore, UserStore};
use chat_domain::protocol::{ClientAction, GET_CLIENTS, ServerEvent, UserView};
use chat_domain::rules::Clock;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConnectionStore + UserStore + MessageStore,
    C: Clock,
{
    lambda::connection_id(&request)?;
    lambda::traced(&request, async {
        let event = match lambda::decode(&request) {
            Ok(ClientAction::GetClients) => match chat.users().await {
                Ok(users) => ServerEvent::Clients {
                    users: users.iter().map(UserView::from).collect(),
                },
                Err(error) => lambda::chat_error_event(&error, GET_CLIENTS, None),
            },
            other => lambda::not_served(other, GET_CLIENTS),
        };
        Ok(lambda::reply(&event))
    })
    .await
}
