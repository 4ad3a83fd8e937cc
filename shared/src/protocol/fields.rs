//! Typed access to a request's fields.

use serde_json::{Map, Value};

use crate::conversation::{ConversationId, ConversationRef};
use crate::rules::{RequestId, RuleError, Username, is_message_id};

use super::ProtocolError;

/// Most usernames a list field may hold before its entries are even read (each request's own
/// limit is lower; this only bounds the work of decoding).
const MAX_LISTED_USERNAMES: usize = 1000;

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

    pub(super) fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, ProtocolError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(value)) => Ok(Some(*value)),
            Some(_) => Err(ProtocolError::WrongType {
                field,
                expected: "true or false",
            }),
        }
    }

    pub(super) fn required_bool(&self, field: &'static str) -> Result<bool, ProtocolError> {
        self.optional_bool(field)?
            .ok_or(ProtocolError::MissingField(field))
    }

    /// A message id field (`messageId`, `replyTo`): the shape of the ids this server issues.
    pub(super) fn optional_message_id(
        &self,
        field: &'static str,
    ) -> Result<Option<String>, ProtocolError> {
        match self.optional_str(field)? {
            None => Ok(None),
            Some(id) if is_message_id(id) => Ok(Some(id.to_owned())),
            Some(_) => Err(RuleError::InvalidMessageId.into()),
        }
    }

    pub(super) fn required_message_id(&self, field: &'static str) -> Result<String, ProtocolError> {
        self.optional_message_id(field)?
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

    /// A list of usernames (`members`, `usernames`).
    pub(super) fn usernames(
        &self,
        field: &'static str,
    ) -> Result<Option<Vec<Username>>, ProtocolError> {
        let wrong = ProtocolError::WrongType {
            field,
            expected: "an array of usernames",
        };
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => {
                if items.len() > MAX_LISTED_USERNAMES {
                    return Err(RuleError::TooManyMembers.into());
                }
                items
                    .iter()
                    .map(|item| match item {
                        Value::String(name) => Ok(Username::parse(name)?),
                        _ => Err(wrong.clone()),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
            Some(_) => Err(wrong),
        }
    }

    /// The `conversationId` of a request that names its conversation by id only.
    pub(super) fn conversation_id(&self) -> Result<ConversationId, ProtocolError> {
        Ok(ConversationId::parse(self.required_str("conversationId")?)?)
    }

    /// A room's id: `conversationId` naming a room (a direct conversation has no room actions).
    pub(super) fn room_id(&self) -> Result<ConversationId, ProtocolError> {
        let id = self.conversation_id()?;
        if !id.is_room() {
            return Err(RuleError::InvalidConversationId.into());
        }
        Ok(id)
    }

    /// `limit`, 1 to `max`, `default` when absent.
    pub(super) fn limit(&self, default: u32, max: u32) -> Result<u32, ProtocolError> {
        match self.optional_u64("limit")? {
            None => Ok(default),
            Some(limit) if (1..=u64::from(max)).contains(&limit) => {
                Ok(u32::try_from(limit).unwrap_or(max))
            }
            Some(_) => Err(RuleError::InvalidLimit.into()),
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
