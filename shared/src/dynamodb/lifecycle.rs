//! A message's life after it is sent: lookups by id and by key, edits, deletions (tombstones),
//! reactions, and the typing gate.
//!
//! Every write to a message is one conditional UpdateItem on its base-table key
//! (`conversationId`, `dedupKey`), conditioned on the message being there (`messageId = :id`, so an
//! update never creates an item) and not deleted (`attribute_not_exists(deletedAt)`).

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::conversation::ConversationId;
use crate::model::Message;
use crate::ports::{
    MessageLookup, MessageRevision, ReactionOutcome, ReactionStore, RevisionOutcome, StoreError,
    TypingGate,
};
use crate::reactions::{Emoji, TYPING_GATE_TTL_SECS, TYPING_INTERVAL_MS};
use crate::rules::{UserKey, Username};

use super::items::{get_optional_n, message_from, n, reaction_attribute, reaction_users, s};
use super::{DynamoStore, Item, attr, clients_key, messages_key};

/// A reaction write that lost a race is decided again on a fresh read this many times in all.
const REACTION_ATTEMPTS: usize = 5;
/// Before deciding again, a write that lost a race waits a random time up to this, doubled at
/// each loss: writers that collided spread out instead of colliding again in lockstep.
const REACTION_BACKOFF_MS: u64 = 10;

/// The condition of every write to a message: it exists (an update would otherwise create it)
/// and is not deleted.
const LIVE_MESSAGE: &str = "#messageId = :id AND attribute_not_exists(#deletedAt)";

/// A reaction kept losing to concurrent ones for [`REACTION_ATTEMPTS`] attempts.
#[derive(Debug, thiserror::Error)]
#[error("the reaction still conflicted with concurrent ones after {REACTION_ATTEMPTS} attempts")]
struct Contended;

fn is_condition_failure(error: &SdkError<UpdateItemError, impl std::fmt::Debug>) -> bool {
    matches!(
        error.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

/// A random wait before the attempt after `losses` lost races (full jitter).
fn backoff(losses: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, RandomState};
    let cap = REACTION_BACKOFF_MS << losses.min(4);
    // A fresh `RandomState` is randomly keyed: enough randomness for a jitter.
    let random = RandomState::new().hash_one(losses);
    std::time::Duration::from_millis(random % (cap + 1))
}

/// The count of a reaction's users, as the protocol carries it.
fn count(users: usize) -> u32 {
    u32::try_from(users).unwrap_or(u32::MAX)
}

/// What a reaction write is decided on: the message as last read.
struct Snapshot {
    deleted: bool,
    /// The users of the emoji being changed, sorted.
    users: Vec<UserKey>,
    /// How many distinct emojis the message carries.
    distinct: usize,
    /// `reactionsVersion` as read (`None`: absent, or not known).
    version: Option<i64>,
    /// Read from the base table, strongly consistent; otherwise it is the message the caller
    /// read through the index, which may lag a moment behind.
    consistent: bool,
}

impl Snapshot {
    fn of_message(message: &Message, emoji: &Emoji) -> Self {
        Self {
            deleted: message.deleted.is_some(),
            users: message
                .reactions
                .iter()
                .find(|reaction| &reaction.emoji == emoji)
                .map(|reaction| reaction.users.clone())
                .unwrap_or_default(),
            distinct: message.reactions.len(),
            version: None,
            consistent: false,
        }
    }

    fn of_item(item: &Item, emoji: &Emoji) -> Result<Self, StoreError> {
        let message = message_from(item)?;
        Ok(Self {
            version: get_optional_n(item, attr::REACTIONS_VERSION)?,
            consistent: true,
            ..Self::of_message(&message, emoji)
        })
    }
}

/// The one write a reaction change needs.
#[derive(Debug, Clone, Copy)]
enum ReactionWrite {
    /// `DELETE` the user from the emoji's set, if they are in it.
    Remove,
    /// `ADD` the user to the emoji's set, if it exists and they are not in it.
    AddToExisting,
    /// `ADD` the user to a new emoji's set, if no other new emoji was added since the read
    /// (`reactionsVersion` is still `seen`): the distinct limit holds whatever runs concurrently.
    AddNew { seen: Option<i64> },
}

impl DynamoStore {
    fn message_key(conversation: &ConversationId, dedup_key: &str) -> Item {
        HashMap::from([
            (
                messages_key::CONVERSATION_ID.into(),
                s(conversation.as_str()),
            ),
            (messages_key::DEDUP_KEY.into(), s(dedup_key)),
        ])
    }

    /// A conditional update of `message`'s item, its condition ([`LIVE_MESSAGE`] and `extra`)
    /// named and valued; answers the item as it is after.
    fn update_live_message(
        &self,
        message: &Message,
        extra: Option<&str>,
    ) -> UpdateItemFluentBuilder {
        let condition = match extra {
            Some(extra) => format!("{LIVE_MESSAGE} AND {extra}"),
            None => LIVE_MESSAGE.to_owned(),
        };
        self.client
            .update_item()
            .table_name(&self.tables.messages)
            .set_key(Some(Self::message_key(
                &message.conversation_id,
                &message.dedup_key(),
            )))
            .condition_expression(condition)
            .expression_attribute_names("#messageId", messages_key::MESSAGE_ID)
            .expression_attribute_names("#deletedAt", attr::DELETED_AT)
            .expression_attribute_values(":id", s(&message.id))
            .return_values(ReturnValue::AllNew)
    }

    /// Sends an edit or a deletion; a refusal says whether the message was deleted or is not
    /// there at all (the item as it was comes back with the refusal).
    async fn revise(
        request: UpdateItemFluentBuilder,
        operation: &'static str,
    ) -> Result<RevisionOutcome, StoreError> {
        let result = request
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => {
                let item = output.attributes.unwrap_or_default();
                message_from(&item).map(RevisionOutcome::Revised)
            }
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(refused) => {
                    match refused.item.filter(|item| !item.is_empty()) {
                        Some(item) if item.contains_key(attr::DELETED_AT) => {
                            Ok(RevisionOutcome::Deleted)
                        }
                        _ => Ok(RevisionOutcome::Missing),
                    }
                }
                other => Err(StoreError::request(operation, other)),
            },
            Err(e) => Err(StoreError::request(operation, e)),
        }
    }

    /// `message`'s item as it is now (strongly consistent), `None` when it is gone.
    async fn read_message_item(&self, message: &Message) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.tables.messages)
            .set_key(Some(Self::message_key(
                &message.conversation_id,
                &message.dedup_key(),
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::request("GetItem message", e))?;
        Ok(output.item.filter(|item| !item.is_empty()))
    }

    /// Makes one reaction write; the item as it is after, or `None` when its condition failed
    /// (the message changed since it was read).
    async fn write_reaction(
        &self,
        message: &Message,
        user: &UserKey,
        emoji: &Emoji,
        write: ReactionWrite,
    ) -> Result<Option<Item>, StoreError> {
        let (update, condition) = match write {
            ReactionWrite::Remove => ("DELETE #reaction :users", "contains(#reaction, :user)"),
            ReactionWrite::AddToExisting => (
                "ADD #reaction :users",
                "attribute_exists(#reaction) AND NOT contains(#reaction, :user)",
            ),
            ReactionWrite::AddNew { seen: Some(_) } => (
                "ADD #reaction :users SET #version = :next",
                "#version = :seen",
            ),
            ReactionWrite::AddNew { seen: None } => (
                "ADD #reaction :users SET #version = :next",
                "attribute_not_exists(#version)",
            ),
        };
        let request = self
            .update_live_message(message, Some(condition))
            .update_expression(update)
            .expression_attribute_names("#reaction", reaction_attribute(emoji))
            .expression_attribute_values(":users", AttributeValue::Ss(vec![user.to_string()]));
        let request = match write {
            ReactionWrite::AddNew { seen } => {
                let request = request
                    .expression_attribute_names("#version", attr::REACTIONS_VERSION)
                    .expression_attribute_values(":next", n(seen.unwrap_or(0) + 1));
                match seen {
                    Some(seen) => request.expression_attribute_values(":seen", n(seen)),
                    None => request,
                }
            }
            ReactionWrite::Remove | ReactionWrite::AddToExisting => {
                request.expression_attribute_values(":user", s(user.as_str()))
            }
        };
        match request.send().await {
            Ok(output) => Ok(Some(output.attributes.unwrap_or_default())),
            Err(e) if is_condition_failure(&e) => Ok(None),
            Err(e) => Err(StoreError::request("UpdateItem reaction", e)),
        }
    }
}

impl MessageLookup for DynamoStore {
    async fn message(
        &self,
        conversation: &ConversationId,
        message_id: &str,
    ) -> Result<Option<Message>, StoreError> {
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
            .limit(1)
            .send()
            .await
            .map_err(|e| StoreError::request("Query message by id", e))?;
        output.items().first().map(message_from).transpose()
    }

    async fn messages_by_key(
        &self,
        conversation: &ConversationId,
        dedup_keys: &[String],
    ) -> Result<Vec<Message>, StoreError> {
        let mut unique: Vec<&String> = dedup_keys.iter().collect();
        unique.sort_unstable();
        unique.dedup();
        let keys = unique
            .into_iter()
            .map(|key| Self::message_key(conversation, key))
            .collect();
        self.batch_get(&self.tables.messages, keys, "BatchGetItem messages")
            .await?
            .iter()
            .map(message_from)
            .collect()
    }
}

impl MessageRevision for DynamoStore {
    async fn edit_message(
        &self,
        message: &Message,
        text: &str,
        edited_at: i64,
    ) -> Result<RevisionOutcome, StoreError> {
        let request = self
            .update_live_message(message, None)
            .update_expression("SET #text = :text, #editedAt = :at")
            .expression_attribute_names("#text", attr::TEXT)
            .expression_attribute_names("#editedAt", attr::EDITED_AT)
            .expression_attribute_values(":text", s(text))
            .expression_attribute_values(":at", n(edited_at));
        Self::revise(request, "UpdateItem edit message").await
    }

    async fn delete_message(
        &self,
        message: &Message,
        by: &Username,
        at: i64,
    ) -> Result<RevisionOutcome, StoreError> {
        let mut removed = vec![
            ("#attachmentKey", attr::ATTACHMENT_KEY.to_owned()),
            ("#attachmentName", attr::ATTACHMENT_NAME.to_owned()),
            ("#attachmentType", attr::ATTACHMENT_TYPE.to_owned()),
            ("#attachmentSize", attr::ATTACHMENT_SIZE.to_owned()),
            ("#replyToId", attr::REPLY_TO_ID.to_owned()),
            ("#replyToKey", attr::REPLY_TO_KEY.to_owned()),
            ("#version", attr::REACTIONS_VERSION.to_owned()),
        ];
        // Reaction attributes are named after their emoji: those of the message as read. One
        // added since is hidden by the tombstone when read, and no more can be added to it.
        let reaction_names: Vec<String> = (0..message.reactions.len())
            .map(|i| format!("#reaction{i}"))
            .collect();
        for (name, reaction) in reaction_names.iter().zip(&message.reactions) {
            removed.push((name, reaction_attribute(&reaction.emoji)));
        }
        let remove_list = removed
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ");
        let mut request = self
            .update_live_message(message, None)
            .update_expression(format!(
                "SET #text = :empty, #deletedAt = :at, #deletedBy = :by REMOVE {remove_list}"
            ))
            .expression_attribute_names("#text", attr::TEXT)
            .expression_attribute_names("#deletedBy", attr::DELETED_BY)
            .expression_attribute_values(":empty", s(""))
            .expression_attribute_values(":at", n(at))
            .expression_attribute_values(":by", s(by.as_str()));
        for (name, attribute) in removed {
            request = request.expression_attribute_names(name, attribute);
        }
        Self::revise(request, "UpdateItem delete message").await
    }
}

impl ReactionStore for DynamoStore {
    async fn set_reaction(
        &self,
        message: &Message,
        user: &UserKey,
        emoji: &Emoji,
        reacted: bool,
        max_distinct: usize,
    ) -> Result<ReactionOutcome, StoreError> {
        let mut snapshot = Snapshot::of_message(message, emoji);
        let mut losses = 0;
        for _ in 0..REACTION_ATTEMPTS {
            if snapshot.deleted {
                return Ok(ReactionOutcome::Deleted);
            }
            let present = snapshot.users.binary_search(user).is_ok();
            // `None`: nothing to write on this snapshot, but it may be stale: read it again.
            let write = if present == reacted {
                if snapshot.consistent {
                    return Ok(ReactionOutcome::Unchanged {
                        count: count(snapshot.users.len()),
                    });
                }
                None
            } else if !reacted {
                Some(ReactionWrite::Remove)
            } else if !snapshot.users.is_empty() {
                Some(ReactionWrite::AddToExisting)
            } else if snapshot.distinct >= max_distinct {
                if snapshot.consistent {
                    return Ok(ReactionOutcome::TooMany);
                }
                None
            } else if !snapshot.consistent && snapshot.distinct > 0 {
                // The version of a message with reactions is set but unknown: read it rather
                // than write in vain.
                None
            } else {
                Some(ReactionWrite::AddNew {
                    seen: snapshot.version,
                })
            };
            if let Some(write) = write {
                match self.write_reaction(message, user, emoji, write).await? {
                    Some(after) => {
                        return Ok(ReactionOutcome::Changed {
                            count: count(reaction_users(&after, emoji)?.len()),
                        });
                    }
                    // Lost to a concurrent write (a stale snapshot just needs the read).
                    None if snapshot.consistent => {
                        tokio::time::sleep(backoff(losses)).await;
                        losses += 1;
                    }
                    None => {}
                }
            }
            snapshot = match self.read_message_item(message).await? {
                Some(item) => Snapshot::of_item(&item, emoji)?,
                None => return Ok(ReactionOutcome::Missing),
            };
        }
        Err(StoreError::request("UpdateItem reaction", Contended))
    }
}

impl TypingGate for DynamoStore {
    async fn try_typing(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
        now: i64,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.clients)
            .item(
                clients_key::PK,
                s(format!(
                    "{}{conversation}",
                    clients_key::TYPING_PARTITION_PREFIX
                )),
            )
            .item(clients_key::SK, s(user.as_str()))
            .item(attr::UNTIL, n(now + TYPING_INTERVAL_MS))
            .item(attr::EXPIRES_AT, n(now / 1000 + TYPING_GATE_TTL_SECS))
            // Open when there is no gate, or when the last forwarded signal's window has passed.
            .condition_expression("attribute_not_exists(#pk) OR #until <= :now")
            .expression_attribute_names("#pk", clients_key::PK)
            .expression_attribute_names("#until", attr::UNTIL)
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::request("PutItem typing gate", e)),
        }
    }
}
