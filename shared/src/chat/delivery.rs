//! Posting events to live connections, and cleaning up the connections that are gone.

use std::collections::BTreeSet;

use futures_util::future::join_all;
use tracing::{debug, warn};

use crate::conversation::ConversationId;
use crate::events::ServerEvent;
use crate::model::User;
use crate::ports::{
    ConnectionCleanup, ConnectionNotifier, MemberListing, NotifyError, StoreError, UserLookup,
};
use crate::rules::{Clock, UserKey};

use super::{Access, Chat};

/// What happened to the posts of one fan-out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub delivered: usize,
    /// Connections that answered 410 Gone and were removed.
    pub gone: usize,
    /// Posts that failed otherwise; the message is still in history.
    pub failed: usize,
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Posts `payload` to every connection at once. A connection that is gone (410) is removed
    /// from its owner; any other failure is logged. Never fails: the message is already stored.
    pub(super) async fn deliver(&self, targets: Vec<(UserKey, String)>, payload: &str) -> Delivery {
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

impl<S, N, C> Chat<S, N, C>
where
    S: ConnectionCleanup + UserLookup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Posts `event` to every live connection of `users` but `skip` (the calling connection,
    /// which gets the answer instead).
    pub(super) async fn post_to_users(
        &self,
        users: &[UserKey],
        event: &ServerEvent,
        skip: Option<&str>,
    ) -> Result<Delivery, StoreError> {
        if users.is_empty() {
            return Ok(Delivery::default());
        }
        let found = self.store.users(users).await?;
        let targets = found
            .iter()
            .flat_map(owned_connections)
            .filter(|(_, id)| Some(id.as_str()) != skip)
            .collect();
        Ok(self.deliver(targets, &event.to_json()).await)
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConnectionCleanup + UserLookup + MemberListing,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Posts `event` to the live connections of every member of `conversation` and of `also`
    /// (someone who just left), but `skip`.
    pub(super) async fn post_to_members(
        &self,
        conversation: &ConversationId,
        also: &[UserKey],
        event: &ServerEvent,
        skip: Option<&str>,
    ) -> Result<Delivery, StoreError> {
        let members = self.store.all_members(conversation).await?;
        let users: BTreeSet<UserKey> = members
            .iter()
            .map(|member| member.username.key())
            .chain(also.iter().cloned())
            .collect();
        let users: Vec<UserKey> = users.into_iter().collect();
        self.post_to_users(&users, event, skip).await
    }

    /// Posts `event` to every member of the conversation `me` reached through `access` (a room's
    /// members, a direct conversation's two users) but `skip`. Best effort: the change is
    /// stored, so a failed read of the members costs only the live delivery (history has it).
    pub(super) async fn post_to_conversation(
        &self,
        access: &Access,
        me: &UserKey,
        event: &ServerEvent,
        skip: Option<&str>,
    ) -> Delivery {
        let posted = match access {
            Access::Room(member) => {
                self.post_to_members(&member.conversation_id, &[], event, skip)
                    .await
            }
            Access::Direct(direct) => {
                self.post_to_users(&[me.clone(), direct.other.clone()], event, skip)
                    .await
            }
        };
        posted.unwrap_or_else(|error| {
            warn!(%error, "could not read the conversation's members to deliver a change");
            Delivery::default()
        })
    }
}

/// A user's live connections, each with its owner (to detach it if it turns out gone).
pub(super) fn owned_connections(user: &User) -> impl Iterator<Item = (UserKey, String)> + '_ {
    let owner = user.username.key();
    user.connection_ids
        .iter()
        .map(move |id| (owner.clone(), id.clone()))
}
