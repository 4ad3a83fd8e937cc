//! The WebSocket protocol (docs/protocol.md): client actions, routed by their `action` field as API
//! Gateway's `$request.body.action` does, and server events, told apart by their `type` field.
//!
//! Decoding never panics and never trusts the client: every failure is a [`Rejection`] carrying a
//! stable error code, and everything that reaches a use case has passed the chat rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::media::{Attachment, FileName, MAX_DOWNLOAD_KEYS, MediaKey, MediaType, Purpose};
use crate::model::{HistoryCursor, Message, User};
use crate::rules::{ClientMessageId, MessageText, PageLimit, RequestId, RuleError, Username};

/// Largest request body accepted: API Gateway's frame limit. Valid actions are far smaller.
pub const MAX_BODY_BYTES: usize = 32 * 1024;
/// How much of an unknown action's name is echoed back in the error event.
const ECHOED_ACTION_MAX_CHARS: usize = 64;

pub const SEND_MESSAGE: &str = "sendMessage";
pub const GET_MESSAGES: &str = "getMessages";
pub const GET_CLIENTS: &str = "getClients";
pub const GET_UPLOAD_URL: &str = "getUploadUrl";
pub const GET_DOWNLOAD_URL: &str = "getDownloadUrl";
pub const SET_AVATAR: &str = "setAvatar";
pub const PING: &str = "ping";
/// Actions with a route of their own; everything else (`ping` included) goes to `$default`.
pub const ROUTED_ACTIONS: [&str; 6] = [
    SEND_MESSAGE,
    GET_MESSAGES,
    GET_CLIENTS,
    GET_UPLOAD_URL,
    GET_DOWNLOAD_URL,
    SET_AVATAR,
];

/// A valid request from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    SendMessage(SendMessage),
    GetMessages(GetMessages),
    GetClients,
    GetUploadUrl(GetUploadUrl),
    GetDownloadUrl(GetDownloadUrl),
    SetAvatar(SetAvatar),
    Ping,
}

impl ClientAction {
    /// The `action` value that selects this action.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SendMessage(_) => SEND_MESSAGE,
            Self::GetMessages(_) => GET_MESSAGES,
            Self::GetClients => GET_CLIENTS,
            Self::GetUploadUrl(_) => GET_UPLOAD_URL,
            Self::GetDownloadUrl(_) => GET_DOWNLOAD_URL,
            Self::SetAvatar(_) => SET_AVATAR,
            Self::Ping => PING,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessage {
    pub to: Username,
    /// `None` only when there is an attachment: then the text may be left out.
    pub text: Option<MessageText>,
    pub attachment: Option<Attachment>,
    /// The client's id, or a generated one when the client sent none (then a retry is not deduplicated).
    pub client_message_id: ClientMessageId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMessages {
    pub with: Username,
    pub limit: PageLimit,
    pub cursor: Option<HistoryCursor>,
}

/// A presigned upload for a file the client is about to send or set as its picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUploadUrl {
    pub upload_for: UploadFor,
    pub media_type: MediaType,
    pub size: u64,
    pub request_id: Option<RequestId>,
}

/// What an upload is for, with what that needs to choose its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadFor {
    Avatar,
    /// A file for the conversation with `to`.
    Attachment {
        to: Username,
    },
}

impl UploadFor {
    pub fn purpose(&self) -> Purpose {
        match self {
            Self::Avatar => Purpose::Avatar,
            Self::Attachment { .. } => Purpose::Attachment,
        }
    }
}

/// Presigned downloads for media keys the client was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDownloadUrl {
    pub keys: Vec<MediaKey>,
    pub request_id: Option<RequestId>,
}

/// Sets (or with `None` removes) the caller's profile picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAvatar {
    pub key: Option<MediaKey>,
    pub request_id: Option<RequestId>,
}

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
    #[error(transparent)]
    Rule(#[from] RuleError),
}

impl ProtocolError {
    /// The same error about a field of a nested object, named by its path (`attachment.key`).
    fn of_field(self, path: &'static str) -> Self {
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
            Self::WrongType { .. } => "invalid_field",
            Self::Rule(rule) => rule.code(),
        }
    }
}

/// A refused request, with what is known of it so the client can tell which request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub error: ProtocolError,
    pub action: Option<String>,
    pub client_message_id: Option<String>,
    pub request_id: Option<String>,
}

impl Rejection {
    pub fn to_event(&self) -> ServerEvent {
        ServerEvent::error(
            self.error.code(),
            self.error.to_string(),
            self.action.clone(),
            self.client_message_id.clone(),
        )
        .with_request_id(self.request_id.clone())
    }
}

impl From<ProtocolError> for Rejection {
    fn from(error: ProtocolError) -> Self {
        Self {
            error,
            action: None,
            client_message_id: None,
            request_id: None,
        }
    }
}

/// Decodes one request body.
pub fn decode_action(body: &[u8]) -> Result<ClientAction, Rejection> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ProtocolError::PayloadTooLarge { size: body.len() }.into());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ProtocolError::InvalidJson(e.to_string()))?;
    let Value::Object(object) = value else {
        return Err(ProtocolError::NotAnObject.into());
    };
    let fields = Fields(&object);
    let action = match object.get("action") {
        Some(Value::String(action)) => action.as_str(),
        _ => return Err(ProtocolError::MissingAction.into()),
    };
    // A refused request echoes the client's valid ids, so it can tell which request failed.
    let echoed = |field: &'static str, valid: fn(&str) -> bool| {
        fields
            .optional_str(field)
            .ok()
            .flatten()
            .filter(|id| valid(id))
            .map(str::to_owned)
    };
    let in_action = |error: ProtocolError| Rejection {
        error,
        action: Some(action.to_owned()),
        client_message_id: None,
        request_id: echoed("requestId", |id| RequestId::parse(id).is_ok()),
    };
    match action {
        SEND_MESSAGE => decode_send_message(&fields).map_err(|error| Rejection {
            client_message_id: echoed("clientMessageId", |id| ClientMessageId::parse(id).is_ok()),
            ..in_action(error)
        }),
        GET_MESSAGES => decode_get_messages(&fields).map_err(in_action),
        GET_CLIENTS => Ok(ClientAction::GetClients),
        GET_UPLOAD_URL => decode_get_upload_url(&fields).map_err(in_action),
        GET_DOWNLOAD_URL => decode_get_download_url(&fields).map_err(in_action),
        SET_AVATAR => decode_set_avatar(&fields).map_err(in_action),
        PING => Ok(ClientAction::Ping),
        unknown => Err(ProtocolError::UnknownAction(
            unknown.chars().take(ECHOED_ACTION_MAX_CHARS).collect(),
        )
        .into()),
    }
}

fn decode_send_message(fields: &Fields<'_>) -> Result<ClientAction, ProtocolError> {
    let client_message_id = match fields.optional_str("clientMessageId")? {
        Some(id) => ClientMessageId::parse(id)?,
        None => ClientMessageId::generate(),
    };
    let to = Username::parse(fields.required_str("to")?)?;
    let attachment = fields
        .optional_object("attachment")?
        .map(|object| decode_attachment(&Fields(object)))
        .transpose()?;
    let text = match (fields.optional_str("text")?, &attachment) {
        (None, None) => return Err(ProtocolError::MissingField("text")),
        (None, Some(_)) => None,
        (Some(raw), Some(_)) if raw.trim().is_empty() => None,
        (Some(raw), _) => Some(MessageText::parse(raw)?),
    };
    Ok(ClientAction::SendMessage(SendMessage {
        to,
        text,
        attachment,
        client_message_id,
    }))
}

fn decode_attachment(fields: &Fields<'_>) -> Result<Attachment, ProtocolError> {
    let key = fields
        .required_str("key")
        .map_err(|e| e.of_field("attachment.key"))?;
    let name = fields
        .required_str("name")
        .map_err(|e| e.of_field("attachment.name"))?;
    let content_type = fields
        .required_str("contentType")
        .map_err(|e| e.of_field("attachment.contentType"))?;
    let size = fields
        .required_u64("size")
        .map_err(|e| e.of_field("attachment.size"))?;
    Ok(Attachment::new(
        MediaKey::parse(key)?,
        FileName::parse(name)?,
        content_type,
        size,
    )?)
}

fn optional_request_id(fields: &Fields<'_>) -> Result<Option<RequestId>, ProtocolError> {
    Ok(fields
        .optional_str("requestId")?
        .map(RequestId::parse)
        .transpose()?)
}

fn decode_get_upload_url(fields: &Fields<'_>) -> Result<ClientAction, ProtocolError> {
    let purpose = Purpose::parse(fields.required_str("purpose")?)?;
    let media_type = purpose.media_type(fields.required_str("contentType")?)?;
    let size = purpose.check_size(fields.required_u64("size")?)?;
    let upload_for = match purpose {
        Purpose::Attachment => UploadFor::Attachment {
            to: Username::parse(fields.required_str("to")?)?,
        },
        Purpose::Avatar => UploadFor::Avatar,
    };
    Ok(ClientAction::GetUploadUrl(GetUploadUrl {
        upload_for,
        media_type,
        size,
        request_id: optional_request_id(fields)?,
    }))
}

fn decode_get_download_url(fields: &Fields<'_>) -> Result<ClientAction, ProtocolError> {
    let wrong_type = ProtocolError::WrongType {
        field: "keys",
        expected: "an array of 1-50 strings",
    };
    let keys = match fields.0.get("keys") {
        None | Some(Value::Null) => return Err(ProtocolError::MissingField("keys")),
        Some(Value::Array(keys)) if (1..=MAX_DOWNLOAD_KEYS).contains(&keys.len()) => keys,
        Some(_) => return Err(wrong_type),
    };
    let keys = keys
        .iter()
        .map(|key| match key {
            Value::String(key) => Ok(MediaKey::parse(key)?),
            _ => Err(wrong_type.clone()),
        })
        .collect::<Result<_, _>>()?;
    Ok(ClientAction::GetDownloadUrl(GetDownloadUrl {
        keys,
        request_id: optional_request_id(fields)?,
    }))
}

fn decode_set_avatar(fields: &Fields<'_>) -> Result<ClientAction, ProtocolError> {
    // `null` removes the picture, so here (unlike elsewhere) null and absent differ.
    let key = match fields.0.get("key") {
        None => return Err(ProtocolError::MissingField("key")),
        Some(Value::Null) => None,
        Some(Value::String(key)) => match MediaKey::parse(key)? {
            avatar @ MediaKey::Avatar { .. } => Some(avatar),
            MediaKey::Attachment { .. } => {
                return Err(RuleError::InvalidMediaKey(
                    "setAvatar takes the key of a profile picture upload",
                )
                .into());
            }
        },
        Some(_) => {
            return Err(ProtocolError::WrongType {
                field: "key",
                expected: "a string or null",
            });
        }
    };
    Ok(ClientAction::SetAvatar(SetAvatar {
        key,
        request_id: optional_request_id(fields)?,
    }))
}

fn decode_get_messages(fields: &Fields<'_>) -> Result<ClientAction, ProtocolError> {
    let limit = match fields.optional_u64("limit")? {
        Some(limit) => PageLimit::new(limit)?,
        None => PageLimit::default(),
    };
    let cursor = fields
        .optional_str("cursor")?
        .map(HistoryCursor::decode)
        .transpose()?;
    Ok(ClientAction::GetMessages(GetMessages {
        with: Username::parse(fields.required_str("with")?)?,
        limit,
        cursor,
    }))
}

/// Typed access to a request's fields; `null` counts as absent.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn optional_str(&self, field: &'static str) -> Result<Option<&str>, ProtocolError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ProtocolError::WrongType {
                field,
                expected: "a string",
            }),
        }
    }

    fn required_str(&self, field: &'static str) -> Result<&str, ProtocolError> {
        self.optional_str(field)?
            .ok_or(ProtocolError::MissingField(field))
    }

    fn optional_object(
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

    fn required_u64(&self, field: &'static str) -> Result<u64, ProtocolError> {
        self.optional_u64(field)?
            .ok_or(ProtocolError::MissingField(field))
    }

    fn optional_u64(&self, field: &'static str) -> Result<Option<u64>, ProtocolError> {
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
}

/// What the server sends to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerEvent {
    /// A message for this user (or sent by this user from another connection).
    Message { message: MessageView },
    /// The sending connection's confirmation: the message as stored.
    MessageAck {
        message: MessageView,
        /// True when this was a retry of a message already stored.
        duplicate: bool,
    },
    /// A page of a conversation's history, newest first.
    Messages {
        with: String,
        messages: Vec<MessageView>,
        next_cursor: Option<String>,
    },
    /// Every known user.
    Clients { users: Vec<UserView> },
    /// A user came online or went offline.
    Presence { user: UserView },
    /// A user changed their profile picture (also the answer to `setAvatar`, which alone carries
    /// the request's `requestId`).
    Profile {
        user: UserView,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Answer to `getUploadUrl`: where and how the browser sends the file.
    UploadUrl {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        purpose: String,
        key: String,
        url: String,
        method: String,
        headers: BTreeMap<String, String>,
        content_type: String,
        size: u64,
        expires_at: i64,
    },
    /// Answer to `getDownloadUrl`: a presigned URL per key.
    DownloadUrls {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        urls: BTreeMap<String, String>,
        expires_at: i64,
    },
    /// Answer to `ping`.
    Pong,
    /// A request was refused; the connection stays open.
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_message_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
}

impl ServerEvent {
    pub fn error(
        code: &str,
        message: impl Into<String>,
        action: Option<String>,
        client_message_id: Option<String>,
    ) -> Self {
        Self::Error {
            code: code.to_owned(),
            message: message.into(),
            action,
            client_message_id,
            request_id: None,
        }
    }

    /// Echoes the client's `requestId` on an `error` (other events carry it in their own field).
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        if let Self::Error { request_id, .. } = &mut self {
            *request_id = id;
        }
        self
    }

    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail: no maps with non-string keys, no custom impls.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: String,
    pub conversation_id: String,
    pub from: String,
    pub to: String,
    pub text: String,
    pub sent_at: i64,
    pub client_message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<AttachmentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    pub key: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

impl From<&Attachment> for AttachmentView {
    fn from(attachment: &Attachment) -> Self {
        Self {
            key: attachment.key.to_string(),
            name: attachment.name.as_str().to_owned(),
            content_type: attachment.media_type.mime().to_owned(),
            size: attachment.size,
        }
    }
}

impl From<&Message> for MessageView {
    fn from(message: &Message) -> Self {
        Self {
            id: message.id.clone(),
            conversation_id: message.conversation_id.as_str().to_owned(),
            from: message.from.as_str().to_owned(),
            to: message.to.as_str().to_owned(),
            text: message.text.clone(),
            sent_at: message.sent_at,
            client_message_id: message.client_message_id.as_str().to_owned(),
            attachment: message.attachment.as_ref().map(AttachmentView::from),
        }
    }
}

/// A user as clients see them: never their connection ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub username: String,
    pub online: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<String>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            username: user.username.as_str().to_owned(),
            online: user.is_online(),
            last_seen: user.last_seen,
            avatar_key: user.avatar_key.as_ref().map(MediaKey::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::TEXT_MAX_CHARS;
    use proptest::prelude::*;
    use serde_json::json;

    fn decode_json(value: Value) -> Result<ClientAction, Rejection> {
        decode_action(value.to_string().as_bytes())
    }

    fn code_of(value: Value) -> &'static str {
        decode_json(value).unwrap_err().error.code()
    }

    #[test]
    fn decodes_every_action() {
        let send = decode_json(
            json!({"action": "sendMessage", "to": "bob", "text": " hi ", "clientMessageId": "c1"}),
        );
        let Ok(ClientAction::SendMessage(send)) = send else {
            panic!("{send:?}")
        };
        assert_eq!(
            (
                send.to.as_str(),
                send.text.as_ref().map(MessageText::as_str),
                send.client_message_id.as_str()
            ),
            ("bob", Some("hi"), "c1")
        );

        let get = decode_json(json!({"action": "getMessages", "with": "bob"})).unwrap();
        assert_eq!(
            get,
            ClientAction::GetMessages(GetMessages {
                with: Username::parse("bob").unwrap(),
                limit: PageLimit::default(),
                cursor: None
            })
        );
        assert_eq!(
            decode_json(json!({"action": "getClients"})),
            Ok(ClientAction::GetClients)
        );
        assert_eq!(
            decode_json(json!({"action": "ping"})),
            Ok(ClientAction::Ping)
        );
    }

    #[test]
    fn send_without_client_message_id_gets_a_generated_one() {
        let Ok(ClientAction::SendMessage(send)) =
            decode_json(json!({"action": "sendMessage", "to": "bob", "text": "hi"}))
        else {
            panic!()
        };
        assert_eq!(send.client_message_id.as_str().len(), 26);
    }

    #[test]
    fn get_messages_takes_limit_and_cursor() {
        let cursor = HistoryCursor {
            message_id: "01JDQ8Z7W4K3M2N1P0Q9R8S7T6".into(),
            dedup_key: "alice#c-1".into(),
        };
        let decoded = decode_json(
            json!({"action": "getMessages", "with": "bob", "limit": 10, "cursor": cursor.encode()}),
        );
        let Ok(ClientAction::GetMessages(get)) = decoded else {
            panic!("{decoded:?}")
        };
        assert_eq!((get.limit.get(), get.cursor), (10, Some(cursor)));
    }

    #[test]
    fn malformed_bodies_get_stable_codes() {
        assert_eq!(
            decode_action(b"{not json").unwrap_err().error.code(),
            "invalid_json"
        );
        assert_eq!(
            decode_action(&[0xff, 0xfe]).unwrap_err().error.code(),
            "invalid_json"
        );
        assert_eq!(code_of(json!([1, 2])), "invalid_json");
        assert_eq!(code_of(json!({"to": "bob"})), "missing_action");
        assert_eq!(code_of(json!({"action": 7})), "missing_action");
        let unknown = decode_json(json!({"action": "dance"})).unwrap_err();
        assert_eq!(unknown.error, ProtocolError::UnknownAction("dance".into()));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            decode_action(&big).unwrap_err().error.code(),
            "payload_too_large"
        );
    }

    #[test]
    fn field_errors_name_the_field_and_the_action() {
        let missing = decode_json(json!({"action": "sendMessage", "text": "hi"})).unwrap_err();
        assert_eq!(missing.error, ProtocolError::MissingField("to"));
        assert_eq!(missing.action.as_deref(), Some("sendMessage"));
        let wrong =
            decode_json(json!({"action": "sendMessage", "to": 5, "text": "hi"})).unwrap_err();
        assert_eq!(wrong.error.code(), "invalid_field");
        assert!(wrong.error.to_string().contains("\"to\""));
        assert_eq!(
            code_of(json!({"action": "getMessages", "with": "bob", "limit": -1})),
            "invalid_field"
        );
        assert_eq!(
            code_of(json!({"action": "getMessages", "with": "bob", "limit": 1.5})),
            "invalid_field"
        );
        assert_eq!(
            code_of(json!({"action": "getMessages", "with": "bob", "limit": 101})),
            "invalid_limit"
        );
        assert_eq!(
            code_of(json!({"action": "getMessages", "with": "bob", "cursor": "zz"})),
            "invalid_cursor"
        );
        assert_eq!(
            code_of(json!({"action": "getMessages", "with": "no body"})),
            "invalid_username"
        );
    }

    #[test]
    fn send_rule_errors_echo_a_valid_client_message_id() {
        let too_long = "a".repeat(TEXT_MAX_CHARS + 1);
        let rejected = decode_json(json!({"action": "sendMessage", "to": "bob", "text": too_long, "clientMessageId": "c9"})).unwrap_err();
        assert_eq!(rejected.error.code(), "text_too_long");
        assert_eq!(rejected.client_message_id.as_deref(), Some("c9"));
        let event = rejected.to_event().to_json();
        let event: Value = serde_json::from_str(&event).unwrap();
        assert_eq!(event["type"], "error");
        assert_eq!(event["code"], "text_too_long");
        assert_eq!(event["action"], "sendMessage");
        assert_eq!(event["clientMessageId"], "c9");

        let junk_id = decode_json(
            json!({"action": "sendMessage", "to": "bob", "text": "", "clientMessageId": "a b"}),
        )
        .unwrap_err();
        assert_eq!(junk_id.client_message_id, None);
    }

    #[test]
    fn events_serialize_with_type_and_camel_case_fields() {
        let user = UserView {
            username: "bob".into(),
            online: false,
            last_seen: Some(5),
            avatar_key: None,
        };
        assert_eq!(
            serde_json::to_value(ServerEvent::Presence { user }).unwrap(),
            json!({"type": "presence", "user": {"username": "bob", "online": false, "lastSeen": 5}})
        );
        assert_eq!(
            serde_json::to_value(ServerEvent::Messages {
                with: "bob".into(),
                messages: vec![],
                next_cursor: None
            })
            .unwrap(),
            json!({"type": "messages", "with": "bob", "messages": [], "nextCursor": null})
        );
        assert_eq!(ServerEvent::Pong.to_json(), r#"{"type":"pong"}"#);
    }

    #[test]
    fn largest_valid_message_event_stays_far_below_the_32k_frame() {
        let message = MessageView {
            id: "01JDQ8Z7W4K3M2N1P0Q9R8S7T6".into(),
            conversation_id: format!("dm#{}#{}", "a".repeat(32), "b".repeat(32)),
            from: "a".repeat(32),
            to: "b".repeat(32),
            text: "😀".repeat(TEXT_MAX_CHARS),
            sent_at: i64::MAX,
            client_message_id: "c".repeat(64),
            attachment: Some(AttachmentView {
                key: format!(
                    "attachments/dm/{}/{}/{}/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pptx",
                    "a".repeat(32),
                    "b".repeat(32),
                    "a".repeat(32)
                ),
                name: "😀".repeat(crate::rules::FILE_NAME_MAX_CHARS),
                content_type: MediaType::Pptx.mime().to_owned(),
                size: u64::MAX,
            }),
        };
        let size = ServerEvent::Message { message }.to_json().len();
        assert!(size < 20 * 1024, "{size} bytes");
    }

    const ATTACHMENT_KEY: &str = "attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";
    const AVATAR_KEY: &str = "avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";

    fn attachment() -> Value {
        json!({"key": ATTACHMENT_KEY, "name": "cat.png", "contentType": "image/png", "size": 48213})
    }

    #[test]
    fn send_may_carry_an_attachment_and_then_no_text() {
        for text in [json!(null), json!(""), json!("  ")] {
            let decoded = decode_json(
                json!({"action": "sendMessage", "to": "bob", "text": text, "attachment": attachment()}),
            );
            let Ok(ClientAction::SendMessage(send)) = decoded else {
                panic!("{decoded:?}")
            };
            assert_eq!(send.text, None);
            let attachment = send.attachment.unwrap();
            assert_eq!(attachment.key.to_string(), ATTACHMENT_KEY);
            assert_eq!(
                (attachment.name.as_str(), attachment.size),
                ("cat.png", 48213)
            );
            assert_eq!(attachment.media_type, MediaType::Png);
        }
        assert_eq!(
            decode_json(json!({"action": "sendMessage", "to": "bob"}))
                .unwrap_err()
                .error,
            ProtocolError::MissingField("text")
        );
    }

    #[test]
    fn attachment_errors_name_the_nested_field() {
        let mut without_name = attachment();
        without_name.as_object_mut().unwrap().remove("name");
        let refused = decode_json(
            json!({"action": "sendMessage", "to": "bob", "attachment": without_name, "clientMessageId": "m-1"}),
        )
        .unwrap_err();
        assert_eq!(
            refused.error,
            ProtocolError::MissingField("attachment.name")
        );
        assert_eq!(refused.client_message_id.as_deref(), Some("m-1"));
        let mut huge = attachment();
        huge["size"] = json!(crate::media::ATTACHMENT_MAX_BYTES + 1);
        assert_eq!(
            code_of(json!({"action": "sendMessage", "to": "bob", "attachment": huge})),
            "file_too_large"
        );
        let mut other_type = attachment();
        other_type["contentType"] = json!("application/pdf");
        assert_eq!(
            code_of(json!({"action": "sendMessage", "to": "bob", "attachment": other_type})),
            "invalid_media_key"
        );
        assert_eq!(
            code_of(json!({"action": "sendMessage", "to": "bob", "attachment": "cat.png"})),
            "invalid_field"
        );
    }

    #[test]
    fn upload_requests_are_checked_against_their_purpose() {
        let decoded = decode_json(
            json!({"action": "getUploadUrl", "purpose": "attachment", "to": "bob", "contentType": "application/pdf", "size": 10, "requestId": "u-1"}),
        );
        let Ok(ClientAction::GetUploadUrl(get)) = decoded else {
            panic!("{decoded:?}")
        };
        assert_eq!((get.media_type, get.size), (MediaType::Pdf, 10));
        assert_eq!(
            get.upload_for,
            UploadFor::Attachment {
                to: Username::parse("bob").unwrap()
            }
        );
        assert_eq!(get.request_id.unwrap().as_str(), "u-1");

        let avatar = decode_json(
            json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "image/webp", "size": 1}),
        );
        assert!(matches!(
            avatar,
            Ok(ClientAction::GetUploadUrl(GetUploadUrl {
                upload_for: UploadFor::Avatar,
                ..
            }))
        ));

        let refusals = [
            (
                json!({"purpose": "avatar", "contentType": "application/pdf", "size": 1}),
                "unsupported_media_type",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": crate::media::AVATAR_MAX_BYTES + 1}),
                "file_too_large",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": 0}),
                "invalid_size",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": -1}),
                "invalid_field",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png"}),
                "missing_field",
            ),
            (
                json!({"purpose": "banner", "contentType": "image/png", "size": 1}),
                "invalid_purpose",
            ),
            (
                json!({"purpose": "attachment", "contentType": "image/png", "size": 1}),
                "missing_field",
            ),
            (
                json!({"purpose": "attachment", "contentType": "text/html", "size": 1, "to": "bob"}),
                "unsupported_media_type",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": 1, "requestId": "a b"}),
                "invalid_request_id",
            ),
        ];
        for (mut body, code) in refusals {
            body["action"] = json!("getUploadUrl");
            assert_eq!(code_of(body.clone()), code, "{body}");
        }
    }

    #[test]
    fn refusals_echo_a_valid_request_id() {
        let refused = decode_json(json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "text/html", "size": 1, "requestId": "u-7"})).unwrap_err();
        let event: Value = serde_json::from_str(&refused.to_event().to_json()).unwrap();
        assert_eq!(event["code"], "unsupported_media_type");
        assert_eq!(event["action"], "getUploadUrl");
        assert_eq!(event["requestId"], "u-7");
        let junk = decode_json(json!({"action": "getDownloadUrl", "keys": [], "requestId": "a b"}))
            .unwrap_err();
        assert_eq!(junk.request_id, None);
    }

    #[test]
    fn download_requests_take_1_to_50_issued_keys() {
        let decoded =
            decode_json(json!({"action": "getDownloadUrl", "keys": [AVATAR_KEY, ATTACHMENT_KEY]}));
        let Ok(ClientAction::GetDownloadUrl(get)) = decoded else {
            panic!("{decoded:?}")
        };
        let keys: Vec<String> = get.keys.iter().map(MediaKey::to_string).collect();
        assert_eq!(keys, [AVATAR_KEY, ATTACHMENT_KEY]);
        let too_many = vec![AVATAR_KEY; MAX_DOWNLOAD_KEYS + 1];
        for (keys, code) in [
            (json!([]), "invalid_field"),
            (json!(too_many), "invalid_field"),
            (json!([1]), "invalid_field"),
            (json!("avatars/x"), "invalid_field"),
            (json!(["../../etc/passwd"]), "invalid_media_key"),
            (json!(null), "missing_field"),
        ] {
            assert_eq!(
                code_of(json!({"action": "getDownloadUrl", "keys": keys})),
                code,
                "{keys}"
            );
        }
    }

    #[test]
    fn set_avatar_takes_a_profile_picture_key_or_null() {
        let set = decode_json(json!({"action": "setAvatar", "key": AVATAR_KEY}));
        assert!(
            matches!(
                set,
                Ok(ClientAction::SetAvatar(SetAvatar {
                    key: Some(MediaKey::Avatar { .. }),
                    ..
                }))
            ),
            "{set:?}"
        );
        let remove = decode_json(json!({"action": "setAvatar", "key": null}));
        assert!(matches!(
            remove,
            Ok(ClientAction::SetAvatar(SetAvatar { key: None, .. }))
        ));
        assert_eq!(code_of(json!({"action": "setAvatar"})), "missing_field");
        assert_eq!(
            code_of(json!({"action": "setAvatar", "key": 3})),
            "invalid_field"
        );
        assert_eq!(
            code_of(json!({"action": "setAvatar", "key": ATTACHMENT_KEY})),
            "invalid_media_key"
        );
    }

    #[test]
    fn media_fields_serialize_only_when_present() {
        let user = UserView {
            username: "bob".into(),
            online: true,
            last_seen: None,
            avatar_key: Some(AVATAR_KEY.into()),
        };
        assert_eq!(
            serde_json::to_value(ServerEvent::Profile {
                user,
                request_id: None
            })
            .unwrap(),
            json!({"type": "profile", "user": {"username": "bob", "online": true, "avatarKey": AVATAR_KEY}})
        );
        let plain: Value = serde_json::from_str(
            &ServerEvent::error("x", "y", None, None)
                .with_request_id(None)
                .to_json(),
        )
        .unwrap();
        assert!(plain.get("requestId").is_none());
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof![
                Just("sendMessage".to_owned()),
                Just("getMessages".to_owned()),
                Just("getClients".to_owned()),
                Just("getUploadUrl".to_owned()),
                Just("getDownloadUrl".to_owned()),
                Just("setAvatar".to_owned()),
                Just("avatar".to_owned()),
                Just("attachment".to_owned()),
                Just("image/png".to_owned()),
                Just("avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png".to_owned()),
                Just("attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pdf".to_owned()),
                any::<String>()
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let keys = prop_oneof![
                Just("action".to_owned()),
                Just("to".to_owned()),
                Just("text".to_owned()),
                Just("with".to_owned()),
                Just("limit".to_owned()),
                Just("cursor".to_owned()),
                Just("clientMessageId".to_owned()),
                Just("requestId".to_owned()),
                Just("purpose".to_owned()),
                Just("contentType".to_owned()),
                Just("size".to_owned()),
                Just("keys".to_owned()),
                Just("key".to_owned()),
                Just("name".to_owned()),
                Just("attachment".to_owned()),
                any::<String>()
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(keys, inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Cases per property: 2000 in `make test`, `FUZZ_CASES` in `make fuzz`.
    fn fuzz_cases() -> u32 {
        std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(2000)
    }

    /// The decoder's contract: whatever arrives, an action that passed every rule or a typed rejection.
    fn assert_decodes_or_rejects(body: &[u8]) {
        match decode_action(body) {
            Ok(ClientAction::SendMessage(send)) => {
                assert!(send.text.is_some() || send.attachment.is_some());
                if let Some(text) = &send.text {
                    assert!(MessageText::parse(text.as_str()).is_ok());
                }
                if let Some(attachment) = &send.attachment {
                    assert!(attachment.size <= crate::media::ATTACHMENT_MAX_BYTES);
                }
                assert!(Username::parse(send.to.as_str()).is_ok());
            }
            Ok(ClientAction::GetUploadUrl(get)) => {
                let purpose = get.upload_for.purpose();
                assert!(get.size >= 1 && get.size <= purpose.max_bytes());
                assert!(purpose.media_type(get.media_type.mime()).is_ok());
            }
            Ok(ClientAction::GetDownloadUrl(get)) => {
                assert!((1..=MAX_DOWNLOAD_KEYS).contains(&get.keys.len()));
            }
            Ok(ClientAction::SetAvatar(set)) => {
                assert!(matches!(set.key, None | Some(MediaKey::Avatar { .. })));
            }
            Ok(_) => {}
            Err(rejection) => assert!(!rejection.error.code().is_empty()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(body in prop::collection::vec(any::<u8>(), 0..512)) {
            assert_decodes_or_rejects(&body);
        }

        #[test]
        fn arbitrary_json_never_panics_the_decoder(value in arbitrary_json()) {
            assert_decodes_or_rejects(value.to_string().as_bytes());
        }

        #[test]
        fn valid_send_requests_always_decode(to in "[A-Za-z0-9_.-]{0,31}[A-Za-z0-9_-]", text in "[^\\p{Cc}]{0,50}[a-z][^\\p{Cc}]{0,50}") {
            let body = json!({"action": "sendMessage", "to": to, "text": text}).to_string();
            prop_assert!(matches!(decode_action(body.as_bytes()), Ok(ClientAction::SendMessage(_))));
        }
    }
}
