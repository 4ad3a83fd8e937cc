//! The people of the chat: connecting and disconnecting (presence), the list of users, profiles.

use tracing::{debug, warn};

use crate::events::ServerEvent;
use crate::identity::Identity;
use crate::media::MediaKey;
use crate::model::{Connection, User};
use crate::ports::{
    AttachOutcome, ConnectionCleanup, ConnectionNotifier, ConnectionStore, ProfileStore,
    UserListing, UserSessions,
};
use crate::rules::{Clock, RequestId, Username};

use super::{Chat, ChatError};

/// `getClients`: every known user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetClients;

/// `setAvatar`: sets (or with `None` removes) the caller's profile picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAvatar {
    pub key: Option<MediaKey>,
    pub request_id: Option<RequestId>,
}

impl<S, N, C> Chat<S, N, C>
where
    S: UserListing,
{
    /// Every known user, online or not.
    pub async fn users(&self, _: GetClients) -> Result<Vec<User>, ChatError> {
        let mut users = self.store.all_users().await?;
        users.sort_by_key(|user| user.username.key());
        Ok(users)
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: UserSessions + ConnectionStore + ConnectionCleanup + UserListing,
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
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConnectionCleanup + UserListing,
    N: ConnectionNotifier,
    C: Clock,
{
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
}

impl<S, N, C> Chat<S, N, C>
where
    S: ProfileStore + ConnectionCleanup + UserListing,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Sets or removes the caller's own profile picture and tells every online connection but
    /// the calling one (which gets the answer). Returns the user as updated.
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
        self.broadcast(&ServerEvent::profile(&user, None), |_, id| {
            id == connection_id
        })
        .await;
        Ok(user)
    }
}
