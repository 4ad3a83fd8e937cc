//! `getClients` route: every known user with presence and `lastSeen`, never a connection id.
//! The list travels back as the route response.

use chat_domain::Chat;
use chat_domain::chat::GetClients;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::UserListing;

pub async fn handle<S: UserListing, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    lambda::serve_action(&request, |_, get: GetClients| async move {
        Ok(ServerEvent::clients(&chat.users(get).await?))
    })
    .await
}
