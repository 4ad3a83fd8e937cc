//! The chat's use cases, one module per concept, each taking the domain's commands (which the
//! protocol decodes) and asking only for the ports it uses. They hold every rule about ordering
//! and delivery: a message is persisted before it is delivered, a retry never stores it twice, and
//! a dead connection is cleaned up without failing the sender.

mod access;
mod delivery;
mod inbox;
mod lifecycle;
mod messages;
mod people;
mod presence;
mod rooms;
#[cfg(all(test, feature = "test-support"))]
mod tests;
mod typing;

use thiserror::Error;

use crate::conversation::ConversationError;
use crate::ports::{SignError, StoreError};
use crate::rules::{RuleError, UserKey, Username};

pub use access::Access;
pub use delivery::Delivery;
pub use inbox::{GetConversations, InboxCursor, InboxEntry, InboxPage, MarkRead, ReadPoint};
pub use lifecycle::{DeleteMessage, Deleted, EditMessage, Edited, React, Reacted};
pub use messages::{GetMessages, History, SendMessage, SentMessage};
pub use people::{SearchPeople, SetAvatar};
pub use presence::{WatchPresence, Watched};
pub use rooms::{
    AddMembers, CreateRoom, GetMembers, MembershipChange, MembershipChangeKind, RemoveMember,
    RenameRoom, RoomMembers, SetRole,
};
pub use typing::{Typing, TypingOutcome};

/// Why a use case could not do what was asked.
#[derive(Debug, Error)]
pub enum ChatError {
    #[error("this connection is not registered; reconnect")]
    UnknownConnection,
    #[error("the name \"{0}\" belongs to another account")]
    NameTaken(Username),
    #[error("no user is called \"{0}\"")]
    UnknownRecipient(UserKey),
    #[error("you cannot send a message to yourself")]
    MessageToSelf,
    #[error("you are not a member of this conversation")]
    NotAMember,
    #[error("{0}")]
    ForbiddenRole(&'static str),
    #[error(
        "the room would have more than {} members",
        crate::rooms::MAX_ROOM_MEMBERS
    )]
    RoomFull,
    #[error("the owner cannot leave a room with other members: make someone else the owner first")]
    OwnerMustTransfer,
    #[error("that message is not in this conversation")]
    UnknownMessage,
    #[error("that message was deleted")]
    MessageDeleted,
    #[error(
        "only the author may edit a message, and delete it (in a room, also an owner or admin)"
    )]
    NotAuthor,
    #[error(
        "a message carries at most {} different reactions",
        crate::reactions::MAX_DISTINCT_REACTIONS
    )]
    TooManyReactions,
    /// A rule that only the stored message can tell is broken (emptying the text of a message
    /// without an attachment).
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("the room changed meanwhile; try again")]
    Conflict,
    #[error("\"{0}\" is not a member of this room")]
    NotInRoom(UserKey),
    #[error("{0}")]
    ForbiddenMedia(&'static str),
    #[error("the chat could not complete this request; try again")]
    Store(#[from] StoreError),
    #[error("the chat could not complete this request; try again")]
    Signing(#[from] SignError),
}

impl ChatError {
    /// Stable code sent to clients in `error` events (documented in docs/protocol.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownConnection => "unknown_connection",
            Self::NameTaken(_) => "name_taken",
            Self::UnknownRecipient(_) => "unknown_recipient",
            Self::MessageToSelf => "invalid_recipient",
            Self::NotAMember => "not_a_member",
            Self::ForbiddenRole(_) => "forbidden_role",
            Self::RoomFull => "room_full",
            Self::OwnerMustTransfer => "owner_must_transfer",
            Self::UnknownMessage => "invalid_message_id",
            Self::MessageDeleted => "message_deleted",
            Self::NotAuthor => "not_author",
            Self::TooManyReactions => "too_many_reactions",
            Self::Rule(rule) => rule.code(),
            Self::Conflict => "conflict",
            Self::NotInRoom(_) => "not_in_room",
            Self::ForbiddenMedia(_) => "forbidden_media",
            Self::Store(_) | Self::Signing(_) => "service_unavailable",
        }
    }
}

impl From<ConversationError> for ChatError {
    fn from(error: ConversationError) -> Self {
        match error {
            ConversationError::NotAMember => Self::NotAMember,
            ConversationError::WithSelf => Self::MessageToSelf,
        }
    }
}

/// The chat, over its ports. Each use case's `impl` block names the ports it needs.
pub struct Chat<S, N, C> {
    store: S,
    notifier: N,
    clock: C,
}

impl<S, N, C> Chat<S, N, C> {
    pub fn new(store: S, notifier: N, clock: C) -> Self {
        Self {
            store,
            notifier,
            clock,
        }
    }
}
