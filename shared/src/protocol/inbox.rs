//! `getConversations` and `markRead`: the inbox and read state.

use crate::chat::{GetConversations, InboxCursor, MarkRead};
use crate::events::Echo;
use crate::rooms::{DEFAULT_INBOX_LIMIT, MAX_INBOX_LIMIT};

use super::{Fields, ProtocolError, routed_action};

pub const GET_CONVERSATIONS: &str = "getConversations";
pub const MARK_READ: &str = "markRead";

pub(super) fn get_conversations(fields: &Fields<'_>) -> Result<GetConversations, ProtocolError> {
    Ok(GetConversations {
        limit: fields.limit(DEFAULT_INBOX_LIMIT, MAX_INBOX_LIMIT)?,
        cursor: fields
            .optional_str("cursor")?
            .map(InboxCursor::decode)
            .transpose()?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn mark_read(fields: &Fields<'_>) -> Result<MarkRead, ProtocolError> {
    Ok(MarkRead::new(
        fields.conversation_id()?,
        fields.required_str("messageId")?,
        fields.optional_request_id()?,
    )?)
}

routed_action!(GetConversations, GET_CONVERSATIONS, GetConversations, |r| {
    Echo::request_id(r.request_id.as_ref())
});
routed_action!(MarkRead, MARK_READ, MarkRead, |r| Echo::request_id(
    r.request_id.as_ref()
));

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::ClientAction;
    use super::super::tests::{code_of, decode_json};
    use super::*;
    use crate::conversation::ConversationId;

    #[test]
    fn inbox_pages_take_a_limit_and_a_cursor_this_server_issued() {
        let cursor = InboxCursor {
            activity_at: 1_700_000_000_000,
            conversation_id: ConversationId::parse("dm#alice#bob").unwrap(),
        };
        let Ok(ClientAction::GetConversations(get)) = decode_json(
            json!({"action": "getConversations", "limit": 5, "cursor": cursor.encode()}),
        ) else {
            panic!("getConversations did not decode");
        };
        assert_eq!((get.limit, get.cursor), (5, Some(cursor)));
        for (request, code) in [
            (
                json!({"action": "getConversations", "limit": 51}),
                "invalid_limit",
            ),
            (
                json!({"action": "getConversations", "cursor": "eA"}),
                "invalid_cursor",
            ),
        ] {
            assert_eq!(code_of(request.clone()), code, "{request}");
        }
    }

    #[test]
    fn mark_read_takes_a_conversation_and_a_message_id() {
        assert!(matches!(
            decode_json(
                json!({"action": "markRead", "conversationId": "dm#alice#bob", "messageId": "01JDQ8Z7W4K3M2N1P0Q9R8S7T6"})
            ),
            Ok(ClientAction::MarkRead(_))
        ));
        for (request, code) in [
            (
                json!({"action": "markRead", "conversationId": "dm#alice#bob", "messageId": "x"}),
                "invalid_message_id",
            ),
            (
                json!({"action": "markRead", "conversationId": "dm#alice#bob", "messageId": "01jdq8z7w4k3m2n1p0q9r8s7t6"}),
                "invalid_message_id",
            ),
            (
                json!({"action": "markRead", "conversationId": "nope", "messageId": "01JDQ8Z7W4K3M2N1P0Q9R8S7T6"}),
                "invalid_conversation",
            ),
            (
                json!({"action": "markRead", "conversationId": "dm#alice#bob"}),
                "missing_field",
            ),
        ] {
            assert_eq!(code_of(request.clone()), code, "{request}");
        }
    }
}
