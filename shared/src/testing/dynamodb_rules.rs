//! Mock rules for the DynamoDB requests the adapter ([`crate::dynamodb`]) makes: each matches one
//! request by its table, key and expression, and answers as DynamoDB would.

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::update_item::{
    UpdateItemError, UpdateItemInput, UpdateItemOutput,
};
use aws_sdk_dynamodb::types::Select;
use aws_sdk_dynamodb::types::error::{ConditionalCheckFailedException, InternalServerError};
use aws_smithy_mocks::{Rule, RuleBuilder, mock};

use super::dynamodb_items::{Item, connection_item, n, s, ss};
use super::{CLIENTS_TABLE, MESSAGES_INDEX, MESSAGES_TABLE, NOW};

fn is_key(key: Option<&Item>, pk: &str, sk: &str) -> bool {
    key.is_some_and(|key| key.get("pk") == Some(&s(pk)) && key.get("sk") == Some(&s(sk)))
}

/// PutItem of a connection record.
pub fn put_connection(connection_id: &'static str, username: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(move |r| {
            r.table_name() == Some(CLIENTS_TABLE)
                && r.item() == Some(&connection_item(connection_id, username))
        })
        .then_output(|| PutItemOutput::builder().build())
}

/// DeleteItem of a connection record, returning the old record if there was one.
pub fn delete_connection(connection_id: &'static str, old: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::delete_item)
        .match_requests(move |r| {
            r.table_name() == Some(CLIENTS_TABLE)
                && is_key(
                    r.key(),
                    &format!("CONNECTION#{connection_id}"),
                    "CONNECTION",
                )
        })
        .then_output(move || {
            DeleteItemOutput::builder()
                .set_attributes(old.clone())
                .build()
        })
}

/// UpdateItem adding `connection_id` to the user, returning the user as it was (`None`: new user).
pub fn attach_connection(
    user_key: &'static str,
    connection_id: &'static str,
    before: Option<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(CLIENTS_TABLE)
                && is_key(r.key(), "USERS", &format!("USER#{user_key}"))
                && r.update_expression().is_some_and(|e| e.starts_with("ADD"))
                && r.condition_expression() == Some("attribute_not_exists(#sub) OR #sub = :sub")
                && values.and_then(|v| v.get(":id")) == Some(&ss(&[connection_id]))
                && values.and_then(|v| v.get(":sub")) == Some(&s(&format!("sub-{user_key}")))
        })
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(before.clone())
                .build()
        })
}

/// The attach of [`attach_connection`] refused because the name belongs to another account (the
/// `sub` condition fails).
pub fn attach_connection_name_taken(user_key: &'static str, connection_id: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            is_key(r.key(), "USERS", &format!("USER#{user_key}"))
                && r.expression_attribute_values().and_then(|v| v.get(":id"))
                    == Some(&ss(&[connection_id]))
        })
        .then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        })
}

/// UpdateItem removing `connection_id` from the user, returning the user after
/// (`None`: no such user, the condition fails).
pub fn detach_connection(
    user_key: &'static str,
    connection_id: &'static str,
    after: Option<Item>,
) -> Rule {
    let rule = mock!(aws_sdk_dynamodb::Client::update_item).match_requests(move |r| {
        r.table_name() == Some(CLIENTS_TABLE)
            && is_key(r.key(), "USERS", &format!("USER#{user_key}"))
            && r.update_expression()
                .is_some_and(|e| e.starts_with("DELETE"))
            && r.expression_attribute_values().and_then(|v| v.get(":id"))
                == Some(&ss(&[connection_id]))
            && r.expression_attribute_values().and_then(|v| v.get(":now")) == Some(&n(NOW))
    });
    user_after_update(rule, after)
}

/// An update of a user that must exist: answers the user `after` it, or (`None`) fails the
/// `attribute_exists` condition as DynamoDB does for a missing user.
fn user_after_update(
    rule: RuleBuilder<UpdateItemInput, UpdateItemOutput, UpdateItemError>,
    after: Option<Item>,
) -> Rule {
    match after {
        Some(after) => rule.then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(after.clone()))
                .build()
        }),
        None => rule.then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        }),
    }
}

/// UpdateItem setting (`Some`) or removing (`None`) the user's `avatarKey`, returning the user
/// after (`None` for `after`: no such user, the condition fails).
pub fn set_avatar(
    user_key: &'static str,
    avatar: Option<&'static str>,
    after: Option<Item>,
) -> Rule {
    let rule = mock!(aws_sdk_dynamodb::Client::update_item).match_requests(move |r| {
        let value = r
            .expression_attribute_values()
            .and_then(|v| v.get(":avatar"));
        let expression_matches = match avatar {
            Some(key) => {
                r.update_expression() == Some("SET #avatar = :avatar") && value == Some(&s(key))
            }
            None => r.update_expression() == Some("REMOVE #avatar") && value.is_none(),
        };
        r.table_name() == Some(CLIENTS_TABLE)
            && is_key(r.key(), "USERS", &format!("USER#{user_key}"))
            && r.condition_expression() == Some("attribute_exists(#pk)")
            && expression_matches
    });
    user_after_update(rule, after)
}

/// BatchGetItem of users (strongly consistent), answering with `found`.
pub fn batch_get_users(found: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(|r| {
            r.request_items()
                .and_then(|items| items.get(CLIENTS_TABLE))
                .is_some_and(|keys| keys.consistent_read() == Some(true))
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(CLIENTS_TABLE, found.clone())
                .build()
        })
}

/// Query of the users partition, answering one page with `users`.
pub fn query_users(users: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(|r| {
            r.table_name() == Some(CLIENTS_TABLE)
                && r.expression_attribute_values()
                    .and_then(|v| v.get(":users"))
                    == Some(&s("USERS"))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(users.clone()))
                .build()
        })
}

/// Conditional PutItem of a message that stores it.
pub fn put_message_stored() -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            r.table_name() == Some(MESSAGES_TABLE)
                && r.condition_expression() == Some("attribute_not_exists(#key)")
        })
        .then_output(|| PutItemOutput::builder().build())
}

/// Conditional PutItem of a message whose sender and client id are already stored as `original`.
pub fn put_message_duplicate(original: Item) -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| r.table_name() == Some(MESSAGES_TABLE))
        .then_error(move || {
            PutItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder()
                    .set_item(Some(original.clone()))
                    .build(),
            )
        })
}

/// PutItem of a message failing with DynamoDB's 500 InternalServerError.
pub fn put_message_fails() -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| r.table_name() == Some(MESSAGES_TABLE))
        .then_error(|| PutItemError::InternalServerError(InternalServerError::builder().build()))
}

/// Query of the conversation index, newest first, answering `items` and `last_key`.
pub fn query_messages(
    conversation: &'static str,
    limit: i32,
    items: Vec<Item>,
    last_key: Option<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            r.table_name() == Some(MESSAGES_TABLE)
                && r.index_name() == Some(MESSAGES_INDEX)
                && r.scan_index_forward() == Some(false)
                && r.limit() == Some(limit)
                && r.expression_attribute_values().and_then(|v| v.get(":c"))
                    == Some(&s(conversation))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(items.clone()))
                .set_last_evaluated_key(last_key.clone())
                .build()
        })
}

/// The COUNT Query of `conversation`'s messages after `after` (all of them when `None`), capped at
/// 100, answering `count`.
pub fn count_messages_after(
    conversation: &'static str,
    after: Option<&'static str>,
    count: i32,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(MESSAGES_TABLE)
                && r.index_name() == Some(MESSAGES_INDEX)
                && r.select() == Some(&Select::Count)
                && r.limit() == Some(100)
                && values.and_then(|v| v.get(":c")) == Some(&s(conversation))
                && values.and_then(|v| v.get(":after")) == after.map(s).as_ref()
        })
        .then_output(move || QueryOutput::builder().count(count).build())
}

/// The COUNT Query checking that `message_id` is a message of `conversation`: `found` or not.
pub fn count_message(conversation: &'static str, message_id: &'static str, found: bool) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(MESSAGES_TABLE)
                && r.index_name() == Some(MESSAGES_INDEX)
                && r.key_condition_expression() == Some("#c = :c AND #m = :m")
                && r.select() == Some(&Select::Count)
                && r.limit() == Some(1)
                && values.and_then(|v| v.get(":c")) == Some(&s(conversation))
                && values.and_then(|v| v.get(":m")) == Some(&s(message_id))
        })
        .then_output(move || QueryOutput::builder().count(i32::from(found)).build())
}
