//! A local API Gateway WebSocket API. It accepts WebSocket clients, builds the very events API
//! Gateway sends to Lambda, selects the route by `$request.body.action` (else `$default`), and calls
//! the route functions' own handlers. It also serves the `@connections` management API over HTTP,
//! so the handlers' real `aws-sdk-apigatewaymanagement` client posts to it unchanged, and the web UI.
//!
//! API Gateway behaviour kept here: the `$connect` authorizer runs first ([`crate::authorizer`]) and
//! its context reaches every later event as `requestContext.authorizer`; the subprotocol `$connect`
//! answers with is the one the handshake selects; a non-2xx `$connect` refuses the upgrade with that status;
//! `$disconnect` fires on every close; a route's returned body is sent back to the caller (two-way
//! routes); frames over 32 KB or messages over 128 KB close the socket with 1009; idle sockets close
//! after 10 minutes and every socket after 2 hours; unknown connection ids answer 410 GoneException.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::encodings::Body as LambdaBody;
use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use chat_domain::identity::SUBPROTOCOL_HEADER;
use chat_domain::lambda::{HandlerError, Request, Response};
use chat_domain::protocol::ROUTED_ACTIONS;
use chat_domain::rules::Clock;
use chat_domain::{ApiGatewayNotifier, Chat, DynamoStore, MediaAccess, S3MediaSigner, SystemClock};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::authorizer::{self, Decision, Handshake, LocalVerifier};
use crate::cognito::UserPool;

/// The chat as the local gateway runs it: the same adapters as in Lambda.
pub type LocalChat = Chat<DynamoStore, ApiGatewayNotifier, SystemClock>;
/// The media use cases as the local gateway runs them: presigning for the local S3.
pub type LocalMedia = MediaAccess<S3MediaSigner, SystemClock>;

/// The authorizer's context of a connection (`requestContext.authorizer`).
type AuthorizerContext = HashMap<String, Value>;

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

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub stage: String,
    pub limits: Limits,
    /// The built web UI (`web/dist`), served at `/`.
    pub web_dir: PathBuf,
    /// The user pool the web UI signs in with (the `auth` object of its `config.json`).
    pub user_pool: UserPool,
}

/// What goes down one client's socket.
#[derive(Debug)]
enum Outbound {
    Frame(Message),
    Close(u16, String),
}

/// What every event of a connection carries.
#[derive(Debug, Clone)]
struct Connection {
    id: String,
    connected_at: i64,
    authorizer: Arc<AuthorizerContext>,
}

struct Live {
    outbox: mpsc::UnboundedSender<Outbound>,
    connected_at: i64,
    last_active: Arc<AtomicI64>,
    source_ip: String,
    user_agent: Option<String>,
}

struct Shared {
    config: GatewayConfig,
    chat: LocalChat,
    media: LocalMedia,
    verifier: LocalVerifier,
    domain_name: String,
    connections: Mutex<HashMap<String, Live>>,
    sockets: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Clone)]
struct Gateway(Arc<Shared>);

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

/// The handlers the gateway runs: the authorizer's verifier and the route functions' use cases.
pub struct Handlers {
    pub verifier: LocalVerifier,
    pub chat: LocalChat,
    pub media: LocalMedia,
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
    } = handlers;
    let gateway = Gateway(Arc::new(Shared {
        config,
        chat,
        media,
        verifier,
        domain_name: addr.to_string(),
        connections: Mutex::new(HashMap::new()),
        sockets: Mutex::new(Vec::new()),
    }));
    let app = Router::new()
        .route(&format!("/{stage}"), get(open_websocket))
        .route(
            &format!("/{stage}/@connections/{{connection_id}}"),
            post(post_to_connection)
                .get(get_connection)
                .delete(delete_connection),
        )
        .route("/config.json", get(web_config))
        .fallback(get(web_file))
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

impl Gateway {
    fn lock_connections(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        // A panic while holding the lock leaves the map usable: take it back.
        self.0
            .connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues data for a connection; false when it is not (or no longer) open.
    fn send(&self, connection_id: &str, outbound: Outbound) -> bool {
        self.lock_connections()
            .get(connection_id)
            .is_some_and(|live| live.outbox.send(outbound).is_ok())
    }

    /// The event API Gateway would send for this route, with the connection's authorizer context.
    fn event(
        &self,
        route_key: &str,
        event_type: &str,
        connection: &Connection,
        request_id: Option<String>,
    ) -> Request {
        let (connection_id, connected_at) = (&connection.id, connection.connected_at);
        let mut request = Request::default();
        let request_id = request_id.unwrap_or_else(|| ulid::Ulid::generate().to_string());
        let context = &mut request.request_context;
        context.authorizer.fields = (*connection.authorizer).clone();
        context.route_key = Some(route_key.to_owned());
        context.event_type = Some(event_type.to_owned());
        context.connection_id = Some(connection_id.to_owned());
        context.domain_name = Some(self.0.domain_name.clone());
        context.stage = Some(self.0.config.stage.clone());
        context.apiid = Some("local".to_owned());
        context.request_id = Some(request_id.clone());
        context.extended_request_id = Some(request_id);
        context.connected_at = connected_at;
        context.request_time_epoch = now_millis();
        context.message_direction = Some("IN".to_owned());
        request
    }

    /// Calls the route's handler: the same function its Lambda binary runs.
    async fn invoke(&self, route_key: &str, request: Request) -> Result<Response, HandlerError> {
        let (chat, media) = (&self.0.chat, &self.0.media);
        // Boxed: each handler's future nests the SDK's deep future types.
        match route_key {
            "$connect" => Box::pin(route_connect::handle(chat, request)).await,
            "$disconnect" => Box::pin(route_disconnect::handle(chat, request)).await,
            "sendMessage" => Box::pin(route_send_message::handle(chat, request)).await,
            "getMessages" => Box::pin(route_get_messages::handle(chat, request)).await,
            "getClients" => Box::pin(route_get_clients::handle(chat, request)).await,
            "getUploadUrl" => Box::pin(route_upload_url::handle(media, request)).await,
            "getDownloadUrl" => Box::pin(route_download_url::handle(media, request)).await,
            "setAvatar" => Box::pin(route_set_avatar::handle(chat, request)).await,
            _ => Box::pin(route_default::handle(request)).await,
        }
    }

    /// Runs one client message through its route and sends the route response back.
    fn dispatch(&self, connection: Connection, body: String, is_base64: bool) {
        let gateway = self.clone();
        tokio::spawn(async move {
            let route_key = if is_base64 {
                "$default"
            } else {
                select_route(&body)
            };
            let connection_id = connection.id.clone();
            let mut request = gateway.event(route_key, "MESSAGE", &connection, None);
            request.request_context.message_id = Some(ulid::Ulid::generate().to_string());
            request.body = Some(body);
            request.is_base64_encoded = is_base64;
            let request_id = request
                .request_context
                .request_id
                .clone()
                .unwrap_or_default();
            let reply = match gateway.invoke(route_key, request).await {
                Ok(response) => response_text(&response),
                // What API Gateway sends when the integration fails.
                Err(_) => Some(
                    json!({"message": "Internal server error", "connectionId": connection_id, "requestId": request_id})
                        .to_string(),
                ),
            };
            if let Some(reply) = reply {
                gateway.send(&connection_id, Outbound::Frame(Message::Text(reply.into())));
            }
        });
    }

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

    async fn disconnect(&self, connection: &Connection, code: u16, reason: &str) {
        let connection_id = connection.id.as_str();
        let mut request = self.event("$disconnect", "DISCONNECT", connection, None);
        request.request_context.disconnect_status_code = Some(i64::from(code));
        request.request_context.disconnect_reason = Some(reason.to_owned());
        if let Err(error) = self.invoke("$disconnect", request).await {
            warn!(%error, connection_id, "$disconnect failed");
        }
    }
}

/// `$request.body.action` when it names a route, else `$default`.
fn select_route(body: &str) -> &'static str {
    let action = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("action")?.as_str().map(str::to_owned));
    action
        .and_then(|action| ROUTED_ACTIONS.into_iter().find(|routed| *routed == action))
        .unwrap_or("$default")
}

fn response_text(response: &Response) -> Option<String> {
    match &response.body {
        Some(LambdaBody::Text(text)) => Some(text.clone()),
        Some(LambdaBody::Binary(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
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

fn now_millis() -> i64 {
    SystemClock.now_millis()
}

fn new_connection_id() -> String {
    // API Gateway's ids are short opaque base64 tokens; a ULID is as opaque and unique.
    ulid::Ulid::generate().to_string()
}

mod base64_engine {
    pub use base64::Engine;
    pub use base64::engine::general_purpose::STANDARD;
}

async fn open_websocket(
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
    let mut request = gateway.event("$connect", "CONNECT", &connection, Some(request_id));
    request.query_string_parameters = query.into();
    request.headers = headers;
    let answer = gateway.invoke("$connect", request).await;
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

/// An error in the shape the AWS SDK's REST-JSON deserializer recognizes.
fn aws_error(status: StatusCode, error_type: &str, message: &str) -> HttpResponse {
    let mut response = (status, Json(json!({"message": message}))).into_response();
    if let Ok(value) = HeaderValue::from_str(error_type) {
        response.headers_mut().insert("x-amzn-ErrorType", value);
    }
    response
}

fn gone(connection_id: &str) -> HttpResponse {
    aws_error(
        StatusCode::GONE,
        "GoneException",
        &format!("connection {connection_id} is gone"),
    )
}

/// `POST @connections/{id}`: one frame to the client.
async fn post_to_connection(
    State(gateway): State<Gateway>,
    UrlPath(connection_id): UrlPath<String>,
    body: Bytes,
) -> HttpResponse {
    if body.len() > gateway.0.config.limits.max_message_bytes {
        return aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "payload is larger than 128 KB",
        );
    }
    let message = match String::from_utf8(body.to_vec()) {
        Ok(text) => Message::Text(text.into()),
        Err(_) => Message::Binary(body),
    };
    if gateway.send(&connection_id, Outbound::Frame(message)) {
        if let Some(live) = gateway.lock_connections().get(&connection_id) {
            live.last_active.store(now_millis(), Ordering::Relaxed);
        }
        StatusCode::OK.into_response()
    } else {
        gone(&connection_id)
    }
}

/// `GET @connections/{id}`: when it connected, its last activity and who it is.
async fn get_connection(
    State(gateway): State<Gateway>,
    UrlPath(connection_id): UrlPath<String>,
) -> HttpResponse {
    let connections = gateway.lock_connections();
    let Some(live) = connections.get(&connection_id) else {
        return gone(&connection_id);
    };
    let iso = |millis: i64| {
        DateTime::from_millis(millis)
            .fmt(DateTimeFormat::DateTime)
            .unwrap_or_default()
    };
    Json(json!({
        "connectedAt": iso(live.connected_at),
        "lastActiveAt": iso(live.last_active.load(Ordering::Relaxed)),
        "identity": {"sourceIp": live.source_ip, "userAgent": live.user_agent},
    }))
    .into_response()
}

/// `DELETE @connections/{id}`: closes the socket; `$disconnect` follows.
async fn delete_connection(
    State(gateway): State<Gateway>,
    UrlPath(connection_id): UrlPath<String>,
) -> HttpResponse {
    if gateway.send(
        &connection_id,
        Outbound::Close(1000, "Connection closed by server".into()),
    ) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        gone(&connection_id)
    }
}

/// The runtime configuration the web UI reads (the CDK stack deploys the same file to S3).
async fn web_config(State(gateway): State<Gateway>, headers: HeaderMap) -> HttpResponse {
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map_or_else(|| gateway.0.domain_name.clone(), str::to_owned);
    let mut response = Json(json!({
        "websocketUrl": format!("ws://{host}/{}", gateway.0.config.stage),
        "auth": gateway.0.config.user_pool.web_config(),
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const NOT_BUILT_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Chatastrophy</title></head>\
<body><h1>Chatastrophy local gateway</h1><p>The web UI is not built yet: run <code>make web</code>, then reload. \
The WebSocket API is already up at the URL in <a href=\"config.json\">config.json</a>.</p></body></html>";

/// Static files of the built web UI; paths without a file fall back to `index.html` (client routing).
async fn web_file(State(gateway): State<Gateway>, uri: axum::http::Uri) -> HttpResponse {
    let web_dir = &gateway.0.config.web_dir;
    let Some(relative) = safe_relative_path(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let wanted = web_dir.join(&relative);
    let file = if wanted.is_file() {
        wanted
    } else if relative.extension().is_none() {
        web_dir.join("index.html")
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&file))], bytes).into_response(),
        Err(_) if file.ends_with("index.html") => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            NOT_BUILT_PAGE,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The request path as a path below the web root, or `None` if it tries to leave it.
fn safe_relative_path(path: &str) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(relative)
}

fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_selected_by_the_action_field_like_api_gateway() {
        assert_eq!(select_route(r#"{"action":"sendMessage"}"#), "sendMessage");
        assert_eq!(
            select_route(r#"{"action":"getMessages","with":"a"}"#),
            "getMessages"
        );
        assert_eq!(select_route(r#"{"action":"getClients"}"#), "getClients");
        for media in ["getUploadUrl", "getDownloadUrl", "setAvatar"] {
            assert_eq!(select_route(&format!(r#"{{"action":"{media}"}}"#)), media);
        }
        for unmatched in [
            r#"{"action":"ping"}"#,
            r#"{"action":"dance"}"#,
            r#"{"action":5}"#,
            "{",
            "[]",
            "",
        ] {
            assert_eq!(select_route(unmatched), "$default", "{unmatched}");
        }
    }

    #[test]
    fn static_paths_cannot_leave_the_web_root() {
        assert_eq!(
            safe_relative_path("/assets/app.js"),
            Some(PathBuf::from("assets/app.js"))
        );
        assert_eq!(safe_relative_path("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative_path("/../secret"), None);
        assert_eq!(safe_relative_path("/a/../../b"), None);
    }
}
