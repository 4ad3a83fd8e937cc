//! `$disconnect` route: forgets the connection; when it was the user's last, marks them offline
//! with `lastSeen` and announces it. API Gateway ignores the answer, so failures are only logged
//! (and returned as a Lambda error for the error metric and alarm).

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConnectionNotifier, ConnectionStore, MessageStore, UserStore};
use chat_domain::rules::Clock;
use tracing::error;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConnectionStore + UserStore + MessageStore,
    N: ConnectionNotifier,
    C: Clock,
{
    let connection_id = lambda::connection_id(&request)?;
    lambda::traced(&request, async {
        match chat.disconnect(connection_id).await {
            Ok(()) => Ok(lambda::status(200)),
            Err(cause) => {
                // The connection record expires by TTL; the next post to it answers 410 and cleans up.
                error!(error = %cause, "could not unregister connection");
                Ok(lambda::status(500))
            }
        }
    })
    .await
}
