//! `setAvatar` route: sets (or removes) the caller's profile picture, an upload of their own, and
//! tells every other online connection with a `profile` event. The caller gets the same event as
//! the route response.

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ChatStore, ConnectionNotifier};
use chat_domain::protocol::{ClientAction, SET_AVATAR, ServerEvent, UserView};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S: ChatStore, N: ConnectionNotifier, C: Clock>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route_as_caller(request, |caller| async move {
        let set = match lambda::decode(request) {
            Ok(ClientAction::SetAvatar(set)) => set,
            other => return lambda::reply(&lambda::not_served(other, SET_AVATAR)),
        };
        let event = match chat
            .set_avatar(&caller.identity.username, caller.connection_id, &set)
            .await
        {
            Ok(user) => {
                info!(removed = set.key.is_none(), "profile picture set");
                ServerEvent::Profile {
                    user: UserView::from(&user),
                    request_id: set.request_id.map(|id| id.as_str().to_owned()),
                }
            }
            Err(error) => lambda::request_error_event(&error, SET_AVATAR, set.request_id.as_ref()),
        };
        lambda::reply(&event)
    })
    .await
}
