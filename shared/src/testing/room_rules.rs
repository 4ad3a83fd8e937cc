//! Mock rules for the writes that manage a room in the Conversations table ([`crate::dynamodb`]):
//! its creation, members added and removed (each in one transaction with the member count),
//! roles and its name. Each matches one request by its keys, expressions and items, and answers as
//! DynamoDB would.

use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsInput, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::operation::update_item::{UpdateItemInput, UpdateItemOutput};
use aws_sdk_dynamodb::types::error::TransactionCanceledException;
use aws_sdk_dynamodb::types::{CancellationReason, ReturnValue, Update};
use aws_smithy_mocks::{Rule, mock};

use super::CONVERSATIONS_TABLE;
use super::NOW;
use super::conversation_rules::is_conversation_key;
use super::dynamodb_items::{Item, n, s};

/// `(sort key, item)` of each put of a transaction, every one a create-only put in the
/// Conversations table of the same room partition; `None` if a write is anything else.
fn created_items(request: &TransactWriteItemsInput) -> Option<Vec<(String, Item)>> {
    let mut partition = None;
    request
        .transact_items()
        .iter()
        .map(|write| {
            let put = write.put()?;
            let item = put.item();
            let pk = item.get("pk")?.as_s().ok()?.clone();
            let sk = item.get("sk")?.as_s().ok()?.clone();
            let same_partition = partition.get_or_insert_with(|| pk.clone()) == &pk;
            (put.table_name() == CONVERSATIONS_TABLE
                && put.condition_expression() == Some("attribute_not_exists(#pk)")
                && pk.starts_with("CONV#room#")
                && same_partition)
                .then(|| (sk, item.clone()))
        })
        .collect()
}

/// Whether `item` is the member item of `key` (`username`, `role`) of its partition's room,
/// joined at [`NOW`].
fn is_new_member_item(item: &Item, key: &str, username: &str, role: &str) -> bool {
    item.get("member") == Some(&s(key))
        && item.get("username") == Some(&s(username))
        && item.get("role") == Some(&s(role))
        && item.get("joinedAt") == Some(&n(NOW))
        && item
            .get("pk")
            .and_then(|pk| pk.as_s().ok())
            .and_then(|pk| pk.strip_prefix("CONV#"))
            .is_some_and(|id| item.get("conversationId") == Some(&s(id)))
}

/// TransactWriteItems creating the room `name` of `created_by` (whatever its new id): its meta
/// item and one item per member of `members` (key, username, role), all create-only.
pub fn room_created(
    name: &'static str,
    created_by: &'static str,
    members: &'static [(&'static str, &'static str, &'static str)],
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(move |r| {
            let Some(mut items) = created_items(r) else {
                return false;
            };
            let Some(meta_at) = items.iter().position(|(sk, _)| sk == "META") else {
                return false;
            };
            let (_, meta) = items.remove(meta_at);
            items.sort_by(|a, b| a.0.cmp(&b.0));
            let count = i64::try_from(members.len()).unwrap_or_default();
            let meta_ok = meta.get("kind") == Some(&s("room"))
                && meta.get("name") == Some(&s(name))
                && meta.get("createdBy") == Some(&s(created_by))
                && meta.get("createdAt") == Some(&n(NOW))
                && meta.get("memberCount") == Some(&n(count));
            let mut expected: Vec<_> = members.to_vec();
            expected.sort();
            meta_ok
                && items.len() == members.len()
                && items
                    .iter()
                    .zip(&expected)
                    .all(|((sk, item), (key, username, role))| {
                        *sk == format!("MEMBER#{key}")
                            && is_new_member_item(item, key, username, role)
                    })
        })
        .then_output(|| TransactWriteItemsOutput::builder().build())
}

/// Whether `request` is the transaction adding `newcomers` (key, display name) to `room` as
/// members: the member count first, grown only while it stays within 1000, then one create-only
/// put per newcomer.
fn is_adding(request: &TransactWriteItemsInput, room: &str, newcomers: &[(&str, &str)]) -> bool {
    let Some((count, puts)) = request.transact_items().split_first() else {
        return false;
    };
    let added = i64::try_from(newcomers.len()).unwrap_or_default();
    let count_ok = count.update().is_some_and(|update| {
        let values = update.expression_attribute_values();
        update.table_name() == CONVERSATIONS_TABLE
            && is_conversation_key(Some(update.key()), room, "META")
            && update.update_expression() == "ADD #count :added"
            && update.condition_expression() == Some("#kind = :room AND #count <= :most")
            && values.and_then(|v| v.get(":added")) == Some(&n(added))
            && values.and_then(|v| v.get(":most")) == Some(&n(1000 - added))
    });
    let mut put: Vec<(String, String)> = puts
        .iter()
        .filter_map(|write| {
            let put = write.put()?;
            let item = put.item();
            let key = item.get("member")?.as_s().ok()?.clone();
            let name = item.get("username")?.as_s().ok()?.clone();
            let new_member = put.table_name() == CONVERSATIONS_TABLE
                && put.condition_expression() == Some("attribute_not_exists(#pk)")
                && is_conversation_key(Some(item), room, &format!("MEMBER#{key}"))
                && item.get("conversationId") == Some(&s(room))
                && item.get("role") == Some(&s("member"))
                && item.get("joinedAt") == Some(&n(NOW));
            new_member.then_some((key, name))
        })
        .collect();
    put.sort();
    let mut expected: Vec<(String, String)> = newcomers
        .iter()
        .map(|(key, name)| ((*key).to_owned(), (*name).to_owned()))
        .collect();
    expected.sort();
    count_ok && put.len() == puts.len() && put == expected
}

/// The transaction adding `newcomers` (key, display name) to `room`, which succeeds.
pub fn members_added(
    room: &'static str,
    newcomers: &'static [(&'static str, &'static str)],
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(move |r| is_adding(r, room, newcomers))
        .then_output(|| TransactWriteItemsOutput::builder().build())
}

/// The transaction of [`members_added`] cancelled for `reasons` (one per write, in order: see
/// [`check_passed`], [`check_failed`]).
pub fn members_added_cancelled(
    room: &'static str,
    newcomers: &'static [(&'static str, &'static str)],
    reasons: Vec<CancellationReason>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(move |r| is_adding(r, room, newcomers))
        .then_error(move || cancelled(reasons.clone()))
}

/// The cancellation reason of a write of a cancelled transaction whose condition held.
pub fn check_passed() -> CancellationReason {
    CancellationReason::builder().code("None").build()
}

/// The cancellation reason of a write whose condition failed, with the item as it is (`None`: no
/// item).
pub fn check_failed(item: Option<Item>) -> CancellationReason {
    CancellationReason::builder()
        .code("ConditionalCheckFailed")
        .set_item(item)
        .build()
}

fn cancelled(reasons: Vec<CancellationReason>) -> TransactWriteItemsError {
    TransactWriteItemsError::TransactionCanceledException(
        TransactionCanceledException::builder()
            .set_cancellation_reasons(Some(reasons))
            .build(),
    )
}

/// Whether `request` is the transaction removing `user_key` from `room`: their member item
/// deleted (only if it exists) and the room's member count lowered, at once.
fn is_removing(request: &TransactWriteItemsInput, room: &str, user_key: &str) -> bool {
    let [delete, count] = request.transact_items() else {
        return false;
    };
    let deletes = delete.delete().is_some_and(|delete| {
        delete.table_name() == CONVERSATIONS_TABLE
            && is_conversation_key(Some(delete.key()), room, &format!("MEMBER#{user_key}"))
            && delete.condition_expression() == Some("attribute_exists(#pk)")
    });
    let counts = count.update().is_some_and(|update| {
        update.table_name() == CONVERSATIONS_TABLE
            && is_conversation_key(Some(update.key()), room, "META")
            && update.update_expression() == "ADD #count :minus"
            && update.condition_expression() == Some("#kind = :room")
            && update
                .expression_attribute_values()
                .and_then(|v| v.get(":minus"))
                == Some(&n(-1))
    });
    deletes && counts
}

/// The transaction removing `user_key` from `room`, which succeeds.
pub fn member_removed(room: &'static str, user_key: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(move |r| is_removing(r, room, user_key))
        .then_output(|| TransactWriteItemsOutput::builder().build())
}

/// The removal of [`member_removed`] cancelled because the member item is gone (removed
/// meanwhile).
pub fn member_removed_meanwhile(room: &'static str, user_key: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(move |r| is_removing(r, room, user_key))
        .then_error(|| cancelled(vec![check_failed(None), check_passed()]))
}

/// Whether `update` (a write of a transaction) sets `user_key`'s role in `room` to `role`, only if
/// they are a member.
fn sets_role(update: &Update, room: &str, user_key: &str, role: &str) -> bool {
    update.table_name() == CONVERSATIONS_TABLE
        && is_conversation_key(Some(update.key()), room, &format!("MEMBER#{user_key}"))
        && update.update_expression() == "SET #role = :role"
        && update.condition_expression() == Some("attribute_exists(#pk)")
        && update
            .expression_attribute_values()
            .and_then(|v| v.get(":role"))
            == Some(&s(role))
}

/// Whether `r` sets `user_key`'s role in `room` to `role`, only if they are a member.
pub fn is_role_update(r: &UpdateItemInput, room: &str, user_key: &str, role: &str) -> bool {
    r.table_name() == Some(CONVERSATIONS_TABLE)
        && is_conversation_key(r.key(), room, &format!("MEMBER#{user_key}"))
        && r.update_expression() == Some("SET #role = :role")
        && r.condition_expression() == Some("attribute_exists(#pk)")
        && r.expression_attribute_values().and_then(|v| v.get(":role")) == Some(&s(role))
}

/// One UpdateItem of `user_key`'s role in `room`, which succeeds.
pub fn role_set(room: &'static str, user_key: &'static str, role: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_role_update(r, room, user_key, role))
        .then_output(|| UpdateItemOutput::builder().build())
}

/// The handover of `room`: `new_owner` becomes the owner and `old_owner` an admin, in one
/// transaction, which succeeds.
pub fn ownership_handed(
    room: &'static str,
    new_owner: &'static str,
    old_owner: &'static str,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(move |r| {
            let updates: Vec<&Update> = r
                .transact_items()
                .iter()
                .filter_map(|write| write.update())
                .collect();
            r.transact_items().len() == 2
                && updates.len() == 2
                && updates
                    .iter()
                    .any(|u| sets_role(u, room, new_owner, "owner"))
                && updates
                    .iter()
                    .any(|u| sets_role(u, room, old_owner, "admin"))
        })
        .then_output(|| TransactWriteItemsOutput::builder().build())
}

/// Whether `r` renames `room` to `name` (only if it is a room), asking for the room after.
pub fn is_rename(r: &UpdateItemInput, room: &str, name: &str) -> bool {
    r.table_name() == Some(CONVERSATIONS_TABLE)
        && is_conversation_key(r.key(), room, "META")
        && r.update_expression() == Some("SET #name = :name")
        && r.condition_expression() == Some("#kind = :room")
        && r.expression_attribute_values().and_then(|v| v.get(":name")) == Some(&s(name))
        && r.return_values() == Some(&ReturnValue::AllNew)
}

/// UpdateItem renaming `room` to `name`, answering the room `after` it.
pub fn room_renamed(room: &'static str, name: &'static str, after: Item) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_rename(r, room, name))
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(after.clone()))
                .build()
        })
}
