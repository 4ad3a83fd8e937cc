//! The DynamoDB adapter of the store ports. Key design and access patterns: docs/data-model.md.
//!
//! Clients table (`pk`, `sk`):
//! - user:       `pk = "USERS"`, `sk = "USER#<user key>"` — `username`, `sub` (the Cognito account
//!   the name belongs to), `connectionIds` (string set, absent while offline), `lastSeen`,
//!   `avatarKey`;
//! - connection: `pk = "CONNECTION#<id>"`, `sk = "CONNECTION"` — `username`, `connectedAt`,
//!   `expiresAt` (TTL);
//! - watch:      `pk = "WATCH#<watched user key>"`, `sk = "<connection id>"` — `watcher`,
//!   `expiresAt` (TTL);
//! - typing gate: `pk = "TYPING#<conversation id>"`, `sk = "<user key>"` — `until` (epoch ms),
//!   `expiresAt` (TTL).
//!
//! Messages table (`conversationId`, `dedupKey` = `<sender key>#<clientMessageId>`), read newest
//! first through the `byConversation` GSI (`conversationId`, `messageId`) — `messageId`, `from`,
//! `to` (absent in a room), `text`, `sentAt`, `clientMessageId`; a message with a file has
//! `attachmentKey`, `attachmentName`, `attachmentType`, `attachmentSize`; a reply has `replyToId`
//! and `replyToKey` (the quoted message's id and `dedupKey`); an edited one `editedAt`; a deleted
//! one (a tombstone: empty `text`, no file, reply or reactions) `deletedAt` and `deletedBy`.
//! Reactions: one string set of user keys per emoji, `reaction:<emoji>`, and `reactionsVersion`,
//! bumped whenever a new emoji is added (the optimistic lock of the distinct-emoji limit).
//!
//! Conversations table (`pk`, `sk`), a user's memberships read through the `byMember` GSI
//! (`member`, `conversationId`):
//! - meta:   `pk = "CONV#<id>"`, `sk = "META"` — `conversationId`, `kind` (`direct`|`room`),
//!   `createdAt`; a room's `name`, `createdBy`, `memberCount`; the last message's
//!   `lastMessageId`, `lastFrom`, `lastPreview`, `lastAttachmentName`, `lastAt`, `lastDeleted`
//!   (true once that message was deleted);
//! - member: `pk = "CONV#<id>"`, `sk = "MEMBER#<user key>"` — `member` (the user key),
//!   `conversationId`, `username`, `role`, `joinedAt`, `readMessageId`.
//!
//! One file per concept: [`users`] (connections, users, the directory), [`presence`] (who hears
//! of whom), [`messages`], [`lifecycle`] (lookups, edits, deletions, reactions, the typing gate),
//! [`conversations`] (memberships, activity, read points), [`rooms`] (creating and changing
//! rooms); [`items`] turns items into records.

mod conversations;
mod items;
mod lifecycle;
mod messages;
mod presence;
mod rooms;
mod users;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use crate::conversation::ConversationId;
use crate::ports::StoreError;
use crate::rules::UserKey;

use items::s;

/// Key attribute names of the Clients table (checked against `tables.json` by a test).
pub mod clients_key {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const USERS_PARTITION: &str = "USERS";
    pub const CONNECTION_SORT: &str = "CONNECTION";
    /// The partition of a conversation's typing gates (one item per user).
    pub const TYPING_PARTITION_PREFIX: &str = "TYPING#";
}

/// Key attribute names of the Messages table and its index.
pub mod messages_key {
    pub const CONVERSATION_ID: &str = "conversationId";
    pub const DEDUP_KEY: &str = "dedupKey";
    pub const MESSAGE_ID: &str = "messageId";
}

/// Key attribute names of the Conversations table and its `byMember` index.
pub mod conversations_key {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const META_SORT: &str = "META";
    pub const MEMBER_SORT_PREFIX: &str = "MEMBER#";
    /// The index's partition key: the member's user key.
    pub const MEMBER: &str = "member";
    /// The index's sort key.
    pub const CONVERSATION_ID: &str = "conversationId";
}

/// Other attribute names.
pub mod attr {
    pub const USERNAME: &str = "username";
    /// The Cognito `sub` of the account the username belongs to.
    pub const SUB: &str = "sub";
    pub const CONNECTION_IDS: &str = "connectionIds";
    pub const LAST_SEEN: &str = "lastSeen";
    pub const CONNECTION_ID: &str = "connectionId";
    pub const CONNECTED_AT: &str = "connectedAt";
    pub const EXPIRES_AT: &str = "expiresAt";
    pub const FROM: &str = "from";
    pub const TO: &str = "to";
    pub const TEXT: &str = "text";
    pub const SENT_AT: &str = "sentAt";
    pub const CLIENT_MESSAGE_ID: &str = "clientMessageId";
    pub const AVATAR_KEY: &str = "avatarKey";
    pub const ATTACHMENT_KEY: &str = "attachmentKey";
    pub const ATTACHMENT_NAME: &str = "attachmentName";
    pub const ATTACHMENT_TYPE: &str = "attachmentType";
    pub const ATTACHMENT_SIZE: &str = "attachmentSize";
    pub const EDITED_AT: &str = "editedAt";
    pub const DELETED_AT: &str = "deletedAt";
    pub const DELETED_BY: &str = "deletedBy";
    pub const REPLY_TO_ID: &str = "replyToId";
    pub const REPLY_TO_KEY: &str = "replyToKey";
    /// Each emoji's reaction is its own string set of user keys, `reaction:<emoji>`, so one
    /// user's toggle is one atomic `ADD`/`DELETE` whatever the others do.
    pub const REACTION_PREFIX: &str = "reaction:";
    /// Bumped by every write that adds a new emoji: the optimistic lock of the distinct limit.
    pub const REACTIONS_VERSION: &str = "reactionsVersion";
    pub const WATCHER: &str = "watcher";
    pub const KIND: &str = "kind";
    pub const NAME: &str = "name";
    pub const CREATED_BY: &str = "createdBy";
    pub const CREATED_AT: &str = "createdAt";
    pub const MEMBER_COUNT: &str = "memberCount";
    pub const LAST_MESSAGE_ID: &str = "lastMessageId";
    pub const LAST_FROM: &str = "lastFrom";
    pub const LAST_PREVIEW: &str = "lastPreview";
    pub const LAST_ATTACHMENT_NAME: &str = "lastAttachmentName";
    pub const LAST_AT: &str = "lastAt";
    /// Set when the last message was deleted since it was recorded.
    pub const LAST_DELETED: &str = "lastDeleted";
    /// Until when (epoch ms) a typing gate holds further signals back.
    pub const UNTIL: &str = "until";
    pub const ROLE: &str = "role";
    pub const JOINED_AT: &str = "joinedAt";
    pub const READ_MESSAGE_ID: &str = "readMessageId";
}

/// Values of the meta item's `kind`.
pub mod kind {
    pub const DIRECT: &str = "direct";
    pub const ROOM: &str = "room";
}

/// BatchGetItem and BatchWriteItem may leave keys unprocessed under load; they are sent again this
/// many times.
const BATCH_ATTEMPTS: usize = 5;
/// Most keys one BatchGetItem takes.
const BATCH_GET_MAX_KEYS: usize = 100;
/// Most writes one BatchWriteItem takes.
const BATCH_WRITE_MAX_ITEMS: usize = 25;

/// Deployed table and index names (from the environment, see `tables.json`).
#[derive(Debug, Clone)]
pub struct TableNames {
    pub clients: String,
    pub messages: String,
    pub messages_by_conversation: String,
    pub conversations: String,
    pub conversations_by_member: String,
}

/// Connections, users, messages and conversations in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    tables: TableNames,
}

type Item = HashMap<String, AttributeValue>;

/// A batch call still left work unprocessed after [`BATCH_ATTEMPTS`] (the table is throttling).
#[derive(Debug, thiserror::Error)]
#[error("keys were left unprocessed after {BATCH_ATTEMPTS} attempts")]
struct Unprocessed;

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames) -> Self {
        Self { client, tables }
    }

    fn user_key(user: &UserKey) -> Item {
        HashMap::from([
            (clients_key::PK.into(), s(clients_key::USERS_PARTITION)),
            (clients_key::SK.into(), s(format!("USER#{user}"))),
        ])
    }

    fn connection_key(connection_id: &str) -> Item {
        HashMap::from([
            (
                clients_key::PK.into(),
                s(format!("CONNECTION#{connection_id}")),
            ),
            (clients_key::SK.into(), s(clients_key::CONNECTION_SORT)),
        ])
    }

    /// The partition of a conversation's meta and member items.
    fn conversation_partition(conversation: &ConversationId) -> AttributeValue {
        s(format!("CONV#{conversation}"))
    }

    fn meta_key(conversation: &ConversationId) -> Item {
        HashMap::from([
            (
                conversations_key::PK.into(),
                Self::conversation_partition(conversation),
            ),
            (
                conversations_key::SK.into(),
                s(conversations_key::META_SORT),
            ),
        ])
    }

    fn member_key(conversation: &ConversationId, user: &UserKey) -> Item {
        HashMap::from([
            (
                conversations_key::PK.into(),
                Self::conversation_partition(conversation),
            ),
            (
                conversations_key::SK.into(),
                s(format!("{}{user}", conversations_key::MEMBER_SORT_PREFIX)),
            ),
        ])
    }

    /// The items at `keys` in `table` that exist, in no particular order: BatchGetItem,
    /// [`BATCH_GET_MAX_KEYS`] keys a call, asking again for unprocessed keys. Strongly
    /// consistent, as membership decides who may read what.
    async fn batch_get(
        &self,
        table: &str,
        keys: Vec<Item>,
        operation: &'static str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut keys = keys.into_iter().peekable();
        while keys.peek().is_some() {
            let chunk: Vec<Item> = keys.by_ref().take(BATCH_GET_MAX_KEYS).collect();
            let request = KeysAndAttributes::builder()
                .set_keys(Some(chunk))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?;
            let mut pending = Some(HashMap::from([(table.to_owned(), request)]));
            for _ in 0..BATCH_ATTEMPTS {
                let Some(request_items) = pending.take().filter(|items| !items.is_empty()) else {
                    break;
                };
                let output = self
                    .client
                    .batch_get_item()
                    .set_request_items(Some(request_items))
                    .send()
                    .await
                    .map_err(|e| StoreError::request(operation, e))?;
                found.extend(
                    output
                        .responses
                        .unwrap_or_default()
                        .remove(table)
                        .unwrap_or_default(),
                );
                pending = output.unprocessed_keys;
            }
            if pending.is_some_and(|items| !items.is_empty()) {
                return Err(StoreError::request(operation, Unprocessed));
            }
        }
        Ok(found)
    }

    /// The items `query` finds after `start` (from the first when `None`), following its pages
    /// (a response stops at 1 MB), up to `cap` items.
    async fn query_all(
        query: QueryFluentBuilder,
        mut start: Option<Item>,
        cap: usize,
        operation: &'static str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        while found.len() < cap {
            let remaining = i32::try_from(cap - found.len()).unwrap_or(i32::MAX);
            let output = query
                .clone()
                .limit(remaining)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::request(operation, e))?;
            found.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        found.truncate(cap);
        Ok(found)
    }
}

/// `found` in key order, cut to `limit`, with the last one's key when more follow: `found` was
/// read with a limit of one more than the page, so the last page hands out no cursor.
fn page<T, K>(mut found: Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> (Vec<T>, Option<K>) {
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if found.len() > wanted {
        found.truncate(wanted);
        found.last().map(key)
    } else {
        None
    };
    (found, next)
}
