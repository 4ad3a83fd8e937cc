//! `$connect` route: registers the connection under `?username=` and announces the user to
//! everyone online when this is their first live connection. A non-2xx answer makes API Gateway
//! refuse the WebSocket upgrade with that status.

use chat_domain::Chat;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ChatStore, ConnectionNotifier};
use chat_domain::protocol::ServerEvent;
use chat_domain::rules::{Clock, Username};
use tracing::{error, info};

/// The query-string parameter that names the user.
pub const USERNAME_PARAM: &str = "username";

pub async fn handle<S: ChatStore, N: ConnectionNotifier, C: Clock>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route(request, |connection_id| async move {
        let username = match request.query_string_parameters.first(USERNAME_PARAM) {
            Some(raw) => match Username::parse(raw) {
                Ok(username) => username,
                Err(rule) => return refuse(400, rule.code(), rule.to_string()),
            },
            None => {
                let reason = format!("connect with ?{USERNAME_PARAM}=<your name>");
                return refuse(400, "missing_username", reason);
            }
        };
        match chat.connect(connection_id, &username).await {
            Ok(()) => {
                info!("connection registered");
                lambda::status(200)
            }
            Err(cause) => {
                error!(error = %cause, "could not register connection");
                refuse(500, cause.code(), cause.to_string())
            }
        }
    })
    .await
}

/// Refuses the upgrade, with the reason as an `error` event body for clients that can read it.
fn refuse(status: i64, code: &str, reason: String) -> Response {
    let mut response = lambda::reply(&ServerEvent::error(code, reason, None, None));
    response.status_code = status;
    response
}
