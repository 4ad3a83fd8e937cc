//! `sendMessage` route: stores a message in one of the caller's conversations (a direct one or a
//! room), records it as the conversation's latest, delivers it to every live connection of the
//! other members and to the sender's other connections, and acknowledges it to the sending
//! connection in the route response.

use chat_domain::Chat;
use chat_domain::chat::SendMessage;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationActivity, ConversationLookup, MemberListing,
    MessageLookup, MessageWriter, UserLookup,
};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: UserLookup
        + MessageWriter
        + MessageLookup
        + ConnectionCleanup
        + ConversationLookup
        + ConversationActivity
        + MemberListing,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, send: SendMessage| async move {
        let sent = chat
            .send_message(&caller.identity.username, caller.connection_id, send)
            .await?;
        let delivery = sent.delivery;
        info!(
            message_id = %sent.message.id,
            duplicate = sent.duplicate,
            delivered = delivery.delivered,
            gone = delivery.gone,
            failed = delivery.failed,
            "message sent"
        );
        Ok(ServerEvent::message_ack(&sent))
    })
    .await
}
