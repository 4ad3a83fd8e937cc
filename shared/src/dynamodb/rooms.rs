//! Creating and changing rooms. Writes of several items are transactions, so a room's member
//! count always matches its member items and never passes its limit.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    CancellationReason, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};

use crate::conversation::ConversationId;
use crate::model::{Member, Room};
use crate::ports::{AddMembersOutcome, RoomAdministration, RoomCreation, StoreError};
use crate::rooms::Role;
use crate::rules::UserKey;

use super::items::{is_room, n, room_from, s};
use super::{DynamoStore, Item, attr, conversations_key, kind};

/// The cancellation reason of an item whose condition failed.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

type TransactError = SdkError<TransactWriteItemsError, HttpResponse>;

/// `members` without a second entry for the same user (the first one wins): a transaction may
/// name an item only once.
fn distinct(members: &[Member]) -> Vec<&Member> {
    let mut seen = BTreeMap::new();
    for member in members {
        seen.entry(member.username.key()).or_insert(member);
    }
    seen.into_values().collect()
}

/// The reasons a transaction was cancelled, one per item in order (`None`: it failed otherwise).
fn cancellation_reasons(error: &TransactError) -> Option<&[CancellationReason]> {
    match error.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
            Some(cancelled.cancellation_reasons())
        }
        _ => None,
    }
}

fn condition_failed(reason: &CancellationReason) -> bool {
    reason.code() == Some(CONDITION_FAILED)
}

fn built<T>(result: Result<T, aws_sdk_dynamodb::error::BuildError>) -> Result<T, StoreError> {
    result.map_err(|e| StoreError::Malformed(e.to_string()))
}

impl DynamoStore {
    fn member_item(member: &Member) -> Item {
        let key = member.username.key();
        let mut item = Self::member_key(&member.conversation_id, &key);
        item.extend([
            (conversations_key::MEMBER.into(), s(key.as_str())),
            (
                conversations_key::CONVERSATION_ID.into(),
                s(member.conversation_id.as_str()),
            ),
            (attr::USERNAME.into(), s(member.username.as_str())),
            (attr::ROLE.into(), s(member.role.as_str())),
            (attr::JOINED_AT.into(), n(member.joined_at)),
        ]);
        if let Some(read) = &member.read_message_id {
            item.insert(attr::READ_MESSAGE_ID.into(), s(read));
        }
        item
    }

    /// A put of `item` that only creates it.
    fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = built(
            Put::builder()
                .table_name(&self.tables.conversations)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", conversations_key::PK)
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// An update of `user`'s member item to `role`, only if it exists.
    fn role_update(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
        role: Role,
    ) -> Result<Update, StoreError> {
        built(
            Update::builder()
                .table_name(&self.tables.conversations)
                .set_key(Some(Self::member_key(conversation, user)))
                .update_expression("SET #role = :role")
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", conversations_key::PK)
                .expression_attribute_names("#role", attr::ROLE)
                .expression_attribute_values(":role", s(role.as_str()))
                .build(),
        )
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactError> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
    }
}

impl RoomCreation for DynamoStore {
    async fn create_room(&self, room: &Room, members: &[Member]) -> Result<(), StoreError> {
        let members = distinct(members);
        let mut meta = Self::meta_key(&room.id);
        meta.extend([
            (
                conversations_key::CONVERSATION_ID.into(),
                s(room.id.as_str()),
            ),
            (attr::KIND.into(), s(kind::ROOM)),
            (attr::NAME.into(), s(&room.name)),
            (attr::CREATED_BY.into(), s(room.created_by.as_str())),
            (attr::CREATED_AT.into(), n(room.created_at)),
            // The count of the items written with it, whatever the caller counted.
            (
                attr::MEMBER_COUNT.into(),
                n(i64::try_from(members.len()).unwrap_or(i64::MAX)),
            ),
        ]);
        let mut items = vec![self.put_new(meta)?];
        for member in members {
            items.push(self.put_new(Self::member_item(member))?);
        }
        self.transact(items)
            .await
            .map_err(|e| StoreError::request("TransactWriteItems create room", e))
    }
}

impl RoomAdministration for DynamoStore {
    async fn rename_room(
        &self,
        conversation: &ConversationId,
        name: &str,
    ) -> Result<Option<Room>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.conversations)
            .set_key(Some(Self::meta_key(conversation)))
            .update_expression("SET #name = :name")
            .condition_expression("#kind = :room")
            .expression_attribute_names("#kind", attr::KIND)
            .expression_attribute_names("#name", attr::NAME)
            .expression_attribute_values(":room", s(kind::ROOM))
            .expression_attribute_values(":name", s(name))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => output.attributes.as_ref().map(room_from).transpose(),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(StoreError::request("UpdateItem room name", e)),
        }
    }

    async fn add_members(
        &self,
        conversation: &ConversationId,
        members: &[Member],
        max_members: u32,
    ) -> Result<AddMembersOutcome, StoreError> {
        let members = distinct(members);
        if members.is_empty() {
            return Ok(match self.read_room(conversation).await? {
                Some(room) => AddMembersOutcome::Added(room),
                None => AddMembersOutcome::Conflict,
            });
        }
        let added = i64::try_from(members.len()).unwrap_or(i64::MAX);
        let count = built(
            Update::builder()
                .table_name(&self.tables.conversations)
                .set_key(Some(Self::meta_key(conversation)))
                .update_expression("ADD #count :added")
                // Room for all of them, or none is added.
                .condition_expression("#kind = :room AND #count <= :most")
                .expression_attribute_names("#kind", attr::KIND)
                .expression_attribute_names("#count", attr::MEMBER_COUNT)
                .expression_attribute_values(":room", s(kind::ROOM))
                .expression_attribute_values(":added", n(added))
                .expression_attribute_values(":most", n(i64::from(max_members) - added))
                // A refusal brings the room back: full, or gone.
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build(),
        )?;
        let mut items = vec![TransactWriteItem::builder().update(count).build()];
        for member in &members {
            items.push(self.put_new(Self::member_item(member))?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(match self.read_room(conversation).await? {
                Some(room) => AddMembersOutcome::Added(room),
                None => AddMembersOutcome::Conflict,
            }),
            Err(e) => {
                let Some(reasons) = cancellation_reasons(&e) else {
                    return Err(StoreError::request("TransactWriteItems add members", e));
                };
                if !reasons.iter().any(condition_failed) {
                    // Another transaction on the same items, or a throttled item: not an answer.
                    return Err(StoreError::request("TransactWriteItems add members", e));
                }
                let room_refused = reasons.first().filter(|reason| condition_failed(reason));
                let full = match room_refused.and_then(CancellationReason::item) {
                    Some(item) if is_room(item)? => {
                        i64::from(room_from(item)?.member_count) + added > i64::from(max_members)
                    }
                    _ => false,
                };
                Ok(if full {
                    AddMembersOutcome::Full
                } else {
                    AddMembersOutcome::Conflict
                })
            }
        }
    }

    async fn remove_member(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
    ) -> Result<Option<Room>, StoreError> {
        let delete = built(
            Delete::builder()
                .table_name(&self.tables.conversations)
                .set_key(Some(Self::member_key(conversation, user)))
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", conversations_key::PK)
                .build(),
        )?;
        let count = built(
            Update::builder()
                .table_name(&self.tables.conversations)
                .set_key(Some(Self::meta_key(conversation)))
                .update_expression("ADD #count :minus")
                .condition_expression("#kind = :room")
                .expression_attribute_names("#kind", attr::KIND)
                .expression_attribute_names("#count", attr::MEMBER_COUNT)
                .expression_attribute_values(":room", s(kind::ROOM))
                .expression_attribute_values(":minus", n(-1))
                .build(),
        )?;
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        match self.transact(items).await {
            // A transaction returns nothing: the room is read after it.
            Ok(()) => self
                .read_room(conversation)
                .await?
                .map(Some)
                .ok_or_else(|| {
                    StoreError::Malformed(format!("room {conversation} vanished after a removal"))
                }),
            Err(e) if cancellation_reasons(&e).is_some_and(|r| r.iter().any(condition_failed)) => {
                Ok(None)
            }
            Err(e) => Err(StoreError::request("TransactWriteItems remove member", e)),
        }
    }

    async fn set_roles(
        &self,
        conversation: &ConversationId,
        roles: &[(UserKey, Role)],
    ) -> Result<(), StoreError> {
        let roles: HashMap<&UserKey, Role> = roles
            .iter()
            .rev()
            .map(|(user, role)| (user, *role))
            .collect();
        let mut updates = roles
            .into_iter()
            .map(|(user, role)| self.role_update(conversation, user, role))
            .collect::<Result<Vec<_>, _>>()?;
        if updates.len() > 1 {
            let items = updates
                .into_iter()
                .map(|update| TransactWriteItem::builder().update(update).build())
                .collect();
            return self
                .transact(items)
                .await
                .map_err(|e| StoreError::request("TransactWriteItems roles", e));
        }
        let Some(update) = updates.pop() else {
            return Ok(());
        };
        self.client
            .update_item()
            .table_name(update.table_name)
            .set_key(Some(update.key))
            .update_expression(update.update_expression)
            .set_condition_expression(update.condition_expression)
            .set_expression_attribute_names(update.expression_attribute_names)
            .set_expression_attribute_values(update.expression_attribute_values)
            .send()
            .await
            .map_err(|e| StoreError::request("UpdateItem role", e))?;
        Ok(())
    }
}
