//! `$connect` route: registers the connection of the user the authorizer verified and, when this is
//! their first live connection, announces them to their direct partners and watchers. A non-2xx answer makes API
//! Gateway refuse the WebSocket upgrade with that status.

use chat_domain::events::{Echo, ServerEvent};
use chat_domain::identity::{SUBPROTOCOL, SUBPROTOCOL_HEADER, offers_subprotocol};
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConnectionStore, PresenceAudience, UserLookup,
    UserSessions,
};
use chat_domain::rules::Clock;
use chat_domain::{Chat, ChatError};
use tracing::{error, info, warn};

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: UserSessions + ConnectionStore + ConnectionCleanup + PresenceAudience + UserLookup,
    N: ConnectionNotifier,
    C: Clock,
{
    let request = &request;
    lambda::route_as_caller(request, |caller| async move {
        match chat.connect(caller.connection_id, &caller.identity).await {
            Ok(()) => {
                info!("connection registered");
                accept(request)
            }
            Err(cause @ ChatError::NameTaken(_)) => {
                warn!("the username belongs to another account");
                refuse(403, cause.code(), cause.to_string())
            }
            Err(cause) => {
                error!(error = %cause, "could not register connection");
                refuse(500, cause.code(), cause.to_string())
            }
        }
    })
    .await
}

/// Accepts the upgrade, naming our subprotocol when the client offered it: browsers drop a
/// handshake whose answer does not name one of the protocols they offered (the other one they
/// offer is their access token, which must never be echoed).
fn accept(request: &Request) -> Response {
    let mut response = lambda::status(200);
    let offered = request
        .headers
        .get_all(SUBPROTOCOL_HEADER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(offers_subprotocol);
    if offered {
        response.headers.insert(
            SUBPROTOCOL_HEADER,
            http::HeaderValue::from_static(SUBPROTOCOL),
        );
    }
    response
}

/// Refuses the upgrade, with the reason as an `error` event body for clients that can read it.
fn refuse(status: i64, code: &str, reason: String) -> Response {
    let mut response = lambda::reply(&ServerEvent::error(code, reason, None, Echo::default()));
    response.status_code = status;
    response
}
