//! Presence that scales: a user's comings and goings (and profile changes) reach the partners of
//! their direct conversations and the connections watching them, never every online user. What a
//! connect reads grows with the user's own conversations, not with the registered users.

use std::collections::BTreeSet;

use tracing::warn;

use crate::conversation::{ConversationId, ConversationRef, Target};
use crate::events::ServerEvent;
use crate::model::User;
use crate::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationBatchLookup, PresenceAudience,
    PresenceWatches, UserLookup,
};
use crate::rooms::MAX_WATCHED_PER_REQUEST;
use crate::rules::{CONNECTION_TTL_SECS, Clock, RequestId, RuleError, UserKey, Username};

use super::delivery::owned_connections;
use super::{Chat, ChatError};

/// `watchPresence`: this connection follows the presence of members of one of the caller's
/// conversations (those on screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchPresence {
    pub conversation: ConversationId,
    pub usernames: Vec<Username>,
    pub request_id: Option<RequestId>,
}

impl WatchPresence {
    pub fn new(
        conversation: ConversationId,
        usernames: Vec<Username>,
        request_id: Option<RequestId>,
    ) -> Result<Self, RuleError> {
        if usernames.is_empty() || usernames.len() > MAX_WATCHED_PER_REQUEST {
            return Err(RuleError::TooManyMembers);
        }
        Ok(Self {
            conversation,
            usernames,
            request_id,
        })
    }
}

/// Result of `watchPresence`: the watched users as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub conversation: ConversationId,
    pub users: Vec<User>,
}

impl<S, N, C> Chat<S, N, C>
where
    S: PresenceAudience + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Posts `event` about `user` to their audience: the live connections of their direct
    /// conversations' partners and the connections watching them; `skip` says which connections
    /// (owner, id) not to post to. Best effort: presence is also read with the inbox.
    pub(super) async fn announce(
        &self,
        user: &UserKey,
        event: &ServerEvent,
        skip: impl Fn(&UserKey, &str) -> bool,
    ) {
        let (partners, watchers) =
            futures_util::join!(self.store.direct_partners(user), self.store.watchers(user));
        let partners = partners.unwrap_or_else(|error| {
            warn!(%error, "could not read the direct partners to announce a change");
            Vec::new()
        });
        let watchers = watchers.unwrap_or_else(|error| {
            warn!(%error, "could not read the watchers to announce a change");
            Vec::new()
        });
        let partner_users = if partners.is_empty() {
            Vec::new()
        } else {
            self.store.users(&partners).await.unwrap_or_else(|error| {
                warn!(%error, "could not read the direct partners' connections");
                Vec::new()
            })
        };
        let mut seen = BTreeSet::new();
        let targets = partner_users
            .iter()
            .flat_map(owned_connections)
            .chain(watchers)
            .filter(|(owner, id)| !skip(owner, id) && seen.insert(id.clone()))
            .collect();
        self.deliver(targets, &event.to_json()).await;
    }

    /// Tells `user`'s audience that they came online or went offline.
    pub(super) async fn announce_presence(&self, user: &User) {
        let key = user.username.key();
        self.announce(&key, &ServerEvent::presence(user), |owner, _| *owner == key)
            .await;
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationBatchLookup + PresenceWatches + UserLookup,
    C: Clock,
{
    /// Subscribes `connection_id` to the presence of `request.usernames`, who must be members of
    /// a conversation the caller belongs to; answers with their presence now.
    pub async fn watch_presence(
        &self,
        me: &Username,
        connection_id: &str,
        request: &WatchPresence,
    ) -> Result<Watched, ChatError> {
        let my_key = me.key();
        let targets: Vec<UserKey> = request
            .usernames
            .iter()
            .map(Username::key)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        match ConversationRef::Id(request.conversation.clone()).target(&my_key)? {
            Target::Direct(direct) => {
                if targets.iter().any(|target| *target != direct.other) {
                    return Err(ChatError::NotAMember);
                }
            }
            Target::Room(id) => {
                let keys: Vec<(ConversationId, UserKey)> = targets
                    .iter()
                    .chain(std::iter::once(&my_key))
                    .map(|user| (id.clone(), user.clone()))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let found = self.store.memberships_of(&keys).await?;
                if found.len() != keys.len() {
                    return Err(ChatError::NotAMember);
                }
            }
        }
        let expires_at = self.clock.now_millis() / 1000 + CONNECTION_TTL_SECS;
        self.store
            .watch(&my_key, connection_id, &targets, expires_at)
            .await?;
        let mut users = self.store.users(&targets).await?;
        users.sort_by_key(|user| user.username.key());
        Ok(Watched {
            conversation: request.conversation.clone(),
            users,
        })
    }
}
