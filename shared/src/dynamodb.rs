//! The DynamoDB adapter of the store ports. Key design and access patterns: docs/data-model.md.
//!
//! Clients table (`pk`, `sk`):
//! - user:       `pk = "USERS"`, `sk = "USER#<user key>"` — `username`, `sub` (the Cognito account
//!   the name belongs to), `connectionIds` (string set, absent while offline), `lastSeen`,
//!   `avatarKey`;
//! - connection: `pk = "CONNECTION#<id>"`, `sk = "CONNECTION"` — `username`, `connectedAt`,
//!   `expiresAt` (TTL).
//!
//! Messages table (`conversationId`, `dedupKey` = `<sender key>#<clientMessageId>`), read newest
//! first through the `byConversation` GSI (`conversationId`, `messageId`); a message with a file has
//! `attachmentKey`, `attachmentName`, `attachmentType`, `attachmentSize`.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnValue};

use crate::conversation::ConversationId;
use crate::identity::Identity;
use crate::media::{Attachment, FileName, MediaKey};
use crate::model::{Connection, HistoryCursor, Message, MessagePage, PutOutcome, User};
use crate::ports::{
    AttachOutcome, ConnectionCleanup, ConnectionStore, MessageHistory, MessageWriter, ProfileStore,
    StoreError, UserListing, UserLookup, UserSessions,
};
use crate::rules::{ClientMessageId, PageLimit, UserKey, Username};

/// Key attribute names of the Clients table (checked against `tables.json` by a test).
pub mod clients_key {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const USERS_PARTITION: &str = "USERS";
    pub const CONNECTION_SORT: &str = "CONNECTION";
}

/// Key attribute names of the Messages table and its index.
pub mod messages_key {
    pub const CONVERSATION_ID: &str = "conversationId";
    pub const DEDUP_KEY: &str = "dedupKey";
    pub const MESSAGE_ID: &str = "messageId";
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
}

/// BatchGetItem may leave keys unprocessed under load; they are asked for again this many times.
const BATCH_GET_ATTEMPTS: usize = 5;

/// Deployed table and index names (from the environment, see `tables.json`).
#[derive(Debug, Clone)]
pub struct TableNames {
    pub clients: String,
    pub messages: String,
    pub messages_by_conversation: String,
}

/// Connections, users and messages in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    tables: TableNames,
}

type Item = HashMap<String, AttributeValue>;

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
}

impl ConnectionStore for DynamoStore {
    async fn save_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let mut item = Self::connection_key(&connection.connection_id);
        item.extend([
            (attr::CONNECTION_ID.into(), s(&connection.connection_id)),
            (attr::USERNAME.into(), s(connection.username.as_str())),
            (attr::CONNECTED_AT.into(), n(connection.connected_at)),
            (attr::EXPIRES_AT.into(), n(connection.expires_at_secs())),
        ]);
        self.client
            .put_item()
            .table_name(&self.tables.clients)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::request("PutItem connection", e))?;
        Ok(())
    }
}

impl ConnectionCleanup for DynamoStore {
    async fn delete_connection(
        &self,
        connection_id: &str,
    ) -> Result<Option<Connection>, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.tables.clients)
            .set_key(Some(Self::connection_key(connection_id)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| StoreError::request("DeleteItem connection", e))?;
        output.attributes.as_ref().map(connection_from).transpose()
    }

    async fn detach_connection(
        &self,
        user: &UserKey,
        connection_id: &str,
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.clients)
            .set_key(Some(Self::user_key(user)))
            .update_expression("DELETE #ids :id SET #seen = :now")
            // Never create a half user from a stale connection.
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", clients_key::PK)
            .expression_attribute_names("#ids", attr::CONNECTION_IDS)
            .expression_attribute_names("#seen", attr::LAST_SEEN)
            .expression_attribute_values(":id", AttributeValue::Ss(vec![connection_id.into()]))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => output.attributes.as_ref().map(user_from).transpose(),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(None)
            }
            Err(e) => Err(StoreError::request("UpdateItem detach connection", e)),
        }
    }
}

impl UserSessions for DynamoStore {
    async fn attach_connection(
        &self,
        identity: &Identity,
        connection_id: &str,
    ) -> Result<AttachOutcome, StoreError> {
        let username = &identity.username;
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.clients)
            .set_key(Some(Self::user_key(&username.key())))
            .update_expression(
                "ADD #ids :id SET #name = if_not_exists(#name, :name), #sub = if_not_exists(#sub, :sub)",
            )
            // The name is the account's that first signed in with it (a user made before sign-in
            // existed is claimed by the first account of that name).
            .condition_expression("attribute_not_exists(#sub) OR #sub = :sub")
            .expression_attribute_names("#ids", attr::CONNECTION_IDS)
            .expression_attribute_names("#name", attr::USERNAME)
            .expression_attribute_names("#sub", attr::SUB)
            .expression_attribute_values(":id", AttributeValue::Ss(vec![connection_id.into()]))
            .expression_attribute_values(":name", s(username.as_str()))
            .expression_attribute_values(":sub", s(&identity.sub))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                return Ok(AttachOutcome::NameTaken);
            }
            Err(e) => return Err(StoreError::request("UpdateItem attach connection", e)),
        };
        // ALL_OLD of an item that did not exist is empty: a first sign-in.
        match output.attributes {
            Some(item) if !item.is_empty() => user_from(&item).map(Some),
            _ => Ok(None),
        }
        .map(AttachOutcome::Attached)
    }
}

impl UserLookup for DynamoStore {
    async fn users(&self, keys: &[UserKey]) -> Result<Vec<User>, StoreError> {
        let mut unique: Vec<&UserKey> = keys.iter().collect();
        unique.sort();
        unique.dedup();
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let request = KeysAndAttributes::builder()
            .set_keys(Some(unique.into_iter().map(Self::user_key).collect()))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Malformed(e.to_string()))?;
        let mut pending = Some(HashMap::from([(self.tables.clients.clone(), request)]));
        let mut users = Vec::new();
        for _ in 0..BATCH_GET_ATTEMPTS {
            let Some(request_items) = pending.take().filter(|items| !items.is_empty()) else {
                break;
            };
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(request_items))
                .send()
                .await
                .map_err(|e| StoreError::request("BatchGetItem users", e))?;
            for item in output
                .responses
                .unwrap_or_default()
                .remove(&self.tables.clients)
                .unwrap_or_default()
            {
                users.push(user_from(&item)?);
            }
            pending = output.unprocessed_keys;
        }
        if pending.is_some_and(|items| !items.is_empty()) {
            return Err(StoreError::Malformed(
                "BatchGetItem left keys unprocessed after retries".into(),
            ));
        }
        Ok(users)
    }
}

impl UserListing for DynamoStore {
    async fn all_users(&self) -> Result<Vec<User>, StoreError> {
        let mut users = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.tables.clients)
                .key_condition_expression("#pk = :users")
                .expression_attribute_names("#pk", clients_key::PK)
                .expression_attribute_values(":users", s(clients_key::USERS_PARTITION))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::request("Query users", e))?;
            for item in output.items() {
                users.push(user_from(item)?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(users);
            }
        }
    }
}

impl ProfileStore for DynamoStore {
    async fn set_avatar(
        &self,
        user: &UserKey,
        avatar: Option<&MediaKey>,
    ) -> Result<Option<User>, StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.tables.clients)
            .set_key(Some(Self::user_key(user)))
            // Never create a half user: the caller's connection may outlive a deleted user.
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", clients_key::PK)
            .expression_attribute_names("#avatar", attr::AVATAR_KEY)
            .return_values(ReturnValue::AllNew);
        let request = match avatar {
            Some(key) => request
                .update_expression("SET #avatar = :avatar")
                .expression_attribute_values(":avatar", s(key.to_string())),
            None => request.update_expression("REMOVE #avatar"),
        };
        match request.send().await {
            Ok(output) => output.attributes.as_ref().map(user_from).transpose(),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(None)
            }
            Err(e) => Err(StoreError::request("UpdateItem avatar", e)),
        }
    }
}

impl MessageWriter for DynamoStore {
    async fn put_message(&self, message: &Message) -> Result<PutOutcome, StoreError> {
        let mut item = HashMap::from([
            (
                messages_key::CONVERSATION_ID.into(),
                s(message.conversation_id.as_str()),
            ),
            (messages_key::DEDUP_KEY.into(), s(message.dedup_key())),
            (messages_key::MESSAGE_ID.into(), s(&message.id)),
            (attr::FROM.into(), s(message.from.as_str())),
            (attr::TO.into(), s(message.to.as_str())),
            (attr::TEXT.into(), s(&message.text)),
            (attr::SENT_AT.into(), n(message.sent_at)),
            (
                attr::CLIENT_MESSAGE_ID.into(),
                s(message.client_message_id.as_str()),
            ),
        ]);
        if let Some(attachment) = &message.attachment {
            item.extend([
                (attr::ATTACHMENT_KEY.into(), s(attachment.key.to_string())),
                (attr::ATTACHMENT_NAME.into(), s(attachment.name.as_str())),
                (
                    attr::ATTACHMENT_TYPE.into(),
                    s(attachment.media_type.mime()),
                ),
                (
                    attr::ATTACHMENT_SIZE.into(),
                    AttributeValue::N(attachment.size.to_string()),
                ),
            ]);
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#key)")
            .expression_attribute_names("#key", messages_key::DEDUP_KEY)
            // A retry gets the original back in the same call.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(PutOutcome::Stored),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(conflict) => {
                    let original = conflict.item.ok_or_else(|| {
                        StoreError::Malformed("duplicate message came back without its item".into())
                    })?;
                    Ok(PutOutcome::Duplicate(Box::new(message_from(&original)?)))
                }
                other => Err(StoreError::request("PutItem message", other)),
            },
            Err(e) => Err(StoreError::request("PutItem message", e)),
        }
    }
}

impl MessageHistory for DynamoStore {
    async fn message_page(
        &self,
        conversation: &ConversationId,
        limit: PageLimit,
        cursor: Option<&HistoryCursor>,
    ) -> Result<MessagePage, StoreError> {
        // One item more than the page tells whether an older page exists, so the last page never
        // hands out a cursor that leads nowhere.
        let wanted = usize::try_from(limit.get()).unwrap_or(usize::MAX);
        let mut start = cursor.map(|cursor| {
            HashMap::from([
                (
                    messages_key::CONVERSATION_ID.into(),
                    s(conversation.as_str()),
                ),
                (messages_key::DEDUP_KEY.into(), s(&cursor.dedup_key)),
                (messages_key::MESSAGE_ID.into(), s(&cursor.message_id)),
            ])
        });
        let mut messages = Vec::with_capacity(wanted + 1);
        loop {
            let still_wanted = i32::try_from(wanted + 1 - messages.len()).unwrap_or(i32::MAX);
            let output = self
                .client
                .query()
                .table_name(&self.tables.messages)
                .index_name(&self.tables.messages_by_conversation)
                .key_condition_expression("#c = :c")
                .expression_attribute_names("#c", messages_key::CONVERSATION_ID)
                .expression_attribute_values(":c", s(conversation.as_str()))
                .scan_index_forward(false)
                .limit(still_wanted)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::request("Query messages", e))?;
            for item in output.items() {
                messages.push(message_from(item)?);
            }
            start = output.last_evaluated_key;
            // A 1 MB response may end a query early: keep reading until the page is full.
            if messages.len() > wanted || start.is_none() {
                break;
            }
        }
        let next = if messages.len() > wanted {
            messages.truncate(wanted);
            messages.last().map(HistoryCursor::after)
        } else {
            None
        };
        Ok(MessagePage { messages, next })
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(StoreError::Malformed(format!("missing string {name}"))),
    }
}

fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| StoreError::Malformed(format!("{name} is not an integer"))),
        _ => Err(StoreError::Malformed(format!("missing number {name}"))),
    }
}

fn get_username(item: &Item, name: &str) -> Result<Username, StoreError> {
    Username::parse(get_s(item, name)?)
        .map_err(|_| StoreError::Malformed(format!("{name} is not a valid username")))
}

fn connection_from(item: &Item) -> Result<Connection, StoreError> {
    Ok(Connection {
        connection_id: get_s(item, attr::CONNECTION_ID)?.to_owned(),
        username: get_username(item, attr::USERNAME)?,
        connected_at: get_n(item, attr::CONNECTED_AT)?,
    })
}

fn user_from(item: &Item) -> Result<User, StoreError> {
    let connection_ids = match item.get(attr::CONNECTION_IDS) {
        Some(AttributeValue::Ss(ids)) => ids.clone(),
        _ => Vec::new(),
    };
    let last_seen = item
        .contains_key(attr::LAST_SEEN)
        .then(|| get_n(item, attr::LAST_SEEN))
        .transpose()?;
    let avatar_key = item
        .contains_key(attr::AVATAR_KEY)
        .then(|| get_media_key(item, attr::AVATAR_KEY))
        .transpose()?;
    Ok(User {
        username: get_username(item, attr::USERNAME)?,
        connection_ids,
        last_seen,
        avatar_key,
    })
}

fn get_media_key(item: &Item, name: &str) -> Result<MediaKey, StoreError> {
    MediaKey::parse(get_s(item, name)?)
        .map_err(|_| StoreError::Malformed(format!("{name} is not a media key")))
}

fn attachment_from(item: &Item) -> Result<Option<Attachment>, StoreError> {
    if !item.contains_key(attr::ATTACHMENT_KEY) {
        return Ok(None);
    }
    let malformed = |e: crate::rules::RuleError| StoreError::Malformed(format!("attachment: {e}"));
    let name = FileName::parse(get_s(item, attr::ATTACHMENT_NAME)?).map_err(malformed)?;
    let size = u64::try_from(get_n(item, attr::ATTACHMENT_SIZE)?)
        .map_err(|_| StoreError::Malformed("attachmentSize is negative".into()))?;
    Attachment::new(
        get_media_key(item, attr::ATTACHMENT_KEY)?,
        name,
        get_s(item, attr::ATTACHMENT_TYPE)?,
        size,
    )
    .map(Some)
    .map_err(malformed)
}

fn message_from(item: &Item) -> Result<Message, StoreError> {
    Ok(Message {
        id: get_s(item, messages_key::MESSAGE_ID)?.to_owned(),
        conversation_id: ConversationId::from_stored(get_s(item, messages_key::CONVERSATION_ID)?),
        from: get_username(item, attr::FROM)?,
        to: get_username(item, attr::TO)?,
        text: get_s(item, attr::TEXT)?.to_owned(),
        attachment: attachment_from(item)?,
        sent_at: get_n(item, attr::SENT_AT)?,
        client_message_id: ClientMessageId::parse(get_s(item, attr::CLIENT_MESSAGE_ID)?)
            .map_err(|_| StoreError::Malformed("invalid clientMessageId".into()))?,
    })
}
