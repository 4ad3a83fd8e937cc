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
use crate::model::{Connection, HistoryCursor, Message, MessagePage, PutOutcome, User};
use crate::rules::{PageLimit, UserKey};

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

/// Lists every user.
pub trait UserListing: Send + Sync {
    /// Every known user, following every page of the listing.
    fn all_users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;
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

/// Reads a conversation's history a page at a time.
pub trait MessageHistory: Send + Sync {
    /// A page of the conversation, newest first, starting after `cursor`.
    fn message_page(
        &self,
        conversation: &ConversationId,
        limit: PageLimit,
        cursor: Option<&HistoryCursor>,
    ) -> impl Future<Output = Result<MessagePage, StoreError>> + Send;
}

/// Everything the use cases store: one adapter (DynamoDB) and the in-memory test store implement
/// it all; the handlers ask only for what they use.
pub trait ChatStore:
    ConnectionStore
    + ConnectionCleanup
    + UserSessions
    + UserLookup
    + UserListing
    + ProfileStore
    + MessageWriter
    + MessageHistory
{
}

impl<T> ChatStore for T where
    T: ConnectionStore
        + ConnectionCleanup
        + UserSessions
        + UserLookup
        + UserListing
        + ProfileStore
        + MessageWriter
        + MessageHistory
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
