//! `sendMessage` and `getMessages`: a message into a conversation, a page of its history.

use crate::chat::{GetMessages, SendMessage};
use crate::events::Echo;
use crate::media::{Attachment, FileName, MediaKey};
use crate::model::HistoryCursor;
use crate::rules::{ClientMessageId, MessageText, PageLimit};

use super::{Fields, ProtocolError, routed_action};

pub const SEND_MESSAGE: &str = "sendMessage";
pub const GET_MESSAGES: &str = "getMessages";

pub(super) fn send_message(fields: &Fields<'_>) -> Result<SendMessage, ProtocolError> {
    let client_message_id = match fields.optional_str("clientMessageId")? {
        Some(id) => ClientMessageId::parse(id)?,
        None => ClientMessageId::generate(),
    };
    let conversation = fields.conversation("to")?;
    let attachment = fields
        .optional_object("attachment")?
        .map(|object| attachment(&Fields(object)))
        .transpose()?;
    let text = match (fields.optional_str("text")?, &attachment) {
        (None, None) => return Err(ProtocolError::MissingField("text")),
        (None, Some(_)) => None,
        (Some(raw), Some(_)) if raw.trim().is_empty() => None,
        (Some(raw), _) => Some(MessageText::parse(raw)?),
    };
    Ok(SendMessage {
        conversation,
        text,
        attachment,
        client_message_id,
        reply_to: fields.optional_message_id("replyTo")?,
    })
}

fn attachment(fields: &Fields<'_>) -> Result<Attachment, ProtocolError> {
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

pub(super) fn get_messages(fields: &Fields<'_>) -> Result<GetMessages, ProtocolError> {
    let limit = match fields.optional_u64("limit")? {
        Some(limit) => PageLimit::new(limit)?,
        None => PageLimit::default(),
    };
    let cursor = fields
        .optional_str("cursor")?
        .map(HistoryCursor::decode)
        .transpose()?;
    Ok(GetMessages {
        conversation: fields.conversation("with")?,
        limit,
        cursor,
    })
}

routed_action!(SendMessage, SEND_MESSAGE, SendMessage, |send| Echo {
    client_message_id: Some(send.client_message_id.as_str().to_owned()),
    request_id: None,
});

routed_action!(GetMessages, GET_MESSAGES, GetMessages);

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::ClientAction;
    use super::super::tests::{code_of, decode_json};
    use super::*;
    use crate::conversation::{ConversationId, ConversationRef};
    use crate::media::MediaType;
    use crate::rules::{TEXT_MAX_CHARS, Username};

    fn decoded_send(body: Value) -> SendMessage {
        match decode_json(body) {
            Ok(ClientAction::SendMessage(send)) => send,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_message_names_its_conversation_by_id_or_by_the_other_user() {
        let send = decoded_send(
            json!({"action": "sendMessage", "conversationId": "dm#alice#bob", "text": " hi ", "clientMessageId": "c1"}),
        );
        assert_eq!(
            send.conversation,
            ConversationRef::Id(ConversationId::parse("dm#alice#bob").unwrap())
        );
        assert_eq!(
            (
                send.text.as_ref().map(MessageText::as_str),
                send.client_message_id.as_str()
            ),
            (Some("hi"), "c1")
        );
        let legacy = decoded_send(json!({"action": "sendMessage", "to": "Bob", "text": "hi"}));
        assert_eq!(
            legacy.conversation,
            ConversationRef::DirectWith(Username::parse("Bob").unwrap())
        );
    }

    #[test]
    fn a_conversation_must_be_named_once_and_validly() {
        let both = decode_json(
            json!({"action": "sendMessage", "conversationId": "dm#alice#bob", "to": "bob", "text": "hi"}),
        )
        .unwrap_err();
        assert_eq!(both.error, ProtocolError::Ambiguous("conversationId", "to"));
        assert_eq!(both.error.code(), "invalid_field");
        let missing = decode_json(json!({"action": "sendMessage", "text": "hi"})).unwrap_err();
        assert_eq!(missing.error, ProtocolError::MissingField("conversationId"));
        assert_eq!(missing.action.as_deref(), Some("sendMessage"));
        for id in ["dm#bob#alice", "room#1", "dm#alice"] {
            assert_eq!(
                code_of(json!({"action": "getMessages", "conversationId": id})),
                "invalid_conversation",
                "{id}"
            );
        }
        assert_eq!(
            code_of(json!({"action": "getMessages", "conversationId": 5})),
            "invalid_field"
        );
    }

    #[test]
    fn a_reply_names_the_message_it_answers_by_id() {
        let send = decoded_send(
            json!({"action": "sendMessage", "conversationId": "dm#alice#bob", "text": "yes", "replyTo": "01JDQ8Z7W4K3M2N1P0Q9R8S7T6"}),
        );
        assert_eq!(send.reply_to.as_deref(), Some("01JDQ8Z7W4K3M2N1P0Q9R8S7T6"));
        let plain = decoded_send(json!({"action": "sendMessage", "to": "bob", "text": "hi"}));
        assert_eq!(plain.reply_to, None);
        for (reply_to, code) in [
            (json!("x"), "invalid_message_id"),
            (json!("01jdq8z7w4k3m2n1p0q9r8s7t6"), "invalid_message_id"),
            (json!(7), "invalid_field"),
        ] {
            let refused = decode_json(
                json!({"action": "sendMessage", "to": "bob", "text": "hi", "replyTo": reply_to, "clientMessageId": "c5"}),
            )
            .unwrap_err();
            assert_eq!(refused.error.code(), code, "{reply_to}");
            assert_eq!(refused.echo.client_message_id.as_deref(), Some("c5"));
        }
    }

    #[test]
    fn send_without_client_message_id_gets_a_generated_one() {
        let send = decoded_send(json!({"action": "sendMessage", "to": "bob", "text": "hi"}));
        assert_eq!(send.client_message_id.as_str().len(), 26);
    }

    #[test]
    fn get_messages_takes_limit_and_cursor() {
        let cursor = HistoryCursor {
            message_id: "01JDQ8Z7W4K3M2N1P0Q9R8S7T6".into(),
            dedup_key: "alice#c-1".into(),
        };
        let decoded = decode_json(
            json!({"action": "getMessages", "conversationId": "dm#alice#bob", "limit": 10, "cursor": cursor.encode()}),
        );
        let Ok(ClientAction::GetMessages(get)) = decoded else {
            panic!("{decoded:?}")
        };
        assert_eq!((get.limit.get(), get.cursor), (10, Some(cursor)));
        let legacy = decode_json(json!({"action": "getMessages", "with": "bob"})).unwrap();
        assert_eq!(
            legacy,
            ClientAction::GetMessages(GetMessages {
                conversation: ConversationRef::DirectWith(Username::parse("bob").unwrap()),
                limit: PageLimit::default(),
                cursor: None
            })
        );
    }

    #[test]
    fn field_errors_name_the_field_and_the_action() {
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
        assert_eq!(rejected.echo.client_message_id.as_deref(), Some("c9"));
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
        assert_eq!(junk_id.echo.client_message_id, None);
    }

    const ATTACHMENT_KEY: &str = "attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";

    fn attachment() -> Value {
        json!({"key": ATTACHMENT_KEY, "name": "cat.png", "contentType": "image/png", "size": 48213})
    }

    #[test]
    fn send_may_carry_an_attachment_and_then_no_text() {
        for text in [json!(null), json!(""), json!("  ")] {
            let send = decoded_send(
                json!({"action": "sendMessage", "to": "bob", "text": text, "attachment": attachment()}),
            );
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
        assert_eq!(refused.echo.client_message_id.as_deref(), Some("m-1"));
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
}
