//! `make bench` (cold start and cost): a small Lambda Runtime API emulator that starts each release
//! `bootstrap` the way Lambda does and measures its init time (process start → first
//! `GET /runtime/invocation/next`), its first (cold) and following (warm) invocation durations and
//! its peak RSS, next to a hello-world `lambda_runtime` binary built with the same profile. The
//! functions run against DynamoDB Local; their posts go to this emulator's @connections endpoint.
//! The `$connect` authorizer checks tokens signed by a key generated at start, whose JWKS this
//! emulator serves: each process fetches it once, on its first invocation, as on AWS.
//! With the AWS calls per action (exported by the mocked-SDK tests) it prices a million actions.
//! Every invocation must succeed (a 2xx answer that is no `error` event), or the run fails: each
//! function's event, and what is seeded before the rounds, make one action's success path.
//!
//! Usage: bench-cold-start --lambda-dir DIR --calls-dir DIR [--runs N] [--json PATH] [--arm64-dir DIR]

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chat_domain::conversation::ConversationId;
use chat_domain::identity::Identity;
use chat_domain::model::{Connection, Member, Message, Room};
use chat_domain::ports::{ConnectionStore, MessageWriter, RoomCreation, UserSessions};
use chat_domain::rooms::Role;
use chat_domain::routes::{FunctionKind, FunctionSpec, Registry};
use chat_domain::rules::{ClientMessageId, Clock, Username, new_message_id};
use chat_domain::{DynamoStore, SystemClock};
use futures_util::{StreamExt, TryStreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use local_stack::dynamodb_local::{DynamoDbLocal, Storage};
use local_stack::stack;
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};

/// Invocations per process: the first is cold, the rest warm.
const INVOCATIONS: usize = 6;
const TIMEOUT: Duration = Duration::from_secs(20);
const SETTLE: Duration = Duration::from_millis(30);
/// The hello-world function every other is compared with.
const BASELINE: &str = "hello-baseline";
/// The `$connect` authorizer: a REQUEST authorizer event in, a policy out, no AWS call.
const AUTHORIZER: &str = "authorizer";
/// The benchmark's user pool, app client and signing key, as the authorizer is configured.
const BENCH_POOL: &str = "us-east-1_bench";
const BENCH_CLIENT_ID: &str = "benchclient";
const BENCH_KID: &str = "bench";
const JWKS_PATH: &str = "/bench/jwks.json";
/// Memory the CDK stack gives every function (cdk/lib/config.ts).
const MEMORY_MB: f64 = 256.0;

// AWS list prices (us-east-1, on-demand), per unit.
const API_GATEWAY_PER_MESSAGE: f64 = 1.00 / 1e6;
const LAMBDA_PER_REQUEST: f64 = 0.20 / 1e6;
const LAMBDA_ARM64_PER_GB_SECOND: f64 = 0.0000133334;
const DYNAMODB_PER_WRU: f64 = 0.625 / 1e6;
const DYNAMODB_PER_RRU: f64 = 0.125 / 1e6;

struct Options {
    lambda_dir: PathBuf,
    arm64_dir: Option<PathBuf>,
    calls_dir: PathBuf,
    runs: usize,
    json: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut lambda_dir = None;
    let mut arm64_dir = None;
    let mut calls_dir = None;
    let mut runs = 50;
    let mut json = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--lambda-dir" => lambda_dir = Some(PathBuf::from(value()?)),
            "--arm64-dir" => arm64_dir = Some(PathBuf::from(value()?)),
            "--calls-dir" => calls_dir = Some(PathBuf::from(value()?)),
            "--runs" => runs = value()?.parse().map_err(|_| "--runs takes a number")?,
            "--json" => json = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Options {
        lambda_dir: lambda_dir.ok_or("--lambda-dir is required")?,
        arm64_dir,
        calls_dir: calls_dir.ok_or("--calls-dir is required")?,
        runs: runs.max(1),
        json,
    })
}

/// What the recorded runs of one function measured, in milliseconds and megabytes.
#[derive(Default)]
struct Samples {
    inits: Vec<f64>,
    /// Init over the baseline's init in the same round.
    init_ratios: Vec<f64>,
    colds: Vec<f64>,
    warms: Vec<f64>,
    rss: Vec<f64>,
}

/// One queued invocation and where its outcome goes.
struct Pending {
    request_id: String,
    event: Value,
}

#[derive(Default)]
struct Emulator {
    queue: Mutex<VecDeque<Pending>>,
    queued: Notify,
    /// Set on the first `GET next` of the current process.
    first_poll: Mutex<Option<oneshot::Sender<Instant>>>,
    outcomes: Mutex<BTreeMap<String, oneshot::Sender<Result<Value, String>>>>,
    posts: Mutex<usize>,
    /// The benchmark pool's key set (`JWKS_PATH`) and how many times it was fetched.
    jwks: String,
    jwks_fetches: Mutex<usize>,
}

async fn next_invocation(State(emulator): State<Arc<Emulator>>) -> Response {
    if let Some(first) = emulator.first_poll.lock().ok().and_then(|mut f| f.take()) {
        let _ = first.send(Instant::now());
    }
    loop {
        let notified = emulator.queued.notified();
        if let Some(pending) = emulator.queue.lock().ok().and_then(|mut q| q.pop_front()) {
            let mut headers = HeaderMap::new();
            let deadline = (std::time::SystemTime::now() + TIMEOUT)
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            for (name, value) in [
                ("lambda-runtime-aws-request-id", pending.request_id.clone()),
                ("lambda-runtime-deadline-ms", deadline.to_string()),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:000000000000:function:bench".to_owned(),
                ),
            ] {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
            return (headers, pending.event.to_string()).into_response();
        }
        notified.await;
    }
}

async fn invocation_response(
    State(emulator): State<Arc<Emulator>>,
    UrlPath(request_id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let outcome = serde_json::from_slice(&body).map_err(|e| e.to_string());
    finish(&emulator, &request_id, outcome)
}

async fn invocation_error(
    State(emulator): State<Arc<Emulator>>,
    UrlPath(request_id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    finish(
        &emulator,
        &request_id,
        Err(String::from_utf8_lossy(&body).into_owned()),
    )
}

fn finish(emulator: &Emulator, request_id: &str, outcome: Result<Value, String>) -> StatusCode {
    if let Some(sender) = emulator
        .outcomes
        .lock()
        .ok()
        .and_then(|mut o| o.remove(request_id))
    {
        let _ = sender.send(outcome);
    }
    StatusCode::ACCEPTED
}

async fn init_error(body: Bytes) -> StatusCode {
    eprintln!("init error: {}", String::from_utf8_lossy(&body));
    StatusCode::ACCEPTED
}

async fn jwks(State(emulator): State<Arc<Emulator>>) -> Response {
    if let Ok(mut fetches) = emulator.jwks_fetches.lock() {
        *fetches += 1;
    }
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        emulator.jwks.clone(),
    )
        .into_response()
}

fn jwks_fetches(emulator: &Emulator) -> usize {
    emulator.jwks_fetches.lock().map_or(0, |fetches| *fetches)
}

async fn post_to_connection(State(emulator): State<Arc<Emulator>>) -> StatusCode {
    if let Ok(mut posts) = emulator.posts.lock() {
        *posts += 1;
    }
    StatusCode::OK
}

/// What one process did.
struct Run {
    init: Duration,
    invocations: Vec<Duration>,
    peak_rss_mb: f64,
}

async fn run_once(
    emulator: &Arc<Emulator>,
    bootstrap: &Path,
    env: &[(String, String)],
    event: &dyn Fn(usize) -> Value,
    expect_allow: bool,
) -> Result<Run, String> {
    let (first_poll, polled) = oneshot::channel();
    if let Ok(mut slot) = emulator.first_poll.lock() {
        *slot = Some(first_poll);
    }
    // Let the previous function's aftermath (DynamoDB Local's JVM, the killed process) settle,
    // so a function is not measured against whatever the one before it left running.
    tokio::time::sleep(SETTLE).await;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(bootstrap)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", bootstrap.display()))?;
    let pid = child.id().unwrap_or_default();
    let first = tokio::time::timeout(TIMEOUT, polled)
        .await
        .map_err(|_| "no GET next within the timeout")?
        .map_err(|_| "emulator dropped")?;
    let init = first.duration_since(started);
    let mut invocations = Vec::with_capacity(INVOCATIONS);
    for n in 0..INVOCATIONS {
        let request_id = format!("bench-{n}-{}", ulid::Ulid::generate());
        let (done, outcome) = oneshot::channel();
        if let Ok(mut outcomes) = emulator.outcomes.lock() {
            outcomes.insert(request_id.clone(), done);
        }
        // Built before the clock starts: making the event (signing the authorizer's token) is
        // not the function's time.
        let event = event(n);
        let sent = Instant::now();
        if let Ok(mut queue) = emulator.queue.lock() {
            queue.push_back(Pending { request_id, event });
        }
        emulator.queued.notify_one();
        let result = tokio::time::timeout(TIMEOUT, outcome)
            .await
            .map_err(|_| "invocation timed out")?
            .map_err(|_| "emulator dropped")?;
        invocations.push(sent.elapsed());
        let response = result.map_err(|e| format!("invocation failed: {e}"))?;
        if let Some(refusal) = refusal(&response) {
            return Err(format!("handler answered {refusal}: {response}"));
        }
        // An `Unauthorized` arrives as an invocation error above; a Deny would be a policy.
        if expect_allow && !allows(&response) {
            return Err(format!("the authorizer did not allow: {response}"));
        }
    }
    let peak_rss_mb = local_stack::measure::peak_rss_mb(&pid.to_string());
    let _ = child.kill().await;
    Ok(Run {
        init,
        invocations,
        peak_rss_mb,
    })
}

/// The event of `username`'s connection, with the `$connect` authorizer's context as API Gateway
/// passes it on.
fn websocket_event(
    route_key: &str,
    username: &str,
    connection_id: &str,
    body: Option<Value>,
) -> Value {
    let sub = bench_sub(username);
    let mut event = json!({
        "requestContext": {
            "authorizer": {"principalId": sub, "sub": sub, "username": username},
            "routeKey": route_key,
            "eventType": if route_key == "$connect" { "CONNECT" } else if route_key == "$disconnect" { "DISCONNECT" } else { "MESSAGE" },
            "connectionId": connection_id,
            "requestId": "bench",
            "domainName": "bench.local",
            "stage": "bench",
            "connectedAt": 1_764_000_000_000_i64,
            "requestTimeEpoch": 1_764_000_000_000_i64,
            "apiId": "bench",
        },
        "isBase64Encoded": false,
    });
    if let Some(body) = body {
        event["body"] = Value::String(body.to_string());
    }
    if route_key == "$connect" {
        event["headers"] = json!({"Sec-WebSocket-Protocol": "chatastrophy.v1, token"});
    }
    event
}

/// Why a function's answer is not a success, if it is not: a status other than 2xx (a failure, or
/// a refused `$connect`), or an `error` event, which API Gateway answers with 200. Every measured
/// invocation must succeed, so that the benchmark times the work of the action, not a refusal.
fn refusal(response: &Value) -> Option<String> {
    let status = response["statusCode"].as_i64().unwrap_or(200);
    if !(200..300).contains(&status) {
        return Some(format!("status {status}"));
    }
    let answer: Value = serde_json::from_str(response["body"].as_str()?).ok()?;
    (answer["type"] == "error").then(|| "an error event".to_owned())
}

/// Whether an authorizer's answer is an Allow policy (and only that).
fn allows(response: &Value) -> bool {
    response["policyDocument"]["Statement"]
        .as_array()
        .is_some_and(|statements| {
            !statements.is_empty()
                && statements
                    .iter()
                    .all(|statement| statement["Effect"] == "Allow")
        })
}

/// The benchmark pool's signing key and its JWKS document.
fn bench_key() -> Result<(EncodingKey, String), Box<dyn std::error::Error>> {
    let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)?;
    let encoding = EncodingKey::from_rsa_der(private.to_pkcs1_der()?.as_bytes());
    let b64 = |bytes: Vec<u8>| URL_SAFE_NO_PAD.encode(bytes);
    let jwks = json!({"keys": [{
        "kty": "RSA", "kid": BENCH_KID, "alg": "RS256", "use": "sig",
        "n": b64(private.n().to_bytes_be()),
        "e": b64(private.e().to_bytes_be()),
    }]});
    Ok((encoding, jwks.to_string()))
}

/// The REQUEST authorizer event of carol's `$connect`, with a fresh access token of the benchmark
/// pool, valid for an hour.
fn authorizer_event(key: &EncodingKey, connection_id: &str) -> Result<Value, String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let claims = json!({
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{BENCH_POOL}"),
        "token_use": "access",
        "client_id": BENCH_CLIENT_ID,
        "sub": bench_sub("carol"),
        "username": "carol",
        "scope": "aws.cognito.signin.user.admin",
        "jti": connection_id,
        "iat": now,
        "nbf": now,
        "auth_time": now,
        "exp": now + 3600,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(BENCH_KID.to_owned());
    let token = jsonwebtoken::encode(&header, &claims, key).map_err(|e| e.to_string())?;
    Ok(json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:000000000000:bench/bench/$connect",
        "headers": {
            "Host": "bench.local",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Protocol": format!("chatastrophy.v1, {token}"),
        },
        "queryStringParameters": {},
        "stageVariables": {},
        "requestContext": {
            "routeKey": "$connect",
            "eventType": "CONNECT",
            "messageDirection": "IN",
            "connectionId": connection_id,
            "requestId": "bench",
            "domainName": "bench.local",
            "stage": "bench",
            "connectedAt": 1_764_000_000_000_i64,
            "requestTimeEpoch": 1_764_000_000_000_i64,
            "identity": {"sourceIp": "127.0.0.1"},
            "apiId": "bench",
        },
    }))
}

/// The Cognito `sub` of a benchmark user.
fn bench_sub(username: &str) -> String {
    format!("bench-sub-{username}")
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Read and write units of one action's calls, as DynamoDB bills them for this data model's small
/// items (users, connections and messages are each under 1 KB; see docs/data-model.md).
fn capacity_units(calls: &[String]) -> (f64, f64, usize) {
    let (mut rru, mut wru, mut posts) = (0.0, 0.0, 0);
    for call in calls {
        match call.split_whitespace().next().unwrap_or_default() {
            // Strongly consistent reads of items under 4 KB: 1 RRU each.
            "GetItem" => rru += 1.0,
            // The two users of a message, strongly consistent.
            "BatchGetItem" => rru += 2.0,
            // A page of users (~100 B each) or of 50 messages (~25 KB, eventually consistent: ~3.5).
            "Query" => rru += 2.0,
            "PutItem" | "UpdateItem" | "DeleteItem" => wru += 1.0,
            "PostToConnection" => posts += 1,
            _ => {}
        }
    }
    (rru, wru, posts)
}

type EventFor = Box<dyn Fn(usize) -> Value>;

/// What each round runs, in order: the baseline, then every function of `shared/routes.json` in
/// the registry's order with its event from `events`. A registered function without an event, or
/// an event for an unregistered one, is an error: the benchmark measures exactly the registry.
fn measured_functions(
    events: Vec<(&'static str, EventFor)>,
) -> Result<Vec<(&'static str, EventFor)>, String> {
    let mut events: BTreeMap<&str, EventFor> = events.into_iter().collect();
    let mut cases: Vec<(&'static str, EventFor)> =
        vec![(BASELINE, Box::new(|_| json!({"hello": "world"})))];
    for function in &Registry::get().functions {
        let name = function.name.as_str();
        let event = events.remove(name).ok_or_else(|| {
            format!("{name} is in shared/routes.json but bench-cold-start has no event for it")
        })?;
        cases.push((name, event));
    }
    if let Some(name) = events.keys().next() {
        return Err(format!(
            "bench-cold-start has an event for {name}, which shared/routes.json does not list"
        ));
    }
    // Each round's disconnect closes the connections its connect opened just before.
    let position = |name: &str| cases.iter().position(|(case, _)| *case == name);
    if position("disconnect") < position("connect") {
        return Err("shared/routes.json lists disconnect before connect, but each round's disconnect closes the connections connect opened".to_owned());
    }
    Ok(cases)
}

/// Whether the registry grants a function no AWS access at all (then it makes no AWS call).
fn grants_no_aws_access(function: &FunctionSpec) -> bool {
    function.dynamodb.is_empty() && function.s3.is_empty() && !function.posts_to_connections
}

/// The text of the messages seeded in the bench room.
const SEEDED_TEXT: &str = "cold start";

/// What the room and message actions work on, seeded before the rounds.
struct BenchRoom {
    /// A room of alice's (owner) and bob's (member).
    id: ConversationId,
    /// A message of alice's in the room, which she edits.
    edited: String,
    /// Messages of alice's in the room, oldest first: bob marks the next one read at each
    /// invocation, so every `markRead` moves his read point (a read point never moves back).
    to_read: Vec<String>,
}

/// Through the adapter, as `createRoom` and `sendMessage` store them: the room and its messages
/// (`reads` of them to mark read). The room's last message is not recorded: an edit of a message
/// that is not the last revises no inbox preview either way, and the inbox's work is the same.
async fn seed_bench_room(
    store: &DynamoStore,
    reads: usize,
) -> Result<BenchRoom, Box<dyn std::error::Error>> {
    let now = SystemClock.now_millis();
    let (alice, bob) = (Username::parse("alice")?, Username::parse("bob")?);
    let id = ConversationId::new_room(now);
    let member = |username: &Username, role| Member {
        conversation_id: id.clone(),
        username: username.clone(),
        role,
        joined_at: now,
        read_message_id: None,
    };
    let room = Room {
        id: id.clone(),
        name: "Cold start".into(),
        created_by: alice.clone(),
        created_at: now,
        member_count: 2,
    };
    store
        .create_room(
            &room,
            &[member(&alice, Role::Owner), member(&bob, Role::Member)],
        )
        .await?;
    // One millisecond apart, so that their ids (ULIDs) sort in this order.
    let message = |from: &Username, offset: usize| {
        let sent_at = now + i64::try_from(offset).unwrap_or(i64::MAX - now);
        Message {
            id: new_message_id(sent_at),
            conversation_id: id.clone(),
            from: from.clone(),
            to: None,
            text: SEEDED_TEXT.into(),
            attachment: None,
            sent_at,
            client_message_id: ClientMessageId::generate(),
            edited_at: None,
            deleted: None,
            reply_to: None,
            reactions: Vec::new(),
        }
    };
    let edited = message(&alice, 0);
    let to_read: Vec<Message> = (1..=reads).map(|offset| message(&alice, offset)).collect();
    futures_util::stream::iter(std::iter::once(&edited).chain(&to_read))
        .map(|message| store.put_message(message))
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(BenchRoom {
        id,
        edited: edited.id,
        to_read: to_read.into_iter().map(|message| message.id).collect(),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let registry = Registry::get();
    let dynamodb = DynamoDbLocal::launch(0, Storage::InMemory).await?;
    let tables = stack::table_names("cold-")?;
    let sdk = stack::local_sdk_config()?;
    let client = stack::dynamodb_client(&sdk, &dynamodb.endpoint());
    stack::ensure_tables(&client, &tables).await?;
    // Alice (connection "bench-alice") writes to bob, in their direct conversation and in a room
    // of theirs; dave creates rooms. Carol comes and goes: see the connect and disconnect cases.
    let store = DynamoStore::new(client, tables.clone());
    let seeded = [
        ("alice", "bench-alice".to_owned()),
        ("bob", "bench-bob".to_owned()),
        ("dave", "bench-dave".to_owned()),
    ];
    for (name, connection_id) in seeded {
        let username = Username::parse(name)?;
        let identity = Identity {
            sub: bench_sub(name),
            username: username.clone(),
        };
        store.attach_connection(&identity, &connection_id).await?;
        store
            .save_connection(&Connection {
                connection_id,
                username,
                connected_at: 1_764_000_000_000,
            })
            .await?;
    }
    // Every round's processes, the unrecorded first included, run INVOCATIONS invocations each.
    let bench_room = seed_bench_room(&store, (options.runs + 1) * INVOCATIONS).await?;

    // The authorizer's pool key: one per run, its JWKS served below.
    let (signing_key, jwks_document) = bench_key()?;
    let emulator = Arc::new(Emulator {
        jwks: jwks_document,
        ..Emulator::default()
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(invocation_response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(invocation_error),
        )
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .route("/bench/@connections/{id}", post(post_to_connection))
        .route(JWKS_PATH, get(jwks))
        .with_state(emulator.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let mut env: Vec<(String, String)> = vec![
        ("AWS_LAMBDA_RUNTIME_API".into(), addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), "bench".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), "256".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
        ("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()),
        ("AWS_LAMBDA_LOG_LEVEL".into(), "WARN".into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID".into(), "local".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "local".into()),
        ("AWS_ENDPOINT_URL_DYNAMODB".into(), dynamodb.endpoint()),
        ("MANAGEMENT_ENDPOINT".into(), format!("http://{addr}/bench")),
        // Presigning only signs: no bucket is needed for these URLs to be made.
        ("MEDIA_BUCKET".into(), "bench-media".into()),
    ];
    env.push(("CLIENTS_TABLE".into(), tables.clients.clone()));
    env.push(("MESSAGES_TABLE".into(), tables.messages.clone()));
    env.push((
        "MESSAGES_BY_CONVERSATION_INDEX".into(),
        tables.messages_by_conversation.clone(),
    ));
    env.push(("CONVERSATIONS_TABLE".into(), tables.conversations.clone()));
    env.push((
        "CONVERSATIONS_BY_MEMBER_INDEX".into(),
        tables.conversations_by_member.clone(),
    ));
    // The authorizer's pool, and its keys from this emulator rather than Cognito's endpoint.
    let mut authorizer_env = env.clone();
    authorizer_env.extend([
        ("USER_POOL_ID".into(), BENCH_POOL.into()),
        ("USER_POOL_CLIENT_ID".into(), BENCH_CLIENT_ID.into()),
        ("JWKS_URL".into(), format!("http://{addr}{JWKS_PATH}")),
    ]);

    // Each invocation gets its own event (`n`), so every send stores a new message and every
    // connect and disconnect works on a connection of its own.
    let unique = move |n: usize| format!("{}-{n}", ulid::Ulid::generate());
    // Every round, connect opens carol's connections and disconnect, right after, closes them
    // again (the last taking her offline), so the other routes always find alice and bob online
    // and nobody else: a fan-out (setAvatar's profile) does not grow from round to round.
    let carol_connections = Arc::new(Mutex::new(VecDeque::new()));
    let opened = carol_connections.clone();
    let room = bench_room.id.as_str();
    let edited_message = bench_room.edited;
    let edit_state = Cell::new(false);
    let to_read = bench_room.to_read;
    let read_next = Cell::new(0);
    let bob_key = Username::parse("bob")?.key();
    // The event of each function of the registry, by its name there.
    let events: Vec<(&str, EventFor)> = vec![
        (
            AUTHORIZER,
            Box::new(move |n| {
                let connection_id = format!("bench-carol-{}", unique(n));
                // A signing failure leaves the event without a token: refused, so the run fails.
                authorizer_event(&signing_key, &connection_id).unwrap_or_else(|error| {
                    eprintln!("signing the authorizer's token: {error}");
                    json!({})
                })
            }),
        ),
        (
            "default",
            Box::new(|_| {
                websocket_event(
                    "$default",
                    "alice",
                    "bench-alice",
                    Some(json!({"action": "ping"})),
                )
            }),
        ),
        (
            "connect",
            Box::new(move |n| {
                let connection_id = format!("bench-carol-{}", unique(n));
                if let Ok(mut opened) = opened.lock() {
                    opened.push_back(connection_id.clone());
                }
                websocket_event("$connect", "carol", &connection_id, None)
            }),
        ),
        (
            "disconnect",
            Box::new(move |_| {
                let connection_id = carol_connections
                    .lock()
                    .ok()
                    .and_then(|mut opened| opened.pop_front())
                    .unwrap_or_default();
                websocket_event("$disconnect", "carol", &connection_id, None)
            }),
        ),
        (
            "send-message",
            Box::new(move |n| {
                let body = json!({"action": "sendMessage", "to": "bob", "text": "cold start", "clientMessageId": unique(n)});
                websocket_event("sendMessage", "alice", "bench-alice", Some(body))
            }),
        ),
        (
            "get-messages",
            Box::new(|_| {
                websocket_event(
                    "getMessages",
                    "alice",
                    "bench-alice",
                    Some(json!({"action": "getMessages", "with": "bob"})),
                )
            }),
        ),
        (
            // One of its two routes: both run the same binary, whose cold start is measured.
            "media-urls",
            Box::new(|_| {
                let body = json!({"action": "getDownloadUrl", "keys": [
                    "avatars/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png",
                    "attachments/dm/alice/bob/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png"]});
                websocket_event("getDownloadUrl", "alice", "bench-alice", Some(body))
            }),
        ),
        (
            "set-avatar",
            Box::new(|_| {
                let body = json!({"action": "setAvatar", "key": "avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png"});
                websocket_event("setAvatar", "alice", "bench-alice", Some(body))
            }),
        ),
        (
            // One of its three routes (see media-urls): an edit, the scenario whose calls its
            // handler test exports for the cost table. Alice's message gets each text in turn
            // (the same text again would store nothing), so every invocation writes and tells bob.
            "change-message",
            Box::new({
                let edit_room = room.to_owned();
                move |_| {
                    let edited = !edit_state.get();
                    edit_state.set(edited);
                    let text = if edited {
                        "cold start, edited"
                    } else {
                        SEEDED_TEXT
                    };
                    let body = json!({"action": "editMessage", "conversationId": edit_room, "messageId": edited_message, "text": text, "requestId": "bench"});
                    websocket_event("editMessage", "alice", "bench-alice", Some(body))
                }
            }),
        ),
        (
            // Forwarded at most once per user and conversation every 3 s, and a round lasts less:
            // each invocation types as a new user (who needs no registering) to bob, so that every
            // one is forwarded (to bob's connection) rather than dropped.
            "typing",
            Box::new(move |_| {
                let typist = format!("t-{}", ulid::Ulid::generate()).to_lowercase();
                let conversation = Username::parse(&typist)
                    .map(|typist| ConversationId::direct(&typist.key(), &bob_key))
                    .map_or_else(|_| String::new(), |id| id.as_str().to_owned());
                let body = json!({"action": "typing", "conversationId": conversation});
                websocket_event("typing", &typist, "bench-typist", Some(body))
            }),
        ),
        (
            // One of its five routes (see media-urls): a new room of dave's with bob each
            // invocation. Dave's rather than alice's, so that alice's inbox (get-conversations)
            // keeps its size from round to round.
            "rooms",
            Box::new(|_| {
                let body = json!({"action": "createRoom", "name": "Cold start", "members": ["bob"], "requestId": "bench"});
                websocket_event("createRoom", "dave", "bench-dave", Some(body))
            }),
        ),
        (
            "get-members",
            Box::new({
                let members_room = room.to_owned();
                move |_| {
                    let body = json!({"action": "getMembers", "conversationId": members_room, "requestId": "bench"});
                    websocket_event("getMembers", "alice", "bench-alice", Some(body))
                }
            }),
        ),
        (
            "get-conversations",
            Box::new(|_| {
                let body = json!({"action": "getConversations", "requestId": "bench"});
                websocket_event("getConversations", "alice", "bench-alice", Some(body))
            }),
        ),
        (
            // Bob rather than alice reads, so that alice's unread count in the room, which her
            // inbox (get-conversations) counts, does not shrink from round to round.
            "mark-read",
            Box::new({
                let read_room = room.to_owned();
                move |_| {
                    let next = read_next.get();
                    read_next.set(next + 1);
                    let message_id = to_read.get(next).or(to_read.last());
                    let body = json!({"action": "markRead", "conversationId": read_room, "messageId": message_id, "requestId": "bench"});
                    websocket_event("markRead", "bob", "bench-bob", Some(body))
                }
            }),
        ),
        (
            "search-people",
            Box::new(|_| {
                let body = json!({"action": "searchPeople", "prefix": "bo", "requestId": "bench"});
                websocket_event("searchPeople", "alice", "bench-alice", Some(body))
            }),
        ),
        (
            "watch-presence",
            Box::new({
                let watch_room = room.to_owned();
                move |_| {
                    let body = json!({"action": "watchPresence", "conversationId": watch_room, "usernames": ["bob"], "requestId": "bench"});
                    websocket_event("watchPresence", "alice", "bench-alice", Some(body))
                }
            }),
        ),
    ];
    let cases = measured_functions(events)?;

    println!(
        "bench-cold-start: {} processes per function in interleaved rounds (after one unrecorded round), {INVOCATIONS} invocations each (first cold)",
        options.runs
    );
    let mut samples: Vec<Samples> = cases.iter().map(|_| Samples::default()).collect();
    // Round by round rather than function by function, so that whatever else the machine does
    // meanwhile weighs on every function alike; the unrecorded first round puts every binary in
    // the page cache, so no function pays for reading its file and the ratios compare start-up.
    for round in 0..=options.runs {
        // The baseline runs first in every round (cases[0]).
        let mut baseline_init = f64::NAN;
        for ((name, event), samples) in cases.iter().zip(&mut samples) {
            let bootstrap = options.lambda_dir.join(name).join("bootstrap");
            let is_authorizer = registry
                .function(name)
                .is_some_and(|function| function.kind == FunctionKind::Authorizer);
            let fetched_before = jwks_fetches(&emulator);
            let run = run_once(
                &emulator,
                &bootstrap,
                if is_authorizer { &authorizer_env } else { &env },
                event.as_ref(),
                is_authorizer,
            )
            .await
            .map_err(|e| format!("{name}: {e}"))?;
            // One fetch per process (the cold invocation's), then the cached keys.
            let fetched = jwks_fetches(&emulator) - fetched_before;
            if is_authorizer && fetched != 1 {
                return Err(format!(
                    "{name}: {fetched} JWKS fetches in one process, expected 1 (first invocation)"
                )
                .into());
            }
            if round == 0 {
                continue;
            }
            let init = ms(run.init);
            if *name == BASELINE {
                baseline_init = init;
            }
            samples.inits.push(init);
            samples.init_ratios.push(init / baseline_init);
            samples.colds.push(ms(run.invocations[0]));
            samples
                .warms
                .extend(run.invocations[1..].iter().map(|d| ms(*d)));
            samples.rss.push(run.peak_rss_mb);
        }
    }
    let mut results = BTreeMap::new();
    for ((name, _), samples) in cases.iter().zip(samples) {
        let size = |dir: &Path| {
            std::fs::metadata(dir.join(name).join("bootstrap"))
                .map(|m| m.len() as f64 / 1_048_576.0)
                .ok()
        };
        results.insert(
            name.to_string(),
            json!({
                "initMs": median(samples.inits),
                "initRatio": median(samples.init_ratios),
                "firstInvocationMs": median(samples.colds),
                "warmInvocationMs": median(samples.warms),
                "peakRssMb": median(samples.rss),
                "binaryMb": size(&options.lambda_dir),
                "arm64BinaryMb": options.arm64_dir.as_deref().and_then(size),
            }),
        );
    }
    dynamodb.stop();

    let baseline_init = results[BASELINE]["initMs"].as_f64().unwrap_or(1.0);
    println!();
    println!(
        "| function | init (ms) | × hello-world (paired) | × hello-world (medians) | init over hello-world (ms) | first invocation (ms) | warm invocation (ms) | peak RSS (MB) | binary x86-64 / arm64 (MB) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, r) in &results {
        let init = r["initMs"].as_f64().unwrap_or(0.0);
        let arm64 = r["arm64BinaryMb"]
            .as_f64()
            .map_or("–".to_owned(), |mb| format!("{mb:.2}"));
        println!(
            "| {name} | {init:.2} | {:.2}× | {:.2}× | {:+.2} | {:.1} | {:.1} | {:.1} | {:.2} / {arm64} |",
            r["initRatio"].as_f64().unwrap_or(0.0),
            init / baseline_init.max(0.001),
            init - baseline_init,
            r["firstInvocationMs"].as_f64().unwrap_or(0.0),
            r["warmInvocationMs"].as_f64().unwrap_or(0.0),
            r["peakRssMb"].as_f64().unwrap_or(0.0),
            r["binaryMb"].as_f64().unwrap_or(0.0),
        );
    }
    println!();
    println!(
        "Init: process start → first `GET /runtime/invocation/next`, median over the recorded processes; every process starts after a {} ms pause, so none is measured against what the one before it left running. × hello-world (paired) is the median, over the rounds, of the function's init over the baseline's in the same round (the baseline runs first in each), so a slower or faster moment of the machine weighs on both sides alike; (medians) divides the two medians. They differ when a function's times spread unevenly over the rounds, and both move with the baseline's own time from one machine or run to another. The column over hello-world is what the function adds (SDK clients, configuration, a larger binary to map).",
        SETTLE.as_millis()
    );
    println!();
    println!(
        "The authorizer's first invocation includes its one fetch of the user pool's keys, served here by this emulator over loopback (on AWS, an HTTPS request to Cognito's endpoint, which adds a TLS handshake and a network round trip); its warm invocations verify a fresh token each with the cached keys."
    );
    println!();
    println!(
        "Published for context, not measured here (lambda-perf, hello world): Rust on al2023 arm64 ≈ 14 ms init, Node.js 22 ≈ 125 ms."
    );

    // Cost per million actions.
    println!();
    println!(
        "| action | AWS calls (from the mocked-SDK tests) | DynamoDB RRU / WRU | API Gateway messages | Lambda GB-s | $ per million actions |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let mut costs = BTreeMap::new();
    for function in &registry.functions {
        let name = function.name.as_str();
        // A function the registry grants no AWS access makes no AWS call (the authorizer's JWKS
        // fetch, once per container, is a plain HTTPS GET of Cognito's public endpoint): there is
        // no call log to read.
        let exported: Value = if grants_no_aws_access(function) {
            let scenario = if name == AUTHORIZER {
                "a valid token, keys cached"
            } else {
                "no AWS call"
            };
            json!({"scenario": scenario, "calls": []})
        } else {
            let path = options.calls_dir.join(format!("{name}.json"));
            serde_json::from_str(&std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "{}: {e} (run the handler tests with CHATASTROPHY_CALLS_DIR)",
                    path.display()
                )
            })?)?
        };
        let calls: Vec<String> = exported["calls"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let (rru, wru, posts) = capacity_units(&calls);
        // In and reply for two-way routes; $connect/$disconnect (and the authorizer of the
        // $connect) are not billed as messages.
        let route_messages = if matches!(
            function.route_key.as_deref(),
            Some("$connect" | "$disconnect")
        ) {
            0
        } else {
            1 + usize::from(function.two_way)
        };
        let messages = (route_messages + posts) as f64;
        let warm_ms = results[name]["warmInvocationMs"].as_f64().unwrap_or(0.0);
        // Lambda bills whole milliseconds.
        let gb_seconds = (warm_ms.ceil() / 1000.0) * (MEMORY_MB / 1024.0);
        let per_action = messages * API_GATEWAY_PER_MESSAGE
            + LAMBDA_PER_REQUEST
            + gb_seconds * LAMBDA_ARM64_PER_GB_SECOND
            + rru * DYNAMODB_PER_RRU
            + wru * DYNAMODB_PER_WRU;
        let mut summary: BTreeMap<&str, usize> = BTreeMap::new();
        for call in &calls {
            // "PostToConnection c2" counts as a post; "presign PutObject" stays whole (no charge).
            let operation = if call.starts_with("presign ") {
                call.as_str()
            } else {
                call.split_whitespace().next().unwrap_or_default()
            };
            *summary.entry(operation).or_default() += 1;
        }
        let summary = if summary.is_empty() {
            "none".to_owned()
        } else {
            summary
                .iter()
                .map(|(op, n)| format!("{n}× {op}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "| {name} ({}) | {summary} | {rru} / {wru} | {messages} | {gb_seconds:.5} | {:.2} |",
            exported["scenario"].as_str().unwrap_or_default(),
            per_action * 1e6
        );
        costs.insert(
            name.to_owned(),
            json!({"calls": calls, "rru": rru, "wru": wru, "apiGatewayMessages": messages, "gbSeconds": gb_seconds, "usdPerMillion": per_action * 1e6}),
        );
    }
    println!();
    println!(
        "Prices: API Gateway $1.00/M WebSocket messages, Lambda arm64 $0.20/M requests + $0.0000133334/GB-s at {MEMORY_MB} MB, DynamoDB on-demand $0.625/M WRU and $0.125/M RRU (us-east-1 list prices). Lambda time is the warm duration measured above, on this machine against DynamoDB Local. Presigning is computed inside the function (no AWS call); the uploads and downloads browsers then make are S3 requests, billed by S3 and not included here. The authorizer makes no AWS call: the user pool's keys come from Cognito's public JWKS endpoint (a plain HTTPS GET, not billed), once per container."
    );
    if let Some(path) = &options.json {
        std::fs::write(
            path,
            serde_json::to_string_pretty(&json!({"coldStart": results, "costPerAction": costs}))?,
        )?;
    }
    Ok(())
}
