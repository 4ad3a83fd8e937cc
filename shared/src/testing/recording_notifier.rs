//! [`RecordingNotifier`]: the @connections API in memory, recording what reaches each connection.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::events::ServerEvent;
use crate::ports::{ConnectionNotifier, NotifyError};

use super::call_log::CallLog;

/// Records every post that reaches a live connection, and answers 410 Gone
/// ([`NotifyError::Gone`]) for the connections marked gone. Clones share the same record.
#[derive(Debug, Clone, Default)]
pub struct RecordingNotifier {
    sockets: Arc<Mutex<Sockets>>,
    log: CallLog,
}

#[derive(Debug, Default)]
struct Sockets {
    delivered: Vec<Post>,
    gone: BTreeSet<String>,
}

/// A payload that reached a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub connection_id: String,
    pub payload: String,
}

impl Post {
    /// The payload as the event it must be.
    pub fn event(&self) -> ServerEvent {
        serde_json::from_str(&self.payload)
            .unwrap_or_else(|error| panic!("{:?} is not an event: {error}", self.payload))
    }
}

impl RecordingNotifier {
    /// A notifier that also records each post, delivered or not, as `"post <connection id>"` in
    /// `log` (shared with a [`super::MemoryStore`], it shows what was stored before a post).
    pub fn logging_to(log: &CallLog) -> Self {
        Self {
            log: log.clone(),
            ..Self::default()
        }
    }

    /// From now on, posts to `connection_id` answer 410 Gone, as for a socket that closed without
    /// its `$disconnect` having run yet.
    pub fn mark_gone(&self, connection_id: &str) {
        self.lock().gone.insert(connection_id.to_owned());
    }

    /// The posts that reached a connection, in the order they were made.
    pub fn posts(&self) -> Vec<Post> {
        self.lock().delivered.clone()
    }

    /// Each delivered event with its connection, by connection id: posts go out concurrently, so
    /// their order means nothing.
    pub fn events(&self) -> Vec<(String, ServerEvent)> {
        let mut events: Vec<_> = self
            .posts()
            .into_iter()
            .map(|post| (post.connection_id.clone(), post.event()))
            .collect();
        events.sort_by(|a, b| a.0.cmp(&b.0));
        events
    }

    fn lock(&self) -> MutexGuard<'_, Sockets> {
        // A poisoned lock only means another test thread panicked; the record is still whole.
        self.sockets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ConnectionNotifier for RecordingNotifier {
    async fn post(&self, connection_id: &str, payload: &str) -> Result<(), NotifyError> {
        self.log.push(format!("post {connection_id}"));
        let mut sockets = self.lock();
        if sockets.gone.contains(connection_id) {
            return Err(NotifyError::Gone);
        }
        sockets.delivered.push(Post {
            connection_id: connection_id.to_owned(),
            payload: payload.to_owned(),
        });
        Ok(())
    }
}
