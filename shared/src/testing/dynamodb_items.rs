//! DynamoDB items as the adapter stores them ([`crate::dynamodb`]), for mock rules to answer
//! with: attribute shorthands and builders of connection, user and message items.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::NOW;

/// Shorthand for a string attribute.
pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// Shorthand for a number attribute.
pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Shorthand for a string-set attribute.
pub fn ss(values: &[&str]) -> AttributeValue {
    AttributeValue::Ss(values.iter().map(|v| (*v).to_owned()).collect())
}

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The stored record of a connection of `username`, made at [`NOW`].
pub fn connection_item(connection_id: &str, username: &str) -> Item {
    HashMap::from([
        ("pk".into(), s(&format!("CONNECTION#{connection_id}"))),
        ("sk".into(), s("CONNECTION")),
        ("connectionId".into(), s(connection_id)),
        ("username".into(), s(username)),
        ("connectedAt".into(), n(NOW)),
        (
            "expiresAt".into(),
            n(NOW / 1000 + crate::rules::CONNECTION_TTL_SECS),
        ),
    ])
}

/// The stored record of a user with these live connections.
pub fn user_item(username: &str, connection_ids: &[&str], last_seen: Option<i64>) -> Item {
    let mut item = HashMap::from([
        ("pk".into(), s("USERS")),
        (
            "sk".into(),
            s(&format!("USER#{}", username.to_ascii_lowercase())),
        ),
        ("username".into(), s(username)),
    ]);
    if !connection_ids.is_empty() {
        item.insert("connectionIds".into(), ss(connection_ids));
    }
    if let Some(last_seen) = last_seen {
        item.insert("lastSeen".into(), n(last_seen));
    }
    item
}

/// A stored direct message.
pub fn message_item(id: &str, from: &str, to: &str, client_message_id: &str) -> Item {
    let (a, b) = (from.to_ascii_lowercase(), to.to_ascii_lowercase());
    let conversation = if a <= b {
        format!("dm#{a}#{b}")
    } else {
        format!("dm#{b}#{a}")
    };
    HashMap::from([
        ("conversationId".into(), s(&conversation)),
        ("dedupKey".into(), s(&format!("{a}#{client_message_id}"))),
        ("messageId".into(), s(id)),
        ("from".into(), s(from)),
        ("to".into(), s(to)),
        ("text".into(), s("hello")),
        ("sentAt".into(), n(NOW - 1000)),
        ("clientMessageId".into(), s(client_message_id)),
    ])
}

/// `item` (a stored user) with a profile picture.
pub fn with_avatar(mut item: Item, avatar_key: &str) -> Item {
    item.insert("avatarKey".into(), s(avatar_key));
    item
}

/// `item` (a stored message) with an attachment.
pub fn with_attachment(
    mut item: Item,
    key: &str,
    name: &str,
    content_type: &str,
    size: u64,
) -> Item {
    item.extend([
        ("attachmentKey".into(), s(key)),
        ("attachmentName".into(), s(name)),
        ("attachmentType".into(), s(content_type)),
        ("attachmentSize".into(), AttributeValue::N(size.to_string())),
    ]);
    item
}
