//! Counting the DynamoDB calls a piece of code makes, by operation: an SDK interceptor for a
//! client in this process (it also asks DynamoDB for the capacity each call consumed and counts
//! the items read), and a counting TCP proxy for a client in another process (the gateway's),
//! which reads each request's `X-Amz-Target` header on its way through.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput},
    delete_item::{DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    scan::{ScanInput, ScanOutput},
    transact_get_items::{TransactGetItemsInput, TransactGetItemsOutput},
    transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput},
    update_item::{UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::client::interceptors::context::{Input, Output};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The operations that write.
pub const WRITE_OPERATIONS: [&str; 5] = [
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
];

pub fn is_write(operation: &str) -> bool {
    WRITE_OPERATIONS.contains(&operation)
}

/// What the calls of one operation added up to.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OperationTally {
    pub calls: u64,
    /// Items the calls returned (reads only).
    pub items_read: u64,
    /// Capacity units DynamoDB said the calls consumed (0 when it does not say).
    pub capacity_units: f64,
}

/// Calls by operation name (`Query`, `PutItem`…).
pub type CallTally = BTreeMap<String, OperationTally>;

/// Counts the calls of the client it is added to
/// (`aws_sdk_dynamodb::config::Builder::interceptor`); every call asks for its consumed capacity
/// (`ReturnConsumedCapacity: TOTAL`), which changes nothing else about it.
#[derive(Debug, Clone, Default)]
pub struct CountingInterceptor {
    tally: Arc<Mutex<CallTally>>,
}

impl CountingInterceptor {
    /// The calls so far.
    pub fn tally(&self) -> CallTally {
        self.tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the calls so far.
    pub fn reset(&self) {
        self.tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn record(&self, operation: &str, change: impl FnOnce(&mut OperationTally)) {
        let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        change(tally.entry(operation.to_owned()).or_default());
    }
}

fn operation_name(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>().map_or_else(
        || "unknown".to_owned(),
        |metadata| metadata.name().to_owned(),
    )
}

/// Sets `ReturnConsumedCapacity: TOTAL` on the input of any operation that takes it.
fn ask_for_capacity(input: &mut Input) {
    macro_rules! ask {
        ($($input:ty),*) => {
            $(if let Some(input) = input.downcast_mut::<$input>() {
                input.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
                return;
            })*
        };
    }
    ask!(
        GetItemInput,
        PutItemInput,
        UpdateItemInput,
        DeleteItemInput,
        QueryInput,
        ScanInput,
        BatchGetItemInput,
        BatchWriteItemInput,
        TransactGetItemsInput,
        TransactWriteItemsInput
    );
}

fn units<'a>(capacity: impl IntoIterator<Item = &'a ConsumedCapacity>) -> f64 {
    capacity
        .into_iter()
        .filter_map(ConsumedCapacity::capacity_units)
        .sum()
}

fn count(items: usize) -> u64 {
    u64::try_from(items).unwrap_or(u64::MAX)
}

/// Items read and capacity consumed, from an operation's output.
fn read_output(output: &Output) -> (u64, f64) {
    if let Some(o) = output.downcast_ref::<GetItemOutput>() {
        let found = o.item.as_ref().is_some_and(|item| !item.is_empty());
        (u64::from(found), units(&o.consumed_capacity))
    } else if let Some(o) = output.downcast_ref::<QueryOutput>() {
        (count(o.items().len()), units(&o.consumed_capacity))
    } else if let Some(o) = output.downcast_ref::<ScanOutput>() {
        (count(o.items().len()), units(&o.consumed_capacity))
    } else if let Some(o) = output.downcast_ref::<BatchGetItemOutput>() {
        let items = o.responses.iter().flat_map(|tables| tables.values());
        (
            count(items.map(Vec::len).sum()),
            units(o.consumed_capacity()),
        )
    } else if let Some(o) = output.downcast_ref::<TransactGetItemsOutput>() {
        (count(o.responses().len()), units(o.consumed_capacity()))
    } else if let Some(o) = output.downcast_ref::<PutItemOutput>() {
        (0, units(&o.consumed_capacity))
    } else if let Some(o) = output.downcast_ref::<UpdateItemOutput>() {
        (0, units(&o.consumed_capacity))
    } else if let Some(o) = output.downcast_ref::<DeleteItemOutput>() {
        (0, units(&o.consumed_capacity))
    } else if let Some(o) = output.downcast_ref::<BatchWriteItemOutput>() {
        (0, units(o.consumed_capacity()))
    } else if let Some(o) = output.downcast_ref::<TransactWriteItemsOutput>() {
        (0, units(o.consumed_capacity()))
    } else {
        (0, 0.0)
    }
}

impl Intercept for CountingInterceptor {
    fn name(&self) -> &'static str {
        "CountingInterceptor"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ask_for_capacity(context.input_mut());
        self.record(&operation_name(cfg), |tally| tally.calls += 1);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(output) = context.output_or_error() {
            let (items, capacity) = read_output(output);
            self.record(&operation_name(cfg), |tally| {
                tally.items_read += items;
                tally.capacity_units += capacity;
            });
        }
        Ok(())
    }
}

/// Calls by operation name, as a proxy saw them go by.
pub type CallCounts = BTreeMap<String, u64>;

/// A TCP proxy in front of DynamoDB (Local) counting the requests that pass, by operation. It
/// counts a request before passing it on, so by the time its caller has an answer, it is counted.
pub struct CountingProxy {
    port: u16,
    counts: Arc<Mutex<CallCounts>>,
    server: JoinHandle<()>,
}

impl CountingProxy {
    /// Listens on a free port of 127.0.0.1 and relays every connection to `upstream_port` there.
    pub async fn start(upstream_port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let counts = Arc::new(Mutex::new(CallCounts::new()));
        let shared = counts.clone();
        let server = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counts = shared.clone();
                tokio::spawn(async move {
                    if let Err(error) = relay(client, upstream_port, counts).await {
                        tracing::debug!(%error, "proxied connection ended");
                    }
                });
            }
        });
        Ok(Self {
            port,
            counts,
            server,
        })
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The calls so far.
    pub fn counts(&self) -> CallCounts {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Relays one connection both ways, counting the requests going up.
async fn relay(
    client: TcpStream,
    upstream_port: u16,
    counts: Arc<Mutex<CallCounts>>,
) -> std::io::Result<()> {
    let server = TcpStream::connect(("127.0.0.1", upstream_port)).await?;
    // Small requests and answers go out at once, as they would without the proxy.
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let answers =
        tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
    let mut sniffer = TargetSniffer::default();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = client_read.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        for operation in sniffer.feed(&buffer[..read]) {
            *counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(operation)
                .or_default() += 1;
        }
        server_write.write_all(&buffer[..read]).await?;
    }
    server_write.shutdown().await?;
    answers.await.map_err(std::io::Error::other)??;
    Ok(())
}

/// Finds `X-Amz-Target: DynamoDB_<version>.<Operation>` header lines in a request stream fed in
/// pieces of any size. The SDK's JSON bodies hold no line breaks, so a line that starts with the
/// header's name is the header.
#[derive(Debug, Default)]
struct TargetSniffer {
    line: Vec<u8>,
}

impl TargetSniffer {
    /// Long enough for the header line; longer lines are not it.
    const LINE_LIMIT: usize = 256;
    const HEADER: &'static [u8] = b"x-amz-target:";

    /// The operations whose header lines end in `bytes`.
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut operations = Vec::new();
        for &byte in bytes {
            if byte == b'\n' {
                if let Some(operation) = Self::operation(&self.line) {
                    operations.push(operation);
                }
                self.line.clear();
            } else if self.line.len() < Self::LINE_LIMIT {
                self.line.push(byte);
            }
        }
        operations
    }

    fn operation(line: &[u8]) -> Option<String> {
        let name = line.get(..Self::HEADER.len())?;
        if !name.eq_ignore_ascii_case(Self::HEADER) {
            return None;
        }
        let value = std::str::from_utf8(&line[Self::HEADER.len()..])
            .ok()?
            .trim();
        let (_, operation) = value.rsplit_once('.')?;
        Some(operation.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sniffer_finds_targets_split_across_reads() {
        let request = b"POST / HTTP/1.1\r\nhost: x\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\ncontent-length: 2\r\n\r\n{}POST / HTTP/1.1\r\nx-amz-target: DynamoDB_20120810.Query\r\n\r\n";
        for split in 1..request.len() {
            let mut sniffer = TargetSniffer::default();
            let mut found = sniffer.feed(&request[..split]);
            found.extend(sniffer.feed(&request[split..]));
            assert_eq!(found, ["PutItem", "Query"], "split at {split}");
        }
    }

    #[test]
    fn the_sniffer_ignores_other_headers_and_bodies() {
        let mut sniffer = TargetSniffer::default();
        let found =
            sniffer.feed(b"x-amz-date: 20260101T000000Z\r\n{\"text\":\"x-amz-target: no\"}\r\n");
        assert!(found.is_empty());
    }

    #[test]
    fn writes_are_told_from_reads() {
        assert!(is_write("UpdateItem") && is_write("TransactWriteItems"));
        assert!(!is_write("Query") && !is_write("BatchGetItem"));
    }
}
