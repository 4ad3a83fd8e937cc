//! Who hears of a user's presence: their direct-conversation partners (the `byMember` index of
//! the Conversations table) and the connections watching them (watch items in the Clients table).

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};

use crate::conversation::ConversationId;
use crate::ports::{PresenceAudience, PresenceWatches, StoreError};
use crate::rules::UserKey;

use super::items::{get_s, get_user_key, n, s};
use super::{
    BATCH_ATTEMPTS, BATCH_WRITE_MAX_ITEMS, DynamoStore, Unprocessed, attr, clients_key,
    conversations_key,
};

/// The sort key prefix of direct conversations in the `byMember` index.
const DIRECT_PREFIX: &str = "dm#";

fn watch_partition(target: &UserKey) -> String {
    format!("WATCH#{target}")
}

impl PresenceAudience for DynamoStore {
    async fn direct_partners(&self, user: &UserKey) -> Result<Vec<UserKey>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.tables.conversations)
            .index_name(&self.tables.conversations_by_member)
            .key_condition_expression("#member = :me AND begins_with(#c, :direct)")
            .expression_attribute_names("#member", conversations_key::MEMBER)
            .expression_attribute_names("#c", conversations_key::CONVERSATION_ID)
            .expression_attribute_values(":me", s(user.as_str()))
            .expression_attribute_values(":direct", s(DIRECT_PREFIX));
        let found = Self::query_all(query, None, usize::MAX, "Query direct memberships").await?;
        found
            .iter()
            .map(|item| {
                let id =
                    ConversationId::from_stored(get_s(item, conversations_key::CONVERSATION_ID)?);
                let (a, b) = id.direct_members().ok_or_else(|| {
                    StoreError::Malformed(format!("{id} is not a direct conversation"))
                })?;
                Ok(if a == *user { b } else { a })
            })
            .collect()
    }

    async fn watchers(&self, user: &UserKey) -> Result<Vec<(UserKey, String)>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.tables.clients)
            .key_condition_expression("#pk = :watched")
            .expression_attribute_names("#pk", clients_key::PK)
            .expression_attribute_values(":watched", s(watch_partition(user)));
        let found = Self::query_all(query, None, usize::MAX, "Query watchers").await?;
        found
            .iter()
            .map(|item| {
                Ok((
                    get_user_key(item, attr::WATCHER)?,
                    get_s(item, clients_key::SK)?.to_owned(),
                ))
            })
            .collect()
    }
}

impl PresenceWatches for DynamoStore {
    async fn watch(
        &self,
        watcher: &UserKey,
        connection_id: &str,
        targets: &[UserKey],
        expires_at_secs: i64,
    ) -> Result<(), StoreError> {
        // One batch may not name an item twice.
        let targets: BTreeSet<&UserKey> = targets.iter().collect();
        let writes = targets
            .into_iter()
            .map(|target| {
                let item = HashMap::from([
                    (clients_key::PK.into(), s(watch_partition(target))),
                    (clients_key::SK.into(), s(connection_id)),
                    (attr::WATCHER.into(), s(watcher.as_str())),
                    (attr::EXPIRES_AT.into(), n(expires_at_secs)),
                ]);
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(|e| StoreError::Malformed(e.to_string()))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for chunk in writes.chunks(BATCH_WRITE_MAX_ITEMS) {
            let mut pending = Some(HashMap::from([(
                self.tables.clients.clone(),
                chunk.to_vec(),
            )]));
            for _ in 0..BATCH_ATTEMPTS {
                let Some(request_items) = pending.take().filter(|items| !items.is_empty()) else {
                    break;
                };
                let output = self
                    .client
                    .batch_write_item()
                    .set_request_items(Some(request_items))
                    .send()
                    .await
                    .map_err(|e| StoreError::request("BatchWriteItem watches", e))?;
                pending = output.unprocessed_items;
            }
            if pending.is_some_and(|items| !items.is_empty()) {
                return Err(StoreError::request("BatchWriteItem watches", Unprocessed));
            }
        }
        Ok(())
    }
}
