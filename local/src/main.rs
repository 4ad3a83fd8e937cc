//! `local-gateway`: runs the chat locally (`make dev`). Starts DynamoDB Local and MiniStack (S3 and
//! Cognito) with their data on disk, creates the tables, the media bucket and the user pool (found
//! again after a restart), serves the WebSocket API behind the `$connect` authorizer, the
//! @connections API and the web UI, and shuts everything down on Ctrl-C.
//!
//! Settings (environment): `LOCAL_GATEWAY_PORT` (8707), `DYNAMODB_LOCAL_PORT` (8708),
//! `MINISTACK_PORT` (8709), `LOCAL_DATA_DIR` (`.local/dynamodb`), `LOCAL_MINISTACK_DIR`
//! (`.local/ministack`), `WEB_DIR` (`web/dist`), `STAGE` (`local`), `IDLE_TIMEOUT_SECS` (600),
//! `MAX_CONNECTION_SECS` (7200), `DYNAMODB_LOCAL_DIR` (the jar's folder), `MINISTACK_BIN`
//! (MiniStack's executable).

use std::path::PathBuf;
use std::time::Duration;

use chat_domain::lambda;
use local_stack::cognito;
use local_stack::dynamodb_local::{DynamoDbLocal, Storage};
use local_stack::gateway::Limits;
use local_stack::ministack::{MiniStack, Persistence};
use local_stack::stack::{self, StackConfig};
use tokio::signal::unix::{SignalKind, signal};
use tracing::info;

fn setting<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{name}={value} is not valid")),
        Err(_) => Ok(default),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    lambda::init_tracing();
    let gateway_port: u16 = setting("LOCAL_GATEWAY_PORT", 8707)?;
    let dynamodb_port: u16 = setting("DYNAMODB_LOCAL_PORT", 8708)?;
    let ministack_port: u16 = setting("MINISTACK_PORT", 8709)?;
    let data_dir: PathBuf = setting("LOCAL_DATA_DIR", PathBuf::from(".local/dynamodb"))?;
    let ministack_dir: PathBuf = setting("LOCAL_MINISTACK_DIR", PathBuf::from(".local/ministack"))?;
    let limits = Limits {
        idle_timeout: Duration::from_secs(setting("IDLE_TIMEOUT_SECS", 600)?),
        max_connection_duration: Duration::from_secs(setting("MAX_CONNECTION_SECS", 7200)?),
        ..Limits::default()
    };

    let (dynamodb, ministack) = tokio::join!(
        DynamoDbLocal::launch(dynamodb_port, Storage::OnDisk(data_dir)),
        MiniStack::launch(ministack_port, Persistence::OnDisk(ministack_dir)),
    );
    let (dynamodb, ministack) = (dynamodb?, ministack?);
    let started = stack::start_gateway(StackConfig {
        gateway_port,
        stage: setting("STAGE", "local".to_owned())?,
        limits,
        web_dir: setting("WEB_DIR", PathBuf::from("web/dist"))?,
        dynamodb_endpoint: dynamodb.endpoint(),
        tables: stack::table_names("")?,
        ministack_endpoint: ministack.endpoint(),
        media_bucket: stack::MEDIA_BUCKET.to_owned(),
        user_pool_name: cognito::POOL_NAME.to_owned(),
    })
    .await;
    let gateway = match started {
        Ok(gateway) => gateway,
        Err(error) => {
            // Stopped as on Ctrl-C, so MiniStack keeps the accounts made so far.
            dynamodb.stop();
            ministack.stop();
            return Err(error.into());
        }
    };
    let pool = gateway.user_pool();

    println!();
    println!("  Chatastrophy is running.");
    println!("  Open        {}", gateway.http_url());
    println!(
        "  WebSocket   {} (token in the subprotocol)",
        gateway.websocket_url()
    );
    println!("  DynamoDB    {}", dynamodb.endpoint());
    println!(
        "  S3          {} (bucket {})",
        ministack.endpoint(),
        stack::MEDIA_BUCKET
    );
    println!(
        "  Cognito     {} (user pool {}, app client {})",
        pool.endpoint, pool.pool_id, pool.client_id
    );
    println!(
        "  Sign-up codes are not e-mailed locally: read them at {}",
        pool.outbox_url()
    );
    println!("  Stop with Ctrl-C.");
    println!();

    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    info!("shutting down");
    gateway.stop().await;
    dynamodb.stop();
    // Asked to stop, not killed: MiniStack saves the user pool only then.
    ministack.stop();
    Ok(())
}
