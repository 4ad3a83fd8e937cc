//! Test harness for the local stack: one DynamoDB Local and one MiniStack (S3 and Cognito) per test
//! binary (in memory), a fresh set of tables, a fresh media bucket, a fresh user pool and a gateway
//! per test, and a real WebSocket client of a user who signed up and in with Cognito.
#![allow(dead_code)] // each test binary uses part of the harness

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use chat_domain::TableNames;
use futures_util::{SinkExt, StreamExt};
use local_stack::cognito::{self, UserPool};
use local_stack::dynamodb_local::{self, DynamoDbLocal, Storage};
use local_stack::gateway::{Limits, RunningGateway};
use local_stack::ministack::{self, MiniStack, Persistence};
use local_stack::stack::{self, StackConfig};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for an event that should come.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The binary's DynamoDB Local, started on first use; the kernel stops it when the binary exits.
pub fn dynamodb() -> &'static DynamoDbLocal {
    static DYNAMODB: OnceLock<DynamoDbLocal> = OnceLock::new();
    DYNAMODB.get_or_init(|| {
        let jar_dir = dynamodb_local::find_jar_dir().expect("DynamoDB Local is installed");
        DynamoDbLocal::start(&jar_dir, 0, &Storage::InMemory).expect("DynamoDB Local starts")
    })
}

/// The binary's MiniStack (S3 and Cognito), started on first use; the kernel stops it when the
/// binary exits.
pub fn ministack() -> &'static MiniStack {
    static MINISTACK: OnceLock<MiniStack> = OnceLock::new();
    MINISTACK.get_or_init(|| {
        MiniStack::start(&ministack::find_executable(), 0, &Persistence::InMemory)
            .expect("MiniStack starts (make venv installs it)")
    })
}

/// The password every test user signs up with (it meets the pool's policy).
pub const PASSWORD: &str = "Corr3ct-horse";

/// A number no other stack in this binary uses.
fn next_stack_number() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Table names no other test in this binary uses.
pub fn fresh_tables() -> TableNames {
    stack::table_names(&format!("t{}-", next_stack_number())).expect("tables.json is valid")
}

pub struct TestStack {
    pub gateway: RunningGateway,
    pub tables: TableNames,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub media_bucket: String,
    pub s3: aws_sdk_s3::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    /// Access tokens of the users who signed up, by username.
    tokens: Mutex<HashMap<String, String>>,
}

impl TestStack {
    pub fn user_pool(&self) -> &UserPool {
        self.gateway.user_pool()
    }

    /// An access token of `username`, who signs up (confirming the e-mail with the code from
    /// Cognito's outbox) if they have no account in the pool yet, as a new user does in the
    /// browser, and signs in otherwise.
    pub async fn token(&self, username: &str) -> String {
        if let Some(token) = self.lock_tokens().get(username) {
            return token.clone();
        }
        let signed_in = cognito::sign_in(&self.cognito, self.user_pool(), username, PASSWORD).await;
        let token = match signed_in {
            Ok(tokens) => tokens.access_token,
            Err(_) => self.sign_up(username).await,
        };
        self.lock_tokens()
            .insert(username.to_owned(), token.clone());
        token
    }

    /// Signs `username` up and in; the new account's access token.
    pub async fn sign_up(&self, username: &str) -> String {
        let pool = self.user_pool();
        let email = format!("{}@example.com", username.to_ascii_lowercase());
        cognito::sign_up(&self.cognito, pool, username, &email, PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{username} signs up: {e}"));
        let code = verification_code(pool, &email).await;
        cognito::confirm(&self.cognito, pool, username, &code)
            .await
            .unwrap_or_else(|e| panic!("{username} confirms the e-mail: {e}"));
        cognito::sign_in(&self.cognito, pool, username, PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{username} signs in: {e}"))
            .access_token
    }

    fn lock_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An item of the Clients table, by key.
pub async fn clients_item(
    stack: &TestStack,
    pk: &str,
    sk: &str,
) -> Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    stack
        .dynamodb
        .get_item()
        .table_name(&stack.tables.clients)
        .key("pk", AttributeValue::S(pk.to_owned()))
        .key("sk", AttributeValue::S(sk.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
}

/// The `sub` the user record of `user_key` is bound to (set by its first connect).
pub async fn stack_user_sub(stack: &TestStack, user_key: &str) -> String {
    let item = clients_item(stack, "USERS", &format!("USER#{user_key}"))
        .await
        .unwrap_or_else(|| panic!("{user_key} has a user record"));
    item.get("sub")
        .and_then(|sub| sub.as_s().ok())
        .cloned()
        .unwrap_or_else(|| panic!("{user_key}'s record has a sub"))
}

/// The connection record of `connection_id`, if any.
pub async fn connection_record(
    stack: &TestStack,
    connection_id: &str,
) -> Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    clients_item(stack, &format!("CONNECTION#{connection_id}"), "CONNECTION").await
}

/// The newest verification code Cognito "e-mailed" to `email`, read from MiniStack's outbox.
pub async fn verification_code(pool: &UserPool, email: &str) -> String {
    let answer = http("GET", &pool.outbox_url(), &[], Vec::new()).await;
    assert_eq!(answer.status, 200, "the outbox answers");
    let outbox: Value = serde_json::from_slice(&answer.body).expect("the outbox is JSON");
    let messages = outbox["messages"]
        .as_object()
        .into_iter()
        .flat_map(|accounts| accounts.values())
        .filter_map(Value::as_array)
        .flatten();
    let body = messages
        .filter(|message| {
            message["To"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == email))
        })
        .filter_map(|message| message["BodyText"].as_str())
        .next_back()
        .unwrap_or_else(|| panic!("no verification e-mail to {email}"))
        .to_owned();
    body.split(|c: char| !c.is_ascii_digit())
        .find(|word| word.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body:?}"))
        .to_owned()
}

pub async fn stack() -> TestStack {
    stack_with(Limits::default(), &dynamodb().endpoint(), fresh_tables()).await
}

pub async fn stack_with(limits: Limits, dynamodb_endpoint: &str, tables: TableNames) -> TestStack {
    let number = next_stack_number();
    stack_on(limits, dynamodb_endpoint, tables, &format!("pool-{number}")).await
}

/// A stack over the given tables and user pool (a restarted stack finds both again).
pub async fn stack_on(
    limits: Limits,
    dynamodb_endpoint: &str,
    tables: TableNames,
    user_pool_name: &str,
) -> TestStack {
    let media_bucket = format!("media-{}", next_stack_number());
    let config = StackConfig {
        gateway_port: 0,
        stage: "test".into(),
        limits,
        web_dir: std::env::temp_dir().join("chatastrophy-no-web"),
        dynamodb_endpoint: dynamodb_endpoint.to_owned(),
        tables: tables.clone(),
        ministack_endpoint: ministack().endpoint(),
        media_bucket: media_bucket.clone(),
        user_pool_name: user_pool_name.to_owned(),
    };
    let gateway = stack::start_gateway(config).await.expect("gateway starts");
    let sdk = stack::local_sdk_config().expect("local SDK configuration");
    TestStack {
        gateway,
        tables,
        dynamodb: stack::dynamodb_client(&sdk, dynamodb_endpoint),
        media_bucket,
        s3: stack::s3_client(&sdk, &ministack().endpoint()),
        cognito: cognito::client(&sdk, &ministack().endpoint()),
        tokens: Mutex::default(),
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A chat user's WebSocket connection.
pub struct Client {
    pub username: String,
    socket: Socket,
}

/// The subprotocols a browser offers: ours and its access token.
pub fn subprotocols(token: &str) -> String {
    format!("chatastrophy.v1, {token}")
}

impl Client {
    /// A connection of `username`, signed up and in (the first time) with the stack's pool.
    pub async fn connect(stack: &TestStack, username: &str) -> Client {
        Self::try_connect(stack, username)
            .await
            .unwrap_or_else(|e| panic!("{username} could not connect: {e}"))
    }

    pub async fn try_connect(
        stack: &TestStack,
        username: &str,
    ) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        let token = stack.token(username).await;
        let protocols = subprotocols(&token);
        let (socket, answer) = handshake(stack, Some(&protocols)).await?;
        assert_eq!(
            answer
                .headers()
                .get("sec-websocket-protocol")
                .map(|v| v.as_bytes()),
            Some(&b"chatastrophy.v1"[..]),
            "the handshake selects our subprotocol, never the token"
        );
        Ok(Client {
            username: username.to_owned(),
            socket,
        })
    }

    pub async fn send(&mut self, event: Value) {
        self.send_raw(Message::Text(event.to_string().into())).await;
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.socket.send(message).await.expect("frame sent");
    }

    /// The next JSON event, whatever its type.
    pub async fn next_event(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(EVENT_TIMEOUT, self.socket.next())
                .await
                .unwrap_or_else(|_| {
                    panic!("{} got no event within {EVENT_TIMEOUT:?}", self.username)
                });
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(&text).expect("events are JSON");
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("{} expected an event, got {other:?}", self.username),
            }
        }
    }

    /// The next event of `event_type`, skipping presence and other unrelated events.
    pub async fn next_of_type(&mut self, event_type: &str) -> Value {
        loop {
            let event = self.next_event().await;
            if event["type"] == event_type {
                return event;
            }
        }
    }

    /// Sends a request and waits for its answer of `answer_type` (or an `error`).
    pub async fn request(&mut self, event: Value, answer_type: &str) -> Value {
        self.send(event).await;
        loop {
            let event = self.next_event().await;
            if event["type"] == answer_type || event["type"] == "error" {
                return event;
            }
        }
    }

    /// Sends a message and returns its ack.
    pub async fn send_message(&mut self, to: &str, text: &str, client_message_id: &str) -> Value {
        let ack = self
            .request(
                serde_json::json!({"action": "sendMessage", "to": to, "text": text, "clientMessageId": client_message_id}),
                "messageAck",
            )
            .await;
        assert_eq!(ack["type"], "messageAck", "{ack}");
        ack
    }

    /// Sends a message into a conversation, named by its id, and returns its ack.
    pub async fn send_to(
        &mut self,
        conversation_id: &str,
        text: &str,
        client_message_id: &str,
    ) -> Value {
        let ack = self
            .request(
                serde_json::json!({"action": "sendMessage", "conversationId": conversation_id, "text": text, "clientMessageId": client_message_id}),
                "messageAck",
            )
            .await;
        assert_eq!(ack["type"], "messageAck", "{ack}");
        ack
    }

    /// Every event that arrives within `window`.
    pub async fn events_within(&mut self, window: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + window;
        let mut events = Vec::new();
        while let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await {
            match frame {
                Some(Ok(Message::Text(text))) => {
                    events.push(serde_json::from_str(&text).expect("events are JSON"));
                }
                Some(Ok(_)) => {}
                other => panic!("{} expected events, got {other:?}", self.username),
            }
        }
        events
    }

    /// Asserts nothing but presence arrives for `quiet`.
    pub async fn expect_no_message(&mut self, quiet: Duration) {
        let deadline = tokio::time::Instant::now() + quiet;
        while let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await {
            if let Some(Ok(Message::Text(text))) = frame {
                let event: Value = serde_json::from_str(&text).expect("JSON");
                assert_eq!(
                    event["type"], "presence",
                    "{} got an unexpected {event}",
                    self.username
                );
            }
        }
    }

    /// Waits for the server to close the socket; returns the close code.
    pub async fn closed_with(&mut self) -> Option<u16> {
        loop {
            let frame = tokio::time::timeout(EVENT_TIMEOUT, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("{}'s socket stayed open", self.username));
            match frame {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
        // Drain until the server acknowledges, so $disconnect has started when this returns.
        while let Ok(Some(Ok(_))) =
            tokio::time::timeout(Duration::from_secs(5), self.socket.next()).await
        {}
    }
}

/// A WebSocket handshake with the stack offering `protocols` (as `Sec-WebSocket-Protocol`).
pub async fn handshake(
    stack: &TestStack,
    protocols: Option<&str>,
) -> Result<
    (
        Socket,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    tokio_tungstenite::tungstenite::Error,
> {
    let mut request = stack
        .gateway
        .websocket_url()
        .into_client_request()
        .expect("a WebSocket URL");
    if let Some(protocols) = protocols {
        request.headers_mut().insert(
            "sec-websocket-protocol",
            protocols.parse().expect("a header value"),
        );
    }
    tokio_tungstenite::connect_async(request).await
}

/// The HTTP status a refused handshake got.
pub fn refused_status(error: &tokio_tungstenite::tungstenite::Error) -> Option<u16> {
    match error {
        tokio_tungstenite::tungstenite::Error::Http(response) => Some(response.status().as_u16()),
        _ => None,
    }
}

/// What an HTTP server answered.
pub struct HttpAnswer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

/// One HTTP request, as a browser sends it to a presigned URL.
pub async fn http(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> HttpAnswer {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client as HttpClient;
    use hyper_util::rt::TokioExecutor;

    let client = HttpClient::builder(TokioExecutor::new()).build_http::<Full<axum::body::Bytes>>();
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::from(body)).expect("a valid request");
    let response = tokio::time::timeout(EVENT_TIMEOUT, client.request(request))
        .await
        .expect("the server answers in time")
        .expect("the server answers");
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .expect("the whole body")
        .to_bytes()
        .to_vec();
    HttpAnswer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    }
}
