//! `$disconnect` route: forgets the connection; when it was the user's last, marks them offline
//! with `lastSeen` and announces it to their direct partners and watchers. API Gateway ignores the answer, so failures are only logged.

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConnectionCleanup, ConnectionNotifier, PresenceAudience, UserLookup};
use chat_domain::rules::Clock;
use tracing::error;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConnectionCleanup + PresenceAudience + UserLookup,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::route(&request, |connection_id| async move {
        match chat.disconnect(connection_id).await {
            Ok(()) => lambda::status(200),
            Err(cause) => {
                // The connection record expires by TTL; the next post to it answers 410 and cleans up.
                error!(error = %cause, "could not unregister connection");
                lambda::status(500)
            }
        }
    })
    .await
}
