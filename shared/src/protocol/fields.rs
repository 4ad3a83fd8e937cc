//! Typed access to a request's fields.

use serde_json::{Map, Value};

use crate::conversation::{ConversationId, ConversationRef};
use crate::rules::{RequestId, Username};

use super::ProtocolError;

/// A request's fields; `null` counts as absent.
pub(super) struct Fields<'a>(pub(super) &'a Map<String, Value>);

impl Fields<'_> {
    /// A field's raw value, for the few fields where `null` and absent differ.
    pub(super) fn raw(&self, field: &str) -> Option<&Value> {
        self.0.get(field)
    }

    pub(super) fn optional_request_id(&self) -> Result<Option<RequestId>, ProtocolError> {
        Ok(self
            .optional_str("requestId")?
            .map(RequestId::parse)
            .transpose()?)
    }

    pub(super) fn optional_str(&self, field: &'static str) -> Result<Option<&str>, ProtocolError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ProtocolError::WrongType {
                field,
                expected: "a string",
            }),
        }
    }

    pub(super) fn required_str(&self, field: &'static str) -> Result<&str, ProtocolError> {
        self.optional_str(field)?
            .ok_or(ProtocolError::MissingField(field))
    }

    pub(super) fn optional_object(
        &self,
        field: &'static str,
    ) -> Result<Option<&Map<String, Value>>, ProtocolError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(object)) => Ok(Some(object)),
            Some(_) => Err(ProtocolError::WrongType {
                field,
                expected: "an object",
            }),
        }
    }

    pub(super) fn required_u64(&self, field: &'static str) -> Result<u64, ProtocolError> {
        self.optional_u64(field)?
            .ok_or(ProtocolError::MissingField(field))
    }

    pub(super) fn optional_u64(&self, field: &'static str) -> Result<Option<u64>, ProtocolError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or(ProtocolError::WrongType {
                field,
                expected: "a whole number",
            }),
            Some(_) => Err(ProtocolError::WrongType {
                field,
                expected: "a whole number",
            }),
        }
    }

    /// The conversation a request is about: `conversationId`, or for a direct conversation the
    /// other user's name in `legacy` (`to`, `with`), as older clients send it.
    pub(super) fn conversation(
        &self,
        legacy: &'static str,
    ) -> Result<ConversationRef, ProtocolError> {
        match (
            self.optional_str("conversationId")?,
            self.optional_str(legacy)?,
        ) {
            (Some(_), Some(_)) => Err(ProtocolError::Ambiguous("conversationId", legacy)),
            (Some(id), None) => Ok(ConversationRef::Id(ConversationId::parse(id)?)),
            (None, Some(name)) => Ok(ConversationRef::DirectWith(Username::parse(name)?)),
            (None, None) => Err(ProtocolError::MissingField("conversationId")),
        }
    }
}
