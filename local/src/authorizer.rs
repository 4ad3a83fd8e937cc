//! The `$connect` Lambda REQUEST authorizer as API Gateway runs it: the identity source
//! (`Sec-WebSocket-Protocol`) must be present, else 401 without calling the function; the function
//! gets the REQUEST event with the handshake's headers and query; an error `Unauthorized` is a 401,
//! a Deny policy a 403, any other error a 500; an Allow keeps its context with the connection, for
//! `requestContext.authorizer` of every later event.

use std::collections::HashMap;

use aws_lambda_events::iam::IamPolicyEffect;
use axum::http::{HeaderMap, StatusCode};
use chat_domain::SystemClock;
use chat_domain::auth::{AccessTokenVerifier, AuthorizerRequest, HttpKeySource};
use chat_domain::identity::SUBPROTOCOL_HEADER;
use route_authorizer::AuthorizerError;
use serde_json::Value;
use tracing::info;

/// The authorizer as the local gateway runs it: the function's own verifier, over the local user
/// pool's JWKS.
pub type LocalVerifier = AccessTokenVerifier<HttpKeySource, SystemClock>;

/// What API Gateway does with a handshake after the authorizer.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Connect, with the authorizer's context (and `principalId`) for every later event.
    Allow(HashMap<String, Value>),
    /// Refuse the upgrade with this status.
    Refuse(StatusCode),
}

/// The handshake's facts API Gateway puts into the authorizer's event.
pub struct Handshake<'a> {
    pub headers: &'a HeaderMap,
    pub query: HashMap<String, String>,
    pub connection_id: &'a str,
    pub stage: &'a str,
    pub request_id: &'a str,
}

/// Runs the authorizer for a handshake.
pub async fn authorize(verifier: &LocalVerifier, handshake: Handshake<'_>) -> Decision {
    if !handshake.headers.contains_key(SUBPROTOCOL_HEADER) {
        // API Gateway refuses a request without the identity source before any Lambda runs.
        info!(
            connection_id = handshake.connection_id,
            "no identity source: refused without calling the authorizer"
        );
        return Decision::Refuse(StatusCode::UNAUTHORIZED);
    }
    let event = request_event(&handshake);
    match route_authorizer::handle(verifier, event).await {
        Ok(response) => {
            let allowed = response
                .policy_document
                .statement
                .iter()
                .any(|statement| statement.effect == IamPolicyEffect::Allow);
            let denied = response
                .policy_document
                .statement
                .iter()
                .any(|statement| statement.effect == IamPolicyEffect::Deny);
            if !allowed || denied {
                return Decision::Refuse(StatusCode::FORBIDDEN);
            }
            let mut context: HashMap<String, Value> = match response.context {
                Value::Object(fields) => fields.into_iter().collect(),
                _ => HashMap::new(),
            };
            if let Some(principal) = response.principal_id {
                context.insert("principalId".to_owned(), Value::from(principal));
            }
            Decision::Allow(context)
        }
        Err(AuthorizerError::Unauthorized) => Decision::Refuse(StatusCode::UNAUTHORIZED),
        Err(_) => Decision::Refuse(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// The REQUEST authorizer event API Gateway sends for a WebSocket `$connect`.
fn request_event(handshake: &Handshake<'_>) -> AuthorizerRequest {
    let mut event = AuthorizerRequest::default();
    event.type_ = Some("REQUEST".to_owned());
    event.method_arn = Some(format!(
        "arn:aws:execute-api:{}:000000000000:local/{}/$connect",
        crate::cognito::REGION,
        handshake.stage
    ));
    event.headers = handshake.headers.clone();
    event.multi_value_headers = handshake.headers.clone();
    event.query_string_parameters = handshake.query.clone().into();
    let context = &mut event.request_context;
    context.stage = Some(handshake.stage.to_owned());
    context.request_id = Some(handshake.request_id.to_owned());
    context.apiid = Some("local".to_owned());
    event
}
