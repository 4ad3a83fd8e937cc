//! `make bench`'s scale benchmarks (issue #14), against DynamoDB Local:
//!
//! 1. **A connect with few and with many registered users.** The same user, with the same direct
//!    conversations and watchers, connects once in a chat of `--small` and once in one of `--large`
//!    registered users. `$connect`'s use case runs over the DynamoDB adapter whose SDK client counts
//!    every call (and asks for the capacity it consumed), and a notifier that counts the posts.
//!    Fails (non-zero exit) if the two connects differ in calls, items read or posts.
//! 2. **A message to a big room.** A room of `--room-members` members, `--online` of them signed in
//!    through the local gateway (its own process) with real WebSocket clients, the sender with a
//!    second connection; the sender sends `--messages` messages one after another (each waiting for
//!    its ack). Reported: the gateway's DynamoDB calls per send (a counting proxy sits between it
//!    and DynamoDB Local), posts per send, lost and duplicated deliveries (both must be 0), and
//!    send→deliver latency over every delivery. Fails if a delivery is lost or duplicated, or if
//!    the writes per send are not the same for every send.
//!
//! Prints the markdown of docs/benchmarks.md's "Scale" section; progress goes to stderr.
//!
//! Usage: bench-scale [--small N] [--large N] [--room-members N] [--online N] [--messages M]
//! [--json PATH]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use chat_domain::conversation::ConversationId;
use chat_domain::identity::Identity;
use chat_domain::model::{Member, Room};
use chat_domain::ports::{
    AddMembersOutcome, ConnectionCleanup, ConnectionNotifier, ConversationActivity, NotifyError,
    PresenceWatches, RoomAdministration, RoomCreation, UserSessions,
};
use chat_domain::rooms::{MAX_MEMBERS_PER_REQUEST, MAX_ROOM_MEMBERS, Role};
use chat_domain::rules::{CONNECTION_TTL_SECS, Clock, Username};
use chat_domain::{Chat, DynamoStore, SystemClock, TableNames};
use futures_util::{SinkExt, StreamExt};
use local_stack::bench::dynamodb_calls::{
    CallCounts, CallTally, CountingInterceptor, CountingProxy, is_write,
};
use local_stack::bench::gateway_process::{self, GatewayProcess, SERVE_GATEWAY_FLAG};
use local_stack::bench::latency::{Percentiles, percentiles};
use local_stack::bench::seed::{self, Item};
use local_stack::bench::users::sign_up_users;
use local_stack::cognito;
use local_stack::dynamodb_local::{DynamoDbLocal, Storage};
use local_stack::ministack::{MiniStack, Persistence};
use local_stack::stack;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type BoxError = Box<dyn std::error::Error>;

const DELIVERY_GRACE: Duration = Duration::from_secs(30);
/// The direct conversations of the user who connects, and how many of those partners are online.
const PARTNERS: usize = 5;
const ONLINE_PARTNERS: usize = 2;
/// The connecting user, their partners and their watcher.
const CAST: usize = 1 + PARTNERS + 1;
/// Connects timed per run (each after a disconnect, so each announces the user); the first one's
/// calls are reported, and every one must cost the same.
const CONNECTS: usize = 20;

struct Options {
    small: usize,
    large: usize,
    room_members: usize,
    online: usize,
    messages: usize,
    json: Option<String>,
    serve_gateway: Option<GatewayProcess>,
}

fn options() -> Result<Options, BoxError> {
    let mut options = Options {
        small: 10,
        large: 10_000,
        room_members: 200,
        online: 50,
        messages: 50,
        json: None,
        serve_gateway: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == SERVE_GATEWAY_FLAG {
            options.serve_gateway = Some(GatewayProcess::from_args(&mut args)?);
            continue;
        }
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{arg} takes a number"))
        };
        match arg.as_str() {
            "--small" => options.small = number()?,
            "--large" => options.large = number()?,
            "--room-members" => options.room_members = number()?,
            "--online" => options.online = number()?,
            "--messages" => options.messages = number()?,
            "--json" => options.json = Some(value),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if options.small < CAST || options.large < CAST {
        return Err(format!("--small and --large must be at least {CAST}").into());
    }
    let room_limit = usize::try_from(MAX_ROOM_MEMBERS)?;
    if !(2..=room_limit).contains(&options.room_members)
        || !(2..=options.room_members).contains(&options.online)
    {
        return Err(format!("need 2 <= --online <= --room-members <= {MAX_ROOM_MEMBERS}").into());
    }
    if options.messages == 0 {
        return Err("--messages must be at least 1".into());
    }
    Ok(options)
}

fn progress(line: impl std::fmt::Display) {
    eprintln!("bench-scale: {line}");
}

fn username(raw: &str) -> Result<Username, BoxError> {
    Username::parse(raw).map_err(|e| format!("{raw}: {e}").into())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let options = options()?;
    if let Some(process) = options.serve_gateway {
        return Ok(process.serve().await?);
    }
    let dynamodb = DynamoDbLocal::launch(0, Storage::InMemory).await?;
    let sdk = stack::local_sdk_config()?;
    let client = stack::dynamodb_client(&sdk, &dynamodb.endpoint());

    let mut connects = Vec::new();
    for registered in [options.small, options.large] {
        progress(format!("a connect among {registered} registered users"));
        connects.push(connect_run(&sdk, &client, &dynamodb.endpoint(), registered).await?);
    }
    let connects_equal = connects.windows(2).all(|pair| pair[0].same_cost(&pair[1]));
    let audience_reached = connects
        .iter()
        .all(|run| run.posts.len() == run.expected_posts);
    let steady = connects.iter().all(|run| run.steady);

    progress(format!(
        "{} messages to a room of {} members, {} online",
        options.messages, options.room_members, options.online
    ));
    // The gateway sets up the media bucket and finds the user pool in MiniStack.
    let ministack = MiniStack::launch(0, Persistence::InMemory).await?;
    let room = room_run(&options, &client, &dynamodb, &ministack).await;
    ministack.stop();
    dynamodb.stop();
    let room = room?;

    print_markdown(&connects, connects_equal, &room);
    if let Some(path) = &options.json {
        let report = json!({
            "connect": {
                "connectingUser": {
                    "directConversations": PARTNERS,
                    "onlinePartners": ONLINE_PARTNERS,
                    "watchers": 1,
                },
                "runs": connects.iter().map(ConnectRun::to_json).collect::<Vec<_>>(),
                "equal": connects_equal,
            },
            "roomSend": room.to_json(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }

    let mut failures = Vec::new();
    if !connects_equal {
        failures.push("a connect's cost differs with the number of registered users".to_owned());
    }
    if !audience_reached {
        failures.push("a connect did not post to exactly its audience".to_owned());
    }
    if !steady {
        failures.push("the same connect cost differently from one time to the next".to_owned());
    }
    failures.extend(room.failures());
    if !failures.is_empty() {
        return Err(failures.join("; ").into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. A connect with few and with many registered users
// ---------------------------------------------------------------------------------------------

/// Posts, counted instead of sent.
#[derive(Debug, Clone, Default)]
struct CountingNotifier {
    posts: Arc<Mutex<Vec<String>>>,
}

impl ConnectionNotifier for CountingNotifier {
    fn post(
        &self,
        connection_id: &str,
        _payload: &str,
    ) -> impl Future<Output = Result<(), NotifyError>> + Send {
        self.posts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(connection_id.to_owned());
        async { Ok(()) }
    }
}

struct ConnectRun {
    registered: usize,
    online: usize,
    seeding: Duration,
    tally: CallTally,
    /// The connections posted to, sorted.
    posts: Vec<String>,
    /// The live connections of the audience: online partners and the watcher.
    expected_posts: usize,
    /// Whether every timed connect cost what the first did.
    steady: bool,
    latency: Percentiles,
}

impl ConnectRun {
    fn calls(&self) -> u64 {
        self.tally.values().map(|op| op.calls).sum()
    }

    fn items_read(&self) -> u64 {
        self.tally.values().map(|op| op.items_read).sum()
    }

    fn capacity(&self, writes: bool) -> f64 {
        self.tally
            .iter()
            .filter(|(name, _)| is_write(name) == writes)
            .map(|(_, op)| op.capacity_units)
            .sum()
    }

    /// The same calls by operation, items read and posts.
    fn same_cost(&self, other: &Self) -> bool {
        let calls = |run: &Self| -> BTreeMap<String, (u64, u64)> {
            run.tally
                .iter()
                .map(|(name, op)| (name.clone(), (op.calls, op.items_read)))
                .collect()
        };
        calls(self) == calls(other) && self.posts.len() == other.posts.len()
    }

    fn to_json(&self) -> Value {
        let calls: serde_json::Map<String, Value> = self
            .tally
            .iter()
            .map(|(name, op)| {
                (
                    name.clone(),
                    json!({"calls": op.calls, "itemsRead": op.items_read, "capacityUnits": op.capacity_units}),
                )
            })
            .collect();
        json!({
            "registeredUsers": self.registered,
            "onlineUsers": self.online,
            "seedingSeconds": self.seeding.as_secs_f64(),
            "calls": calls,
            "totalCalls": self.calls(),
            "itemsRead": self.items_read(),
            "readCapacityUnits": self.capacity(false),
            "writeCapacityUnits": self.capacity(true),
            "posts": self.posts.len(),
            "expectedPosts": self.expected_posts,
            "connects": CONNECTS,
            "everyConnectEqual": self.steady,
            "connectMs": {"p50": self.latency.p50, "p99": self.latency.p99, "max": self.latency.max},
        })
    }
}

/// Seeds `registered` users in tables of their own, then connects the same user as in every run
/// and counts what the connect costs, [`CONNECTS`] times.
async fn connect_run(
    sdk: &aws_types::SdkConfig,
    client: &Client,
    endpoint: &str,
    registered: usize,
) -> Result<ConnectRun, BoxError> {
    let tables = stack::table_names(&format!("scale{registered}-"))?;
    stack::ensure_tables(client, &tables).await?;
    let started = Instant::now();
    let cast = seed_cast(client, &tables).await?;
    let online = seed_crowd(client, &tables, registered - CAST).await? + cast.online;
    let seeding = started.elapsed();

    let interceptor = CountingInterceptor::default();
    let counted = Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(sdk)
            .endpoint_url(endpoint)
            .interceptor(interceptor.clone())
            .build(),
    );
    let notifier = CountingNotifier::default();
    // The client's first call opens its connection: not part of a connect.
    counted.list_tables().limit(1).send().await?;
    let chat = Chat::new(
        DynamoStore::new(counted, tables),
        notifier.clone(),
        SystemClock,
    );
    let mut connects = Vec::with_capacity(CONNECTS);
    let mut latencies = Vec::with_capacity(CONNECTS);
    for n in 0..CONNECTS {
        let connection = format!("alice-connection-{n}");
        interceptor.reset();
        let started = Instant::now();
        chat.connect(&connection, &cast.connecting).await?;
        latencies.push(started.elapsed());
        let mut posts = std::mem::take(
            &mut *notifier
                .posts
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        posts.sort();
        connects.push((interceptor.tally(), posts));
        // Offline again, so the next connect announces the user too.
        chat.disconnect(&connection).await?;
        notifier
            .posts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
    let steady = connects.windows(2).all(|pair| {
        let calls = |tally: &CallTally| -> Vec<(String, u64, u64)> {
            tally
                .iter()
                .map(|(name, op)| (name.clone(), op.calls, op.items_read))
                .collect()
        };
        calls(&pair[0].0) == calls(&pair[1].0) && pair[0].1.len() == pair[1].1.len()
    });
    let (tally, posts) = connects.swap_remove(0);
    Ok(ConnectRun {
        registered,
        online,
        seeding,
        tally,
        posts,
        expected_posts: cast.audience,
        steady,
        latency: percentiles(latencies),
    })
}

/// The user who connects and those around them, the same in every run.
struct Cast {
    connecting: Identity,
    /// Users of the cast online (before the connect).
    online: usize,
    /// Live connections that hear of the connect.
    audience: usize,
}

fn identity(name: &str) -> Result<Identity, BoxError> {
    Ok(Identity {
        sub: format!("sub-{name}"),
        username: username(name)?,
    })
}

/// Through the adapter: the connecting user (registered, offline), their direct conversations
/// with [`PARTNERS`] users ([`ONLINE_PARTNERS`] of them online) and a watcher's connection.
async fn seed_cast(client: &Client, tables: &TableNames) -> Result<Cast, BoxError> {
    let store = DynamoStore::new(client.clone(), tables.clone());
    let now = SystemClock.now_millis();
    let connecting = identity("alice")?;
    let me = connecting.username.key();
    store
        .attach_connection(&connecting, "alice-earlier")
        .await?;
    store.detach_connection(&me, "alice-earlier", now).await?;
    for k in 0..PARTNERS {
        let partner = identity(&format!("partner{k}"))?;
        let connection = format!("partner{k}-connection");
        store.attach_connection(&partner, &connection).await?;
        if k >= ONLINE_PARTNERS {
            store
                .detach_connection(&partner.username.key(), &connection, now)
                .await?;
        }
        let conversation = ConversationId::direct(&me, &partner.username.key());
        store
            .join_direct(&conversation, &connecting.username, now)
            .await?;
        store
            .join_direct(&conversation, &partner.username, now)
            .await?;
    }
    let watcher = identity("watcher")?;
    store
        .attach_connection(&watcher, "watcher-connection")
        .await?;
    store
        .watch(
            &watcher.username.key(),
            "watcher-connection",
            &[me],
            now / 1000 + CONNECTION_TTL_SECS,
        )
        .await?;
    Ok(Cast {
        connecting,
        online: ONLINE_PARTNERS + 1,
        audience: ONLINE_PARTNERS + 1,
    })
}

/// `count` other registered users, written in batches: every other one online, in pairs of direct
/// conversations, each online one watching their partner. Returns how many are online.
async fn seed_crowd(client: &Client, tables: &TableNames, count: usize) -> Result<usize, BoxError> {
    let now = SystemClock.now_millis();
    let names = (0..count)
        .map(|i| username(&format!("user{i:05}")))
        .collect::<Result<Vec<_>, _>>()?;
    let connection = |i: usize| format!("user{i:05}-connection");
    let mut users = Vec::with_capacity(count);
    let mut watches = Vec::new();
    let mut conversations: Vec<Item> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let online = i.is_multiple_of(2);
        users.push(seed::user_item(
            name,
            online.then(|| connection(i)).as_deref(),
            now,
        ));
        let partner = names.get(i ^ 1);
        if let (Some(partner), true) = (partner, i.is_multiple_of(2)) {
            conversations.extend(seed::direct_conversation_items(name, partner, now));
            watches.push(seed::watch_item(partner, name, &connection(i), now));
        }
    }
    let online = count.div_ceil(2);
    users.extend(watches);
    futures_util::try_join!(
        seed::put_items(client, &tables.clients, users),
        seed::put_items(client, &tables.conversations, conversations),
    )?;
    Ok(online)
}

// ---------------------------------------------------------------------------------------------
// 2. A message to a big room, through the local gateway
// ---------------------------------------------------------------------------------------------

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// When each message was sent, and where (socket index) and when it arrived.
#[derive(Default)]
struct Ledger {
    sent: HashMap<String, Instant>,
    arrivals: HashMap<String, Vec<(usize, Instant)>>,
}

struct RoomRun {
    members: usize,
    online: usize,
    /// The sockets open, the sender's two included.
    sockets: usize,
    messages: usize,
    /// The gateway's DynamoDB calls of each send.
    per_send: Vec<CallCounts>,
    /// Arrivals of each message, the sending connection's included.
    posts_per_message: Vec<usize>,
    deliveries: usize,
    lost: usize,
    duplicated: usize,
    to_sending_connection: usize,
    send_errors: usize,
    latency: Percentiles,
    ack_latency: Percentiles,
}

/// Least and most of `values`.
fn range(values: impl IntoIterator<Item = u64>) -> (u64, u64) {
    values
        .into_iter()
        .fold(None, |range: Option<(u64, u64)>, value| {
            Some(range.map_or((value, value), |(low, high)| {
                (low.min(value), high.max(value))
            }))
        })
        .unwrap_or((0, 0))
}

impl RoomRun {
    /// Posts each send should make: every socket but the sending one.
    fn expected_posts(&self) -> usize {
        self.sockets - 1
    }

    fn operations(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .per_send
            .iter()
            .flat_map(|c| c.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn operation_range(&self, operation: &str) -> (u64, u64) {
        range(
            self.per_send
                .iter()
                .map(|calls| calls.get(operation).copied().unwrap_or(0)),
        )
    }

    fn calls_range(&self, writes: bool) -> (u64, u64) {
        range(self.per_send.iter().map(|calls| {
            calls
                .iter()
                .filter(|(name, _)| is_write(name) == writes)
                .map(|(_, count)| count)
                .sum()
        }))
    }

    fn posts_range(&self) -> (u64, u64) {
        range(
            self.posts_per_message
                .iter()
                .map(|posts| u64::try_from(*posts).unwrap_or(u64::MAX)),
        )
    }

    fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        if self.lost > 0 || self.duplicated > 0 || self.to_sending_connection > 0 {
            failures.push(format!(
                "room: {} lost, {} duplicated, {} to the sending connection",
                self.lost, self.duplicated, self.to_sending_connection
            ));
        }
        if self.send_errors > 0 {
            failures.push(format!("room: {} sends failed", self.send_errors));
        }
        let (fewest, most) = self.calls_range(true);
        if fewest != most {
            failures.push(format!(
                "room: writes per send vary from {fewest} to {most}"
            ));
        }
        failures
    }

    fn to_json(&self) -> Value {
        let min_max = |(min, max): (u64, u64)| json!({"min": min, "max": max});
        let per_operation: serde_json::Map<String, Value> = self
            .operations()
            .into_iter()
            .map(|name| {
                let range = self.operation_range(&name);
                (name, min_max(range))
            })
            .collect();
        let ms = |p: Percentiles| json!({"p50": p.p50, "p95": p.p95, "p99": p.p99, "max": p.max});
        json!({
            "members": self.members,
            "onlineMembers": self.online,
            "senderConnections": 2,
            "messages": self.messages,
            "callsPerSend": per_operation,
            "writesPerSend": min_max(self.calls_range(true)),
            "readsPerSend": min_max(self.calls_range(false)),
            "postsPerSend": min_max(self.posts_range()),
            "expectedPostsPerSend": self.expected_posts(),
            "deliveries": self.deliveries,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "deliveredToSendingConnection": self.to_sending_connection,
            "sendErrors": self.send_errors,
            "sendToDeliverMs": ms(self.latency),
            "sendToAckMs": ms(self.ack_latency),
        })
    }
}

/// The room's members: `member000`… (the first `online` ones sign in; `member000` owns the room
/// and sends).
fn member_names(count: usize) -> Result<Vec<Username>, BoxError> {
    (0..count)
        .map(|i| username(&format!("member{i:03}")))
        .collect()
}

/// Through the adapter: the room with every member (created with the first ones, the others
/// added [`MAX_MEMBERS_PER_REQUEST`] at a time, as `createRoom` and `addMembers` do); the members
/// who will not sign in are registered users, offline.
async fn seed_room(
    client: &Client,
    tables: &TableNames,
    names: &[Username],
    online: usize,
) -> Result<ConversationId, BoxError> {
    let store = DynamoStore::new(client.clone(), tables.clone());
    let now = SystemClock.now_millis();
    let id = ConversationId::new_room(now);
    let members: Vec<Member> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Member {
            conversation_id: id.clone(),
            username: name.clone(),
            role: if i == 0 { Role::Owner } else { Role::Member },
            joined_at: now,
            read_message_id: None,
        })
        .collect();
    let first = members.len().min(MAX_MEMBERS_PER_REQUEST);
    let room = Room {
        id: id.clone(),
        name: "Scale".into(),
        created_by: names[0].clone(),
        created_at: now,
        member_count: u32::try_from(first)?,
    };
    store.create_room(&room, &members[..first]).await?;
    for batch in members[first..].chunks(MAX_MEMBERS_PER_REQUEST) {
        match store.add_members(&id, batch, MAX_ROOM_MEMBERS).await? {
            AddMembersOutcome::Added(_) => {}
            other => return Err(format!("could not fill the room: {other:?}").into()),
        }
    }
    let offline = names[online..]
        .iter()
        .map(|name| seed::user_item(name, None, now))
        .collect();
    seed::put_items(client, &tables.clients, offline).await?;
    Ok(id)
}

async fn open_socket(url: &str, token: &str) -> Result<Socket, BoxError> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("chatastrophy.v1, {token}").parse()?,
    );
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

/// Records every `message` event that reaches socket `index`; answers to the sender's messages
/// (`messageAck` or `error`) go to `answers`.
fn listen(
    index: usize,
    mut stream: futures_util::stream::SplitStream<Socket>,
    ledger: Arc<Mutex<Ledger>>,
    answers: Option<tokio::sync::mpsc::UnboundedSender<bool>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(Ok(Message::Text(text))) = stream.next().await {
            let Ok(event) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            match event["type"].as_str() {
                Some("message") => {
                    if let Some(id) = event["message"]["clientMessageId"].as_str() {
                        ledger
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .arrivals
                            .entry(id.to_owned())
                            .or_default()
                            .push((index, Instant::now()));
                    }
                }
                Some(answer @ ("messageAck" | "error")) => {
                    if let Some(answers) = &answers {
                        let _ = answers.send(answer == "messageAck");
                    }
                }
                _ => {}
            }
        }
    })
}

fn subtract(after: &CallCounts, before: &CallCounts) -> CallCounts {
    after
        .iter()
        .map(|(name, count)| (name.clone(), count - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, count)| *count > 0)
        .collect()
}

async fn room_run(
    options: &Options,
    client: &Client,
    dynamodb: &DynamoDbLocal,
    ministack: &MiniStack,
) -> Result<RoomRun, BoxError> {
    let tables = stack::table_names(gateway_process::TABLE_PREFIX)?;
    stack::ensure_tables(client, &tables).await?;
    let names = member_names(options.room_members)?;
    let room = seed_room(client, &tables, &names, options.online).await?;
    let sdk = stack::local_sdk_config()?;
    let cognito = cognito::client(&sdk, &ministack.endpoint());
    let pool =
        cognito::ensure_user_pool(&cognito, &ministack.endpoint(), gateway_process::USER_POOL)
            .await?;
    let online: Vec<String> = names[..options.online]
        .iter()
        .map(|name| name.as_str().to_owned())
        .collect();
    progress(format!("signing up {} users", online.len()));
    let tokens = sign_up_users(&cognito, &pool, &online).await?;
    let proxy = CountingProxy::start(dynamodb.port()).await?;
    let gateway = gateway_process::spawn(&proxy.endpoint(), &ministack.endpoint())?;
    let url = gateway_process::websocket_url(&gateway);

    // Socket 0 sends; socket 1 is the sender's other connection (a second device).
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let (answers, mut answer_received) = tokio::sync::mpsc::unbounded_channel();
    let mut sender = None;
    let mut readers = Vec::new();
    let mut sinks = Vec::new();
    let logins = std::iter::once(&tokens[0]).chain(tokens.iter());
    for (index, token) in logins.enumerate() {
        let (sink, stream) = open_socket(&url, token).await?.split();
        let answers = (index == 0).then(|| answers.clone());
        readers.push(listen(index, stream, ledger.clone(), answers));
        if index == 0 {
            sender = Some(sink);
        } else {
            sinks.push(sink);
        }
    }
    let mut sender = sender.ok_or("no sender")?;
    let sockets = readers.len();
    // Connects are done (each waited for its upgrade); let any presence posts land.
    tokio::time::sleep(Duration::from_secs(1)).await;

    progress(format!("sending {} messages", options.messages));
    let mut per_send = Vec::with_capacity(options.messages);
    let mut ack_latencies = Vec::with_capacity(options.messages);
    let mut send_errors = 0;
    let mut before = proxy.counts();
    for n in 0..options.messages {
        let id = format!("scale-m{n}");
        let body = json!({
            "action": "sendMessage",
            "conversationId": room.as_str(),
            "text": format!("scale message {n}"),
            "clientMessageId": id,
        });
        let started = Instant::now();
        ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sent
            .insert(id, started);
        sender.send(Message::Text(body.to_string().into())).await?;
        match tokio::time::timeout(DELIVERY_GRACE, answer_received.recv()).await {
            Ok(Some(true)) => ack_latencies.push(started.elapsed()),
            _ => send_errors += 1,
        }
        // The handler answers after its fan-out, and the proxy counts a call before passing it
        // on: every call of this send is counted by now.
        let after = proxy.counts();
        per_send.push(subtract(&after, &before));
        before = after;
    }
    let expected = sockets - 1;
    let grace_ends = Instant::now() + DELIVERY_GRACE;
    while Instant::now() < grace_ends {
        let complete = {
            let ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
            ledger.sent.keys().all(|id| {
                ledger
                    .arrivals
                    .get(id)
                    .is_some_and(|arrivals| arrivals.len() >= expected)
            })
        };
        if complete {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = sender.close().await;
    for mut sink in sinks {
        let _ = sink.close().await;
    }
    for reader in readers {
        reader.abort();
    }
    gateway.stop();

    let ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
    let mut latencies = Vec::new();
    let (mut lost, mut duplicated, mut to_sending_connection) = (0, 0, 0);
    let mut posts_per_message = Vec::new();
    for (id, sent_at) in &ledger.sent {
        let arrivals = ledger.arrivals.get(id).map(Vec::as_slice).unwrap_or(&[]);
        posts_per_message.push(arrivals.len());
        let mut by_socket: BTreeMap<usize, Vec<Instant>> = BTreeMap::new();
        for (socket, at) in arrivals {
            by_socket.entry(*socket).or_default().push(*at);
        }
        to_sending_connection += by_socket.remove(&0).map_or(0, |a| a.len());
        for socket in 1..sockets {
            match by_socket.get(&socket).map(Vec::as_slice) {
                None | Some([]) => lost += 1,
                Some(arrived) => {
                    latencies.push(arrived[0].duration_since(*sent_at));
                    duplicated += arrived.len() - 1;
                }
            }
        }
    }
    Ok(RoomRun {
        members: options.room_members,
        online: options.online,
        sockets,
        messages: options.messages,
        per_send,
        posts_per_message,
        deliveries: latencies.len(),
        lost,
        duplicated,
        to_sending_connection,
        send_errors,
        latency: percentiles(latencies),
        ack_latency: percentiles(ack_latencies),
    })
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// `10000` as `10,000`.
fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn shown_range((low, high): (u64, u64)) -> String {
    if low == high {
        low.to_string()
    } else {
        format!("{low}–{high}")
    }
}

fn print_markdown(connects: &[ConnectRun], equal: bool, room: &RoomRun) {
    let sizes: Vec<String> = connects
        .iter()
        .map(|run| thousands(run.registered))
        .collect();
    println!(
        "### A connect with {} registered users",
        sizes.join(" and with ")
    );
    println!();
    println!(
        "The user who connects has {PARTNERS} direct conversations ({ONLINE_PARTNERS} of those partners online) \
         and one connection watching them. Of the other registered users every second one is online; they are \
         paired in direct conversations, and each online one watches their partner. `$connect`'s use case runs over \
         the DynamoDB adapter on DynamoDB Local; its SDK client counts every call (by operation, with the items \
         returned and `ReturnConsumedCapacity: TOTAL`) and the notifier counts the posts. The user connects \
         {CONNECTS} times, each time after a disconnect; the counts are the first connect's, and every \
         connect counted the same."
    );
    println!();
    let header: Vec<String> = sizes
        .iter()
        .map(|size| format!("{size} registered"))
        .collect();
    println!("| measure | {} |", header.join(" | "));
    println!("| --- |{}", " --- |".repeat(connects.len()));
    let row = |label: &str, cell: &dyn Fn(&ConnectRun) -> String| {
        let cells: Vec<String> = connects.iter().map(cell).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    row("users online before the connect", &|run| {
        thousands(run.online)
    });
    row("DynamoDB calls", &|run| run.calls().to_string());
    let mut operations: Vec<&String> = connects.iter().flat_map(|run| run.tally.keys()).collect();
    operations.sort();
    operations.dedup();
    for operation in operations {
        row(&format!("— {operation}"), &|run| {
            run.tally
                .get(operation)
                .map_or(0, |op| op.calls)
                .to_string()
        });
    }
    row("items read", &|run| run.items_read().to_string());
    row(
        "capacity units consumed, read / write (DynamoDB Local's figures)",
        &|run| format!("{:.1} / {:.1}", run.capacity(false), run.capacity(true)),
    );
    row("posts (presence events)", &|run| {
        run.posts.len().to_string()
    });
    row(
        &format!("connect time p50 / p99 (ms, {CONNECTS} connects, each after a disconnect)"),
        &|run| format!("{:.1} / {:.1}", run.latency.p50, run.latency.p99),
    );
    row("seeding the users (s)", &|run| {
        format!("{:.1}", run.seeding.as_secs_f64())
    });
    println!();
    println!(
        "Calls, items read and posts equal whatever the number of registered users: **{}**.",
        if equal { "yes" } else { "NO" }
    );
    println!();

    println!(
        "### A message to a {}-member room with {} members online",
        room.members, room.online
    );
    println!();
    println!(
        "{} members of the room sign in through the local gateway (its own process) with real WebSocket \
         clients, the sender on two connections; the others are registered and offline. The sender sends \
         {} messages one after another, each after the previous one's `messageAck`. A counting proxy between \
         the gateway and DynamoDB Local counts the gateway's calls of each send (it adds a local TCP hop to each \
         call); every client records every `message` event.",
        room.online, room.messages
    );
    println!();
    println!("| measure | value |");
    println!("| --- | --- |");
    println!(
        "| DynamoDB writes per send (fewest–most over {} sends) | {} |",
        room.messages,
        shown_range(room.calls_range(true))
    );
    println!(
        "| DynamoDB reads per send | {} |",
        shown_range(room.calls_range(false))
    );
    for operation in room.operations() {
        println!(
            "| — {operation} per send | {} |",
            shown_range(room.operation_range(&operation))
        );
    }
    println!(
        "| posts per send (expected {}: {} other members online + the sender's other connection) | {} |",
        room.expected_posts(),
        room.online - 1,
        shown_range(room.posts_range())
    );
    println!("| deliveries | {} |", room.deliveries);
    println!(
        "| lost / duplicated / sent back to the sending connection | {} / {} / {} |",
        room.lost, room.duplicated, room.to_sending_connection
    );
    println!("| send errors | {} |", room.send_errors);
    println!(
        "| send→deliver p50 / p99 / max (ms, over all deliveries) | {:.1} / {:.1} / {:.1} |",
        room.latency.p50, room.latency.p99, room.latency.max
    );
    println!(
        "| send→ack p50 / p99 (ms) | {:.1} / {:.1} |",
        room.ack_latency.p50, room.ack_latency.p99
    );
}
