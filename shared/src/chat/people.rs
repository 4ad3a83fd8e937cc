//! The people of the chat: connecting and disconnecting (presence), the directory, profiles.

use tracing::{debug, warn};

use crate::events::ServerEvent;
use crate::identity::Identity;
use crate::media::MediaKey;
use crate::model::UserPage;
use crate::model::{Connection, User};
use crate::ports::{
    AttachOutcome, ConnectionCleanup, ConnectionNotifier, ConnectionStore, PresenceAudience,
    ProfileStore, UserDirectory, UserLookup, UserSessions,
};
use crate::rooms::{DEFAULT_PEOPLE_LIMIT, MAX_PEOPLE_LIMIT};
use crate::rules::{Clock, RequestId, RuleError, USERNAME_MAX_CHARS, UserKey, Username};

use super::{Chat, ChatError};

/// `searchPeople`: the people whose name starts with a prefix, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPeople {
    /// A key prefix: lower case, characters a username may hold.
    pub prefix: String,
    pub limit: u32,
    /// The last key of the previous page.
    pub after: Option<UserKey>,
    pub request_id: Option<RequestId>,
}

impl SearchPeople {
    pub fn new(
        prefix: &str,
        limit: Option<u64>,
        after: Option<UserKey>,
        request_id: Option<RequestId>,
    ) -> Result<Self, RuleError> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if prefix.is_empty() || prefix.len() > USERNAME_MAX_CHARS || !prefix.chars().all(valid_char)
        {
            return Err(RuleError::InvalidPrefix);
        }
        let limit = match limit {
            None => DEFAULT_PEOPLE_LIMIT,
            Some(limit) if (1..=u64::from(MAX_PEOPLE_LIMIT)).contains(&limit) => {
                u32::try_from(limit).unwrap_or(MAX_PEOPLE_LIMIT)
            }
            Some(_) => return Err(RuleError::InvalidLimit),
        };
        if after
            .as_ref()
            .is_some_and(|after| !after.as_str().starts_with(&prefix.to_ascii_lowercase()))
        {
            return Err(RuleError::InvalidCursor);
        }
        Ok(Self {
            prefix: prefix.to_ascii_lowercase(),
            limit,
            after,
            request_id,
        })
    }
}

/// `setAvatar`: sets (or with `None` removes) the caller's profile picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAvatar {
    pub key: Option<MediaKey>,
    pub request_id: Option<RequestId>,
}

impl<S, N, C> Chat<S, N, C>
where
    S: UserDirectory,
{
    /// A page of the people whose name starts with the prefix, in name order.
    pub async fn search_people(&self, request: &SearchPeople) -> Result<UserPage, ChatError> {
        Ok(self
            .store
            .search_users(&request.prefix, request.limit, request.after.as_ref())
            .await?)
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: UserSessions + ConnectionStore + ConnectionCleanup + PresenceAudience + UserLookup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// `$connect`: registers the connection; when it is the user's first live connection,
    /// announces them to their audience (direct partners and watchers).
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
    S: ConnectionCleanup + PresenceAudience + UserLookup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// `$disconnect`: forgets the connection; when it was the user's last, marks them offline
    /// with `lastSeen` and announces it to their audience.
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
    S: ProfileStore + ConnectionCleanup + PresenceAudience + UserLookup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Sets or removes the caller's own profile picture and tells their audience and their own
    /// other connections (the calling one gets the answer). Returns the user as updated.
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
        let event = ServerEvent::profile(&user, None);
        let own_others = user
            .connection_ids
            .iter()
            .filter(|id| *id != connection_id)
            .map(|id| (key.clone(), id.clone()));
        self.deliver(own_others.collect(), &event.to_json()).await;
        self.announce(&key, &event, |owner, _| *owner == key).await;
        Ok(user)
    }
}
