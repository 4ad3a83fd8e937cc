//! Who may use a conversation: the two users of a direct conversation (its id says who they are),
//! the stored members of a room. Knowing an id grants nothing.

use crate::conversation::{ConversationId, ConversationRef, DirectConversation, Target};
use crate::model::Member;
use crate::ports::ConversationLookup;
use crate::rules::UserKey;

use super::{Chat, ChatError};

/// A conversation the caller belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Direct(DirectConversation),
    /// A room, with the caller's membership as stored.
    Room(Member),
}

impl Access {
    pub fn id(&self) -> &ConversationId {
        match self {
            Self::Direct(direct) => &direct.id,
            Self::Room(member) => &member.conversation_id,
        }
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup,
{
    /// The conversation `me` names, if `me` is one of its members (a room's membership is read
    /// strongly consistent, so a removal counts at once).
    pub(super) async fn access(
        &self,
        me: &UserKey,
        conversation: &ConversationRef,
    ) -> Result<Access, ChatError> {
        match conversation.target(me)? {
            Target::Direct(direct) => Ok(Access::Direct(direct)),
            Target::Room(id) => self.room_member(&id, me).await.map(Access::Room),
        }
    }

    /// `user`'s membership of the room `id`; not a member (or no such room) is `NotAMember`.
    pub(super) async fn room_member(
        &self,
        id: &ConversationId,
        user: &UserKey,
    ) -> Result<Member, ChatError> {
        if !id.is_room() {
            return Err(ChatError::NotAMember);
        }
        self.store
            .member(id, user)
            .await?
            .ok_or(ChatError::NotAMember)
    }
}
