//! The WebSocket side of the gateway: the handshake, the upgrade, the frames both ways and the
//! socket's end.
//!
//! API Gateway behaviour kept here: the `$connect` authorizer runs first ([`crate::authorizer`]);
//! the subprotocol `$connect` answers with is the one the handshake selects; a non-2xx `$connect`
//! refuses the upgrade with that status; `$disconnect` fires on every close; frames over 32 KB or
//! messages over 128 KB close the socket with 1009; idle sockets close after 10 minutes and every
//! socket after 2 hours (1001).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use chat_domain::identity::SUBPROTOCOL_HEADER;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::routing::response_text;
use super::state::{Connection, Gateway, Live, Outbound, now_millis};
use crate::authorizer::{self, Decision, Handshake};

/// API Gateway's WebSocket limits (defaults are AWS's; tests shorten the timeouts).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_message_bytes: usize,
    pub idle_timeout: Duration,
    pub max_connection_duration: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 32 * 1024,
            max_message_bytes: 128 * 1024,
            idle_timeout: Duration::from_secs(10 * 60),
            max_connection_duration: Duration::from_secs(2 * 60 * 60),
        }
    }
}

pub(super) async fn open_websocket(
    State(gateway): State<Gateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    let connection_id = new_connection_id();
    let request_id = ulid::Ulid::generate().to_string();
    let handshake = Handshake {
        headers: &headers,
        query: query.clone(),
        connection_id: &connection_id,
        stage: &gateway.0.config.stage,
        request_id: &request_id,
    };
    let authorizer = match authorizer::authorize(&gateway.0.verifier, handshake).await {
        Decision::Allow(context) => Arc::new(context),
        Decision::Refuse(status) => {
            info!(
                connection_id,
                status = status.as_u16(),
                "the authorizer refused the connection"
            );
            let message = status.canonical_reason().unwrap_or("Refused");
            return (status, Json(json!({"message": message}))).into_response();
        }
    };
    let connection = Connection {
        id: connection_id.clone(),
        connected_at: now_millis(),
        authorizer,
    };
    let (outbox, inbox) = mpsc::unbounded_channel();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Registered before $connect runs, so posts racing the handshake queue instead of answering 410.
    gateway.lock_connections().insert(
        connection_id.clone(),
        Live {
            outbox,
            connected_at: connection.connected_at,
            last_active: Arc::new(AtomicI64::new(connection.connected_at)),
            source_ip: peer.ip().to_string(),
            user_agent,
        },
    );
    let answer = gateway
        .connect(&connection, request_id, query, headers)
        .await;
    let refusal = match &answer {
        Ok(response) if (200..300).contains(&response.status_code) => None,
        Ok(response) => Some((response.status_code, response_text(response))),
        Err(error) => Some((500, Some(error.to_string()))),
    };
    if let Some((status, body)) = refusal {
        gateway.lock_connections().remove(&connection_id);
        info!(connection_id, status, "$connect refused the connection");
        let status = u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, body.unwrap_or_default()).into_response();
    }
    // The subprotocol `$connect` answered with, as API Gateway passes its headers on.
    let subprotocol = answer.ok().and_then(|response| {
        response
            .headers
            .get(SUBPROTOCOL_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    });
    info!(connection_id, "connection opened");
    let limits = &gateway.0.config.limits;
    let failed = (gateway.clone(), connection.clone());
    upgrade
        .protocols(subprotocol)
        .max_frame_size(limits.max_frame_bytes)
        .max_message_size(limits.max_message_bytes)
        .on_failed_upgrade(move |error| {
            let (gateway, connection) = failed;
            warn!(%error, connection_id = connection.id, "WebSocket upgrade failed after $connect");
            gateway.lock_connections().remove(&connection.id);
            tokio::spawn(async move {
                gateway
                    .disconnect(&connection, 1006, "upgrade failed")
                    .await;
            });
        })
        .on_upgrade(move |socket| async move {
            let task = tokio::spawn(gateway.clone().run_socket(connection, socket, inbox));
            if let Ok(mut sockets) = gateway.0.sockets.lock() {
                sockets.retain(|socket| !socket.is_finished());
                sockets.push(task);
            }
        })
}

impl Gateway {
    async fn run_socket(
        self,
        connection: Connection,
        socket: WebSocket,
        mut inbox: mpsc::UnboundedReceiver<Outbound>,
    ) {
        let connection_id = connection.id.clone();
        let started = Instant::now();
        let limits = self.0.config.limits.clone();
        let last_active = self
            .lock_connections()
            .get(&connection_id)
            .map(|live| live.last_active.clone())
            .unwrap_or_default();
        let (mut sink, mut stream) = socket.split();
        let max_deadline = tokio::time::Instant::now() + limits.max_connection_duration;
        let mut idle_deadline = tokio::time::Instant::now() + limits.idle_timeout;
        let (code, reason) = loop {
            tokio::select! {
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        idle_deadline = tokio::time::Instant::now() + limits.idle_timeout;
                        last_active.store(now_millis(), Ordering::Relaxed);
                        self.dispatch(connection.clone(), text.as_str().to_owned(), false);
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        idle_deadline = tokio::time::Instant::now() + limits.idle_timeout;
                        last_active.store(now_millis(), Ordering::Relaxed);
                        use base64_engine::Engine as _;
                        let body = base64_engine::STANDARD.encode(&bytes);
                        self.dispatch(connection.clone(), body, true);
                    }
                    Some(Ok(Message::Close(frame))) => {
                        break frame.map_or((1005, String::new()), |f| (f.code, f.reason.as_str().to_owned()));
                    }
                    Some(Ok(_)) => {} // ping/pong frames: answered by the WebSocket layer
                    Some(Err(error)) => {
                        if is_too_big(&error) {
                            let _ = sink.send(close_frame(1009, "Message too big")).await;
                            break (1009, "Message too big".to_owned());
                        }
                        break (1006, error.to_string());
                    }
                    None => break (1006, "connection lost".to_owned()),
                },
                outbound = inbox.recv() => match outbound {
                    Some(Outbound::Frame(message)) => {
                        if sink.send(message).await.is_err() {
                            break (1006, "send failed".to_owned());
                        }
                    }
                    Some(Outbound::Close(code, reason)) => {
                        let _ = sink.send(close_frame(code, &reason)).await;
                        break (code, reason);
                    }
                    None => break (1011, "gateway dropped the connection".to_owned()),
                },
                () = tokio::time::sleep_until(idle_deadline) => {
                    let _ = sink.send(close_frame(1001, "Going away")).await;
                    break (1001, "idle timeout".to_owned());
                }
                () = tokio::time::sleep_until(max_deadline) => {
                    let _ = sink.send(close_frame(1001, "Going away")).await;
                    break (1001, "maximum connection duration".to_owned());
                }
            }
        };
        // From here on, posts to this connection answer 410 Gone, as on AWS.
        self.lock_connections().remove(&connection_id);
        let _ = sink.close().await;
        info!(
            connection_id,
            code,
            reason,
            duration_ms = started.elapsed().as_millis() as u64,
            "connection closed"
        );
        self.disconnect(&connection, code, &reason).await;
    }
}

fn close_frame(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// A frame or message over the configured limits: axum wraps tungstenite's capacity error.
fn is_too_big(error: &axum::Error) -> bool {
    use std::error::Error as _;
    use tokio_tungstenite::tungstenite::Error as WsError;
    error
        .source()
        .and_then(|source| source.downcast_ref::<WsError>())
        .is_some_and(|ws| matches!(ws, WsError::Capacity(_)))
}

fn new_connection_id() -> String {
    // API Gateway's ids are short opaque base64 tokens; a ULID is as opaque and unique.
    ulid::Ulid::generate().to_string()
}

mod base64_engine {
    pub use base64::Engine;
    pub use base64::engine::general_purpose::STANDARD;
}
