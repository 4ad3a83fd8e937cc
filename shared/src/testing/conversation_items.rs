//! Conversations-table items, watch items and room messages as the adapter stores them
//! ([`crate::dynamodb`]), for mock rules to answer with.

use std::collections::HashMap;

use super::NOW;
use super::dynamodb_items::{Item, n, s};

/// The direct conversation of two users (`dm#<smaller key>#<larger key>`).
pub fn direct_conversation(a: &str, b: &str) -> String {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if a <= b {
        format!("dm#{a}#{b}")
    } else {
        format!("dm#{b}#{a}")
    }
}

/// The stored member item of `username` in `conversation` with `role` (`owner`, `admin` or
/// `member`), joined a minute before [`NOW`], nothing read yet. It is also what the `byMember`
/// index answers for that user.
pub fn member_item(conversation: &str, username: &str, role: &str) -> Item {
    let key = username.to_ascii_lowercase();
    HashMap::from([
        ("pk".into(), s(&format!("CONV#{conversation}"))),
        ("sk".into(), s(&format!("MEMBER#{key}"))),
        ("member".into(), s(&key)),
        ("conversationId".into(), s(conversation)),
        ("username".into(), s(username)),
        ("role".into(), s(role)),
        ("joinedAt".into(), n(NOW - 60_000)),
    ])
}

/// `username`'s membership of their direct conversation with `other`.
pub fn direct_member_item(username: &str, other: &str) -> Item {
    member_item(&direct_conversation(username, other), username, "member")
}

/// `item` (a stored member) with a read point.
pub fn with_read_point(mut item: Item, message_id: &str) -> Item {
    item.insert("readMessageId".into(), s(message_id));
    item
}

/// The stored watch of `watched` by the connection `connection_id` of `watcher`.
pub fn watch_item(watched: &str, connection_id: &str, watcher: &str) -> Item {
    HashMap::from([
        (
            "pk".into(),
            s(&format!("WATCH#{}", watched.to_ascii_lowercase())),
        ),
        ("sk".into(), s(connection_id)),
        ("watcher".into(), s(&watcher.to_ascii_lowercase())),
        (
            "expiresAt".into(),
            n(NOW / 1000 + crate::rules::CONNECTION_TTL_SECS),
        ),
    ])
}

/// A stored message of `from` in the room `room` (a room message has no `to`).
pub fn room_message_item(id: &str, room: &str, from: &str, client_message_id: &str) -> Item {
    HashMap::from([
        ("conversationId".into(), s(room)),
        (
            "dedupKey".into(),
            s(&format!(
                "{}#{client_message_id}",
                from.to_ascii_lowercase()
            )),
        ),
        ("messageId".into(), s(id)),
        ("from".into(), s(from)),
        ("text".into(), s("hello room")),
        ("sentAt".into(), n(NOW - 1000)),
        ("clientMessageId".into(), s(client_message_id)),
    ])
}
