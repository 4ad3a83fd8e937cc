//! The WebSocket protocol (docs/protocol.md): client actions, routed by their `action` field as API
//! Gateway's `$request.body.action` does, and server events, told apart by their `type` field.
//!
//! Decoding never panics and never trusts the client: every failure is a [`Rejection`] carrying a
//! stable error code, and everything that reaches a use case has passed the chat rules.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::model::{HistoryCursor, Message, User};
use crate::rules::{ClientMessageId, MessageText, PageLimit, RuleError, Username};

/// Largest request body accepted: API Gateway's frame limit. Valid actions are far smaller.
pub const MAX_BODY_BYTES: usize = 32 * 1024;
/// How much of an unknown action's name is echoed back in the error event.
const ECHOED_ACTION_MAX_CHARS: usize = 64;

pub const SEND_MESSAGE: &str = "sendMessage";
pub const GET_MESSAGES: &str = "getMessages";
pub const GET_CLIENTS: &str = "getClients";
pub const PING: &str = "ping";
/// Actions with a route of their own; everything else (`ping` included) goes to `$default`.
pub const ROUTED_ACTIONS: [&str; 3] = [SEND_MESSAGE, GET_MESSAGES, GET_CLIENTS];

/// A valid request from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    SendMessage(SendMessage),
    GetMessages(GetMessages),
    GetClients,
    Ping,
}

impl ClientAction {
    /// The `action` value that selects this action.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SendMessage(_) => SEND_MESSAGE,
            Self::GetMessages(_) => GET_MESSAGES,
            Self::GetClients => GET_CLIENTS,
            Self::Ping => PING,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessage {
    pub to: Username,
    pub text: MessageText,
    /// The client's id, or a generated one when the client sent none (then a retry is not deduplicated).
    pub client_message_id: ClientMessageId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMessages {
    pub with: Username,
    pub limit: PageLimit,
    pub cursor: Option<HistoryCursor>,
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
}

impl Rejection {
    pub fn to_event(&self) -> ServerEvent {
        ServerEvent::error(
            self.error.code(),
            self.error.to_string(),
            self.action.clone(),
            self.client_message_id.clone(),
        )
    }
}

impl From<ProtocolError> for Rejection {
    fn from(error: ProtocolError) -> Self {
        Self {
            error,
            action: None,
            client_message_id: None,
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
    let in_action = |error: ProtocolError| Rejection {
        error,
        action: Some(action.to_owned()),
        client_message_id: None,
    };
    match action {
        SEND_MESSAGE => decode_send_message(&fields).map_err(|error| Rejection {
            client_message_id: fields
                .optional_str("clientMessageId")
                .ok()
                .flatten()
                .filter(|id| ClientMessageId::parse(id).is_ok())
                .map(str::to_owned),
            ..in_action(error)
        }),
        GET_MESSAGES => decode_get_messages(&fields).map_err(in_action),
        GET_CLIENTS => Ok(ClientAction::GetClients),
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
    Ok(ClientAction::SendMessage(SendMessage {
        to: Username::parse(fields.required_str("to")?)?,
        text: MessageText::parse(fields.required_str("text")?)?,
        client_message_id,
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
        }
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
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            username: user.username.as_str().to_owned(),
            online: user.is_online(),
            last_seen: user.last_seen,
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
                send.text.as_str(),
                send.client_message_id.as_str()
            ),
            ("bob", "hi", "c1")
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
        };
        let size = ServerEvent::Message { message }.to_json().len();
        assert!(size < 20 * 1024, "{size} bytes");
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
                assert!(MessageText::parse(send.text.as_str()).is_ok());
                assert!(Username::parse(send.to.as_str()).is_ok());
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
        fn valid_send_requests_always_decode(to in "[A-Za-z0-9_.-]{1,32}", text in "[^\\p{Cc}]{0,50}[a-z][^\\p{Cc}]{0,50}") {
            let body = json!({"action": "sendMessage", "to": to, "text": text}).to_string();
            prop_assert!(matches!(decode_action(body.as_bytes()), Ok(ClientAction::SendMessage(_))));
        }
    }
}
