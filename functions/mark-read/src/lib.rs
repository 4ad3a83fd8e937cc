//! `markRead` route: moves the caller's read point in one of their conversations forward (never
//! back), tells their other connections and, in a direct conversation, the other user, and
//! answers with the read point as it now is.

use chat_domain::Chat;
use chat_domain::chat::MarkRead;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationActivity, ConversationLookup,
    MessageHistory, UserLookup,
};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: MessageHistory + ConversationLookup + ConversationActivity + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, mark: MarkRead| async move {
        let point = chat
            .mark_read(&caller.identity.username, caller.connection_id, &mark)
            .await?;
        // Another device may have read further already: that later read point is kept.
        info!(
            later_kept = point.message_id != mark.message_id,
            "read point marked"
        );
        Ok(ServerEvent::read_state(&point, mark.request_id.as_ref()))
    })
    .await
}
