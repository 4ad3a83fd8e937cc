//! API Gateway WebSocket events as a route's function receives them, the caller's identity, and
//! the reply a route answers with.

use aws_lambda_events::encodings::Body;

use crate::identity::Identity;
use crate::lambda::{Request, Response};
use crate::rules::Username;

/// A WebSocket event as API Gateway delivers it to a route's function, on a connection of
/// `username` (the `$connect` authorizer's context, as API Gateway passes it on).
pub fn route_request(
    route_key: &str,
    connection_id: &str,
    username: &str,
    body: Option<&str>,
) -> Request {
    let mut request = anonymous_request(route_key, connection_id, body);
    request.request_context.authorizer.fields = identity(username).to_context();
    request
}

/// A WebSocket event without the authorizer's context (an API whose `$connect` has no authorizer).
pub fn anonymous_request(route_key: &str, connection_id: &str, body: Option<&str>) -> Request {
    let mut request = Request::default();
    request.request_context.route_key = Some(route_key.to_owned());
    request.request_context.connection_id = Some(connection_id.to_owned());
    request.request_context.request_id = Some("request-1".to_owned());
    request.body = body.map(str::to_owned);
    request
}

/// The verified identity of `username` in tests (its `sub` is derived from the name).
pub fn identity(username: &str) -> Identity {
    Identity {
        sub: format!("sub-{}", username.to_ascii_lowercase()),
        username: Username::parse(username).expect("a valid test username"),
    }
}

/// The event a route replied with (the route response body).
pub fn reply_json(response: &Response) -> serde_json::Value {
    match &response.body {
        Some(Body::Text(text)) => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    }
}

/// The `type`, `code` and `action` of an event (an `error` event's telling fields).
pub fn code_and_action(event: &serde_json::Value) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        event["type"].as_str(),
        event["code"].as_str(),
        event["action"].as_str(),
    )
}

/// Asserts that `event` is the `error` event `code` answering `request`, echoing its `requestId`
/// (none if it had none).
#[track_caller]
pub fn assert_error_reply(event: &serde_json::Value, code: &str, request: &serde_json::Value) {
    assert_eq!(
        (event["type"].as_str(), event["code"].as_str()),
        (Some("error"), Some(code)),
        "{request}"
    );
    assert_eq!(event["requestId"], request["requestId"], "{request}");
}
