//! Connections, users and the people directory, in the Clients table.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::identity::Identity;
use crate::media::MediaKey;
use crate::model::{Connection, User, UserPage};
use crate::ports::{
    AttachOutcome, ConnectionCleanup, ConnectionStore, ProfileStore, StoreError, UserDirectory,
    UserLookup, UserSessions,
};
use crate::rules::UserKey;

use super::items::{connection_from, n, s, user_from};
use super::{DynamoStore, attr, clients_key, page};

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
        let keys = unique.into_iter().map(Self::user_key).collect();
        self.batch_get(&self.tables.clients, keys, "BatchGetItem users")
            .await?
            .iter()
            .map(user_from)
            .collect()
    }
}

impl UserDirectory for DynamoStore {
    async fn search_users(
        &self,
        prefix: &str,
        limit: u32,
        after: Option<&UserKey>,
    ) -> Result<UserPage, StoreError> {
        // A start outside the prefix's keys is refused by DynamoDB: before them, start at the
        // first; after them, there is nothing.
        let start = match after {
            Some(after) if after.as_str().starts_with(prefix) => Some(Self::user_key(after)),
            Some(after) if after.as_str() > prefix => return Ok(UserPage::default()),
            _ => None,
        };
        let query = self
            .client
            .query()
            .table_name(&self.tables.clients)
            .key_condition_expression("#pk = :users AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", clients_key::PK)
            .expression_attribute_names("#sk", clients_key::SK)
            .expression_attribute_values(":users", s(clients_key::USERS_PARTITION))
            .expression_attribute_values(":prefix", s(format!("USER#{prefix}")));
        let wanted = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let found = Self::query_all(query, start, wanted, "Query users by prefix").await?;
        let users = found.iter().map(user_from).collect::<Result<Vec<_>, _>>()?;
        let (users, next) = page(users, limit, |user| user.username.key());
        Ok(UserPage { users, next })
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
