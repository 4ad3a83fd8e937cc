//! Ports: what the use cases need from the outside world. Each has one AWS adapter
//! ([`crate::dynamodb`], [`crate::apigateway`]); tests run the adapters over mocked SDK clients.
//!
//! Methods return `impl Future + Send` (rather than `async fn`) so the futures are `Send` for the
//! Lambda runtime and the local gateway's multi-threaded executor.

use std::future::Future;
use std::time::{Duration, SystemTime};

use thiserror::Error;

use crate::conversation::ConversationId;
use crate::identity::Identity;
use crate::media::{MediaKey, MediaType};
use crate::model::{
    Connection, ConversationMeta, HistoryCursor, Member, MemberPage, Message, MessagePage,
    PutOutcome, ReadAdvance, Room, User, UserPage,
};
use crate::reactions::Emoji;
use crate::rooms::Role;
use crate::rules::{PageLimit, UserKey, Username};

/// A storage call failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database refused or did not answer (throttling, outage, permissions).
    #[error("{operation} failed: {source}")]
    Request {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An item does not have the shape this code writes.
    #[error("stored item is malformed: {0}")]
    Malformed(String),
}

impl StoreError {
    pub fn request(
        operation: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Request {
            operation,
            source: Box::new(source),
        }
    }
}

// One trait per group of store operations that one IAM grant allows, so a handler's bounds say
// what its role may do: a route that only reads history cannot write users.

/// Registers live connections (`$connect`). Never read to learn who a request is from: that is
/// the authorizer's verified identity ([`crate::identity`]).
pub trait ConnectionStore: Send + Sync {
    fn save_connection(
        &self,
        connection: &Connection,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Forgets connections: at `$disconnect`, and whenever a post finds one gone (410).
pub trait ConnectionCleanup: Send + Sync {
    /// Deletes the record and returns what it was (`None` when it was already gone).
    fn delete_connection(
        &self,
        connection_id: &str,
    ) -> impl Future<Output = Result<Option<Connection>, StoreError>> + Send;

    /// Removes a connection from the user and stamps `last_seen`. Returns the user as it is after
    /// (`None` when there is no such user).
    fn detach_connection(
        &self,
        user: &UserKey,
        connection_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;
}

/// Binds a new connection to its user (`$connect`).
pub trait UserSessions: Send + Sync {
    /// Adds a live connection to the user, creating the user on first sign-in and binding the
    /// name to the account (`identity.sub`) that first claimed it. Returns the user as it was
    /// before, so the caller knows whether they just came online, or that the name belongs to
    /// another account.
    fn attach_connection(
        &self,
        identity: &Identity,
        connection_id: &str,
    ) -> impl Future<Output = Result<AttachOutcome, StoreError>> + Send;
}

/// Reads users by key.
pub trait UserLookup: Send + Sync {
    /// The users that exist among `keys`, in no particular order.
    fn users(&self, keys: &[UserKey])
    -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;
}

/// Finds users by name: the people directory. Never lists every user at once.
pub trait UserDirectory: Send + Sync {
    /// Users whose key starts with `prefix` (a lower-case key prefix), in key order, `limit` at a
    /// time, starting after `after`.
    fn search_users(
        &self,
        prefix: &str,
        limit: u32,
        after: Option<&UserKey>,
    ) -> impl Future<Output = Result<UserPage, StoreError>> + Send;
}

/// Who hears about a user's presence and profile: the partners of their direct conversations and
/// the connections that watch them. Reads only what grows with the user's own conversations.
pub trait PresenceAudience: Send + Sync {
    /// The other users of `user`'s direct conversations.
    fn direct_partners(
        &self,
        user: &UserKey,
    ) -> impl Future<Output = Result<Vec<UserKey>, StoreError>> + Send;

    /// The connections watching `user` (`watchPresence`), each with its owner.
    fn watchers(
        &self,
        user: &UserKey,
    ) -> impl Future<Output = Result<Vec<(UserKey, String)>, StoreError>> + Send;
}

/// Subscribes connections to users' presence (`watchPresence`).
pub trait PresenceWatches: Send + Sync {
    /// `connection_id` (of `watcher`) watches each of `targets` until `expires_at_secs`.
    fn watch(
        &self,
        watcher: &UserKey,
        connection_id: &str,
        targets: &[UserKey],
        expires_at_secs: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Changes a user's profile.
pub trait ProfileStore: Send + Sync {
    /// Sets or (with `None`) removes the user's profile picture. Returns the user as it is after
    /// (`None` when there is no such user).
    fn set_avatar(
        &self,
        user: &UserKey,
        avatar: Option<&MediaKey>,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;
}

/// Outcome of [`UserSessions::attach_connection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachOutcome {
    /// The connection is the user's; the user as it was before (`None`: their first sign-in).
    Attached(Option<User>),
    /// The name (case aside) is bound to another account: nothing was changed.
    NameTaken,
}

/// Writes messages, once each.
pub trait MessageWriter: Send + Sync {
    /// Stores the message unless the same sender already stored one with the same client id.
    fn put_message(
        &self,
        message: &Message,
    ) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;
}

/// Reads a conversation's history a page at a time, and counts in it (its `byConversation` index).
pub trait MessageHistory: Send + Sync {
    /// Whether `message_id` is a message of `conversation`.
    fn contains_message(
        &self,
        conversation: &ConversationId,
        message_id: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// How many messages of `conversation` come after `after` (all of them when `None`), counting
    /// no further than `cap`.
    fn count_after(
        &self,
        conversation: &ConversationId,
        after: Option<&str>,
        cap: u32,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// A page of the conversation, newest first, starting after `cursor`.
    fn message_page(
        &self,
        conversation: &ConversationId,
        limit: PageLimit,
        cursor: Option<&HistoryCursor>,
    ) -> impl Future<Output = Result<MessagePage, StoreError>> + Send;
}

/// Finds messages of a conversation by id (history's index) or by their keys.
pub trait MessageLookup: Send + Sync {
    /// The message `message_id` of `conversation` (`None`: no such message there). Read through
    /// the `byConversation` index, so a message stored a moment ago may not be found yet.
    fn message(
        &self,
        conversation: &ConversationId,
        message_id: &str,
    ) -> impl Future<Output = Result<Option<Message>, StoreError>> + Send;

    /// The messages of `conversation` among `dedup_keys` (their keys in the messages table), in
    /// no particular order: the quotes of a history page, in one batch.
    fn messages_by_key(
        &self,
        conversation: &ConversationId,
        dedup_keys: &[String],
    ) -> impl Future<Output = Result<Vec<Message>, StoreError>> + Send;
}

/// Changes a stored message: its text, or its deletion (a tombstone stays).
pub trait MessageRevision: Send + Sync {
    /// Replaces the text of `message` (as read) and stamps `edited_at`, unless it was deleted
    /// meanwhile: one conditional write.
    fn edit_message(
        &self,
        message: &Message,
        text: &str,
        edited_at: i64,
    ) -> impl Future<Output = Result<RevisionOutcome, StoreError>> + Send;

    /// Empties `message` (text, attachment, reply, reactions) and records who deleted it and
    /// when, unless it was deleted already: one conditional write.
    fn delete_message(
        &self,
        message: &Message,
        by: &Username,
        at: i64,
    ) -> impl Future<Output = Result<RevisionOutcome, StoreError>> + Send;
}

/// Outcome of a [`MessageRevision`] write.
#[derive(Debug, Clone, PartialEq, Eq)]
// One per write, moved straight to the caller: boxing the message would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum RevisionOutcome {
    /// The message as it is now.
    Revised(Message),
    /// It was deleted (before this call): nothing changed.
    Deleted,
    /// There is no such message: nothing changed.
    Missing,
}

/// Reactions on messages: atomic per message, whatever the concurrent toggles.
pub trait ReactionStore: Send + Sync {
    /// Makes `user`'s reaction with `emoji` on `message` (as read) be `reacted`, keeping at most
    /// `max_distinct` distinct emojis on the message.
    fn set_reaction(
        &self,
        message: &Message,
        user: &UserKey,
        emoji: &Emoji,
        reacted: bool,
        max_distinct: usize,
    ) -> impl Future<Output = Result<ReactionOutcome, StoreError>> + Send;
}

/// Outcome of [`ReactionStore::set_reaction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionOutcome {
    /// The reaction changed; `count` is the emoji's count now.
    Changed { count: u32 },
    /// It already was as asked (a retry, or another tab): nothing was written.
    Unchanged { count: u32 },
    /// Nothing changed: a new emoji would exceed the distinct limit.
    TooMany,
    /// Nothing changed: the message is deleted.
    Deleted,
    /// Nothing changed: there is no such message.
    Missing,
}

/// Lets through at most one typing signal per user and conversation per
/// [`crate::reactions::TYPING_INTERVAL_MS`].
pub trait TypingGate: Send + Sync {
    /// Whether `user`'s typing signal at `now` (epoch ms) may be forwarded (and records it if so).
    fn try_typing(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Removes stored media: a deleted message's attachment.
pub trait MediaDeletion: Send + Sync {
    /// Deletes the object; one that is already gone is not an error.
    fn delete_object(&self, key: &MediaKey) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Reads conversations and memberships by key.
pub trait ConversationLookup: Send + Sync {
    /// `user`'s membership of `conversation` (strongly consistent: a removal counts at once).
    fn member(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
    ) -> impl Future<Output = Result<Option<Member>, StoreError>> + Send;

    /// The room, when `conversation` is one that exists.
    fn room(
        &self,
        conversation: &ConversationId,
    ) -> impl Future<Output = Result<Option<Room>, StoreError>> + Send;
}

/// Reads several memberships or conversations at once.
pub trait ConversationBatchLookup: Send + Sync {
    /// The memberships that exist among `keys` (each a conversation and a user), in no
    /// particular order.
    fn memberships_of(
        &self,
        keys: &[(ConversationId, UserKey)],
    ) -> impl Future<Output = Result<Vec<Member>, StoreError>> + Send;

    /// The conversations among `ids` that exist, in no particular order.
    fn conversation_metas(
        &self,
        ids: &[ConversationId],
    ) -> impl Future<Output = Result<Vec<ConversationMeta>, StoreError>> + Send;
}

/// Lists a conversation's members.
pub trait MemberListing: Send + Sync {
    /// A page of the members, in key order, starting after `after`.
    fn member_page(
        &self,
        conversation: &ConversationId,
        limit: u32,
        after: Option<&UserKey>,
    ) -> impl Future<Output = Result<MemberPage, StoreError>> + Send;

    /// Every member, following every page (a room has at most [`crate::rooms::MAX_ROOM_MEMBERS`]).
    fn all_members(
        &self,
        conversation: &ConversationId,
    ) -> impl Future<Output = Result<Vec<Member>, StoreError>> + Send;
}

/// Lists a user's memberships: their inbox.
pub trait MembershipIndex: Send + Sync {
    /// `user`'s memberships, at most `cap`, in conversation id order.
    fn memberships(
        &self,
        user: &UserKey,
        cap: usize,
    ) -> impl Future<Output = Result<Vec<Member>, StoreError>> + Send;
}

/// What every message changes in its conversation: a fixed number of writes whatever its size.
pub trait ConversationActivity: Send + Sync {
    /// Records `message` as its conversation's last (creating a direct conversation's record).
    fn record_last_message(
        &self,
        message: &Message,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Makes `user` a member of the direct conversation `conversation` unless they are one.
    fn join_direct(
        &self,
        conversation: &ConversationId,
        user: &Username,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Updates the conversation's last message to `message` as it is now (edited or deleted),
    /// if it still is the last one; otherwise nothing changes.
    fn revise_last_message(
        &self,
        message: &Message,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Moves `user`'s read point in `conversation` forward to `message_id`, never back.
    fn advance_read_point(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
        message_id: &str,
    ) -> impl Future<Output = Result<ReadAdvance, StoreError>> + Send;
}

/// Creates rooms.
pub trait RoomCreation: Send + Sync {
    /// Stores the room and its first members (the owner among them) at once.
    fn create_room(
        &self,
        room: &Room,
        members: &[Member],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Changes a room: its name, its members and their roles.
pub trait RoomAdministration: Send + Sync {
    /// Renames the room; returns it as it is after (`None`: no such room).
    fn rename_room(
        &self,
        conversation: &ConversationId,
        name: &str,
    ) -> impl Future<Output = Result<Option<Room>, StoreError>> + Send;

    /// Adds members who are not members yet, with the member count, unless the room would hold
    /// more than `max_members`. Returns the room as it is after.
    fn add_members(
        &self,
        conversation: &ConversationId,
        members: &[Member],
        max_members: u32,
    ) -> impl Future<Output = Result<AddMembersOutcome, StoreError>> + Send;

    /// Removes `user` from the room and returns the room as it is after (`None`: `user` was not
    /// a member).
    fn remove_member(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
    ) -> impl Future<Output = Result<Option<Room>, StoreError>> + Send;

    /// Sets each `(user, role)` at once, all of them members.
    fn set_roles(
        &self,
        conversation: &ConversationId,
        roles: &[(UserKey, Role)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Outcome of [`RoomAdministration::add_members`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddMembersOutcome {
    Added(Room),
    /// Nothing was added: the room would hold more than its limit.
    Full,
    /// Nothing was added: one of them became a member meanwhile, or the room is gone.
    Conflict,
}

/// Everything the use cases store: one adapter (DynamoDB) and the in-memory test store implement
/// it all; the handlers ask only for what they use.
pub trait ChatStore:
    ConnectionStore
    + ConnectionCleanup
    + UserSessions
    + UserLookup
    + UserDirectory
    + PresenceAudience
    + PresenceWatches
    + ProfileStore
    + MessageWriter
    + MessageHistory
    + MessageLookup
    + MessageRevision
    + ReactionStore
    + TypingGate
    + ConversationLookup
    + ConversationBatchLookup
    + MemberListing
    + MembershipIndex
    + ConversationActivity
    + RoomCreation
    + RoomAdministration
{
}

impl<T> ChatStore for T where
    T: ConnectionStore
        + ConnectionCleanup
        + UserSessions
        + UserLookup
        + UserDirectory
        + PresenceAudience
        + PresenceWatches
        + ProfileStore
        + MessageWriter
        + MessageHistory
        + MessageLookup
        + MessageRevision
        + ReactionStore
        + TypingGate
        + ConversationLookup
        + ConversationBatchLookup
        + MemberListing
        + MembershipIndex
        + ConversationActivity
        + RoomCreation
        + RoomAdministration
{
}

/// Why a post to a connection failed.
#[derive(Debug, Error)]
pub enum NotifyError {
    /// The connection no longer exists (API Gateway's 410 GoneException): clean it up.
    #[error("connection is gone")]
    Gone,
    #[error("posting to the connection failed: {0}")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Sends data down a client's WebSocket (API Gateway's @connections API).
pub trait ConnectionNotifier: Send + Sync {
    fn post(
        &self,
        connection_id: &str,
        payload: &str,
    ) -> impl Future<Output = Result<(), NotifyError>> + Send;
}

/// A request the browser sends to the media store itself, signed by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    /// Headers the browser must send exactly as given (they are part of the signature).
    pub headers: Vec<(String, String)>,
}

/// Signing a request failed: no credentials could be had, or the request could not be built.
#[derive(Debug, Error)]
#[error("could not presign {operation}: {source}")]
pub struct SignError {
    pub operation: &'static str,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// Signs uploads to and downloads from the media bucket (S3 presigned URLs). Signing needs no call
/// to the store: a browser uses the URL directly, so files never pass through a function.
pub trait MediaSigner: Send + Sync {
    /// A `PUT` of exactly `size` bytes of `media_type` to `key`, valid for `lifetime` from `now`.
    fn presign_upload(
        &self,
        key: &MediaKey,
        media_type: MediaType,
        size: u64,
        now: SystemTime,
        lifetime: Duration,
    ) -> impl Future<Output = Result<PresignedRequest, SignError>> + Send;

    /// A `GET` of `key`, valid for `lifetime` from `now`.
    fn presign_download(
        &self,
        key: &MediaKey,
        now: SystemTime,
        lifetime: Duration,
    ) -> impl Future<Output = Result<PresignedRequest, SignError>> + Send;
}
