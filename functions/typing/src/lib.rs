//! `typing` route: a member is typing. Forwarded to the other members' live connections (none of
//! the typer's own) at most once per user and conversation every few seconds, the rest dropped;
//! nothing is answered either way, only refusals (bad input, not a member) get an `error` event.

use chat_domain::Chat;
use chat_domain::chat::{Typing, TypingOutcome};
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationLookup, MemberListing, TypingGate,
    UserLookup,
};
use chat_domain::rules::Clock;
use tracing::{debug, info};

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConversationLookup + TypingGate + MemberListing + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, typing: Typing| async move {
        match chat.typing(&caller.identity.username, &typing).await? {
            TypingOutcome::Forwarded(delivery) => info!(
                delivered = delivery.delivered,
                gone = delivery.gone,
                failed = delivery.failed,
                "typing forwarded"
            ),
            TypingOutcome::Dropped => {
                debug!("typing dropped: forwarded less than the interval ago")
            }
        }
        Ok(None::<ServerEvent>)
    })
    .await
}
