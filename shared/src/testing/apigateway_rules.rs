//! Mock rules answering the @connections API's posts, matched by connection id (posts go out
//! concurrently, so in any order).

use aws_sdk_apigatewaymanagement::operation::post_to_connection::{
    PostToConnectionError, PostToConnectionOutput,
};
use aws_sdk_apigatewaymanagement::types::error::GoneException;
use aws_smithy_mocks::{Rule, mock};

/// A post to `connection_id` that succeeds.
pub fn post_ok(connection_id: &'static str) -> Rule {
    mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(move |r| r.connection_id() == Some(connection_id))
        .then_output(|| PostToConnectionOutput::builder().build())
}

/// A post to `connection_id` that succeeds, matching only when its payload is an event that
/// `expected` accepts.
pub fn post_event(
    connection_id: &'static str,
    expected: impl Fn(&serde_json::Value) -> bool + Send + Sync + 'static,
) -> Rule {
    mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(move |r| {
            let event = serde_json::from_slice(r.data().map(|d| d.as_ref()).unwrap_or_default())
                .unwrap_or_default();
            r.connection_id() == Some(connection_id) && expected(&event)
        })
        .then_output(|| PostToConnectionOutput::builder().build())
}

/// A post to `connection_id` that answers 410 Gone: the socket is no longer there.
pub fn post_gone(connection_id: &'static str) -> Rule {
    mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(move |r| r.connection_id() == Some(connection_id))
        .then_error(|| PostToConnectionError::GoneException(GoneException::builder().build()))
}
