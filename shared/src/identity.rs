//! Who is calling: the user the `$connect` authorizer verified from their Cognito access token.
//!
//! API Gateway keeps the authorizer's context with the connection and hands it to every later
//! route as `requestContext.authorizer`, so a route never asks the request body, nor the
//! database, who the caller is.

use std::collections::HashMap;

use serde_json::Value;
use thiserror::Error;

use crate::rules::Username;

/// The subprotocol the browser offers next to its token, and that `$connect` echoes: browsers drop
/// a handshake whose answer names none of the protocols they offered.
pub const SUBPROTOCOL: &str = "chatastrophy.v1";
/// The header that carries the subprotocols, and so the token (browsers cannot set other headers
/// on a WebSocket, and a token in the URL would land in access logs).
pub const SUBPROTOCOL_HEADER: &str = "sec-websocket-protocol";

/// Keys of the authorizer's context (flat string values, as API Gateway requires).
pub mod context_key {
    /// The user's Cognito `sub`: stable for the life of the account.
    pub const SUB: &str = "sub";
    /// The user's Cognito username, which the chat's rules accept.
    pub const USERNAME: &str = "username";
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    pub username: Username,
}

/// The request carries no usable identity: the route was reached without the authorizer (a
/// misconfigured API), never through anything a client sent.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("the request has no authorizer context")]
    Missing,
    #[error("the authorizer context's {0} is invalid")]
    Invalid(&'static str),
}

impl Identity {
    /// The context the authorizer returns with Allow.
    pub fn to_context(&self) -> HashMap<String, Value> {
        HashMap::from([
            (context_key::SUB.to_owned(), Value::from(self.sub.as_str())),
            (
                context_key::USERNAME.to_owned(),
                Value::from(self.username.as_str()),
            ),
        ])
    }

    /// The identity in `requestContext.authorizer` of a route's event.
    pub fn from_context(fields: &HashMap<String, Value>) -> Result<Self, IdentityError> {
        if fields.is_empty() {
            return Err(IdentityError::Missing);
        }
        let text = |key: &'static str| {
            fields
                .get(key)
                .and_then(Value::as_str)
                .filter(|value| !value.is_empty())
                .ok_or(IdentityError::Invalid(key))
        };
        let sub = text(context_key::SUB)?.to_owned();
        let username = Username::parse(text(context_key::USERNAME)?)
            .map_err(|_| IdentityError::Invalid(context_key::USERNAME))?;
        Ok(Self { sub, username })
    }
}

/// The access token among the offered subprotocols (`chatastrophy.v1, <token>`): the one entry
/// that is not [`SUBPROTOCOL`]. `None` unless the header offers our protocol and exactly one token.
pub fn token_from_subprotocols(header: &str) -> Option<&str> {
    let mut offered = header.split(',').map(str::trim).filter(|p| !p.is_empty());
    let mut ours = false;
    let mut token = None;
    for protocol in offered.by_ref() {
        if protocol == SUBPROTOCOL {
            ours = true;
        } else if token.replace(protocol).is_some() {
            return None;
        }
    }
    token.filter(|_| ours)
}

/// Whether a client offered [`SUBPROTOCOL`], so `$connect` must name it in its answer.
pub fn offers_subprotocol(header: &str) -> bool {
    header
        .split(',')
        .any(|protocol| protocol.trim() == SUBPROTOCOL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Identity {
        Identity {
            sub: "7a1c-sub".into(),
            username: Username::parse("Alice").unwrap(),
        }
    }

    #[test]
    fn the_context_round_trips() {
        assert_eq!(Identity::from_context(&alice().to_context()), Ok(alice()));
    }

    #[test]
    fn a_missing_or_broken_context_is_refused() {
        assert_eq!(
            Identity::from_context(&HashMap::new()),
            Err(IdentityError::Missing)
        );
        let mut context = alice().to_context();
        context.insert("username".into(), Value::from("bad name"));
        assert_eq!(
            Identity::from_context(&context),
            Err(IdentityError::Invalid("username"))
        );
        context.remove("sub");
        assert_eq!(
            Identity::from_context(&context),
            Err(IdentityError::Invalid("sub"))
        );
    }

    #[test]
    fn the_token_is_the_protocol_that_is_not_ours() {
        assert_eq!(
            token_from_subprotocols("chatastrophy.v1, eyJ.a.b"),
            Some("eyJ.a.b")
        );
        assert_eq!(
            token_from_subprotocols("eyJ.a.b,chatastrophy.v1"),
            Some("eyJ.a.b")
        );
        for refused in [
            "",
            "chatastrophy.v1",
            "eyJ.a.b",
            "chatastrophy.v1, a, b",
            " , ",
        ] {
            assert_eq!(token_from_subprotocols(refused), None, "{refused:?}");
        }
        assert!(offers_subprotocol("x, chatastrophy.v1"));
        assert!(!offers_subprotocol("chatastrophy.v2"));
    }
}
