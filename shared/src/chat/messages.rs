//! Sending a message into a conversation and reading its history.

use tracing::warn;

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::ServerEvent;
use crate::media::Attachment;
use crate::model::{HistoryCursor, Message, MessagePage, MessageRef, PutOutcome};
use crate::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationActivity, ConversationLookup, MemberListing,
    MessageHistory, MessageLookup, MessageWriter, UserLookup,
};
use crate::rules::{
    ClientMessageId, Clock, MessageText, PageLimit, UserKey, Username, new_message_id,
};

use super::access::Access;
use super::delivery::owned_connections;
use super::{Chat, ChatError, Delivery};

/// `sendMessage`: a message for a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessage {
    pub conversation: ConversationRef,
    /// `None` only when there is an attachment: then the text may be left out.
    pub text: Option<MessageText>,
    pub attachment: Option<Attachment>,
    /// The client's id, or a generated one when the client sent none (then a retry is not deduplicated).
    pub client_message_id: ClientMessageId,
    /// The id of the message (of the same conversation, not deleted) this one answers.
    pub reply_to: Option<String>,
}

/// `getMessages`: a page of a conversation's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMessages {
    pub conversation: ConversationRef,
    pub limit: PageLimit,
    pub cursor: Option<HistoryCursor>,
}

/// Result of `sendMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The message as stored (the original one when this was a retry).
    pub message: Message,
    pub duplicate: bool,
    /// The message it answers, as it is now (`None` when it answers none, or that one was not
    /// found).
    pub quoted: Option<Message>,
    pub delivery: Delivery,
}

/// Result of `getMessages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub conversation: Access,
    /// The other user of a direct conversation, as the request named them (or by key when it
    /// named the conversation); `None` for a room.
    pub with: Option<String>,
    pub page: MessagePage,
    /// The messages the page's messages answer, as they are now (each once, in no particular
    /// order; one that cannot be found is missing).
    pub quoted: Vec<Message>,
}

impl<S, N, C> Chat<S, N, C>
where
    S: MessageHistory + MessageLookup + ConversationLookup,
{
    /// A page of one of the caller's conversations, newest first.
    pub async fn history(
        &self,
        me: &Username,
        request: &GetMessages,
    ) -> Result<History, ChatError> {
        let conversation = self.access(&me.key(), &request.conversation).await?;
        let with = match (&request.conversation, &conversation) {
            (ConversationRef::DirectWith(name), _) => Some(name.as_str().to_owned()),
            (ConversationRef::Id(_), Access::Direct(direct)) => {
                Some(direct.other.as_str().to_owned())
            }
            (ConversationRef::Id(_), Access::Room(_)) => None,
        };
        let page = self
            .store
            .message_page(conversation.id(), request.limit, request.cursor.as_ref())
            .await?;
        let quoted = self.quoted_by(conversation.id(), &page.messages).await?;
        Ok(History {
            conversation,
            with,
            page,
            quoted,
        })
    }

    /// The messages `messages` answer: those on the page from it, the others in one batch read.
    async fn quoted_by(
        &self,
        conversation: &ConversationId,
        messages: &[Message],
    ) -> Result<Vec<Message>, ChatError> {
        let mut quoted: Vec<Message> = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        for reference in messages
            .iter()
            .filter_map(|message| message.reply_to.as_ref())
        {
            if quoted.iter().any(|found| found.id == reference.id)
                || missing.contains(&reference.dedup_key)
            {
                continue;
            }
            match messages.iter().find(|message| message.id == reference.id) {
                Some(on_page) => quoted.push(on_page.clone()),
                None => missing.push(reference.dedup_key.clone()),
            }
        }
        if !missing.is_empty() {
            let read = self.store.messages_by_key(conversation, &missing).await?;
            quoted.extend(
                read.into_iter()
                    .filter(|message| message.conversation_id == *conversation),
            );
        }
        Ok(quoted)
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: UserLookup
        + MessageWriter
        + MessageLookup
        + ConnectionCleanup
        + ConversationLookup
        + ConversationActivity
        + MemberListing,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Persists the message (once, whatever the retries) and records it as its conversation's
    /// latest (a fixed number of writes, whatever the room's size), then delivers it to every
    /// live connection of the other members and to the sender's other connections
    /// (`connection_id` is the sending one, which gets the answer instead). A reply names a
    /// message of the same conversation that is not deleted; the event carries its quote.
    pub async fn send_message(
        &self,
        me: &Username,
        connection_id: &str,
        request: SendMessage,
    ) -> Result<SentMessage, ChatError> {
        let sender_key = me.key();
        let access = self.access(&sender_key, &request.conversation).await?;
        let (recipient, sender) = match &access {
            Access::Direct(direct) => {
                let users = self
                    .store
                    .users(&[direct.other.clone(), sender_key.clone()])
                    .await?;
                let find = |key: &UserKey| {
                    users
                        .iter()
                        .find(|user| user.username.key() == *key)
                        .cloned()
                };
                let recipient = find(&direct.other)
                    .ok_or_else(|| ChatError::UnknownRecipient(direct.other.clone()))?;
                (Some(recipient), find(&sender_key))
            }
            Access::Room(_) => (None, None),
        };
        if let Some(attachment) = &request.attachment
            && !attachment.key.is_attachment_of(&sender_key, access.id())
        {
            return Err(ChatError::ForbiddenMedia(
                "the attachment is not your upload for this conversation",
            ));
        }
        let quoted = match &request.reply_to {
            Some(message_id) => {
                let original = self
                    .store
                    .message(access.id(), message_id)
                    .await?
                    .ok_or(ChatError::UnknownMessage)?;
                if original.deleted.is_some() {
                    return Err(ChatError::MessageDeleted);
                }
                Some(original)
            }
            None => None,
        };

        // The name as the user's record spells it (their first sign-in's spelling).
        let from = match (&sender, &access) {
            (Some(user), _) => user.username.clone(),
            (None, Access::Room(member)) => member.username.clone(),
            (None, Access::Direct(_)) => me.clone(),
        };
        let now = self.clock.now_millis();
        let message = Message {
            id: new_message_id(now),
            conversation_id: access.id().clone(),
            from,
            to: recipient.as_ref().map(|user| user.username.clone()),
            text: request
                .text
                .map(|text| text.into_string())
                .unwrap_or_default(),
            attachment: request.attachment,
            sent_at: now,
            client_message_id: request.client_message_id,
            edited_at: None,
            deleted: None,
            reply_to: quoted.as_ref().map(MessageRef::to),
            reactions: Vec::new(),
        };
        let outcome = self.store.put_message(&message).await?;
        let stored = match &outcome {
            PutOutcome::Stored => &message,
            PutOutcome::Duplicate(original) => original,
        };
        // Idempotent, so a retry repairs what a failed first attempt left undone.
        self.record_in_conversation(stored, &access, now).await?;
        if let PutOutcome::Duplicate(original) = outcome {
            // The first attempt delivered it; recipients that missed the live event find it in
            // history and their inbox, so a retry only re-acknowledges.
            let quoted = quoted.filter(|quoted| {
                original
                    .reply_to
                    .as_ref()
                    .is_some_and(|reference| reference.id == quoted.id)
            });
            return Ok(SentMessage {
                message: *original,
                duplicate: true,
                quoted,
                delivery: Delivery::default(),
            });
        }

        let event = ServerEvent::message(&message, quoted.as_ref());
        let delivery = match &access {
            Access::Direct(_) => {
                let sender_others = sender
                    .iter()
                    .flat_map(owned_connections)
                    .filter(|(_, id)| id != connection_id);
                let targets = recipient
                    .iter()
                    .flat_map(owned_connections)
                    .chain(sender_others)
                    .collect();
                self.deliver(targets, &event.to_json()).await
            }
            // The message is stored: a failed read of the members costs only the live delivery
            // (they find it in history and their inbox), never an error the client would retry.
            Access::Room(member) => self
                .post_to_members(&member.conversation_id, &[], &event, Some(connection_id))
                .await
                .unwrap_or_else(|error| {
                    warn!(%error, "could not read the room's members to deliver a message");
                    Delivery::default()
                }),
        };
        Ok(SentMessage {
            message,
            duplicate: false,
            quoted,
            delivery,
        })
    }

    /// The conversation's last message and the sender's read point (a direct conversation's
    /// two memberships are created by its messages).
    async fn record_in_conversation(
        &self,
        message: &Message,
        access: &Access,
        now: i64,
    ) -> Result<(), ChatError> {
        self.store.record_last_message(message).await?;
        if let (Access::Direct(_), Some(to)) = (access, &message.to) {
            let conversation = &message.conversation_id;
            self.store
                .join_direct(conversation, &message.from, now)
                .await?;
            self.store.join_direct(conversation, to, now).await?;
        }
        self.store
            .advance_read_point(&message.conversation_id, &message.from.key(), &message.id)
            .await?;
        Ok(())
    }
}
