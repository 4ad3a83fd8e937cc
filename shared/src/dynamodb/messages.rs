//! Messages, stored once each, and a conversation's history read through the `byConversation`
//! index.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, Select};

use crate::conversation::ConversationId;
use crate::model::{HistoryCursor, Message, MessagePage, PutOutcome};
use crate::ports::{MessageHistory, MessageWriter, StoreError};
use crate::rules::PageLimit;

use super::items::{message_from, n, s};
use super::{DynamoStore, attr, messages_key};

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
            (attr::TEXT.into(), s(&message.text)),
            (attr::SENT_AT.into(), n(message.sent_at)),
            (
                attr::CLIENT_MESSAGE_ID.into(),
                s(message.client_message_id.as_str()),
            ),
        ]);
        // A room message has no `to`: the attribute is absent.
        if let Some(to) = &message.to {
            item.insert(attr::TO.into(), s(to.as_str()));
        }
        if let Some(reply) = &message.reply_to {
            item.extend([
                (attr::REPLY_TO_ID.into(), s(&reply.id)),
                (attr::REPLY_TO_KEY.into(), s(&reply.dedup_key)),
            ]);
        }
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
    async fn contains_message(
        &self,
        conversation: &ConversationId,
        message_id: &str,
    ) -> Result<bool, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.tables.messages)
            .index_name(&self.tables.messages_by_conversation)
            .key_condition_expression("#c = :c AND #m = :m")
            .expression_attribute_names("#c", messages_key::CONVERSATION_ID)
            .expression_attribute_names("#m", messages_key::MESSAGE_ID)
            .expression_attribute_values(":c", s(conversation.as_str()))
            .expression_attribute_values(":m", s(message_id))
            .select(Select::Count)
            .limit(1)
            .send()
            .await
            .map_err(|e| StoreError::request("Query message", e))?;
        Ok(output.count > 0)
    }

    async fn count_after(
        &self,
        conversation: &ConversationId,
        after: Option<&str>,
        cap: u32,
    ) -> Result<u32, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.tables.messages)
            .index_name(&self.tables.messages_by_conversation)
            .expression_attribute_names("#c", messages_key::CONVERSATION_ID)
            .expression_attribute_values(":c", s(conversation.as_str()))
            .select(Select::Count);
        let query = match after {
            Some(after) => query
                .key_condition_expression("#c = :c AND #m > :after")
                .expression_attribute_names("#m", messages_key::MESSAGE_ID)
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression("#c = :c"),
        };
        let mut counted: u32 = 0;
        let mut start = None;
        // Counting stops at the cap; a response that stops at 1 MB of reads goes on from there.
        while counted < cap {
            let output = query
                .clone()
                .limit(i32::try_from(cap - counted).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::request("Query message count", e))?;
            counted = counted.saturating_add(u32::try_from(output.count).unwrap_or(0));
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(counted.min(cap))
    }

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
