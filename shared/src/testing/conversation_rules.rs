//! Mock rules for the requests the adapter ([`crate::dynamodb`]) makes of the Conversations table
//! (memberships, the last message, read points, a room's members) and for a user's presence
//! audience (direct partners through the `byMember` index, watch items in the Clients table).
//! Each matches one request by its table, index, key and expression, and answers as DynamoDB
//! would.

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
use aws_smithy_mocks::{Rule, mock};

use super::dynamodb_items::{Item, s};
use super::{CLIENTS_TABLE, CONVERSATIONS_INDEX, CONVERSATIONS_TABLE};

/// Whether `key` is the Conversations-table item `sk` of `conversation` (`META`, `MEMBER#<key>`).
pub fn is_conversation_key(key: Option<&Item>, conversation: &str, sk: &str) -> bool {
    key.is_some_and(|key| {
        key.get("pk") == Some(&s(&format!("CONV#{conversation}"))) && key.get("sk") == Some(&s(sk))
    })
}

fn member_sort(user_key: &str) -> String {
    format!("MEMBER#{user_key}")
}

fn condition_failed() -> UpdateItemError {
    UpdateItemError::ConditionalCheckFailedException(
        ConditionalCheckFailedException::builder().build(),
    )
}

/// Query of the `byMember` index for `user_key`'s direct conversations
/// (`begins_with(conversationId, "dm#")`), answering one page with `memberships` (their member
/// items, see [`super::direct_member_item`]).
pub fn query_direct_partners(user_key: &'static str, memberships: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.index_name() == Some(CONVERSATIONS_INDEX)
                && r.key_condition_expression()
                    .is_some_and(|e| e.contains("begins_with"))
                && values.and_then(|v| v.get(":me")) == Some(&s(user_key))
                && values.and_then(|v| v.get(":direct")) == Some(&s("dm#"))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(memberships.clone()))
                .build()
        })
}

/// Query of the watch items of `user_key` (Clients partition `WATCH#<user_key>`), answering one
/// page with `watches` (see [`super::watch_item`]). An announcement reads partners and watchers
/// concurrently; over the mocked client the partners' query goes first, so list this rule after
/// [`query_direct_partners`].
pub fn query_watchers(user_key: &'static str, watches: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            r.table_name() == Some(CLIENTS_TABLE)
                && r.index_name().is_none()
                && r.expression_attribute_values()
                    .and_then(|v| v.get(":watched"))
                    == Some(&s(&format!("WATCH#{user_key}")))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(watches.clone()))
                .build()
        })
}

/// Strongly consistent BatchGetItem of exactly the users `user_keys` (in any order, nobody
/// else), answering with `found`: shows whose records a fan-out reads.
pub fn batch_get_these_users(user_keys: &'static [&'static str], found: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(move |r| {
            let Some(request) = r.request_items().and_then(|items| items.get(CLIENTS_TABLE)) else {
                return false;
            };
            let mut asked: Vec<String> = request
                .keys()
                .iter()
                .filter(|key| key.get("pk") == Some(&s("USERS")))
                .filter_map(|key| match key.get("sk") {
                    Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) => Some(sk.clone()),
                    _ => None,
                })
                .collect();
            asked.sort();
            let mut wanted: Vec<String> =
                user_keys.iter().map(|key| format!("USER#{key}")).collect();
            wanted.sort();
            request.consistent_read() == Some(true)
                && request.keys().len() == asked.len()
                && asked == wanted
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(CLIENTS_TABLE, found.clone())
                .build()
        })
}

/// Strongly consistent GetItem of `user_key`'s member item in `conversation`, answering `found`
/// (`None`: not a member, or no such room).
pub fn get_member(conversation: &'static str, user_key: &'static str, found: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |r| {
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.consistent_read() == Some(true)
                && is_conversation_key(r.key(), conversation, &member_sort(user_key))
        })
        .then_output(move || GetItemOutput::builder().set_item(found.clone()).build())
}

/// Strongly consistent GetItem of `room`'s meta item, answering `found` (see
/// [`super::room_item`]; `None`: no such room).
pub fn get_room(room: &'static str, found: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |r| {
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.consistent_read() == Some(true)
                && is_conversation_key(r.key(), room, "META")
        })
        .then_output(move || GetItemOutput::builder().set_item(found.clone()).build())
}

/// Strongly consistent BatchGetItem of exactly the member items of `user_keys` in `conversation`
/// (in any order, nothing else), answering `found` (the members among them).
pub fn batch_get_members(
    conversation: &'static str,
    user_keys: &'static [&'static str],
    found: Vec<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(move |r| {
            let Some(request) = r
                .request_items()
                .and_then(|items| items.get(CONVERSATIONS_TABLE))
            else {
                return false;
            };
            let mut asked: Vec<(String, String)> = request
                .keys()
                .iter()
                .filter_map(|key| {
                    Some((
                        key.get("pk")?.as_s().ok()?.clone(),
                        key.get("sk")?.as_s().ok()?.clone(),
                    ))
                })
                .collect();
            asked.sort();
            let mut wanted: Vec<(String, String)> = user_keys
                .iter()
                .map(|key| (format!("CONV#{conversation}"), member_sort(key)))
                .collect();
            wanted.sort();
            request.consistent_read() == Some(true)
                && request.keys().len() == asked.len()
                && asked == wanted
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(CONVERSATIONS_TABLE, found.clone())
                .build()
        })
}

/// Whether `r` is the update of `conversation`'s last message, sent by `from`, only forward (a
/// room's only if the room exists).
fn is_last_message_update(
    r: &aws_sdk_dynamodb::operation::update_item::UpdateItemInput,
    conversation: &str,
    from: &str,
) -> bool {
    let values = r.expression_attribute_values();
    let room = conversation.starts_with("room#");
    let forward = "attribute_not_exists(#lastId) OR #lastId < :id";
    let condition = if room {
        format!("attribute_exists(#pk) AND ({forward})")
    } else {
        forward.to_owned()
    };
    r.table_name() == Some(CONVERSATIONS_TABLE)
        && is_conversation_key(r.key(), conversation, "META")
        && r.condition_expression() == Some(condition.as_str())
        && values.and_then(|v| v.get(":cid")) == Some(&s(conversation))
        && values.and_then(|v| v.get(":kind")) == Some(&s(if room { "room" } else { "direct" }))
        && values.and_then(|v| v.get(":from")) == Some(&s(from))
}

/// UpdateItem of `conversation`'s meta item recording a message of `from` as its last one.
pub fn record_last_message(conversation: &'static str, from: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_last_message_update(r, conversation, from))
        .then_output(|| UpdateItemOutput::builder().build())
}

/// The update of [`record_last_message`] refused by its condition: a later message is already
/// recorded (or, for a room, the room is gone).
pub fn record_last_message_superseded(conversation: &'static str, from: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_last_message_update(r, conversation, from))
        .then_error(condition_failed)
}

/// UpdateItem upserting `username`'s member item of the direct `conversation` (every field
/// `if_not_exists`, so an existing member is left as it is).
pub fn join_direct(conversation: &'static str, username: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            let key = username.to_ascii_lowercase();
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && is_conversation_key(r.key(), conversation, &member_sort(&key))
                && r.condition_expression().is_none()
                && r.update_expression()
                    .is_some_and(|e| e.starts_with("SET #member = if_not_exists(#member, :member)"))
                && values.and_then(|v| v.get(":member")) == Some(&s(&key))
                && values.and_then(|v| v.get(":name")) == Some(&s(username))
                && values.and_then(|v| v.get(":role")) == Some(&s("member"))
        })
        .then_output(|| UpdateItemOutput::builder().build())
}

/// UpdateItem moving `user_key`'s read point in `conversation` forward (only an existing member,
/// only forward) to `message_id` (`None`: whatever id, e.g. a message the test did not name),
/// which succeeds.
pub fn advance_read_point(
    conversation: &'static str,
    user_key: &'static str,
    message_id: Option<&'static str>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            let read = r.expression_attribute_values().and_then(|v| v.get(":m"));
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && is_conversation_key(r.key(), conversation, &member_sort(user_key))
                && r.update_expression() == Some("SET #read = :m")
                && r.condition_expression()
                    == Some("attribute_exists(#pk) AND (attribute_not_exists(#read) OR #read < :m)")
                && read.is_some()
                && message_id.is_none_or(|id| read == Some(&s(id)))
        })
        .then_output(|| UpdateItemOutput::builder().build())
}

/// Strongly consistent Query of `conversation`'s member items from the first, answering one page
/// with `members` (see [`super::member_item`]) and `last_key` (`Some`: more pages follow).
pub fn query_members(
    conversation: &'static str,
    members: Vec<Item>,
    last_key: Option<Item>,
) -> Rule {
    members_page(conversation, None, members, last_key)
}

/// The query of [`query_members`] continued after `start` (the previous page's `last_key`).
pub fn query_members_after(
    conversation: &'static str,
    start: Item,
    members: Vec<Item>,
    last_key: Option<Item>,
) -> Rule {
    members_page(conversation, Some(start), members, last_key)
}

fn members_page(
    conversation: &'static str,
    start: Option<Item>,
    members: Vec<Item>,
    last_key: Option<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.index_name().is_none()
                && r.consistent_read() == Some(true)
                && values.and_then(|v| v.get(":pk")) == Some(&s(&format!("CONV#{conversation}")))
                && values.and_then(|v| v.get(":members")) == Some(&s("MEMBER#"))
                && r.exclusive_start_key() == start.as_ref()
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(members.clone()))
                .set_last_evaluated_key(last_key.clone())
                .build()
        })
}
