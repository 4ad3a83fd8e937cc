//! What the gateway's parts share: its configuration, the handlers behind it and the table of open
//! connections, through which the management API and route replies reach a socket.

use std::collections::HashMap;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex};

use axum::extract::ws::Message;
use chat_domain::SystemClock;
use chat_domain::rules::Clock;
use chat_domain::s3::S3MediaRemover;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{GatewayConfig, LocalChat, LocalMedia};
use crate::authorizer::LocalVerifier;

/// The authorizer's context of a connection (`requestContext.authorizer`).
pub(super) type AuthorizerContext = HashMap<String, Value>;

/// What goes down one client's socket.
#[derive(Debug)]
pub(super) enum Outbound {
    Frame(Message),
    Close(u16, String),
}

/// What every event of a connection carries.
#[derive(Debug, Clone)]
pub(super) struct Connection {
    pub(super) id: String,
    pub(super) connected_at: i64,
    pub(super) authorizer: Arc<AuthorizerContext>,
}

/// An open connection: its socket's queue and what `GET @connections` reports of it.
pub(super) struct Live {
    pub(super) outbox: mpsc::UnboundedSender<Outbound>,
    pub(super) connected_at: i64,
    pub(super) last_active: Arc<AtomicI64>,
    pub(super) source_ip: String,
    pub(super) user_agent: Option<String>,
}

pub(super) struct Shared {
    pub(super) config: GatewayConfig,
    pub(super) chat: LocalChat,
    pub(super) media: LocalMedia,
    pub(super) media_remover: S3MediaRemover,
    pub(super) verifier: LocalVerifier,
    pub(super) domain_name: String,
    pub(super) connections: Mutex<HashMap<String, Live>>,
    pub(super) sockets: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Clone)]
pub(super) struct Gateway(pub(super) Arc<Shared>);

impl Gateway {
    pub(super) fn lock_connections(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        // A panic while holding the lock leaves the map usable: take it back.
        self.0
            .connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues data for a connection; false when it is not (or no longer) open.
    pub(super) fn send(&self, connection_id: &str, outbound: Outbound) -> bool {
        self.lock_connections()
            .get(connection_id)
            .is_some_and(|live| live.outbox.send(outbound).is_ok())
    }
}

pub(super) fn now_millis() -> i64 {
    SystemClock.now_millis()
}
