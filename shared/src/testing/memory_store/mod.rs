//! [`MemoryStore`]: every store port in memory, with the DynamoDB adapter's semantics
//! ([`crate::dynamodb`]), so the use cases can be tested fast, without an SDK or any I/O.
//! Users, connections and messages are here; conversations, members and watches in
//! [`conversations`].

mod conversations;
mod lifecycle;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::conversation::ConversationId;
use crate::identity::Identity;
use crate::media::MediaKey;
use crate::model::{
    Connection, ConversationMeta, HistoryCursor, Member, Message, MessagePage, PutOutcome, User,
    UserPage,
};
use crate::ports::{
    AttachOutcome, ConnectionCleanup, ConnectionStore, MessageHistory, MessageWriter, ProfileStore,
    StoreError, UserDirectory, UserLookup, UserSessions,
};
use crate::rules::{PageLimit, UserKey, Username};

use super::NOW;
use super::call_log::CallLog;

/// Connections, users, messages, conversations and watches in memory. Clones share the same data,
/// so a test keeps one to seed the store and to look at it after the use case ran. Fails only
/// where DynamoDB refuses a write outright (see [`Refused`]).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    tables: Arc<Mutex<Tables>>,
    log: CallLog,
}

#[derive(Debug, Default)]
struct Tables {
    users: BTreeMap<UserKey, StoredUser>,
    connections: BTreeMap<String, Connection>,
    /// In the order stored.
    messages: Vec<Message>,
    /// The meta item of each conversation, by id.
    metas: BTreeMap<String, ConversationMeta>,
    /// Member items by conversation id, then member key: the table's key order.
    members: BTreeMap<(String, UserKey), Member>,
    /// Watch items by watched user, then connection id: the watcher and when it expires (secs).
    watches: BTreeMap<(UserKey, String), (UserKey, i64)>,
    /// Typing gates by conversation id, then user: until when (epoch ms) signals are dropped.
    typing_gates: BTreeMap<(String, UserKey), i64>,
}

/// A write DynamoDB refuses with a failed condition the port has no outcome for.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(&'static str);

#[derive(Debug)]
struct StoredUser {
    user: User,
    /// The account the name is bound to.
    sub: String,
}

impl MemoryStore {
    /// A store that records each port call, by method name (`"put_message"`), in `log`: share the
    /// log with a [`super::RecordingNotifier`] to see the order of writes and posts.
    pub fn logging_to(log: &CallLog) -> Self {
        Self {
            log: log.clone(),
            ..Self::default()
        }
    }

    /// Seeds the user of `identity` as `$connect` at [`NOW`] leaves them on each of
    /// `connection_ids` (offline when there is none). Panics when the name is another account's.
    pub fn sign_in(&self, identity: &Identity, connection_ids: &[&str]) {
        let mut tables = self.lock();
        let username = tables
            .claim(identity)
            .map(|user| user.username.clone())
            .unwrap_or_else(|| panic!("{} belongs to another account", identity.username));
        for connection_id in connection_ids {
            tables.attach_connection(identity, connection_id);
            tables.save_connection(&Connection {
                connection_id: (*connection_id).to_owned(),
                username: username.clone(),
                connected_at: NOW,
            });
        }
    }

    /// The user called `name` (in any case), as stored.
    pub fn user(&self, name: &str) -> Option<User> {
        let key = Username::parse(name).ok()?.key();
        self.lock()
            .users
            .get(&key)
            .map(|stored| stored.user.clone())
    }

    /// The connection record of `connection_id`.
    pub fn connection(&self, connection_id: &str) -> Option<Connection> {
        self.lock().connections.get(connection_id).cloned()
    }

    /// Every stored message, in the order stored.
    pub fn messages(&self) -> Vec<Message> {
        self.lock().messages.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        // A poisoned lock only means another test thread panicked; the data is still whole.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Logs the port call `method`, then runs it on the tables.
    fn call<T>(&self, method: &str, operation: impl FnOnce(&mut Tables) -> T) -> T {
        self.log.push(method.to_owned());
        operation(&mut self.lock())
    }
}

impl Tables {
    /// The user `identity` names, created on first sign-in and bound to its account; `None` when
    /// the name is bound to another account.
    fn claim(&mut self, identity: &Identity) -> Option<&mut User> {
        let stored = self
            .users
            .entry(identity.username.key())
            .or_insert_with(|| StoredUser {
                user: User {
                    username: identity.username.clone(),
                    connection_ids: Vec::new(),
                    last_seen: None,
                    avatar_key: None,
                },
                sub: identity.sub.clone(),
            });
        (stored.sub == identity.sub).then_some(&mut stored.user)
    }

    fn attach_connection(&mut self, identity: &Identity, connection_id: &str) -> AttachOutcome {
        let before = self.user(&identity.username.key()).cloned();
        let Some(user) = self.claim(identity) else {
            return AttachOutcome::NameTaken;
        };
        // A string set: adding an id twice keeps one.
        if !user.connection_ids.iter().any(|id| id == connection_id) {
            user.connection_ids.push(connection_id.to_owned());
        }
        AttachOutcome::Attached(before)
    }

    fn detach_connection(&mut self, key: &UserKey, connection_id: &str, now: i64) -> Option<User> {
        let user = &mut self.users.get_mut(key)?.user;
        user.connection_ids.retain(|id| id != connection_id);
        user.last_seen = Some(now);
        Some(user.clone())
    }

    fn save_connection(&mut self, connection: &Connection) {
        self.connections
            .insert(connection.connection_id.clone(), connection.clone());
    }

    fn user(&self, key: &UserKey) -> Option<&User> {
        self.users.get(key).map(|stored| &stored.user)
    }

    fn set_avatar(&mut self, key: &UserKey, avatar: Option<&MediaKey>) -> Option<User> {
        let user = &mut self.users.get_mut(key)?.user;
        user.avatar_key = avatar.cloned();
        Some(user.clone())
    }

    /// The table's key is the conversation and the dedup key (sender and client id).
    fn put_message(&mut self, message: &Message) -> PutOutcome {
        let same_key = |stored: &&Message| {
            stored.conversation_id == message.conversation_id
                && stored.dedup_key() == message.dedup_key()
        };
        match self.messages.iter().find(same_key) {
            Some(original) => PutOutcome::Duplicate(Box::new(original.clone())),
            None => {
                self.messages.push(message.clone());
                PutOutcome::Stored
            }
        }
    }

    /// As the conversation index reads it: newest message id first (the table key breaking ties),
    /// after the cursor's position, with a cursor only when an older message exists.
    fn message_page(
        &self,
        conversation: &ConversationId,
        limit: PageLimit,
        cursor: Option<&HistoryCursor>,
    ) -> MessagePage {
        let position = |message: &Message| (message.id.clone(), message.dedup_key());
        let start = cursor.map(|cursor| (cursor.message_id.clone(), cursor.dedup_key.clone()));
        let mut messages: Vec<Message> = self
            .messages
            .iter()
            .filter(|message| message.conversation_id == *conversation)
            .filter(|message| {
                start
                    .as_ref()
                    .is_none_or(|start| position(message) < *start)
            })
            .cloned()
            .collect();
        messages.sort_by_key(|message| std::cmp::Reverse(position(message)));
        let wanted = usize::try_from(limit.get()).unwrap_or(usize::MAX);
        let next = if messages.len() > wanted {
            messages.truncate(wanted);
            messages.last().map(HistoryCursor::after)
        } else {
            None
        };
        MessagePage { messages, next }
    }
}

impl ConnectionStore for MemoryStore {
    async fn save_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        self.call("save_connection", |tables| {
            tables.save_connection(connection)
        });
        Ok(())
    }
}

impl ConnectionCleanup for MemoryStore {
    async fn delete_connection(
        &self,
        connection_id: &str,
    ) -> Result<Option<Connection>, StoreError> {
        Ok(self.call("delete_connection", |tables| {
            tables.connections.remove(connection_id)
        }))
    }

    async fn detach_connection(
        &self,
        user: &UserKey,
        connection_id: &str,
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        Ok(self.call("detach_connection", |tables| {
            tables.detach_connection(user, connection_id, now)
        }))
    }
}

impl UserSessions for MemoryStore {
    async fn attach_connection(
        &self,
        identity: &Identity,
        connection_id: &str,
    ) -> Result<AttachOutcome, StoreError> {
        Ok(self.call("attach_connection", |tables| {
            tables.attach_connection(identity, connection_id)
        }))
    }
}

impl UserLookup for MemoryStore {
    async fn users(&self, keys: &[UserKey]) -> Result<Vec<User>, StoreError> {
        Ok(self.call("users", |tables| {
            let mut keys: Vec<&UserKey> = keys.iter().collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter_map(|key| tables.user(key).cloned())
                .collect()
        }))
    }
}

impl UserDirectory for MemoryStore {
    async fn search_users(
        &self,
        prefix: &str,
        limit: u32,
        after: Option<&UserKey>,
    ) -> Result<UserPage, StoreError> {
        Ok(self.call("search_users", |tables| {
            let found = tables
                .users
                .iter()
                .filter(|(key, _)| key.as_str().starts_with(prefix))
                .filter(|(key, _)| after.is_none_or(|after| *key > after))
                .map(|(_, stored)| stored.user.clone());
            let (users, next) = page(found, limit, |user| user.username.key());
            UserPage { users, next }
        }))
    }
}

impl ProfileStore for MemoryStore {
    async fn set_avatar(
        &self,
        user: &UserKey,
        avatar: Option<&MediaKey>,
    ) -> Result<Option<User>, StoreError> {
        Ok(self.call("set_avatar", |tables| tables.set_avatar(user, avatar)))
    }
}

impl MessageWriter for MemoryStore {
    async fn put_message(&self, message: &Message) -> Result<PutOutcome, StoreError> {
        Ok(self.call("put_message", |tables| tables.put_message(message)))
    }
}

impl MessageHistory for MemoryStore {
    async fn contains_message(
        &self,
        conversation: &ConversationId,
        message_id: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.call("contains_message", |tables| {
            tables
                .messages
                .iter()
                .any(|message| message.conversation_id == *conversation && message.id == message_id)
        }))
    }

    async fn count_after(
        &self,
        conversation: &ConversationId,
        after: Option<&str>,
        cap: u32,
    ) -> Result<u32, StoreError> {
        Ok(self.call("count_after", |tables| {
            let count = tables
                .messages
                .iter()
                .filter(|message| message.conversation_id == *conversation)
                .filter(|message| after.is_none_or(|after| message.id.as_str() > after))
                .count();
            u32::try_from(count).unwrap_or(u32::MAX).min(cap)
        }))
    }

    async fn message_page(
        &self,
        conversation: &ConversationId,
        limit: PageLimit,
        cursor: Option<&HistoryCursor>,
    ) -> Result<MessagePage, StoreError> {
        Ok(self.call("message_page", |tables| {
            tables.message_page(conversation, limit, cursor)
        }))
    }
}

/// The first `limit` of `items` (already in key order), and the last one's key when more follow.
fn page<T, K>(
    items: impl Iterator<Item = T>,
    limit: u32,
    key: impl Fn(&T) -> K,
) -> (Vec<T>, Option<K>) {
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut items: Vec<T> = items.take(wanted.saturating_add(1)).collect();
    let next = if items.len() > wanted {
        items.truncate(wanted);
        items.last().map(key)
    } else {
        None
    };
    (items, next)
}
