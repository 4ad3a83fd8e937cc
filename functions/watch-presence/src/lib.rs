//! `watchPresence` route: the calling connection follows the presence of some members of one of
//! the caller's conversations (those on screen) until it closes, and gets their presence now as
//! the route response. It writes watch items and posts nothing: later comings and goings reach
//! the connection as `presence` events from `$connect` and `$disconnect`.

use chat_domain::Chat;
use chat_domain::chat::WatchPresence;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConversationBatchLookup, PresenceWatches, UserLookup};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConversationBatchLookup + PresenceWatches + UserLookup,
    C: Clock,
{
    lambda::serve_action(&request, |caller, watch: WatchPresence| async move {
        let watched = chat
            .watch_presence(&caller.identity.username, caller.connection_id, &watch)
            .await?;
        info!(watched = watched.users.len(), "presence watched");
        Ok(ServerEvent::watched(&watched, watch.request_id.as_ref()))
    })
    .await
}
