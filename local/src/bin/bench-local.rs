//! `make bench-local`: load through the local gateway. N WebSocket clients each send M direct
//! messages (client i writes to client i+1), all at once; reported: send→deliver latency, throughput,
//! lost and duplicated messages (both must be 0), the gateway's peak memory, and, measured in the
//! same run against the same DynamoDB Local, a bare PutItem+Query round trip so the gateway's own
//! overhead shows as a ratio.
//!
//! The gateway runs in a process of its own (this program again, with `--serve-gateway`), so its
//! memory is measured apart from the clients'. Every client is a user of the local user pool, signed
//! up and in before the measure, connecting with its access token as browsers do.
//!
//! Usage: bench-local [--clients N] [--messages M] [--json PATH]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use chat_domain::TableNames;
use futures_util::{SinkExt, StreamExt};
use local_stack::bench::gateway_process::{self, GatewayProcess, SERVE_GATEWAY_FLAG};
use local_stack::bench::latency::{Percentiles, percentiles};
use local_stack::bench::users::sign_up_users;
use local_stack::cognito;
use local_stack::dynamodb_local::{DynamoDbLocal, Storage};
use local_stack::measure::peak_rss_mb;
use local_stack::ministack::{MiniStack, Persistence};
use local_stack::stack;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const DELIVERY_GRACE: Duration = Duration::from_secs(30);
const BARE_ROUND_TRIPS: usize = 500;

struct Options {
    clients: usize,
    messages: usize,
    json: Option<String>,
    /// Set in the gateway's own process: serve on this port over these endpoints, and nothing else.
    serve_gateway: Option<GatewayProcess>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        clients: 200,
        messages: 20,
        json: None,
        serve_gateway: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--clients" => {
                options.clients = value()?.parse().map_err(|_| "--clients takes a number")?
            }
            "--messages" => {
                options.messages = value()?.parse().map_err(|_| "--messages takes a number")?
            }
            "--json" => options.json = Some(value()?),
            SERVE_GATEWAY_FLAG => {
                options.serve_gateway =
                    Some(GatewayProcess::from_args(&mut args).map_err(|e| e.to_string())?)
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.clients < 2 {
        return Err("--clients must be at least 2".into());
    }
    Ok(options)
}

/// When each message was sent, by client id, and when (and how often) it arrived.
#[derive(Default)]
struct Ledger {
    sent: HashMap<String, Instant>,
    delivered: HashMap<String, Vec<Instant>>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    if let Some(process) = options.serve_gateway {
        return Ok(process.serve().await?);
    }
    let dynamodb = DynamoDbLocal::launch(0, Storage::InMemory).await?;
    // The gateway sets up the media bucket at start; this load sends no files.
    let ministack = MiniStack::launch(0, Persistence::InMemory).await?;
    let tables = stack::table_names(gateway_process::TABLE_PREFIX)?;
    let sdk = stack::local_sdk_config()?;
    let client = stack::dynamodb_client(&sdk, &dynamodb.endpoint());
    // Created here too (the gateway only creates missing ones), so they exist before the bare
    // round trips whatever the gateway process has got to.
    stack::ensure_tables(&client, &tables).await?;
    // Created here (the gateway finds it), so the users can sign up before the measure.
    let cognito = cognito::client(&sdk, &ministack.endpoint());
    let pool =
        cognito::ensure_user_pool(&cognito, &ministack.endpoint(), gateway_process::USER_POOL)
            .await?;
    let usernames: Vec<String> = (0..options.clients).map(|i| format!("user{i}")).collect();
    let tokens = sign_up_users(&cognito, &pool, &usernames).await?;
    let gateway = gateway_process::spawn(&dynamodb.endpoint(), &ministack.endpoint())?;
    let websocket_url = gateway_process::websocket_url(&gateway);

    println!(
        "bench-local: {} clients x {} messages through {websocket_url}",
        options.clients, options.messages,
    );
    let bare = bare_round_trips(&client, &tables).await?;

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut sockets = Vec::with_capacity(options.clients);
    for token in &tokens {
        let mut request = websocket_url.as_str().into_client_request()?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            format!("chatastrophy.v1, {token}").parse()?,
        );
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        sockets.push(socket);
    }
    // Let the presence fan-out of the connects settle before measuring messages.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        let ledger = ledger.clone();
        let to = format!("user{}", (i + 1) % options.clients);
        let messages = options.messages;
        tasks.push(tokio::spawn(run_client(i, socket, to, messages, ledger)));
    }
    let mut send_errors = 0;
    let mut open_clients = Vec::new();
    for task in tasks {
        let (errors, client) = task.await?;
        send_errors += errors;
        open_clients.push(client);
    }
    let elapsed = started.elapsed();
    // Every sender is done; give deliveries still in flight time to land before counting losses.
    let grace_ends = Instant::now() + DELIVERY_GRACE;
    while Instant::now() < grace_ends && undelivered(&ledger) > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Before the clients leave: every departure fans presence out to all who remain, a burst
    // that is not the load measured here.
    let gateway_rss = peak_rss_mb(&gateway.pid().to_string());
    let clients_rss = peak_rss_mb("self");
    for (reader, mut sink) in open_clients {
        reader.abort();
        let _ = sink.close().await;
    }

    let (latency, lost, duplicated) = {
        let ledger = ledger.lock().map_err(|_| "ledger poisoned")?;
        let mut latencies = Vec::new();
        let (mut lost, mut duplicated) = (0, 0);
        for (id, sent_at) in &ledger.sent {
            match ledger.delivered.get(id).map(Vec::as_slice) {
                None | Some([]) => lost += 1,
                Some(arrivals) => {
                    latencies.push(arrivals[0].duration_since(*sent_at));
                    duplicated += arrivals.len() - 1;
                }
            }
        }
        (percentiles(latencies), lost, duplicated)
    };
    let stored = stored_messages(&client, &tables, options.clients).await?;
    let expected = options.clients * options.messages;
    let throughput = expected as f64 / elapsed.as_secs_f64();

    println!();
    println!("| measure | value |");
    println!("| --- | --- |");
    println!(
        "| concurrent senders (each waits for its ack) | {} |",
        options.clients
    );
    println!("| messages sent | {expected} |");
    println!(
        "| send→deliver p50 / p95 / p99 / max (ms) | {:.1} / {:.1} / {:.1} / {:.1} |",
        latency.p50, latency.p95, latency.p99, latency.max
    );
    println!("| throughput (messages/s) | {throughput:.0} |");
    println!("| lost (not delivered) | {lost} |");
    println!("| duplicated deliveries | {duplicated} |");
    println!("| stored in history (expected {expected}) | {stored} |");
    println!("| send errors | {send_errors} |");
    println!(
        "| peak RSS of the gateway under this load, {} connections (MB) | {gateway_rss:.0} |",
        options.clients
    );
    println!(
        "| peak RSS of the {} clients' process (MB) | {clients_rss:.0} |",
        options.clients
    );
    println!(
        "| bare DynamoDB Local PutItem+Query p50 / p99 (ms, unloaded) | {:.1} / {:.1} |",
        bare.p50, bare.p99
    );
    println!(
        "| gateway send→deliver p50 / bare round trip p50 | {:.1}x |",
        latency.p50 / bare.p50.max(0.001)
    );

    if let Some(path) = &options.json {
        let report = json!({
            "clients": options.clients,
            "messagesPerClient": options.messages,
            "messages": expected,
            "latencyMs": {"p50": latency.p50, "p95": latency.p95, "p99": latency.p99, "max": latency.max},
            "throughputPerSecond": throughput,
            "lost": lost,
            "duplicated": duplicated,
            "stored": stored,
            "sendErrors": send_errors,
            "gatewayPeakRssMb": gateway_rss,
            "clientsPeakRssMb": clients_rss,
            "bareDynamoDbRoundTripMs": {"p50": bare.p50, "p99": bare.p99},
            "overheadRatioP50": latency.p50 / bare.p50.max(0.001),
        });
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }

    gateway.stop();
    dynamodb.stop();
    ministack.stop();
    if lost > 0 || duplicated > 0 || stored != expected || send_errors > 0 {
        return Err(format!("{lost} lost, {duplicated} duplicated, {stored}/{expected} stored, {send_errors} send errors").into());
    }
    Ok(())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

type Sink = futures_util::stream::SplitSink<Socket, Message>;

fn undelivered(ledger: &Mutex<Ledger>) -> usize {
    ledger.lock().map_or(usize::MAX, |ledger| {
        ledger
            .sent
            .keys()
            .filter(|id| !ledger.delivered.contains_key(*id))
            .count()
    })
}

/// Sends `messages` messages one after another (each waits for its ack) while recording every
/// message that arrives. Returns how many sends were refused, and the still-listening connection.
async fn run_client(
    i: usize,
    socket: Socket,
    to: String,
    messages: usize,
    ledger: Arc<Mutex<Ledger>>,
) -> (usize, (tokio::task::JoinHandle<()>, Sink)) {
    let (mut sink, mut stream) = socket.split();
    let (acks, mut ack_received) = tokio::sync::mpsc::unbounded_channel::<bool>();
    let reader_ledger = ledger.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(Message::Text(text))) = stream.next().await {
            let Ok(event) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            match event["type"].as_str() {
                Some("message") => {
                    if let (Some(id), Ok(mut ledger)) = (
                        event["message"]["clientMessageId"].as_str(),
                        reader_ledger.lock(),
                    ) {
                        ledger
                            .delivered
                            .entry(id.to_owned())
                            .or_default()
                            .push(Instant::now());
                    }
                }
                Some("messageAck") => {
                    let _ = acks.send(true);
                }
                Some("error") => {
                    let _ = acks.send(false);
                }
                _ => {}
            }
        }
    });
    let mut errors = 0;
    for n in 0..messages {
        let id = format!("c{i}-m{n}");
        let body = json!({"action": "sendMessage", "to": to, "text": format!("load message {n}"), "clientMessageId": id});
        if let Ok(mut ledger) = ledger.lock() {
            ledger.sent.insert(id, Instant::now());
        }
        if sink
            .send(Message::Text(body.to_string().into()))
            .await
            .is_err()
        {
            errors += 1;
            continue;
        }
        match tokio::time::timeout(DELIVERY_GRACE, ack_received.recv()).await {
            Ok(Some(true)) => {}
            _ => errors += 1,
        }
    }
    (errors, (reader, sink))
}

/// PutItem + Query against the same DynamoDB Local, the floor under any chat round trip.
async fn bare_round_trips(
    client: &aws_sdk_dynamodb::Client,
    tables: &TableNames,
) -> Result<Percentiles, Box<dyn std::error::Error>> {
    let mut samples = Vec::with_capacity(BARE_ROUND_TRIPS);
    for n in 0..BARE_ROUND_TRIPS {
        let started = Instant::now();
        client
            .put_item()
            .table_name(&tables.messages)
            .item("conversationId", AttributeValue::S("bare#baseline".into()))
            .item("dedupKey", AttributeValue::S(format!("bare#{n}")))
            .item("messageId", AttributeValue::S(format!("{n:026}")))
            .send()
            .await?;
        client
            .query()
            .table_name(&tables.messages)
            .index_name(&tables.messages_by_conversation)
            .key_condition_expression("conversationId = :c")
            .expression_attribute_values(":c", AttributeValue::S("bare#baseline".into()))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await?;
        samples.push(started.elapsed());
    }
    Ok(percentiles(samples))
}

/// Messages in history across the benchmark's conversations, counted through the GSI.
async fn stored_messages(
    client: &aws_sdk_dynamodb::Client,
    tables: &TableNames,
    clients: usize,
) -> Result<usize, Box<dyn std::error::Error>> {
    let conversations: std::collections::BTreeSet<String> = (0..clients)
        .map(|i| {
            let (a, b) = (format!("user{i}"), format!("user{}", (i + 1) % clients));
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            format!("dm#{first}#{second}")
        })
        .collect();
    let mut total = 0;
    for conversation in conversations {
        let mut start = None;
        loop {
            let page = client
                .query()
                .table_name(&tables.messages)
                .index_name(&tables.messages_by_conversation)
                .key_condition_expression("conversationId = :c")
                .expression_attribute_values(":c", AttributeValue::S(conversation.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            total += page.items().len();
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
    Ok(total)
}
