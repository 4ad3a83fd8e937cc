//! A message's life after it is sent: its author edits it; its author (in a room, also an owner or
//! an admin) deletes it, leaving a tombstone; any member reacts to it. Each change is stored
//! before it is told to the conversation's other connections.

use tracing::warn;

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::ServerEvent;
use crate::model::{Deletion, Message};
use crate::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationActivity, ConversationLookup, MediaDeletion,
    MemberListing, MessageLookup, MessageRevision, ReactionOutcome, ReactionStore, RevisionOutcome,
    UserLookup,
};
use crate::reactions::{Emoji, MAX_DISTINCT_REACTIONS};
use crate::rules::{Clock, MessageText, RequestId, RuleError, Username};

use super::{Access, Chat, ChatError, Delivery};

/// `editMessage` (author only): the message's new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditMessage {
    pub conversation: ConversationId,
    pub message_id: String,
    /// `None` (blank text) removes the text, which only a message with an attachment may lose.
    pub text: Option<MessageText>,
    pub request_id: Option<RequestId>,
}

/// `deleteMessage` (the author; in a room also an owner or admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteMessage {
    pub conversation: ConversationId,
    pub message_id: String,
    pub request_id: Option<RequestId>,
}

/// `react` (any member): the caller's reaction with `emoji` is to be `reacted`. Stating the wanted
/// state (not "toggle") makes a retry, or a second tab, change nothing twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct React {
    pub conversation: ConversationId,
    pub message_id: String,
    /// As sent: [`Emoji::parse`]d here, not by the protocol decoder, so Unicode's emoji list is
    /// linked only into the function that serves `react` (docs/decisions.md).
    pub emoji: String,
    pub reacted: bool,
    pub request_id: Option<RequestId>,
}

/// Result of `editMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The message as it is now.
    pub message: Message,
    /// False when the text was already this one: nothing was written or posted.
    pub changed: bool,
    pub delivery: Delivery,
}

/// Result of `deleteMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// The tombstone.
    pub message: Message,
    pub deletion: Deletion,
    pub delivery: Delivery,
}

/// Result of `react`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reacted {
    pub conversation: ConversationId,
    pub message_id: String,
    pub emoji: Emoji,
    /// Who reacted (the caller, as the conversation spells them).
    pub user: Username,
    /// Whether `user` now reacts with `emoji`.
    pub reacted: bool,
    /// How many users react with `emoji` now.
    pub count: u32,
    /// False when it already was so (a retry): nothing was posted.
    pub changed: bool,
    pub delivery: Delivery,
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup + MessageLookup,
{
    /// The caller's conversation and its message `message_id`, in that order: a stranger learns
    /// nothing about which messages a conversation holds.
    async fn member_message(
        &self,
        me: &Username,
        conversation: &ConversationId,
        message_id: &str,
    ) -> Result<(Access, Message), ChatError> {
        let access = self
            .access(&me.key(), &ConversationRef::Id(conversation.clone()))
            .await?;
        let message = self
            .store
            .message(conversation, message_id)
            .await?
            .ok_or(ChatError::UnknownMessage)?;
        Ok((access, message))
    }
}

/// `me` as the conversation spells them: the room membership's or the message record's spelling.
fn spelled(me: &Username, access: &Access, message: &Message) -> Username {
    let key = me.key();
    match access {
        Access::Room(member) => member.username.clone(),
        Access::Direct(_) => [Some(&message.from), message.to.as_ref()]
            .into_iter()
            .flatten()
            .find(|name| name.key() == key)
            .unwrap_or(me)
            .clone(),
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup
        + MessageLookup
        + MessageRevision
        + ConversationActivity
        + ConnectionCleanup
        + UserLookup
        + MemberListing,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Replaces the text of one of the caller's messages, then tells the conversation's other
    /// connections (`connection_id`, the calling one, gets the answer instead).
    pub async fn edit_message(
        &self,
        me: &Username,
        connection_id: &str,
        request: &EditMessage,
    ) -> Result<Edited, ChatError> {
        let (access, message) = self
            .member_message(me, &request.conversation, &request.message_id)
            .await?;
        if message.deleted.is_some() {
            return Err(ChatError::MessageDeleted);
        }
        if message.from.key() != me.key() {
            return Err(ChatError::NotAuthor);
        }
        let text = match (&request.text, &message.attachment) {
            (Some(text), _) => text.as_str(),
            (None, Some(_)) => "",
            (None, None) => return Err(RuleError::EmptyText.into()),
        };
        if text == message.text {
            return Ok(Edited {
                message,
                changed: false,
                delivery: Delivery::default(),
            });
        }
        let now = self.clock.now_millis();
        let edited = revised(self.store.edit_message(&message, text, now).await?)?;
        self.revise_preview(&edited).await;
        let event = ServerEvent::message_edited(&edited, None);
        let delivery = self
            .post_to_conversation(&access, &me.key(), &event, Some(connection_id))
            .await;
        Ok(Edited {
            message: edited,
            changed: true,
            delivery,
        })
    }

    /// Deletes a message, leaving a tombstone: its attachment's file first (so a failure leaves
    /// nothing orphaned and the client may retry), then the message's content. Then tells the
    /// conversation's other connections.
    pub async fn delete_message(
        &self,
        media: &impl MediaDeletion,
        me: &Username,
        connection_id: &str,
        request: &DeleteMessage,
    ) -> Result<Deleted, ChatError> {
        let (access, message) = self
            .member_message(me, &request.conversation, &request.message_id)
            .await?;
        if message.deleted.is_some() {
            return Err(ChatError::MessageDeleted);
        }
        let by = if message.from.key() == me.key() {
            message.from.clone()
        } else {
            match &access {
                Access::Room(member) if member.role.manages_room() => member.username.clone(),
                _ => return Err(ChatError::NotAuthor),
            }
        };
        if let Some(attachment) = &message.attachment {
            media.delete_object(&attachment.key).await?;
        }
        let now = self.clock.now_millis();
        let tombstone = revised(self.store.delete_message(&message, &by, now).await?)?;
        self.revise_preview(&tombstone).await;
        let deletion = tombstone
            .deleted
            .clone()
            .unwrap_or(Deletion { by, at: now });
        let event = ServerEvent::message_deleted(&tombstone, &deletion, None);
        let delivery = self
            .post_to_conversation(&access, &me.key(), &event, Some(connection_id))
            .await;
        Ok(Deleted {
            message: tombstone,
            deletion,
            delivery,
        })
    }

    /// The inbox preview follows an edit or a deletion of the conversation's last message (the
    /// store changes it only if the message still is the last). Best effort: the message itself
    /// is changed, and the preview is corrected by the next message.
    async fn revise_preview(&self, message: &Message) {
        if let Err(error) = self.store.revise_last_message(message).await {
            warn!(%error, message_id = %message.id, "could not revise the conversation's preview");
        }
    }
}

/// The message a revision left, or why there is none.
fn revised(outcome: RevisionOutcome) -> Result<Message, ChatError> {
    match outcome {
        RevisionOutcome::Revised(message) => Ok(message),
        RevisionOutcome::Deleted => Err(ChatError::MessageDeleted),
        RevisionOutcome::Missing => Err(ChatError::UnknownMessage),
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup
        + MessageLookup
        + ReactionStore
        + ConnectionCleanup
        + UserLookup
        + MemberListing,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Sets the caller's reaction on a message as asked; when that changed something, tells the
    /// conversation's other connections.
    pub async fn react(
        &self,
        me: &Username,
        connection_id: &str,
        request: &React,
    ) -> Result<Reacted, ChatError> {
        let emoji = Emoji::parse(&request.emoji)?;
        let (access, message) = self
            .member_message(me, &request.conversation, &request.message_id)
            .await?;
        if message.deleted.is_some() {
            return Err(ChatError::MessageDeleted);
        }
        let outcome = self
            .store
            .set_reaction(
                &message,
                &me.key(),
                &emoji,
                request.reacted,
                MAX_DISTINCT_REACTIONS,
            )
            .await?;
        let (count, changed) = match outcome {
            ReactionOutcome::Changed { count } => (count, true),
            ReactionOutcome::Unchanged { count } => (count, false),
            ReactionOutcome::TooMany => return Err(ChatError::TooManyReactions),
            ReactionOutcome::Deleted => return Err(ChatError::MessageDeleted),
            ReactionOutcome::Missing => return Err(ChatError::UnknownMessage),
        };
        let mut reacted = Reacted {
            conversation: request.conversation.clone(),
            message_id: message.id.clone(),
            emoji,
            user: spelled(me, &access, &message),
            reacted: request.reacted,
            count,
            changed,
            delivery: Delivery::default(),
        };
        if changed {
            let event = ServerEvent::reaction(&reacted, None);
            reacted.delivery = self
                .post_to_conversation(&access, &me.key(), &event, Some(connection_id))
                .await;
        }
        Ok(reacted)
    }
}
