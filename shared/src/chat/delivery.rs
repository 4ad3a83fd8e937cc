//! Posting events to live connections, and cleaning up the connections that are gone.

use futures_util::future::join_all;
use tracing::{debug, warn};

use crate::events::ServerEvent;
use crate::model::User;
use crate::ports::{ConnectionCleanup, ConnectionNotifier, NotifyError, UserListing};
use crate::rules::{Clock, UserKey};

use super::Chat;

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
    S: ConnectionCleanup + UserListing,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Posts `event` to every online connection except those `skip` names (owner, connection).
    /// Best effort: users are also read with `getClients`, so a failure here is only logged.
    pub(super) async fn broadcast(
        &self,
        event: &ServerEvent,
        skip: impl Fn(&UserKey, &str) -> bool,
    ) {
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

    /// Tells every other online user's connections that `user` came online or went offline.
    pub(super) async fn announce_presence(&self, user: &User) {
        let key = user.username.key();
        self.broadcast(&ServerEvent::presence(user), |owner, _| *owner == key)
            .await;
    }
}

/// A user's live connections, each with its owner (to detach it if it turns out gone).
pub(super) fn owned_connections(user: &User) -> impl Iterator<Item = (UserKey, String)> + '_ {
    let owner = user.username.key();
    user.connection_ids
        .iter()
        .map(move |id| (owner.clone(), id.clone()))
}
