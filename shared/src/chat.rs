//! The chat's use cases, one method per route. They hold every rule about ordering and delivery:
//! a message is persisted before it is delivered, a retry never stores it twice, and a dead
//! connection is cleaned up without failing the sender.

use futures_util::future::join_all;
use thiserror::Error;
use tracing::{debug, warn};

use crate::identity::Identity;
use crate::model::{Connection, Message, MessagePage, PutOutcome, User};
use crate::ports::{
    AttachOutcome, ChatStore, ConnectionNotifier, NotifyError, SignError, StoreError,
};
use crate::protocol::{GetMessages, SendMessage, ServerEvent, SetAvatar, UserView};
use crate::rules::{Clock, ConversationId, UserKey, Username, new_message_id};

/// Why a use case could not do what was asked.
#[derive(Debug, Error)]
pub enum ChatError {
    #[error("this connection is not registered; reconnect")]
    UnknownConnection,
    #[error("the name \"{0}\" belongs to another account")]
    NameTaken(Username),
    #[error("no user is called \"{0}\"")]
    UnknownRecipient(Username),
    #[error("you cannot send a message to yourself")]
    MessageToSelf,
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
            Self::ForbiddenMedia(_) => "forbidden_media",
            Self::Store(_) | Self::Signing(_) => "service_unavailable",
        }
    }
}

/// What happened to the posts of one fan-out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub delivered: usize,
    /// Connections that answered 410 Gone and were removed.
    pub gone: usize,
    /// Posts that failed otherwise; the message is still in history.
    pub failed: usize,
}

/// Result of `sendMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The message as stored (the original one when this was a retry).
    pub message: Message,
    pub duplicate: bool,
    pub delivery: Delivery,
}

/// The chat, over its ports.
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

/// Use cases that only read: they work without a notifier (see [`crate::apigateway::NoNotifier`]).
impl<S, N, C> Chat<S, N, C>
where
    S: ChatStore,
    C: Clock,
{
    /// `getMessages`: a page of the caller's conversation with another user, newest first.
    pub async fn history(
        &self,
        me: &Username,
        request: &GetMessages,
    ) -> Result<MessagePage, ChatError> {
        let conversation = ConversationId::direct(&me.key(), &request.with.key());
        Ok(self
            .store
            .message_page(&conversation, request.limit, request.cursor.as_ref())
            .await?)
    }

    /// `getClients`: every known user, online or not.
    pub async fn users(&self) -> Result<Vec<User>, ChatError> {
        let mut users = self.store.all_users().await?;
        users.sort_by_key(|user| user.username.key());
        Ok(users)
    }
}

/// Use cases that post to connections.
impl<S, N, C> Chat<S, N, C>
where
    S: ChatStore,
    N: ConnectionNotifier,
    C: Clock,
{
    /// `$connect`: registers the connection; announces the user to everyone online when this is
    /// their first live connection (one small presence event per recipient connection).
    pub async fn connect(&self, connection_id: &str, identity: &Identity) -> Result<(), ChatError> {
        let username = &identity.username;
        let before = match self
            .store
            .attach_connection(identity, connection_id)
            .await?
        {
            AttachOutcome::Attached(before) => before,
            AttachOutcome::NameTaken => return Err(ChatError::NameTaken(username.clone())),
        };
        // The first sign-in decides how the name is displayed; later ones may differ in case.
        let canonical = before
            .as_ref()
            .map_or_else(|| username.clone(), |user| user.username.clone());
        let connection = Connection {
            connection_id: connection_id.to_owned(),
            username: canonical.clone(),
            connected_at: self.clock.now_millis(),
        };
        if let Err(error) = self.store.save_connection(&connection).await {
            // Undo the attach so the user does not look online through a socket API Gateway refuses.
            let now = self.clock.now_millis();
            if let Err(undo) = self
                .store
                .detach_connection(&canonical.key(), connection_id, now)
                .await
            {
                warn!(error = %undo, "could not undo a half-registered connection");
            }
            return Err(error.into());
        }
        let was_online = before.as_ref().is_some_and(User::is_online);
        if !was_online {
            let user = User {
                username: canonical,
                connection_ids: vec![connection_id.to_owned()],
                last_seen: before.as_ref().and_then(|user| user.last_seen),
                avatar_key: before.and_then(|user| user.avatar_key),
            };
            self.announce_presence(&user).await;
        }
        Ok(())
    }

    /// `$disconnect`: forgets the connection; when it was the user's last, marks them offline
    /// with `lastSeen` and announces it.
    pub async fn disconnect(&self, connection_id: &str) -> Result<(), ChatError> {
        let Some(connection) = self.store.delete_connection(connection_id).await? else {
            debug!("connection was already removed");
            return Ok(());
        };
        let now = self.clock.now_millis();
        let user = self
            .store
            .detach_connection(&connection.username.key(), connection_id, now)
            .await?;
        if let Some(user) = user.filter(|user| !user.is_online()) {
            self.announce_presence(&user).await;
        }
        Ok(())
    }

    /// `sendMessage`: persists the message (once, whatever the retries), then delivers it to every
    /// live connection of the recipient and to the sender's other connections (`connection_id` is
    /// the sending one, which gets the answer instead).
    pub async fn send_message(
        &self,
        me: &Username,
        connection_id: &str,
        request: SendMessage,
    ) -> Result<SentMessage, ChatError> {
        let (sender_key, recipient_key) = (me.key(), request.to.key());
        if sender_key == recipient_key {
            return Err(ChatError::MessageToSelf);
        }
        let users = self
            .store
            .users(&[recipient_key.clone(), sender_key.clone()])
            .await?;
        let find = |key: &UserKey| users.iter().find(|user| user.username.key() == *key);
        let recipient = find(&recipient_key).ok_or(ChatError::UnknownRecipient(request.to))?;
        let conversation_id = ConversationId::direct(&sender_key, &recipient_key);
        if let Some(attachment) = &request.attachment
            && !attachment
                .key
                .is_attachment_of(&sender_key, &conversation_id)
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
            conversation_id,
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

        let event = ServerEvent::Message {
            message: (&message).into(),
        };
        let sender_others = find(&sender_key)
            .into_iter()
            .flat_map(owned_connections)
            .filter(|(_, id)| id != connection_id);
        let targets = owned_connections(recipient).chain(sender_others).collect();
        let delivery = self.deliver(targets, &event.to_json()).await;
        Ok(SentMessage {
            message,
            duplicate: false,
            delivery,
        })
    }

    /// `setAvatar`: sets or removes the caller's own profile picture and tells every online
    /// connection but the calling one (which gets the answer). Returns the user as updated.
    pub async fn set_avatar(
        &self,
        me: &Username,
        connection_id: &str,
        request: &SetAvatar,
    ) -> Result<User, ChatError> {
        let key = me.key();
        if let Some(avatar) = &request.key
            && !avatar.is_avatar_of(&key)
        {
            return Err(ChatError::ForbiddenMedia(
                "that is not your profile picture upload",
            ));
        }
        let user = self
            .store
            .set_avatar(&key, request.key.as_ref())
            .await?
            // The connection outlived its user record: it has to sign in again.
            .ok_or(ChatError::UnknownConnection)?;
        let event = ServerEvent::Profile {
            user: UserView::from(&user),
            request_id: None,
        };
        self.broadcast(&event, |_, id| id == connection_id).await;
        Ok(user)
    }

    /// Tells every other online user's connections that `user` came online or went offline.
    async fn announce_presence(&self, user: &User) {
        let key = user.username.key();
        let event = ServerEvent::Presence {
            user: UserView::from(user),
        };
        self.broadcast(&event, |owner, _| *owner == key).await;
    }

    /// Posts `event` to every online connection except those `skip` names (owner, connection).
    /// Best effort: users are also read with `getClients`, so a failure here is only logged.
    async fn broadcast(&self, event: &ServerEvent, skip: impl Fn(&UserKey, &str) -> bool) {
        let everyone = match self.store.all_users().await {
            Ok(users) => users,
            Err(error) => {
                warn!(%error, "could not list users to announce a change");
                return;
            }
        };
        let targets = everyone
            .iter()
            .flat_map(owned_connections)
            .filter(|(owner, id)| !skip(owner, id))
            .collect();
        self.deliver(targets, &event.to_json()).await;
    }

    /// Posts `payload` to every connection at once. A connection that is gone (410) is removed
    /// from its owner; any other failure is logged. Never fails: the message is already stored.
    async fn deliver(&self, targets: Vec<(UserKey, String)>, payload: &str) -> Delivery {
        let posts = targets.iter().map(|(_, connection_id)| async move {
            self.notifier.post(connection_id, payload).await
        });
        let results = join_all(posts).await;
        let mut delivery = Delivery::default();
        for ((owner, connection_id), result) in targets.iter().zip(results) {
            match result {
                Ok(()) => delivery.delivered += 1,
                Err(NotifyError::Gone) => {
                    delivery.gone += 1;
                    self.remove_stale_connection(owner, connection_id).await;
                }
                Err(error) => {
                    delivery.failed += 1;
                    warn!(%error, connection_id, "post to connection failed");
                }
            }
        }
        delivery
    }

    /// Removes a connection API Gateway no longer knows. Best effort: whatever stays behind is
    /// removed by the next 410 or, for the connection record, by its TTL.
    async fn remove_stale_connection(&self, owner: &UserKey, connection_id: &str) {
        debug!(connection_id, "removing stale connection");
        if let Err(error) = self.store.delete_connection(connection_id).await {
            warn!(%error, connection_id, "could not delete stale connection record");
        }
        let now = self.clock.now_millis();
        if let Err(error) = self
            .store
            .detach_connection(owner, connection_id, now)
            .await
        {
            warn!(%error, connection_id, "could not detach stale connection from its user");
        }
    }
}

fn owned_connections(user: &User) -> impl Iterator<Item = (UserKey, String)> + '_ {
    let owner = user.username.key();
    user.connection_ids
        .iter()
        .map(move |id| (owner.clone(), id.clone()))
}
