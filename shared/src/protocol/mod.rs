//! The WebSocket protocol (docs/protocol.md): client actions, routed by their `action` field as API
//! Gateway's `$request.body.action` does. One module per concept parses its actions into the
//! domain's commands; this one only dispatches. What the server sends back is in
//! [`crate::events`].
//!
//! Decoding never panics and never trusts the client: every failure is a [`Rejection`] carrying a
//! stable error code, and everything that reaches a use case has passed the chat rules.

mod errors;
mod fields;
mod inbox;
mod lifecycle;
mod media;
mod messages;
mod people;
mod rooms;

use serde_json::Value;

use crate::chat::{
    AddMembers, CreateRoom, DeleteMessage, EditMessage, GetConversations, GetMembers, GetMessages,
    MarkRead, React, RemoveMember, RenameRoom, SearchPeople, SendMessage, SetAvatar, SetRole,
    Typing, WatchPresence,
};
use crate::events::Echo;
use crate::media_access::{GetDownloadUrl, GetUploadUrl};
use crate::rules::{ClientMessageId, RequestId};

pub use errors::{ProtocolError, Rejection};
pub use inbox::{GET_CONVERSATIONS, MARK_READ};
pub use lifecycle::{DELETE_MESSAGE, EDIT_MESSAGE, REACT, TYPING};
pub use media::{GET_DOWNLOAD_URL, GET_UPLOAD_URL};
pub use messages::{GET_MESSAGES, SEND_MESSAGE};
pub use people::{SEARCH_PEOPLE, SET_AVATAR, WATCH_PRESENCE};
pub use rooms::{ADD_MEMBERS, CREATE_ROOM, GET_MEMBERS, REMOVE_MEMBER, RENAME_ROOM, SET_ROLE};

use fields::Fields;

/// Largest request body accepted: API Gateway's frame limit. Valid actions are far smaller.
pub const MAX_BODY_BYTES: usize = 32 * 1024;
/// How much of an unknown action's name is echoed back in the error event.
const ECHOED_ACTION_MAX_CHARS: usize = 64;

/// The clients' keepalive, answered by `$default`.
pub const PING: &str = "ping";

/// A valid request from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    SendMessage(SendMessage),
    GetMessages(GetMessages),
    EditMessage(EditMessage),
    DeleteMessage(DeleteMessage),
    React(React),
    Typing(Typing),
    CreateRoom(CreateRoom),
    RenameRoom(RenameRoom),
    AddMembers(AddMembers),
    RemoveMember(RemoveMember),
    SetRole(SetRole),
    GetMembers(GetMembers),
    GetConversations(GetConversations),
    MarkRead(MarkRead),
    SearchPeople(SearchPeople),
    WatchPresence(WatchPresence),
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
            Self::EditMessage(_) => EDIT_MESSAGE,
            Self::DeleteMessage(_) => DELETE_MESSAGE,
            Self::React(_) => REACT,
            Self::Typing(_) => TYPING,
            Self::CreateRoom(_) => CREATE_ROOM,
            Self::RenameRoom(_) => RENAME_ROOM,
            Self::AddMembers(_) => ADD_MEMBERS,
            Self::RemoveMember(_) => REMOVE_MEMBER,
            Self::SetRole(_) => SET_ROLE,
            Self::GetMembers(_) => GET_MEMBERS,
            Self::GetConversations(_) => GET_CONVERSATIONS,
            Self::MarkRead(_) => MARK_READ,
            Self::SearchPeople(_) => SEARCH_PEOPLE,
            Self::WatchPresence(_) => WATCH_PRESENCE,
            Self::GetUploadUrl(_) => GET_UPLOAD_URL,
            Self::GetDownloadUrl(_) => GET_DOWNLOAD_URL,
            Self::SetAvatar(_) => SET_AVATAR,
            Self::Ping => PING,
        }
    }
}

/// The request one route serves: how it is found among the decoded actions, and which of its ids
/// an answer or a refusal echoes.
pub trait RoutedAction: Sized {
    /// The `action` value, which is also the route's key.
    const NAME: &'static str;

    /// This route's request (`None` when API Gateway routed another route's action here).
    fn from_action(action: ClientAction) -> Option<Self>;

    fn echo(&self) -> Echo {
        Echo::default()
    }
}

/// Implements [`RoutedAction`] for the request that `ClientAction::$variant` carries, named
/// `$name`; `echo` (optional) gives the ids its answers and refusals echo.
macro_rules! routed_action {
    ($request:ty, $name:expr, $variant:ident) => {
        routed_action!(
            $request,
            $name,
            $variant,
            |_| $crate::events::Echo::default()
        );
    };
    ($request:ty, $name:expr, $variant:ident, $echo:expr) => {
        impl $crate::protocol::RoutedAction for $request {
            const NAME: &'static str = $name;

            fn from_action(action: $crate::protocol::ClientAction) -> Option<Self> {
                match action {
                    $crate::protocol::ClientAction::$variant(request) => Some(request),
                    _ => None,
                }
            }

            fn echo(&self) -> $crate::events::Echo {
                let echo: fn(&Self) -> $crate::events::Echo = $echo;
                echo(self)
            }
        }
    };
}
use routed_action;

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
    let decoded = match action {
        SEND_MESSAGE => messages::send_message(&fields).map(ClientAction::SendMessage),
        GET_MESSAGES => messages::get_messages(&fields).map(ClientAction::GetMessages),
        EDIT_MESSAGE => lifecycle::edit_message(&fields).map(ClientAction::EditMessage),
        DELETE_MESSAGE => lifecycle::delete_message(&fields).map(ClientAction::DeleteMessage),
        REACT => lifecycle::react(&fields).map(ClientAction::React),
        TYPING => lifecycle::typing(&fields).map(ClientAction::Typing),
        CREATE_ROOM => rooms::create_room(&fields).map(ClientAction::CreateRoom),
        RENAME_ROOM => rooms::rename_room(&fields).map(ClientAction::RenameRoom),
        ADD_MEMBERS => rooms::add_members(&fields).map(ClientAction::AddMembers),
        REMOVE_MEMBER => rooms::remove_member(&fields).map(ClientAction::RemoveMember),
        SET_ROLE => rooms::set_role(&fields).map(ClientAction::SetRole),
        GET_MEMBERS => rooms::get_members(&fields).map(ClientAction::GetMembers),
        GET_CONVERSATIONS => inbox::get_conversations(&fields).map(ClientAction::GetConversations),
        MARK_READ => inbox::mark_read(&fields).map(ClientAction::MarkRead),
        SEARCH_PEOPLE => people::search_people(&fields).map(ClientAction::SearchPeople),
        WATCH_PRESENCE => people::watch_presence(&fields).map(ClientAction::WatchPresence),
        SET_AVATAR => people::set_avatar(&fields).map(ClientAction::SetAvatar),
        GET_UPLOAD_URL => media::get_upload_url(&fields).map(ClientAction::GetUploadUrl),
        GET_DOWNLOAD_URL => media::get_download_url(&fields).map(ClientAction::GetDownloadUrl),
        PING => Ok(ClientAction::Ping),
        unknown => {
            return Err(ProtocolError::UnknownAction(
                unknown.chars().take(ECHOED_ACTION_MAX_CHARS).collect(),
            )
            .into());
        }
    };
    decoded.map_err(|error| Rejection {
        error,
        action: Some(action.to_owned()),
        echo: echo_of_refused(&fields, action),
    })
}

/// A refused request echoes the client's ids that are valid, so it can tell which request failed.
fn echo_of_refused(fields: &Fields<'_>, action: &str) -> Echo {
    let valid = |field: &'static str, valid: fn(&str) -> bool| {
        fields
            .optional_str(field)
            .ok()
            .flatten()
            .filter(|id| valid(id))
            .map(str::to_owned)
    };
    Echo {
        client_message_id: (action == SEND_MESSAGE)
            .then(|| valid("clientMessageId", |id| ClientMessageId::parse(id).is_ok()))
            .flatten(),
        request_id: valid("requestId", |id| RequestId::parse(id).is_ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{MAX_DOWNLOAD_KEYS, MediaKey};
    use crate::rules::{MessageText, Username};
    use proptest::prelude::*;
    use serde_json::json;

    pub(super) fn decode_json(value: Value) -> Result<ClientAction, Rejection> {
        decode_action(value.to_string().as_bytes())
    }

    pub(super) fn code_of(value: Value) -> &'static str {
        decode_json(value).unwrap_err().error.code()
    }

    #[test]
    fn actions_without_fields_decode() {
        assert_eq!(
            decode_json(json!({"action": "getConversations"})),
            Ok(ClientAction::GetConversations(GetConversations {
                limit: crate::rooms::DEFAULT_INBOX_LIMIT,
                cursor: None,
                request_id: None,
            }))
        );
        assert_eq!(
            code_of(json!({"action": "getClients"})),
            "unknown_action",
            "getClients is retired"
        );
        assert_eq!(
            decode_json(json!({"action": "ping"})),
            Ok(ClientAction::Ping)
        );
    }

    #[test]
    fn every_decodable_action_has_a_route_in_the_registry() {
        let registry = crate::routes::Registry::get();
        let served: Vec<&str> = registry.actions().collect();
        for action in [
            SEND_MESSAGE,
            GET_MESSAGES,
            EDIT_MESSAGE,
            DELETE_MESSAGE,
            REACT,
            TYPING,
            CREATE_ROOM,
            RENAME_ROOM,
            ADD_MEMBERS,
            REMOVE_MEMBER,
            SET_ROLE,
            GET_MEMBERS,
            GET_CONVERSATIONS,
            MARK_READ,
            SEARCH_PEOPLE,
            WATCH_PRESENCE,
            SET_AVATAR,
            GET_UPLOAD_URL,
            GET_DOWNLOAD_URL,
            PING,
        ] {
            assert!(served.contains(&action), "{action} has no route");
        }
        for action in served {
            let decoded = decode_json(json!({ "action": action }));
            assert!(
                !matches!(&decoded, Err(r) if r.error.code() == "unknown_action"),
                "the registry routes {action}, which the protocol does not know"
            );
        }
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

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof![
                Just("sendMessage".to_owned()),
                Just("getMessages".to_owned()),
                Just("editMessage".to_owned()),
                Just("deleteMessage".to_owned()),
                Just("react".to_owned()),
                Just("typing".to_owned()),
                Just("👍".to_owned()),
                Just("createRoom".to_owned()),
                Just("addMembers".to_owned()),
                Just("markRead".to_owned()),
                Just("getConversations".to_owned()),
                Just("searchPeople".to_owned()),
                Just("watchPresence".to_owned()),
                Just("room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6".to_owned()),
                Just("01JDQ8Z7W4K3M2N1P0Q9R8S7T6".to_owned()),
                Just("getUploadUrl".to_owned()),
                Just("getDownloadUrl".to_owned()),
                Just("setAvatar".to_owned()),
                Just("avatar".to_owned()),
                Just("attachment".to_owned()),
                Just("image/png".to_owned()),
                Just("dm#alice#bob".to_owned()),
                Just("avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png".to_owned()),
                Just("attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pdf".to_owned()),
                any::<String>()
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let keys = prop_oneof![
                Just("action".to_owned()),
                Just("conversationId".to_owned()),
                Just("to".to_owned()),
                Just("text".to_owned()),
                Just("with".to_owned()),
                Just("limit".to_owned()),
                Just("cursor".to_owned()),
                Just("clientMessageId".to_owned()),
                Just("requestId".to_owned()),
                Just("name".to_owned()),
                Just("members".to_owned()),
                Just("usernames".to_owned()),
                Just("username".to_owned()),
                Just("role".to_owned()),
                Just("messageId".to_owned()),
                Just("prefix".to_owned()),
                Just("purpose".to_owned()),
                Just("contentType".to_owned()),
                Just("size".to_owned()),
                Just("keys".to_owned()),
                Just("key".to_owned()),
                Just("name".to_owned()),
                Just("attachment".to_owned()),
                Just("emoji".to_owned()),
                Just("reacted".to_owned()),
                Just("replyTo".to_owned()),
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
            }
            Ok(ClientAction::EditMessage(edit)) => {
                assert!(crate::rules::is_message_id(&edit.message_id));
                if let Some(text) = &edit.text {
                    assert!(MessageText::parse(text.as_str()).is_ok());
                }
            }
            Ok(ClientAction::React(react)) => {
                assert!(crate::rules::is_message_id(&react.message_id));
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
            prop_assert!(Username::parse(&to).is_ok());
        }
    }
}
