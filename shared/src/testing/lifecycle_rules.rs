//! Mock rules and items for a message's life after it is sent (the adapter's
//! `dynamodb/lifecycle.rs`, `revise_last_message` and the S3 remover): the lookup by id, the
//! conditional updates of an edit, a deletion and a reaction, the consistent re-read, the
//! conversation preview's revision, the typing gate and the attachment's DeleteObject. Each
//! matches one request by its table, key and expressions, and answers as the service would.

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemInput, PutItemOutput};
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::update_item::{
    UpdateItemError, UpdateItemInput, UpdateItemOutput,
};
use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_smithy_mocks::{Rule, mock};

use super::conversation_rules::is_conversation_key;
use super::dynamodb_items::{Item, n, s, ss};
use super::{
    CLIENTS_TABLE, CONVERSATIONS_TABLE, MEDIA_BUCKET, MESSAGES_INDEX, MESSAGES_TABLE, NOW,
};

/// The condition of every write to a message (it is there, and not deleted).
const LIVE_MESSAGE: &str = "#messageId = :id AND attribute_not_exists(#deletedAt)";

/// Whether `key` is the base-table key of the stored message `message`.
fn is_message_key(key: Option<&Item>, message: &Item) -> bool {
    key.is_some_and(|key| {
        key.len() == 2
            && key.get("conversationId") == message.get("conversationId")
            && key.get("dedupKey") == message.get("dedupKey")
    })
}

/// An update of `message`'s item conditioned on it being there and live (plus `extra`), asking
/// for the item as it is after.
fn is_live_update(r: &UpdateItemInput, message: &Item, extra: Option<&str>) -> bool {
    let condition = match extra {
        Some(extra) => format!("{LIVE_MESSAGE} AND {extra}"),
        None => LIVE_MESSAGE.to_owned(),
    };
    r.table_name() == Some(MESSAGES_TABLE)
        && is_message_key(r.key(), message)
        && r.condition_expression() == Some(condition.as_str())
        && r.expression_attribute_values().and_then(|v| v.get(":id")) == message.get("messageId")
        && r.return_values() == Some(&ReturnValue::AllNew)
}

fn condition_failed(old: Option<Item>) -> UpdateItemError {
    UpdateItemError::ConditionalCheckFailedException(
        ConditionalCheckFailedException::builder()
            .set_item(old)
            .build(),
    )
}

/// `item` (a stored message) as edited to `text` at `at`.
pub fn with_edit(mut item: Item, text: &str, at: i64) -> Item {
    item.insert("text".into(), s(text));
    item.insert("editedAt".into(), n(at));
    item
}

/// `item` (a stored message) as a tombstone: deleted by `by` at `at`, its content gone.
pub fn with_deletion(mut item: Item, by: &str, at: i64) -> Item {
    item.retain(|name, _| {
        !name.starts_with("attachment")
            && !name.starts_with("reaction")
            && !name.starts_with("replyTo")
    });
    item.insert("text".into(), s(""));
    item.insert("deletedAt".into(), n(at));
    item.insert("deletedBy".into(), s(by));
    item
}

/// `item` (a stored message) with the users `users` reacting with `emoji` (its canonical form),
/// and `reactionsVersion` = `version`.
pub fn with_reaction(mut item: Item, emoji: &str, users: &[&str], version: i64) -> Item {
    item.insert(format!("reaction:{emoji}"), ss(users));
    item.insert("reactionsVersion".into(), n(version));
    item
}

/// `item` (a stored message) replying to the message `id` whose base-table sort key is `key`.
pub fn with_reply_to(mut item: Item, id: &str, key: &str) -> Item {
    item.insert("replyToId".into(), s(id));
    item.insert("replyToKey".into(), s(key));
    item
}

/// Query of the `byConversation` index for the message `message_id` of `conversation` (one item
/// at most), answering `found`.
pub fn query_message(
    conversation: &'static str,
    message_id: &'static str,
    found: Option<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(MESSAGES_TABLE)
                && r.index_name() == Some(MESSAGES_INDEX)
                && r.key_condition_expression() == Some("#c = :c AND #m = :m")
                && values.and_then(|v| v.get(":c")) == Some(&s(conversation))
                && values.and_then(|v| v.get(":m")) == Some(&s(message_id))
                && r.limit() == Some(1)
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(found.clone().into_iter().collect()))
                .build()
        })
}

/// Strongly consistent BatchGetItem of exactly the messages `wanted` by their base-table keys
/// (quoted messages), answering `found`.
pub fn batch_get_messages(wanted: Vec<Item>, found: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(move |r| {
            let Some(request) = r
                .request_items()
                .and_then(|items| items.get(MESSAGES_TABLE))
            else {
                return false;
            };
            request.keys().len() == wanted.len()
                && wanted.iter().all(|message| {
                    request
                        .keys()
                        .iter()
                        .any(|k| is_message_key(Some(k), message))
                })
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(MESSAGES_TABLE, found.clone())
                .build()
        })
}

fn is_edit(r: &UpdateItemInput, message: &Item, text: &str) -> bool {
    let values = r.expression_attribute_values();
    is_live_update(r, message, None)
        && r.update_expression() == Some("SET #text = :text, #editedAt = :at")
        && values.and_then(|v| v.get(":text")) == Some(&s(text))
        && values.and_then(|v| v.get(":at")) == Some(&n(NOW))
        && r.return_values_on_condition_check_failure()
            == Some(&ReturnValuesOnConditionCheckFailure::AllOld)
}

/// The one conditional UpdateItem editing `message` to `text` at [`NOW`], which succeeds.
pub fn message_edited(message: Item, text: &'static str) -> Rule {
    let after = with_edit(message.clone(), text, NOW);
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_edit(r, &message, text))
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(after.clone()))
                .build()
        })
}

/// The edit of [`message_edited`] refused by its condition, the item as it was coming back
/// (`None`: no such item).
pub fn message_edit_refused(message: Item, text: &'static str, old: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_edit(r, &message, text))
        .then_error(move || condition_failed(old.clone()))
}

/// The one conditional UpdateItem leaving a tombstone of `message` deleted by `by` at [`NOW`]
/// (text emptied; attachment, reply and every reaction the item had removed), which succeeds.
pub fn message_deleted(message: Item, by: &'static str) -> Rule {
    let after = with_deletion(message.clone(), by, NOW);
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            let names: Vec<&String> = r
                .expression_attribute_names()
                .map(|names| names.values().collect())
                .unwrap_or_default();
            let removes = |attribute: &str| names.iter().any(|name| name.as_str() == attribute);
            let reactions_removed = message
                .keys()
                .filter(|name| name.starts_with("reaction:"))
                .all(|name| removes(name));
            is_live_update(r, &message, None)
                && r.update_expression().is_some_and(|e| {
                    e.starts_with("SET #text = :empty, #deletedAt = :at, #deletedBy = :by REMOVE ")
                })
                && [
                    "attachmentKey",
                    "attachmentName",
                    "replyToId",
                    "reactionsVersion",
                ]
                .iter()
                .all(|attribute| removes(attribute))
                && reactions_removed
                && values.and_then(|v| v.get(":empty")) == Some(&s(""))
                && values.and_then(|v| v.get(":at")) == Some(&n(NOW))
                && values.and_then(|v| v.get(":by")) == Some(&s(by))
        })
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(after.clone()))
                .build()
        })
}

/// UpdateItem of `conversation`'s meta revising its last message `message_id` (conditioned on it
/// still being the last): `deleted` marks it deleted, else the preview becomes `preview`.
pub fn revise_last_message(
    conversation: &'static str,
    message_id: &'static str,
    deleted: bool,
    preview: &'static str,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            let shape = if deleted {
                r.update_expression()
                    == Some("SET #deleted = :true, #preview = :empty REMOVE #attachment")
                    && r.condition_expression() == Some("#lastId = :id")
            } else {
                r.update_expression() == Some("SET #preview = :preview")
                    && r.condition_expression()
                        == Some("#lastId = :id AND attribute_not_exists(#deleted)")
                    && values.and_then(|v| v.get(":preview")) == Some(&s(preview))
            };
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && is_conversation_key(r.key(), conversation, "META")
                && values.and_then(|v| v.get(":id")) == Some(&s(message_id))
                && shape
        })
        .then_output(|| UpdateItemOutput::builder().build())
}

/// How a reaction write changes the emoji's set of users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionWrite {
    /// `DELETE` the user from the set.
    Remove,
    /// `ADD` the user to an emoji others already react with.
    AddToExisting,
    /// `ADD` the user to a new emoji, the version read being `seen` (`None`: none).
    AddNew { seen: Option<i64> },
}

fn is_reaction_write(
    r: &UpdateItemInput,
    message: &Item,
    emoji: &str,
    user: &str,
    write: ReactionWrite,
) -> bool {
    let (update, condition) = match write {
        ReactionWrite::Remove => ("DELETE #reaction :users", "contains(#reaction, :user)"),
        ReactionWrite::AddToExisting => (
            "ADD #reaction :users",
            "attribute_exists(#reaction) AND NOT contains(#reaction, :user)",
        ),
        ReactionWrite::AddNew { seen: Some(_) } => (
            "ADD #reaction :users SET #version = :next",
            "#version = :seen",
        ),
        ReactionWrite::AddNew { seen: None } => (
            "ADD #reaction :users SET #version = :next",
            "attribute_not_exists(#version)",
        ),
    };
    let values = r.expression_attribute_values();
    // Every value named must be used (DynamoDB refuses the others): `:user` only in a condition
    // on the set, `:seen` and `:next` only with the version.
    let user_value = values.and_then(|v| v.get(":user"));
    let values_match = match write {
        ReactionWrite::AddNew { seen } => {
            values.and_then(|v| v.get(":next")) == Some(&n(seen.unwrap_or(0) + 1))
                && values.and_then(|v| v.get(":seen")) == seen.map(n).as_ref()
                && user_value.is_none()
        }
        ReactionWrite::Remove | ReactionWrite::AddToExisting => {
            user_value == Some(&s(user)) && values.and_then(|v| v.get(":next")).is_none()
        }
    };
    is_live_update(r, message, Some(condition))
        && r.update_expression() == Some(update)
        && r.expression_attribute_names()
            .and_then(|names| names.get("#reaction"))
            == Some(&format!("reaction:{emoji}"))
        && values.and_then(|v| v.get(":users")) == Some(&ss(&[user]))
        && values_match
}

/// The reaction write `write` of `user` with `emoji` on `message`, which succeeds leaving the
/// item `after`.
pub fn reaction_written(
    message: Item,
    emoji: &'static str,
    user: &'static str,
    write: ReactionWrite,
    after: Item,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_reaction_write(r, &message, emoji, user, write))
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(after.clone()))
                .build()
        })
}

/// The reaction write of [`reaction_written`] refused by its condition: the item changed since
/// it was read.
pub fn reaction_conflicted(
    message: Item,
    emoji: &'static str,
    user: &'static str,
    write: ReactionWrite,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_reaction_write(r, &message, emoji, user, write))
        .then_error(|| condition_failed(None))
}

/// Strongly consistent GetItem of `message`'s item by its base-table key, answering `found`.
pub fn get_message_item(message: Item, found: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |r| {
            r.table_name() == Some(MESSAGES_TABLE)
                && r.consistent_read() == Some(true)
                && is_message_key(r.key(), &message)
        })
        .then_output(move || GetItemOutput::builder().set_item(found.clone()).build())
}

fn is_typing_gate(r: &PutItemInput, conversation: &str, user_key: &str) -> bool {
    let item = r.item();
    r.table_name() == Some(CLIENTS_TABLE)
        && item.and_then(|i| i.get("pk")) == Some(&s(&format!("TYPING#{conversation}")))
        && item.and_then(|i| i.get("sk")) == Some(&s(user_key))
        && item.and_then(|i| i.get("until")) == Some(&n(NOW + 3000))
        && item.and_then(|i| i.get("expiresAt")) == Some(&n(NOW / 1000 + 60))
        && r.condition_expression() == Some("attribute_not_exists(#pk) OR #until <= :now")
        && r.expression_attribute_values().and_then(|v| v.get(":now")) == Some(&n(NOW))
}

/// The conditional PutItem of `user_key`'s typing gate in `conversation` at [`NOW`]: `open`
/// lets the signal through, else it is refused (a signal went out less than the interval ago).
pub fn typing_gate(conversation: &'static str, user_key: &'static str, open: bool) -> Rule {
    let rule = mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(move |r| is_typing_gate(r, conversation, user_key));
    if open {
        rule.then_output(|| PutItemOutput::builder().build())
    } else {
        rule.then_error(|| {
            PutItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        })
    }
}

/// S3 DeleteObject of `key` in the media bucket, which succeeds.
pub fn object_deleted(key: &'static str) -> Rule {
    mock!(aws_sdk_s3::Client::delete_object)
        .match_requests(move |r| r.bucket() == Some(MEDIA_BUCKET) && r.key() == Some(key))
        .then_output(|| aws_sdk_s3::operation::delete_object::DeleteObjectOutput::builder().build())
}
