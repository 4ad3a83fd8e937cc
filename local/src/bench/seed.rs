//! Many items written at once, in the shapes the DynamoDB adapter writes them
//! (`chat_domain::dynamodb`, docs/data-model.md): registered users, direct conversations and
//! presence watches by the thousand, where going through the adapter one call per item would take
//! minutes.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use chat_domain::dynamodb::{attr, clients_key, conversations_key, kind};
use chat_domain::model::Connection;
use chat_domain::rules::Username;
use futures_util::{StreamExt, TryStreamExt};
use thiserror::Error;

/// One item, attribute by attribute.
pub type Item = HashMap<String, AttributeValue>;

/// Most puts one BatchWriteItem takes.
const BATCH_SIZE: usize = 25;
/// BatchWriteItem calls in flight at once.
const CONCURRENT_BATCHES: usize = 8;
/// Unprocessed items are sent again this many times.
const ATTEMPTS: usize = 10;

#[derive(Debug, Error)]
pub enum SeedError {
    #[error("BatchWriteItem into {table} failed: {message}")]
    Write { table: String, message: String },
    #[error("DynamoDB left items of {table} unprocessed after {ATTEMPTS} attempts")]
    Unprocessed { table: String },
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A registered user (a user item of the Clients table); `connection`: their live connection,
/// `None` for a user last seen at `now`.
pub fn user_item(username: &Username, connection: Option<&str>, now: i64) -> Item {
    let key = username.key();
    let mut item = HashMap::from([
        (clients_key::PK.into(), s(clients_key::USERS_PARTITION)),
        (clients_key::SK.into(), s(format!("USER#{key}"))),
        (attr::USERNAME.into(), s(username.as_str())),
        (attr::SUB.into(), s(format!("sub-{key}"))),
    ]);
    match connection {
        Some(id) => item.insert(
            attr::CONNECTION_IDS.into(),
            AttributeValue::Ss(vec![id.to_owned()]),
        ),
        None => item.insert(attr::LAST_SEEN.into(), n(now)),
    };
    item
}

/// A direct conversation of `a` and `b` as their first message leaves it (a Conversations table
/// meta item and the two member items), without the last message.
pub fn direct_conversation_items(a: &Username, b: &Username, now: i64) -> Vec<Item> {
    let conversation = chat_domain::conversation::ConversationId::direct(&a.key(), &b.key());
    let partition = s(format!("CONV#{conversation}"));
    let meta = HashMap::from([
        (conversations_key::PK.into(), partition.clone()),
        (
            conversations_key::SK.into(),
            s(conversations_key::META_SORT),
        ),
        (
            conversations_key::CONVERSATION_ID.into(),
            s(conversation.as_str()),
        ),
        (attr::KIND.into(), s(kind::DIRECT)),
        (attr::CREATED_AT.into(), n(now)),
    ]);
    let member = |user: &Username| {
        let key = user.key();
        HashMap::from([
            (conversations_key::PK.into(), partition.clone()),
            (
                conversations_key::SK.into(),
                s(format!("{}{key}", conversations_key::MEMBER_SORT_PREFIX)),
            ),
            (conversations_key::MEMBER.into(), s(key.as_str())),
            (
                conversations_key::CONVERSATION_ID.into(),
                s(conversation.as_str()),
            ),
            (attr::USERNAME.into(), s(user.as_str())),
            (attr::ROLE.into(), s("member")),
            (attr::JOINED_AT.into(), n(now)),
        ])
    };
    vec![meta, member(a), member(b)]
}

/// `watcher`'s connection `connection_id` watching `target` (a Clients table watch item), for as
/// long as a connection record lives.
pub fn watch_item(target: &Username, watcher: &Username, connection_id: &str, now: i64) -> Item {
    let expires_at = Connection {
        connection_id: connection_id.to_owned(),
        username: watcher.clone(),
        connected_at: now,
    }
    .expires_at_secs();
    HashMap::from([
        (clients_key::PK.into(), s(format!("WATCH#{}", target.key()))),
        (clients_key::SK.into(), s(connection_id)),
        (attr::WATCHER.into(), s(watcher.key().as_str())),
        (attr::EXPIRES_AT.into(), n(expires_at)),
    ])
}

/// Writes `items` into `table` with BatchWriteItem, several batches at once, sending unprocessed
/// items again.
pub async fn put_items(client: &Client, table: &str, items: Vec<Item>) -> Result<(), SeedError> {
    let batches: Vec<Vec<WriteRequest>> = items
        .chunks(BATCH_SIZE)
        .map(|chunk| {
            chunk
                .iter()
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map_err(|e| SeedError::Write {
                            table: table.to_owned(),
                            message: e.to_string(),
                        })?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<Vec<_>, SeedError>>()
        })
        .collect::<Result<_, _>>()?;
    futures_util::stream::iter(batches)
        .map(|batch| write_batch(client, table, batch))
        .buffer_unordered(CONCURRENT_BATCHES)
        .try_collect::<()>()
        .await
}

async fn write_batch(
    client: &Client,
    table: &str,
    batch: Vec<WriteRequest>,
) -> Result<(), SeedError> {
    let mut pending = Some(HashMap::from([(table.to_owned(), batch)]));
    for attempt in 0..ATTEMPTS {
        let Some(request_items) = pending.take().filter(|items| !items.is_empty()) else {
            return Ok(());
        };
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let output = client
            .batch_write_item()
            .set_request_items(Some(request_items))
            .send()
            .await
            .map_err(|e| SeedError::Write {
                table: table.to_owned(),
                message: DisplayErrorContext(e).to_string(),
            })?;
        pending = output.unprocessed_items;
    }
    match pending.filter(|items| !items.is_empty()) {
        None => Ok(()),
        Some(_) => Err(SeedError::Unprocessed {
            table: table.to_owned(),
        }),
    }
}
