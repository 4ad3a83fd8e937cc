//! Routing, as API Gateway does it: the route a message takes (`$request.body.action`, matched
//! against the route keys of the function registry `shared/routes.json`, else `$default`), the
//! event API Gateway sends to Lambda for it, and the call of the handler of the function serving
//! that route (one function may serve several), the same function its Lambda binary runs.
//!
//! API Gateway behaviour kept here: the authorizer's context reaches every event as
//! `requestContext.authorizer`; a route's returned body is sent back to the caller (two-way
//! routes); a failing integration answers the caller with `Internal server error`.

use std::collections::HashMap;

use aws_lambda_events::encodings::Body as LambdaBody;
use axum::extract::ws::Message;
use axum::http::HeaderMap;
use chat_domain::lambda::{HandlerError, Request, Response};
use chat_domain::routes::{DEFAULT_ROUTE, Registry};
use serde_json::json;
use tracing::warn;

use super::state::{Connection, Gateway, Outbound, now_millis};

impl Gateway {
    /// The event API Gateway would send for this route, with the connection's authorizer context.
    fn event(
        &self,
        route_key: &str,
        event_type: &str,
        connection: &Connection,
        request_id: Option<String>,
    ) -> Request {
        let (connection_id, connected_at) = (&connection.id, connection.connected_at);
        let mut request = Request::default();
        let request_id = request_id.unwrap_or_else(|| ulid::Ulid::generate().to_string());
        let context = &mut request.request_context;
        context.authorizer.fields = (*connection.authorizer).clone();
        context.route_key = Some(route_key.to_owned());
        context.event_type = Some(event_type.to_owned());
        context.connection_id = Some(connection_id.to_owned());
        context.domain_name = Some(self.0.domain_name.clone());
        context.stage = Some(self.0.config.stage.clone());
        context.apiid = Some("local".to_owned());
        context.request_id = Some(request_id.clone());
        context.extended_request_id = Some(request_id);
        context.connected_at = connected_at;
        context.request_time_epoch = now_millis();
        context.message_direction = Some("IN".to_owned());
        request
    }

    /// The functions [`Self::invoke`] has an arm for: the registry's route functions, no more and
    /// no less (a unit test compares them), so a function added to `shared/routes.json` needs an
    /// arm there.
    #[cfg(test)]
    const INVOKED_FUNCTIONS: &[&str] = &[
        "connect",
        "disconnect",
        "send-message",
        "get-messages",
        "change-message",
        "typing",
        "media-urls",
        "set-avatar",
        "get-members",
        "get-conversations",
        "mark-read",
        "search-people",
        "watch-presence",
        "rooms",
        "default",
    ];

    /// Calls the handler of the function serving the route: the same function its Lambda binary
    /// runs.
    async fn invoke(&self, route_key: &str, request: Request) -> Result<Response, HandlerError> {
        let (chat, media) = (&self.0.chat, &self.0.media);
        let function = Registry::get()
            .route_function(route_key)
            .map_or("default", |function| function.name.as_str());
        // Boxed: each handler's future nests the SDK's deep future types.
        match function {
            "connect" => Box::pin(route_connect::handle(chat, request)).await,
            "disconnect" => Box::pin(route_disconnect::handle(chat, request)).await,
            "send-message" => Box::pin(route_send_message::handle(chat, request)).await,
            "get-messages" => Box::pin(route_get_messages::handle(chat, request)).await,
            "change-message" => {
                let remover = &self.0.media_remover;
                Box::pin(route_change_message::handle(chat, remover, request)).await
            }
            "typing" => Box::pin(route_typing::handle(chat, request)).await,
            "media-urls" => Box::pin(route_media_urls::handle(media, request)).await,
            "set-avatar" => Box::pin(route_set_avatar::handle(chat, request)).await,
            "get-members" => Box::pin(route_get_members::handle(chat, request)).await,
            "get-conversations" => Box::pin(route_get_conversations::handle(chat, request)).await,
            "mark-read" => Box::pin(route_mark_read::handle(chat, request)).await,
            "search-people" => Box::pin(route_search_people::handle(chat, request)).await,
            "watch-presence" => Box::pin(route_watch_presence::handle(chat, request)).await,
            "rooms" => Box::pin(route_rooms::handle(chat, request)).await,
            _ => Box::pin(route_default::handle(request)).await,
        }
    }

    /// Runs the `$connect` route for a handshake the authorizer allowed.
    pub(super) async fn connect(
        &self,
        connection: &Connection,
        request_id: String,
        query: HashMap<String, String>,
        headers: HeaderMap,
    ) -> Result<Response, HandlerError> {
        let mut request = self.event("$connect", "CONNECT", connection, Some(request_id));
        request.query_string_parameters = query.into();
        request.headers = headers;
        self.invoke("$connect", request).await
    }

    /// Runs one client message through its route and sends the route response back.
    pub(super) fn dispatch(&self, connection: Connection, body: String, is_base64: bool) {
        let gateway = self.clone();
        tokio::spawn(async move {
            let route_key = if is_base64 {
                DEFAULT_ROUTE
            } else {
                select_route(&body)
            };
            let connection_id = connection.id.clone();
            let mut request = gateway.event(route_key, "MESSAGE", &connection, None);
            request.request_context.message_id = Some(ulid::Ulid::generate().to_string());
            request.body = Some(body);
            request.is_base64_encoded = is_base64;
            let request_id = request
                .request_context
                .request_id
                .clone()
                .unwrap_or_default();
            let reply = match gateway.invoke(route_key, request).await {
                Ok(response) => response_text(&response),
                // What API Gateway sends when the integration fails.
                Err(_) => Some(
                    json!({"message": "Internal server error", "connectionId": connection_id, "requestId": request_id})
                        .to_string(),
                ),
            };
            if let Some(reply) = reply {
                gateway.send(&connection_id, Outbound::Frame(Message::Text(reply.into())));
            }
        });
    }

    /// Runs the `$disconnect` route of a closed connection, with its close code and reason.
    pub(super) async fn disconnect(&self, connection: &Connection, code: u16, reason: &str) {
        let connection_id = connection.id.as_str();
        let mut request = self.event("$disconnect", "DISCONNECT", connection, None);
        request.request_context.disconnect_status_code = Some(i64::from(code));
        request.request_context.disconnect_reason = Some(reason.to_owned());
        if let Err(error) = self.invoke("$disconnect", request).await {
            warn!(%error, connection_id, "$disconnect failed");
        }
    }
}

/// `$request.body.action` when it is the key of a route in the registry, else `$default`.
fn select_route(body: &str) -> &'static str {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            let action = value.get("action")?.as_str()?;
            Some(Registry::get().route_key_for(action))
        })
        .unwrap_or(DEFAULT_ROUTE)
}

pub(super) fn response_text(response: &Response) -> Option<String> {
    match &response.body {
        Some(LambdaBody::Text(text)) => Some(text.clone()),
        Some(LambdaBody::Binary(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn routes_are_selected_by_the_action_field_like_api_gateway() {
        assert_eq!(select_route(r#"{"action":"sendMessage"}"#), "sendMessage");
        assert_eq!(
            select_route(r#"{"action":"getMessages","with":"a"}"#),
            "getMessages"
        );
        assert_eq!(
            select_route(r#"{"action":"getConversations","limit":5}"#),
            "getConversations"
        );
        // Retired with #14: now an unknown action, answered by `$default`.
        assert_eq!(select_route(r#"{"action":"getClients"}"#), "$default");
        for media in ["getUploadUrl", "getDownloadUrl", "setAvatar"] {
            assert_eq!(select_route(&format!(r#"{{"action":"{media}"}}"#)), media);
        }
        // One function, one route per action.
        for change in ["editMessage", "deleteMessage", "react", "typing"] {
            assert_eq!(select_route(&format!(r#"{{"action":"{change}"}}"#)), change);
        }
        for unmatched in [
            r#"{"action":"ping"}"#,
            r#"{"action":"dance"}"#,
            r#"{"action":"$connect"}"#,
            r#"{"action":5}"#,
            "{",
            "[]",
            "",
        ] {
            assert_eq!(select_route(unmatched), "$default", "{unmatched}");
        }
    }

    #[test]
    fn every_registered_action_selects_a_route_of_the_function_that_serves_it() {
        let registry = Registry::get();
        for function in registry.routes() {
            for action in &function.actions {
                let body = json!({ "action": action }).to_string();
                let route_key = select_route(&body);
                assert!(
                    function.route_keys().contains(&route_key),
                    "{action} -> {route_key}"
                );
                let invoked = registry.route_function(route_key).map(|f| &f.name);
                assert_eq!(invoked, Some(&function.name), "{action}");
            }
        }
    }

    #[test]
    fn the_gateway_invokes_a_handler_for_every_registered_function_and_no_other() {
        let registered: BTreeSet<&str> = Registry::get()
            .routes()
            .map(|function| function.name.as_str())
            .collect();
        let invoked: BTreeSet<&str> = Gateway::INVOKED_FUNCTIONS.iter().copied().collect();
        assert_eq!(
            invoked.len(),
            Gateway::INVOKED_FUNCTIONS.len(),
            "a function twice in INVOKED_FUNCTIONS"
        );
        let without_handler: Vec<_> = registered.difference(&invoked).collect();
        let unregistered: Vec<_> = invoked.difference(&registered).collect();
        assert!(
            without_handler.is_empty(),
            "route functions of shared/routes.json the gateway has no handler for (add an arm to \
             Gateway::invoke and its name to Gateway::INVOKED_FUNCTIONS): {without_handler:?}"
        );
        assert!(
            unregistered.is_empty(),
            "functions the gateway invokes that shared/routes.json does not list: {unregistered:?}"
        );
    }
}
