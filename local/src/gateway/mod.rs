//! A local API Gateway WebSocket API. It accepts WebSocket clients, builds the very events API
//! Gateway sends to Lambda, selects the route by `$request.body.action` (else `$default`), and calls
//! the route functions' own handlers. It also serves the `@connections` management API over HTTP,
//! so the handlers' real `aws-sdk-apigatewaymanagement` client posts to it unchanged, and the web UI.
//!
//! - `socket.rs`: the WebSocket side: upgrade after the authorizer and `$connect`, frames, size
//!   limits, idle and maximum durations, close codes.
//! - `routing.rs`: route selection from the shared function registry, the events, the handlers.
//! - `management.rs`: `POST`, `GET` and `DELETE @connections/{id}`.
//! - `web.rs`: the built web UI and its `config.json`.
//! - `state.rs`: what they share: the configuration, the handlers, the open connections.

mod management;
mod routing;
mod socket;
mod state;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use chat_domain::s3::S3MediaRemover;
use chat_domain::{ApiGatewayNotifier, Chat, DynamoStore, MediaAccess, S3MediaSigner, SystemClock};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::authorizer::LocalVerifier;
use crate::cognito::UserPool;

pub use socket::Limits;
use state::{Gateway, Outbound, Shared};

/// The chat as the local gateway runs it: the same adapters as in Lambda.
pub type LocalChat = Chat<DynamoStore, ApiGatewayNotifier, SystemClock>;
/// The media use cases as the local gateway runs them: presigning for the local S3, room
/// memberships from DynamoDB Local.
pub type LocalMedia = MediaAccess<DynamoStore, S3MediaSigner, SystemClock>;

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub stage: String,
    pub limits: Limits,
    /// The built web UI (`web/dist`), served at `/`.
    pub web_dir: PathBuf,
    /// The user pool the web UI signs in with (the `auth` object of its `config.json`).
    pub user_pool: UserPool,
}

/// The handlers the gateway runs: the authorizer's verifier and the route functions' use cases.
pub struct Handlers {
    pub verifier: LocalVerifier,
    pub chat: LocalChat,
    pub media: LocalMedia,
    /// Deletes a deleted message's attachment from the local S3.
    pub media_remover: S3MediaRemover,
}

/// A gateway serving on its listener until [`RunningGateway::stop`].
pub struct RunningGateway {
    addr: SocketAddr,
    stage: String,
    gateway: Gateway,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl RunningGateway {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where browsers open the chat.
    pub fn http_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Where WebSocket clients connect (offering `chatastrophy.v1` and their access token as
    /// subprotocols).
    pub fn websocket_url(&self) -> String {
        format!("ws://{}/{}", self.addr, self.stage)
    }

    /// The user pool its clients sign in with.
    pub fn user_pool(&self) -> &UserPool {
        &self.gateway.0.config.user_pool
    }

    /// The management endpoint the handlers post to.
    pub fn management_endpoint(&self) -> String {
        management_endpoint(self.addr, &self.stage)
    }

    /// How many sockets are open right now.
    pub fn open_connections(&self) -> usize {
        self.gateway.lock_connections().len()
    }

    /// Closes every socket (running `$disconnect` for each) and stops serving.
    pub async fn stop(mut self) {
        let ids: Vec<String> = self.gateway.lock_connections().keys().cloned().collect();
        for id in ids {
            self.gateway
                .send(&id, Outbound::Close(1001, "Going away".into()));
        }
        let sockets: Vec<_> = match self.gateway.0.sockets.lock() {
            Ok(mut sockets) => sockets.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for socket in sockets {
            let _ = tokio::time::timeout(Duration::from_secs(10), socket).await;
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.server).await;
    }
}

pub fn management_endpoint(addr: SocketAddr, stage: &str) -> String {
    format!("http://{addr}/{stage}")
}

/// Serves the gateway on `listener` with `handlers` behind it.
pub fn start(
    listener: TcpListener,
    config: GatewayConfig,
    handlers: Handlers,
) -> std::io::Result<RunningGateway> {
    let addr = listener.local_addr()?;
    let stage = config.stage.clone();
    let Handlers {
        verifier,
        chat,
        media,
        media_remover,
    } = handlers;
    let gateway = Gateway(Arc::new(Shared {
        config,
        chat,
        media,
        media_remover,
        verifier,
        domain_name: addr.to_string(),
        connections: Mutex::new(HashMap::new()),
        sockets: Mutex::new(Vec::new()),
    }));
    let app = Router::new()
        .route(&format!("/{stage}"), get(socket::open_websocket))
        .route(
            &format!("/{stage}/@connections/{{connection_id}}"),
            post(management::post_to_connection)
                .get(management::get_connection)
                .delete(management::delete_connection),
        )
        .route("/config.json", get(web::web_config))
        .fallback(get(web::web_file))
        .with_state(gateway.clone());
    let (shutdown, shutdown_signal) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(async {
                let _ = shutdown_signal.await;
            })
            .await;
        if let Err(error) = result {
            warn!(%error, "gateway server stopped with an error");
        }
    });
    info!(%addr, stage, "local gateway listening");
    Ok(RunningGateway {
        addr,
        stage,
        gateway,
        shutdown: Some(shutdown),
        server,
    })
}
