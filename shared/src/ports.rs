//! Ports: what the use cases need from the outside world. Each has one AWS adapter
//! ([`crate::dynamodb`], [`crate::apigateway`]); tests run the adapters over mocked SDK clients.
//!
//! Methods return `impl Future + Send` (rather than `async fn`) so the futures are `Send` for the
//! Lambda runtime and the local gateway's multi-threaded executor.

use std::future::Future;

use thiserror::Error;

use crate::model::{Connection, HistoryCursor, Message, MessagePage, PutOutcome, User};
use crate::rules::{ConversationId, PageLimit, UserKey, Username};

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

/// Live connections, by connection id.
pub trait ConnectionStore: Send + Sync {
    fn save_connection(
        &self,
        connection: &Connection,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn find_connection(
        &self,
        connection_id: &str,
    ) -> impl Future<Output = Result<Option<Connection>, StoreError>> + Send;

    /// Deletes the record and returns what it was (`None` when it was already gone).
    fn delete_connection(
        &self,
        connection_id: &str,
    ) -> impl Future<Output = Result<Option<Connection>, StoreError>> + Send;
}

/// Users and the ids of their live connections.
pub trait UserStore: Send + Sync {
    /// Adds a live connection to the user, creating the user on first sign-in. Returns the user
    /// as it was before, so the caller knows whether they just came online.
    fn attach_connection(
        &self,
        username: &Username,
        connection_id: &str,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// Removes a connection from the user and stamps `last_seen`. Returns the user as it is after
    /// (`None` when there is no such user).
    fn detach_connection(
        &self,
        user: &UserKey,
        connection_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// The users that exist among `keys`, in no particular order.
    fn users(&self, keys: &[UserKey])
    -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Every known user, following every page of the listing.
    fn all_users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;
}

/// Messages, written once and read a page at a time.
pub trait MessageStore: Send + Sync {
    /// Stores the message unless the same sender already stored one with the same client id.
    fn put_message(
        &self,
        message: &Message,
    ) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;

    /// A page of the conversation, newest first, starting after `cursor`.
    fn message_page(
        &self,
        conversation: &ConversationId,
        limit: PageLimit,
        cursor: Option<&HistoryCursor>,
    ) -> impl Future<Output = Result<MessagePage, StoreError>> + Send;
}

/// Everything the use cases store: one adapter (DynamoDB) implements all three.
pub trait ChatStore: ConnectionStore + UserStore + MessageStore {}

impl<T: ConnectionStore + UserStore + MessageStore> ChatStore for T {}

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
