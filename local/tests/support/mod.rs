//! Test harness for the local stack: one DynamoDB Local and one local S3 per test binary (in
//! memory), a fresh set of tables, a fresh media bucket and a gateway per test, and a real WebSocket
//! client.
#![allow(dead_code)] // each test binary uses part of the harness

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chat_domain::TableNames;
use futures_util::{SinkExt, StreamExt};
use local_stack::dynamodb_local::{self, DynamoDbLocal, Storage};
use local_stack::gateway::{Limits, RunningGateway};
use local_stack::local_s3::{self, LocalS3, S3Storage};
use local_stack::stack::{self, StackConfig};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
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

/// The binary's local S3, started on first use; the kernel stops it when the binary exits.
pub fn s3() -> &'static LocalS3 {
    static S3: OnceLock<LocalS3> = OnceLock::new();
    S3.get_or_init(|| {
        LocalS3::start(&local_s3::find_executable(), 0, &S3Storage::InMemory)
            .expect("the local S3 starts (make venv installs it)")
    })
}

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
}

pub async fn stack() -> TestStack {
    stack_with(Limits::default(), &dynamodb().endpoint(), fresh_tables()).await
}

pub async fn stack_with(limits: Limits, dynamodb_endpoint: &str, tables: TableNames) -> TestStack {
    let media_bucket = format!("media-{}", next_stack_number());
    let config = StackConfig {
        gateway_port: 0,
        stage: "test".into(),
        limits,
        web_dir: std::env::temp_dir().join("chatastrophy-no-web"),
        dynamodb_endpoint: dynamodb_endpoint.to_owned(),
        tables: tables.clone(),
        s3_endpoint: s3().endpoint(),
        media_bucket: media_bucket.clone(),
    };
    let gateway = stack::start_gateway(config).await.expect("gateway starts");
    let sdk = stack::local_sdk_config().expect("local SDK configuration");
    TestStack {
        gateway,
        tables,
        dynamodb: stack::dynamodb_client(&sdk, dynamodb_endpoint),
        media_bucket,
        s3: stack::s3_client(&sdk, &s3().endpoint()),
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A chat user's WebSocket connection.
pub struct Client {
    pub username: String,
    socket: Socket,
}

impl Client {
    pub async fn connect(stack: &TestStack, username: &str) -> Client {
        Self::try_connect(stack, username)
            .await
            .unwrap_or_else(|e| panic!("{username} could not connect: {e}"))
    }

    pub async fn try_connect(
        stack: &TestStack,
        username: &str,
    ) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}?username={username}", stack.gateway.websocket_url());
        let (socket, _) = tokio_tungstenite::connect_async(url).await?;
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
