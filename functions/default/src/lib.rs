//! `$default` route: what no other route takes. `ping` (the clients' keepalive under API Gateway's
//! 10-minute idle timeout) gets `pong`; anything else gets an `error` event naming the problem.
//! Touches no table and posts nothing: the reply is the route response.

use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::protocol::ClientAction;

pub async fn handle(request: Request) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route(request, |_| async move {
        let event = match lambda::decode(request) {
            Ok(ClientAction::Ping) => ServerEvent::Pong,
            other => lambda::not_served(other, "$default"),
        };
        lambda::reply(&event)
    })
    .await
}
