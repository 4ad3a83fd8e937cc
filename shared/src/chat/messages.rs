//! Sending a message into a conversation and reading its history.

use crate::conversation::{ConversationRef, DirectConversation};
use crate::events::ServerEvent;
use crate::media::Attachment;
use crate::model::{HistoryCursor, Message, MessagePage, PutOutcome};
use crate::ports::{
    ConnectionCleanup, ConnectionNotifier, MessageHistory, MessageWriter, UserLookup,
};
use crate::rules::{
    ClientMessageId, Clock, MessageText, PageLimit, UserKey, Username, new_message_id,
};

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
    pub delivery: Delivery,
}

/// Result of `getMessages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub conversation: DirectConversation,
    /// The other user, as the request named them (or by key when it named the conversation).
    pub with: String,
    pub page: MessagePage,
}

impl<S, N, C> Chat<S, N, C>
where
    S: MessageHistory,
{
    /// A page of one of the caller's conversations, newest first.
    pub async fn history(
        &self,
        me: &Username,
        request: &GetMessages,
    ) -> Result<History, ChatError> {
        let conversation = request.conversation.resolve(&me.key())?;
        let with = match &request.conversation {
            ConversationRef::DirectWith(name) => name.as_str().to_owned(),
            ConversationRef::Id(_) => conversation.other.as_str().to_owned(),
        };
        let page = self
            .store
            .message_page(&conversation.id, request.limit, request.cursor.as_ref())
            .await?;
        Ok(History {
            conversation,
            with,
            page,
        })
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: UserLookup + MessageWriter + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Persists the message (once, whatever the retries), then delivers it to every live
    /// connection of the recipient and to the sender's other connections (`connection_id` is the
    /// sending one, which gets the answer instead).
    pub async fn send_message(
        &self,
        me: &Username,
        connection_id: &str,
        request: SendMessage,
    ) -> Result<SentMessage, ChatError> {
        let sender_key = me.key();
        let conversation = request.conversation.resolve(&sender_key)?;
        let recipient_key = conversation.other;
        let users = self
            .store
            .users(&[recipient_key.clone(), sender_key.clone()])
            .await?;
        let find = |key: &UserKey| users.iter().find(|user| user.username.key() == *key);
        let recipient =
            find(&recipient_key).ok_or(ChatError::UnknownRecipient(recipient_key.clone()))?;
        if let Some(attachment) = &request.attachment
            && !attachment
                .key
                .is_attachment_of(&sender_key, &conversation.id)
        {
            return Err(ChatError::ForbiddenMedia(
                "the attachment is not your upload for this conversation",
            ));
        }

        // The name as the user's record spells it (their first sign-in's spelling).
        let from = find(&sender_key).map_or_else(|| me.clone(), |user| user.username.clone());
        let now = self.clock.now_millis();
        let message = Message {
            id: new_message_id(now),
            conversation_id: conversation.id,
            from,
            to: recipient.username.clone(),
            text: request
                .text
                .map(|text| text.into_string())
                .unwrap_or_default(),
            attachment: request.attachment,
            sent_at: now,
            client_message_id: request.client_message_id,
        };
        if let PutOutcome::Duplicate(original) = self.store.put_message(&message).await? {
            // The first attempt stored and delivered it; recipients that missed the live event
            // find it in history, so a retry only re-acknowledges.
            return Ok(SentMessage {
                message: *original,
                duplicate: true,
                delivery: Delivery::default(),
            });
        }

        let sender_others = find(&sender_key)
            .into_iter()
            .flat_map(owned_connections)
            .filter(|(_, id)| id != connection_id);
        let targets = owned_connections(recipient).chain(sender_others).collect();
        let delivery = self
            .deliver(targets, &ServerEvent::message(&message).to_json())
            .await;
        Ok(SentMessage {
            message,
            duplicate: false,
            delivery,
        })
    }
}
