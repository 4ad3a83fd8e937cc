//! The `$connect` authorizer: API Gateway calls it with the handshake's headers before the
//! connection exists. A valid Cognito access token in `Sec-WebSocket-Protocol` gives an Allow
//! policy whose context (the user's `sub` and username) reaches every later route; anything else
//! is an error, so the upgrade is refused.

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerPolicy;
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use chat_domain::auth::{
    AccessTokenVerifier, AuthorizerRequest, AuthorizerResponse, KeySetSource, TokenError,
};
use chat_domain::identity::{Identity, SUBPROTOCOL_HEADER, token_from_subprotocols};
use chat_domain::rules::Clock;
use lambda_runtime::Diagnostic;
use serde_json::Value;
use thiserror::Error;
use tracing::{error, info};

/// Why a connection is not allowed. None of them carries the token.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthorizerError {
    /// No token, or a token refused. API Gateway answers the handshake 401 for exactly this
    /// message (a Deny policy would give 403).
    #[error("Unauthorized")]
    Unauthorized,
    /// The user pool's keys could not be had, so nothing was checked. Any message but
    /// `Unauthorized` makes API Gateway answer 500: the client should retry, not sign in again.
    #[error("the user pool's signing keys are unavailable")]
    KeysUnavailable,
    /// The event is not a REQUEST authorizer event (the integration is misconfigured).
    #[error("the authorizer event has no methodArn")]
    MissingMethodArn,
}

impl From<AuthorizerError> for Diagnostic {
    fn from(error: AuthorizerError) -> Self {
        let error_type = match error {
            AuthorizerError::Unauthorized => "Unauthorized",
            AuthorizerError::KeysUnavailable => "KeysUnavailable",
            AuthorizerError::MissingMethodArn => "MissingMethodArn",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}

/// Checks the token the browser offered as a subprotocol and allows the `$connect` it came with.
/// Logs one line with the outcome and its reason, never the token nor the header.
pub async fn handle<K: KeySetSource, C: Clock>(
    verifier: &AccessTokenVerifier<K, C>,
    request: AuthorizerRequest,
) -> Result<AuthorizerResponse, AuthorizerError> {
    let request_id = request.request_context.request_id.as_deref().unwrap_or("?");
    let verified = match offered_token(&request) {
        Some(token) => verifier.verify(token).await,
        None => Err(TokenError::Missing),
    };
    match verified {
        Ok(identity) => {
            let Some(method_arn) = request.method_arn.as_deref() else {
                error!(
                    request_id,
                    outcome = "error",
                    "authorizer event has no methodArn"
                );
                return Err(AuthorizerError::MissingMethodArn);
            };
            info!(request_id, outcome = "allow", sub = %identity.sub, "connection authorized");
            Ok(allow(&identity, method_arn))
        }
        Err(refusal) if refusal.is_keys_unavailable() => {
            error!(
                request_id,
                outcome = "error",
                reason = refusal.reason(),
                error = %refusal,
                "token not checked"
            );
            Err(AuthorizerError::KeysUnavailable)
        }
        Err(refusal) => {
            info!(
                request_id,
                outcome = "deny",
                reason = refusal.reason(),
                error = %refusal,
                "connection refused"
            );
            Err(AuthorizerError::Unauthorized)
        }
    }
}

/// The token among the offered subprotocols (header names are case-insensitive in a `HeaderMap`).
fn offered_token(request: &AuthorizerRequest) -> Option<&str> {
    let header = request.headers.get(SUBPROTOCOL_HEADER)?.to_str().ok()?;
    token_from_subprotocols(header)
}

/// Allow on the event's own `methodArn` only, with the identity as context.
fn allow(identity: &Identity, method_arn: &str) -> AuthorizerResponse {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".to_owned()];
    statement.effect = IamPolicyEffect::Allow;
    statement.resource = vec![method_arn.to_owned()];
    let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
    policy.version = Some("2012-10-17".to_owned());
    policy.statement = vec![statement];
    let mut response = AuthorizerResponse::default();
    response.principal_id = Some(identity.sub.clone());
    response.policy_document = policy;
    response.context = Value::Object(identity.to_context().into_iter().collect());
    response
}
