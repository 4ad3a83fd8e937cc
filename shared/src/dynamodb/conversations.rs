//! Conversations and their members in the Conversations table: lookups, member lists, a user's
//! memberships (the `byMember` index), and what every message changes (the last message, read
//! points, a direct conversation's two members).

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use crate::conversation::ConversationId;
use crate::model::{ConversationMeta, LastMessage, Member, MemberPage, Message, ReadAdvance, Room};
use crate::ports::{
    ConversationActivity, ConversationBatchLookup, ConversationLookup, MemberListing,
    MembershipIndex, StoreError,
};
use crate::rooms::{Role, preview};
use crate::rules::{UserKey, Username};

use super::items::{get_s, is_room, member_from, meta_from, n, room_from, s};
use super::{DynamoStore, Item, attr, conversations_key, kind, page};

fn is_condition_failure(error: &SdkError<UpdateItemError, impl std::fmt::Debug>) -> bool {
    matches!(
        error.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

impl DynamoStore {
    /// An item of the Conversations table, read strongly consistent (a removal counts at once).
    async fn get_conversation_item(
        &self,
        key: Item,
        operation: &'static str,
    ) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.tables.conversations)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::request(operation, e))?;
        Ok(output.item.filter(|item| !item.is_empty()))
    }

    /// The room at `conversation` as it is now (`None`: no such room).
    pub(super) async fn read_room(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<Room>, StoreError> {
        match self
            .get_conversation_item(Self::meta_key(conversation), "GetItem room")
            .await?
        {
            Some(item) if is_room(&item)? => room_from(&item).map(Some),
            _ => Ok(None),
        }
    }

    /// A query of `conversation`'s member items, in key order (strongly consistent: a member
    /// just added hears the next message).
    fn members_query(
        &self,
        conversation: &ConversationId,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.tables.conversations)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :members)")
            .expression_attribute_names("#pk", conversations_key::PK)
            .expression_attribute_names("#sk", conversations_key::SK)
            .expression_attribute_values(":pk", Self::conversation_partition(conversation))
            .expression_attribute_values(":members", s(conversations_key::MEMBER_SORT_PREFIX))
            .consistent_read(true)
    }
}

impl ConversationLookup for DynamoStore {
    async fn member(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
    ) -> Result<Option<Member>, StoreError> {
        self.get_conversation_item(Self::member_key(conversation, user), "GetItem member")
            .await?
            .as_ref()
            .map(member_from)
            .transpose()
    }

    async fn room(&self, conversation: &ConversationId) -> Result<Option<Room>, StoreError> {
        self.read_room(conversation).await
    }
}

impl ConversationBatchLookup for DynamoStore {
    async fn memberships_of(
        &self,
        keys: &[(ConversationId, UserKey)],
    ) -> Result<Vec<Member>, StoreError> {
        let mut unique: Vec<(&str, &UserKey)> =
            keys.iter().map(|(id, user)| (id.as_str(), user)).collect();
        unique.sort();
        unique.dedup();
        let keys = unique
            .into_iter()
            .map(|(id, user)| Self::member_key(&ConversationId::from_stored(id), user))
            .collect();
        self.batch_get(&self.tables.conversations, keys, "BatchGetItem members")
            .await?
            .iter()
            .map(member_from)
            .collect()
    }

    async fn conversation_metas(
        &self,
        ids: &[ConversationId],
    ) -> Result<Vec<ConversationMeta>, StoreError> {
        let mut unique: Vec<&str> = ids.iter().map(ConversationId::as_str).collect();
        unique.sort_unstable();
        unique.dedup();
        let keys = unique
            .into_iter()
            .map(|id| Self::meta_key(&ConversationId::from_stored(id)))
            .collect();
        self.batch_get(
            &self.tables.conversations,
            keys,
            "BatchGetItem conversations",
        )
        .await?
        .iter()
        .map(meta_from)
        .collect()
    }
}

impl MemberListing for DynamoStore {
    async fn member_page(
        &self,
        conversation: &ConversationId,
        limit: u32,
        after: Option<&UserKey>,
    ) -> Result<MemberPage, StoreError> {
        let start = after.map(|after| Self::member_key(conversation, after));
        let wanted = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let found = Self::query_all(
            self.members_query(conversation),
            start,
            wanted,
            "Query members",
        )
        .await?;
        let members = found
            .iter()
            .map(member_from)
            .collect::<Result<Vec<_>, _>>()?;
        let (members, next) = page(members, limit, |member| member.username.key());
        Ok(MemberPage { members, next })
    }

    async fn all_members(&self, conversation: &ConversationId) -> Result<Vec<Member>, StoreError> {
        Self::query_all(
            self.members_query(conversation),
            None,
            usize::MAX,
            "Query members",
        )
        .await?
        .iter()
        .map(member_from)
        .collect()
    }
}

impl MembershipIndex for DynamoStore {
    async fn memberships(&self, user: &UserKey, cap: usize) -> Result<Vec<Member>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.tables.conversations)
            .index_name(&self.tables.conversations_by_member)
            .key_condition_expression("#member = :me")
            .expression_attribute_names("#member", conversations_key::MEMBER)
            .expression_attribute_values(":me", s(user.as_str()));
        Self::query_all(query, None, cap, "Query memberships")
            .await?
            .iter()
            .map(member_from)
            .collect()
    }
}

impl ConversationActivity for DynamoStore {
    async fn record_last_message(&self, message: &Message) -> Result<(), StoreError> {
        let conversation = &message.conversation_id;
        let last = LastMessage::of(message);
        let (kind, condition) = if conversation.is_room() {
            // A room's record is made with the room: a message never creates half a room.
            (
                kind::ROOM,
                "attribute_exists(#pk) AND (attribute_not_exists(#lastId) OR #lastId < :id)",
            )
        } else {
            (
                kind::DIRECT,
                "attribute_not_exists(#lastId) OR #lastId < :id",
            )
        };
        let set = "SET #cid = if_not_exists(#cid, :cid), #kind = if_not_exists(#kind, :kind), \
                   #createdAt = if_not_exists(#createdAt, :at), #lastId = :id, #from = :from, \
                   #preview = :preview, #at = :at";
        let request = self
            .client
            .update_item()
            .table_name(&self.tables.conversations)
            .set_key(Some(Self::meta_key(conversation)))
            // The last message only moves forward, whichever of two concurrent sends lands last.
            .condition_expression(condition)
            .expression_attribute_names("#cid", conversations_key::CONVERSATION_ID)
            .expression_attribute_names("#kind", attr::KIND)
            .expression_attribute_names("#createdAt", attr::CREATED_AT)
            .expression_attribute_names("#lastId", attr::LAST_MESSAGE_ID)
            .expression_attribute_names("#from", attr::LAST_FROM)
            .expression_attribute_names("#preview", attr::LAST_PREVIEW)
            .expression_attribute_names("#at", attr::LAST_AT)
            .expression_attribute_names("#attachment", attr::LAST_ATTACHMENT_NAME)
            .expression_attribute_names("#deleted", attr::LAST_DELETED)
            .expression_attribute_values(":cid", s(conversation.as_str()))
            .expression_attribute_values(":kind", s(kind))
            .expression_attribute_values(":id", s(&last.message_id))
            .expression_attribute_values(":from", s(last.from.as_str()))
            .expression_attribute_values(":preview", s(&last.preview))
            .expression_attribute_values(":at", n(last.sent_at));
        let request = if conversation.is_room() {
            request.expression_attribute_names("#pk", conversations_key::PK)
        } else {
            request
        };
        // A new last message is not deleted, whatever the one before was.
        let request = match &last.attachment_name {
            Some(name) => request
                .update_expression(format!("{set}, #attachment = :attachment REMOVE #deleted"))
                .expression_attribute_values(":attachment", s(name)),
            None => request.update_expression(format!("{set} REMOVE #attachment, #deleted")),
        };
        match request.send().await {
            Ok(_) => Ok(()),
            // A later message is already recorded (or the room is gone): nothing to change.
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(StoreError::request("UpdateItem last message", e)),
        }
    }

    async fn join_direct(
        &self,
        conversation: &ConversationId,
        user: &Username,
        now: i64,
    ) -> Result<(), StoreError> {
        let key = user.key();
        // Upserted field by field, so a retry or a concurrent first message changes nothing of
        // an existing member (their read point above all).
        self.client
            .update_item()
            .table_name(&self.tables.conversations)
            .set_key(Some(Self::member_key(conversation, &key)))
            .update_expression(
                "SET #member = if_not_exists(#member, :member), #cid = if_not_exists(#cid, :cid), \
                 #name = if_not_exists(#name, :name), #role = if_not_exists(#role, :role), \
                 #joined = if_not_exists(#joined, :now)",
            )
            .expression_attribute_names("#member", conversations_key::MEMBER)
            .expression_attribute_names("#cid", conversations_key::CONVERSATION_ID)
            .expression_attribute_names("#name", attr::USERNAME)
            .expression_attribute_names("#role", attr::ROLE)
            .expression_attribute_names("#joined", attr::JOINED_AT)
            .expression_attribute_values(":member", s(key.as_str()))
            .expression_attribute_values(":cid", s(conversation.as_str()))
            .expression_attribute_values(":name", s(user.as_str()))
            .expression_attribute_values(":role", s(Role::Member.as_str()))
            .expression_attribute_values(":now", n(now))
            .send()
            .await
            .map_err(|e| StoreError::request("UpdateItem join direct", e))?;
        Ok(())
    }

    async fn revise_last_message(&self, message: &Message) -> Result<(), StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.tables.conversations)
            .set_key(Some(Self::meta_key(&message.conversation_id)))
            .expression_attribute_names("#lastId", attr::LAST_MESSAGE_ID)
            .expression_attribute_names("#preview", attr::LAST_PREVIEW)
            .expression_attribute_names("#deleted", attr::LAST_DELETED)
            .expression_attribute_values(":id", s(&message.id));
        let request = if message.deleted.is_some() {
            request
                .update_expression("SET #deleted = :true, #preview = :empty REMOVE #attachment")
                .condition_expression("#lastId = :id")
                .expression_attribute_names("#attachment", attr::LAST_ATTACHMENT_NAME)
                .expression_attribute_values(":true", AttributeValue::Bool(true))
                .expression_attribute_values(":empty", s(""))
        } else {
            // An edit that loses the race with a deletion leaves the deletion shown.
            request
                .update_expression("SET #preview = :preview")
                .condition_expression("#lastId = :id AND attribute_not_exists(#deleted)")
                .expression_attribute_values(":preview", s(preview(&message.text)))
        };
        match request.send().await {
            Ok(_) => Ok(()),
            // A later message is recorded now (or the message was deleted): nothing to revise.
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(StoreError::request("UpdateItem revise last message", e)),
        }
    }

    async fn advance_read_point(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
        message_id: &str,
    ) -> Result<ReadAdvance, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.conversations)
            .set_key(Some(Self::member_key(conversation, user)))
            .update_expression("SET #read = :m")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#read) OR #read < :m)",
            )
            .expression_attribute_names("#pk", conversations_key::PK)
            .expression_attribute_names("#read", attr::READ_MESSAGE_ID)
            .expression_attribute_values(":m", s(message_id))
            // A refusal says why: no member item, or a later read point.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(ReadAdvance::Advanced),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(refused) => {
                    match refused.item.filter(|item| !item.is_empty()) {
                        None => Ok(ReadAdvance::NotAMember),
                        Some(item) => Ok(ReadAdvance::AlreadyAt(
                            get_s(&item, attr::READ_MESSAGE_ID)?.to_owned(),
                        )),
                    }
                }
                other => Err(StoreError::request("UpdateItem read point", other)),
            },
            Err(e) => Err(StoreError::request("UpdateItem read point", e)),
        }
    }
}
