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

/// `item` (a stored member) joined at `at`.
pub fn with_joined_at(mut item: Item, at: i64) -> Item {
    item.insert("joinedAt".into(), n(at));
    item
}

/// `item` (a stored member) with a read point.
pub fn with_read_point(mut item: Item, message_id: &str) -> Item {
    item.insert("readMessageId".into(), s(message_id));
    item
}

/// The stored meta item of the room `room`, named `name`, with `member_count` members, created by
/// bob 9 s before [`NOW`].
pub fn room_item(room: &str, name: &str, member_count: i64) -> Item {
    HashMap::from([
        ("pk".into(), s(&format!("CONV#{room}"))),
        ("sk".into(), s("META")),
        ("conversationId".into(), s(room)),
        ("kind".into(), s("room")),
        ("name".into(), s(name)),
        ("createdBy".into(), s("bob")),
        ("createdAt".into(), n(NOW - 9000)),
        ("memberCount".into(), n(member_count)),
    ])
}

/// The stored meta item of the direct `conversation` (see [`direct_conversation`]), created 9 s
/// before [`NOW`].
pub fn direct_meta_item(conversation: &str) -> Item {
    HashMap::from([
        ("pk".into(), s(&format!("CONV#{conversation}"))),
        ("sk".into(), s("META")),
        ("conversationId".into(), s(conversation)),
        ("kind".into(), s("direct")),
        ("createdAt".into(), n(NOW - 9000)),
    ])
}

/// `item` (a meta item) with the message `message_id` of `from`, sent at `at`, as its last one
/// (preview "see you at ten").
pub fn with_last_message(mut item: Item, message_id: &str, from: &str, at: i64) -> Item {
    item.extend([
        ("lastMessageId".into(), s(message_id)),
        ("lastFrom".into(), s(from)),
        ("lastPreview".into(), s("see you at ten")),
        ("lastAt".into(), n(at)),
    ]);
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
