//! `typing`: a member tells the others they are typing. Ephemeral: nothing is stored but the gate
//! that lets through one signal per user and conversation every
//! [`crate::reactions::TYPING_INTERVAL_MS`].

use tracing::warn;

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::ServerEvent;
use crate::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationLookup, MemberListing, StoreError,
    TypingGate, UserLookup,
};
use crate::rules::{Clock, UserKey, Username};

use super::{Access, Chat, ChatError, Delivery};

/// `typing` (any member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typing {
    pub conversation: ConversationId,
}

/// Result of `typing`: nothing is answered either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypingOutcome {
    /// Posted to the other members' live connections.
    Forwarded(Delivery),
    /// The user's previous signal went out less than the interval ago: dropped.
    Dropped,
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup + TypingGate + MemberListing + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Forwards the caller's typing signal to the live connections of the conversation's other
    /// members (none of the caller's own), at most once per interval.
    pub async fn typing(
        &self,
        me: &Username,
        request: &Typing,
    ) -> Result<TypingOutcome, ChatError> {
        let my_key = me.key();
        let access = self
            .access(&my_key, &ConversationRef::Id(request.conversation.clone()))
            .await?;
        let now = self.clock.now_millis();
        if !self.store.try_typing(access.id(), &my_key, now).await? {
            return Ok(TypingOutcome::Dropped);
        }
        let (from, others) = match &access {
            Access::Direct(direct) => (me.clone(), Ok(vec![direct.other.clone()])),
            Access::Room(member) => (
                member.username.clone(),
                self.other_members(access.id(), &my_key).await,
            ),
        };
        let event = ServerEvent::typing(access.id(), &from);
        let delivery = match others {
            Ok(others) => self.post_to_users(&others, &event, None).await,
            Err(error) => Err(error),
        };
        // A lost typing signal is harmless: the next one follows in a few seconds.
        Ok(TypingOutcome::Forwarded(delivery.unwrap_or_else(|error| {
            warn!(%error, "could not deliver a typing signal");
            Delivery::default()
        })))
    }

    /// The conversation's members but `me`.
    async fn other_members(
        &self,
        conversation: &ConversationId,
        me: &UserKey,
    ) -> Result<Vec<UserKey>, StoreError> {
        Ok(self
            .store
            .all_members(conversation)
            .await?
            .into_iter()
            .map(|member| member.username.key())
            .filter(|key| key != me)
            .collect())
    }
}
