//! `setAvatar` route: sets (or removes) the caller's profile picture, an upload of their own, and
//! tells every other online connection with a `profile` event. The caller gets the same event as
//! the route response.

use chat_domain::Chat;
use chat_domain::chat::SetAvatar;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, PresenceAudience, ProfileStore, UserLookup,
};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ProfileStore + ConnectionCleanup + PresenceAudience + UserLookup,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, set: SetAvatar| async move {
        let user = chat
            .set_avatar(&caller.identity.username, caller.connection_id, &set)
            .await?;
        info!(removed = set.key.is_none(), "profile picture set");
        Ok(ServerEvent::profile(&user, set.request_id.as_ref()))
    })
    .await
}
