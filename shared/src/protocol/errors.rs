//! Why a request body was refused, and the `error` event that says so.

use thiserror::Error;

use crate::events::{Echo, ServerEvent};
use crate::rules::RuleError;

use super::MAX_BODY_BYTES;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    #[error("message is {size} bytes; the limit is {MAX_BODY_BYTES}")]
    PayloadTooLarge { size: usize },
    #[error("message is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("message must be a JSON object")]
    NotAnObject,
    #[error("message has no \"action\" string")]
    MissingAction,
    #[error("unknown action \"{0}\"")]
    UnknownAction(String),
    #[error("field \"{0}\" is required")]
    MissingField(&'static str),
    #[error("field \"{field}\" must be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    /// Two fields that say the same thing in different ways were both given.
    #[error("give either \"{0}\" or \"{1}\", not both")]
    Ambiguous(&'static str, &'static str),
    #[error(transparent)]
    Rule(#[from] RuleError),
}

impl ProtocolError {
    /// The same error about a field of a nested object, named by its path (`attachment.key`).
    pub(super) fn of_field(self, path: &'static str) -> Self {
        match self {
            Self::MissingField(_) => Self::MissingField(path),
            Self::WrongType { expected, .. } => Self::WrongType {
                field: path,
                expected,
            },
            other => other,
        }
    }

    /// Stable code sent to clients in `error` events (documented in docs/protocol.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::InvalidJson(_) | Self::NotAnObject => "invalid_json",
            Self::MissingAction => "missing_action",
            Self::UnknownAction(_) => "unknown_action",
            Self::MissingField(_) => "missing_field",
            Self::WrongType { .. } | Self::Ambiguous(..) => "invalid_field",
            Self::Rule(rule) => rule.code(),
        }
    }
}

/// A refused request, with what is known of it so the client can tell which request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub error: ProtocolError,
    pub action: Option<String>,
    pub echo: Echo,
}

impl Rejection {
    pub fn to_event(&self) -> ServerEvent {
        ServerEvent::error(
            self.error.code(),
            self.error.to_string(),
            self.action.as_deref(),
            self.echo.clone(),
        )
    }
}

impl From<ProtocolError> for Rejection {
    fn from(error: ProtocolError) -> Self {
        Self {
            error,
            action: None,
            echo: Echo::default(),
        }
    }
}
