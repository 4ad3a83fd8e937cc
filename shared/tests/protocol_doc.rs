//! docs/protocol.md and the code agree: every action, event type and error code the code can
//! produce is documented, and the document names nothing the code does not have. The `match`es
//! without a wildcard make the compiler point here when a variant is added.

use std::collections::BTreeSet;

use chat_domain::ChatError;
use chat_domain::events::{Echo, MessageView, RoomView, ServerEvent, UserView};
use chat_domain::protocol::{
    ADD_MEMBERS, CREATE_ROOM, DELETE_MESSAGE, EDIT_MESSAGE, GET_CONVERSATIONS, GET_DOWNLOAD_URL,
    GET_MEMBERS, GET_MESSAGES, GET_UPLOAD_URL, MARK_READ, PING, ProtocolError, REACT,
    REMOVE_MEMBER, RENAME_ROOM, SEARCH_PEOPLE, SEND_MESSAGE, SET_AVATAR, SET_ROLE, TYPING,
    WATCH_PRESENCE,
};
use chat_domain::routes::Registry;
use chat_domain::rules::{RuleError, Username};

const DOC: &str = include_str!("../../docs/protocol.md");

fn rule_errors() -> Vec<RuleError> {
    let all = vec![
        RuleError::InvalidUsername,
        RuleError::EmptyText,
        RuleError::TextTooLong { chars: 4001 },
        RuleError::ControlCharacterInText,
        RuleError::InvalidClientMessageId,
        RuleError::InvalidLimit,
        RuleError::InvalidCursor,
        RuleError::InvalidRequestId,
        RuleError::InvalidPurpose,
        RuleError::UnsupportedMediaType {
            media_type: "text/html".into(),
            purpose: "attachment",
        },
        RuleError::FileTooLarge {
            size: 2,
            max: 1,
            purpose: "avatar",
        },
        RuleError::InvalidSize,
        RuleError::InvalidFileName,
        RuleError::InvalidMediaKey("x"),
        RuleError::InvalidConversationId,
        RuleError::InvalidRoomName,
        RuleError::InvalidRole,
        RuleError::TooManyMembers,
        RuleError::InvalidMessageId,
        RuleError::InvalidPrefix,
        RuleError::InvalidEmoji,
    ];
    for error in &all {
        match error {
            RuleError::InvalidUsername
            | RuleError::EmptyText
            | RuleError::TextTooLong { .. }
            | RuleError::ControlCharacterInText
            | RuleError::InvalidClientMessageId
            | RuleError::InvalidLimit
            | RuleError::InvalidCursor
            | RuleError::InvalidRequestId
            | RuleError::InvalidPurpose
            | RuleError::UnsupportedMediaType { .. }
            | RuleError::FileTooLarge { .. }
            | RuleError::InvalidSize
            | RuleError::InvalidFileName
            | RuleError::InvalidMediaKey(_)
            | RuleError::InvalidConversationId
            | RuleError::InvalidRoomName
            | RuleError::InvalidRole
            | RuleError::TooManyMembers
            | RuleError::InvalidMessageId
            | RuleError::InvalidPrefix
            | RuleError::InvalidEmoji => {}
        }
    }
    all
}

fn protocol_errors() -> Vec<ProtocolError> {
    let mut all = vec![
        ProtocolError::PayloadTooLarge { size: 1 },
        ProtocolError::InvalidJson("x".into()),
        ProtocolError::NotAnObject,
        ProtocolError::MissingAction,
        ProtocolError::UnknownAction("x".into()),
        ProtocolError::MissingField("to"),
        ProtocolError::WrongType {
            field: "to",
            expected: "a string",
        },
        ProtocolError::Ambiguous("conversationId", "to"),
    ];
    all.extend(rule_errors().into_iter().map(ProtocolError::Rule));
    for error in &all {
        match error {
            ProtocolError::PayloadTooLarge { .. }
            | ProtocolError::InvalidJson(_)
            | ProtocolError::NotAnObject
            | ProtocolError::MissingAction
            | ProtocolError::UnknownAction(_)
            | ProtocolError::MissingField(_)
            | ProtocolError::WrongType { .. }
            | ProtocolError::Ambiguous(..)
            | ProtocolError::Rule(_) => {}
        }
    }
    all
}

fn chat_errors() -> Vec<ChatError> {
    let store = chat_domain::ports::StoreError::Malformed("x".into());
    let all = vec![
        ChatError::UnknownConnection,
        ChatError::NameTaken(Username::parse("bob").unwrap()),
        ChatError::UnknownRecipient(Username::parse("bob").unwrap().key()),
        ChatError::MessageToSelf,
        ChatError::NotAMember,
        ChatError::ForbiddenMedia("x"),
        ChatError::ForbiddenRole("x"),
        ChatError::RoomFull,
        ChatError::OwnerMustTransfer,
        ChatError::UnknownMessage,
        ChatError::MessageDeleted,
        ChatError::NotAuthor,
        ChatError::TooManyReactions,
        ChatError::Rule(RuleError::EmptyText),
        ChatError::Conflict,
        ChatError::NotInRoom(Username::parse("bob").unwrap().key()),
        ChatError::Store(store),
        ChatError::Signing(chat_domain::ports::SignError {
            operation: "PutObject",
            source: "no credentials".into(),
        }),
    ];
    for error in &all {
        match error {
            ChatError::UnknownConnection
            | ChatError::NameTaken(_)
            | ChatError::UnknownRecipient(_)
            | ChatError::MessageToSelf
            | ChatError::NotAMember
            | ChatError::ForbiddenMedia(_)
            | ChatError::ForbiddenRole(_)
            | ChatError::RoomFull
            | ChatError::OwnerMustTransfer
            | ChatError::UnknownMessage
            | ChatError::MessageDeleted
            | ChatError::NotAuthor
            | ChatError::TooManyReactions
            | ChatError::Rule(_)
            | ChatError::Conflict
            | ChatError::NotInRoom(_)
            | ChatError::Store(_)
            | ChatError::Signing(_) => {}
        }
    }
    all
}

fn event_types() -> BTreeSet<String> {
    let message: MessageView = serde_json::from_value(serde_json::json!({"id": "i", "conversationId": "c", "from": "a", "to": "b", "text": "t", "sentAt": 1, "clientMessageId": "m"})).unwrap();
    let user: UserView =
        serde_json::from_value(serde_json::json!({"username": "a", "online": true})).unwrap();
    let room: RoomView = serde_json::from_value(serde_json::json!({"conversationId": "room#x", "name": "n", "memberCount": 1, "createdBy": "a", "createdAt": 1})).unwrap();
    let all = [
        ServerEvent::Message {
            message: message.clone(),
        },
        ServerEvent::MessageAck {
            message,
            duplicate: false,
        },
        ServerEvent::Messages {
            conversation_id: "dm#a#b".into(),
            with: None,
            messages: vec![],
            next_cursor: None,
        },
        ServerEvent::MessageEdited {
            conversation_id: "room#x".into(),
            message_id: "m".into(),
            text: "t".into(),
            edited_at: Some(1),
            request_id: None,
        },
        ServerEvent::MessageDeleted {
            conversation_id: "room#x".into(),
            message_id: "m".into(),
            deleted_at: 1,
            deleted_by: "a".into(),
            request_id: None,
        },
        ServerEvent::Reaction {
            conversation_id: "room#x".into(),
            message_id: "m".into(),
            emoji: "👍".into(),
            count: 1,
            user: "a".into(),
            reacted: true,
            request_id: None,
        },
        ServerEvent::Typing {
            conversation_id: "room#x".into(),
            from: "a".into(),
        },
        ServerEvent::Presence { user: user.clone() },
        ServerEvent::Room {
            room: room.clone(),
            request_id: None,
        },
        ServerEvent::Membership {
            conversation_id: "room#x".into(),
            room,
            change: "added".into(),
            users: vec![],
            role: None,
            by: "a".into(),
            request_id: None,
        },
        ServerEvent::Members {
            conversation_id: "room#x".into(),
            members: vec![],
            next_cursor: None,
            request_id: None,
        },
        ServerEvent::Conversations {
            conversations: vec![],
            next_cursor: None,
            request_id: None,
        },
        ServerEvent::ReadState {
            conversation_id: "dm#a#b".into(),
            username: "a".into(),
            message_id: "m".into(),
            request_id: None,
        },
        ServerEvent::People {
            users: vec![],
            next_cursor: None,
            request_id: None,
        },
        ServerEvent::Watched {
            conversation_id: "dm#a#b".into(),
            users: vec![user.clone()],
            request_id: None,
        },
        ServerEvent::Profile {
            user,
            request_id: None,
        },
        ServerEvent::UploadUrl {
            request_id: None,
            purpose: "avatar".into(),
            key: "k".into(),
            url: "u".into(),
            method: "PUT".into(),
            headers: Default::default(),
            content_type: "image/png".into(),
            size: 1,
            expires_at: 1,
        },
        ServerEvent::DownloadUrls {
            request_id: None,
            urls: Default::default(),
            expires_at: 1,
        },
        ServerEvent::Pong,
        ServerEvent::error("x", "x", None, Echo::default()),
    ];
    all.iter()
        .map(|event| {
            match event {
                ServerEvent::Message { .. }
                | ServerEvent::MessageAck { .. }
                | ServerEvent::Messages { .. }
                | ServerEvent::MessageEdited { .. }
                | ServerEvent::MessageDeleted { .. }
                | ServerEvent::Reaction { .. }
                | ServerEvent::Typing { .. }
                | ServerEvent::Presence { .. }
                | ServerEvent::Room { .. }
                | ServerEvent::Membership { .. }
                | ServerEvent::Members { .. }
                | ServerEvent::Conversations { .. }
                | ServerEvent::ReadState { .. }
                | ServerEvent::People { .. }
                | ServerEvent::Watched { .. }
                | ServerEvent::Profile { .. }
                | ServerEvent::UploadUrl { .. }
                | ServerEvent::DownloadUrls { .. }
                | ServerEvent::Pong
                | ServerEvent::Error { .. } => {}
            }
            serde_json::to_value(event).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The first column of the "Error codes" table.
fn documented_error_codes() -> BTreeSet<String> {
    let section = DOC
        .split("## Error codes")
        .nth(1)
        .expect("an Error codes section");
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_rule_error_has_a_code_of_its_own() {
    let errors = rule_errors();
    let codes: BTreeSet<&str> = errors.iter().map(RuleError::code).collect();
    assert_eq!(codes.len(), errors.len());
}

#[test]
fn every_error_code_is_documented_and_every_documented_code_exists() {
    let mut codes: BTreeSet<String> = protocol_errors()
        .iter()
        .map(|e| e.code().to_owned())
        .collect();
    codes.extend(chat_errors().iter().map(|e| e.code().to_owned()));
    assert_eq!(documented_error_codes(), codes);
}

#[test]
fn every_action_and_event_has_its_section_with_an_example() {
    let actions = [
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
        GET_UPLOAD_URL,
        GET_DOWNLOAD_URL,
        SET_AVATAR,
        PING,
    ];
    let routed: BTreeSet<&str> = Registry::get().actions().collect();
    assert_eq!(
        routed,
        BTreeSet::from(actions),
        "the registry's actions are the protocol's"
    );
    for action in actions {
        assert!(
            DOC.contains(&format!("### `{action}`")),
            "no section for action {action}"
        );
        assert!(
            DOC.contains(&format!("{{\"action\": \"{action}\"")),
            "no example of action {action}"
        );
    }
    for event_type in event_types() {
        assert!(
            DOC.contains(&format!("### `{event_type}`")),
            "no section for event {event_type}"
        );
        assert!(
            DOC.contains(&format!("{{\"type\": \"{event_type}\"")),
            "no example of event {event_type}"
        );
    }
}

#[test]
fn documented_examples_are_valid_json_and_requests_decode() {
    let examples: Vec<&str> = DOC
        .split("```json\n")
        .skip(1)
        .filter_map(|block| block.split("\n```").next())
        .collect();
    assert!(examples.len() >= 10, "examples found: {}", examples.len());
    for example in examples {
        let value: serde_json::Value =
            serde_json::from_str(example).unwrap_or_else(|e| panic!("{e}: {example}"));
        if value.get("type").is_none() {
            assert!(
                chat_domain::protocol::decode_action(example.as_bytes()).is_ok(),
                "documented request is refused: {example}"
            );
        } else {
            let _: ServerEvent =
                serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}: {example}"));
        }
    }
}
