//! `sendMessage` route: stores a direct message, delivers it to every live connection of the
//! recipient and to the sender's other connections, and acknowledges it to the sending connection
//! in the route response.

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ChatStore, ConnectionNotifier};
use chat_domain::protocol::{ClientAction, SEND_MESSAGE, ServerEvent};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S: ChatStore, N: ConnectionNotifier, C: Clock>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route_as_caller(request, |caller| async move {
        let send = match lambda::decode(request) {
            Ok(ClientAction::SendMessage(send)) => send,
            other => return lambda::reply(&lambda::not_served(other, SEND_MESSAGE)),
        };
        let client_message_id = send.client_message_id.as_str().to_owned();
        let event = match chat
            .send_message(&caller.identity.username, caller.connection_id, send)
            .await
        {
            Ok(sent) => {
                let delivery = sent.delivery;
                info!(
                    message_id = %sent.message.id,
                    duplicate = sent.duplicate,
                    delivered = delivery.delivered,
                    gone = delivery.gone,
                    failed = delivery.failed,
                    "message sent"
                );
                ServerEvent::MessageAck {
                    message: (&sent.message).into(),
                    duplicate: sent.duplicate,
                }
            }
            Err(error) => lambda::chat_error_event(&error, SEND_MESSAGE, Some(&client_message_id)),
        };
        lambda::reply(&event)
    })
    .await
}
