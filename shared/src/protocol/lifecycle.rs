//! `editMessage`, `deleteMessage`, `react` and `typing`: what happens to a message after it is
//! sent, and the ephemeral typing signal. Each names its conversation by id only.

use crate::chat::{DeleteMessage, EditMessage, React, Typing};
use crate::events::Echo;
use crate::rules::MessageText;

use super::{Fields, ProtocolError, routed_action};

pub const EDIT_MESSAGE: &str = "editMessage";
pub const DELETE_MESSAGE: &str = "deleteMessage";
pub const REACT: &str = "react";
pub const TYPING: &str = "typing";

pub(super) fn edit_message(fields: &Fields<'_>) -> Result<EditMessage, ProtocolError> {
    let conversation = fields.conversation_id()?;
    let message_id = fields.required_message_id("messageId")?;
    // Blank text removes the text: whether the message may lose it (it has an attachment) only
    // the stored message tells.
    let raw = fields.required_str("text")?;
    let text = if raw.trim().is_empty() {
        None
    } else {
        Some(MessageText::parse(raw)?)
    };
    Ok(EditMessage {
        conversation,
        message_id,
        text,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn delete_message(fields: &Fields<'_>) -> Result<DeleteMessage, ProtocolError> {
    Ok(DeleteMessage {
        conversation: fields.conversation_id()?,
        message_id: fields.required_message_id("messageId")?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn react(fields: &Fields<'_>) -> Result<React, ProtocolError> {
    Ok(React {
        conversation: fields.conversation_id()?,
        message_id: fields.required_message_id("messageId")?,
        emoji: fields.required_str("emoji")?.to_owned(),
        reacted: fields.required_bool("reacted")?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn typing(fields: &Fields<'_>) -> Result<Typing, ProtocolError> {
    Ok(Typing {
        conversation: fields.conversation_id()?,
    })
}

routed_action!(
    EditMessage,
    EDIT_MESSAGE,
    EditMessage,
    |r| Echo::request_id(r.request_id.as_ref())
);
routed_action!(DeleteMessage, DELETE_MESSAGE, DeleteMessage, |r| {
    Echo::request_id(r.request_id.as_ref())
});
routed_action!(React, REACT, React, |r| Echo::request_id(
    r.request_id.as_ref()
));
routed_action!(Typing, TYPING, Typing);

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::tests::{code_of, decode_json};
    use super::super::{ClientAction, RoutedAction};
    use super::*;
    use crate::conversation::ConversationId;

    const ID: &str = "01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
    const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

    fn with(mut body: Value, field: &str, value: Value) -> Value {
        body[field] = value;
        body
    }

    fn without(mut body: Value, field: &str) -> Value {
        body.as_object_mut().unwrap().remove(field);
        body
    }

    #[test]
    fn edit_takes_a_conversation_a_message_and_its_new_text() {
        let body = json!({"action": "editMessage", "conversationId": "dm#alice#bob", "messageId": ID, "text": " fixed ", "requestId": "r1"});
        let Ok(ClientAction::EditMessage(edit)) = decode_json(body.clone()) else {
            panic!("editMessage did not decode");
        };
        assert_eq!(
            edit.conversation,
            ConversationId::parse("dm#alice#bob").unwrap()
        );
        assert_eq!(edit.message_id, ID);
        assert_eq!(edit.text.as_ref().map(MessageText::as_str), Some("fixed"));
        assert_eq!(edit.echo(), Echo::request_id(edit.request_id.as_ref()));
        assert_eq!(edit.echo().request_id.as_deref(), Some("r1"));
        // Blank text removes the text; the use case decides whether the message may lose it.
        for blank in ["", "  \n "] {
            let Ok(ClientAction::EditMessage(edit)) =
                decode_json(with(body.clone(), "text", json!(blank)))
            else {
                panic!("blank text did not decode");
            };
            assert_eq!(edit.text, None);
        }
        for (request, code) in [
            (without(body.clone(), "text"), "missing_field"),
            (with(body.clone(), "text", json!(5)), "invalid_field"),
            (
                with(body.clone(), "text", json!("a".repeat(4001))),
                "text_too_long",
            ),
            (with(body.clone(), "text", json!("a\u{7}")), "invalid_text"),
            (without(body.clone(), "messageId"), "missing_field"),
            (
                with(body.clone(), "messageId", json!("x")),
                "invalid_message_id",
            ),
            (
                with(body.clone(), "conversationId", json!("bob")),
                "invalid_conversation",
            ),
            (without(body.clone(), "conversationId"), "missing_field"),
            (
                with(body.clone(), "requestId", json!("a b")),
                "invalid_request_id",
            ),
        ] {
            assert_eq!(code_of(request.clone()), code, "{request}");
        }
    }

    #[test]
    fn field_errors_name_the_field_and_echo_the_request_id() {
        let refused = decode_json(json!({"action": "react", "conversationId": ROOM, "messageId": ID, "emoji": "👍", "reacted": "yes", "requestId": "r7"})).unwrap_err();
        assert_eq!(
            refused.error,
            ProtocolError::WrongType {
                field: "reacted",
                expected: "true or false"
            }
        );
        assert_eq!(refused.action.as_deref(), Some(REACT));
        assert_eq!(refused.echo.request_id.as_deref(), Some("r7"));
        let missing = decode_json(
            json!({"action": "deleteMessage", "conversationId": ROOM, "requestId": "r8"}),
        )
        .unwrap_err();
        assert_eq!(missing.error, ProtocolError::MissingField("messageId"));
        assert_eq!(missing.echo.request_id.as_deref(), Some("r8"));
    }

    #[test]
    fn delete_takes_a_conversation_and_a_message() {
        let decoded = decode_json(
            json!({"action": "deleteMessage", "conversationId": ROOM, "messageId": ID, "requestId": "r2"}),
        );
        let Ok(ClientAction::DeleteMessage(delete)) = decoded else {
            panic!("{decoded:?}");
        };
        assert_eq!(delete.conversation.as_str(), ROOM);
        assert_eq!(delete.message_id, ID);
        assert_eq!(delete.echo().request_id.as_deref(), Some("r2"));
        assert_eq!(
            code_of(
                json!({"action": "deleteMessage", "conversationId": ROOM, "messageId": ID.to_lowercase()})
            ),
            "invalid_message_id"
        );
        assert_eq!(
            code_of(json!({"action": "deleteMessage", "to": "bob", "messageId": ID})),
            "missing_field",
            "a conversation is named by id only"
        );
    }

    #[test]
    fn react_takes_exactly_one_emoji_and_the_wanted_state() {
        let body = json!({"action": "react", "conversationId": ROOM, "messageId": ID, "emoji": "❤", "reacted": true});
        let Ok(ClientAction::React(react)) = decode_json(body.clone()) else {
            panic!("react did not decode");
        };
        assert_eq!(
            react.emoji, "❤",
            "checked (and made canonical) by the use case"
        );
        assert!(react.reacted);
        let Ok(ClientAction::React(unreact)) =
            decode_json(with(body.clone(), "reacted", json!(false)))
        else {
            panic!("react false did not decode");
        };
        assert!(!unreact.reacted);
        for (request, code) in [
            (with(body.clone(), "emoji", json!(1)), "invalid_field"),
            (without(body.clone(), "emoji"), "missing_field"),
            (without(body.clone(), "reacted"), "missing_field"),
            (with(body.clone(), "reacted", json!(1)), "invalid_field"),
            (
                with(body.clone(), "messageId", json!("nope")),
                "invalid_message_id",
            ),
        ] {
            assert_eq!(code_of(request.clone()), code, "{request}");
        }
    }

    #[test]
    fn typing_names_a_conversation_only() {
        assert_eq!(
            decode_json(json!({"action": "typing", "conversationId": "dm#alice#bob"})),
            Ok(ClientAction::Typing(Typing {
                conversation: ConversationId::parse("dm#alice#bob").unwrap()
            }))
        );
        assert_eq!(
            code_of(json!({"action": "typing", "conversationId": "dm#bob#alice"})),
            "invalid_conversation"
        );
        assert_eq!(code_of(json!({"action": "typing"})), "missing_field");
    }
}
