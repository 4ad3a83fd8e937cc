//! `local-gateway`: runs the chat locally (`make dev`). Starts DynamoDB Local and a local S3 with
//! their data on disk, creates the tables and the media bucket, serves the WebSocket API, the
//! @connections API and the web UI, and shuts everything down on Ctrl-C.
//!
//! Settings (environment): `LOCAL_GATEWAY_PORT` (8707), `DYNAMODB_LOCAL_PORT` (8708),
//! `LOCAL_S3_PORT` (8709), `LOCAL_DATA_DIR` (`.local/dynamodb`), `LOCAL_S3_DATA_DIR` (`.local/s3`),
//! `WEB_DIR` (`web/dist`), `STAGE` (`local`), `IDLE_TIMEOUT_SECS` (600), `MAX_CONNECTION_SECS`
//! (7200), `DYNAMODB_LOCAL_DIR` (the jar's folder), `MINISTACK_BIN` (the local S3's executable).

use std::path::PathBuf;
use std::time::Duration;

use chat_domain::lambda;
use local_stack::dynamodb_local::{DynamoDbLocal, Storage};
use local_stack::gateway::Limits;
use local_stack::local_s3::{LocalS3, S3Storage};
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
    let s3_port: u16 = setting("LOCAL_S3_PORT", 8709)?;
    let data_dir: PathBuf = setting("LOCAL_DATA_DIR", PathBuf::from(".local/dynamodb"))?;
    let s3_data_dir: PathBuf = setting("LOCAL_S3_DATA_DIR", PathBuf::from(".local/s3"))?;
    let limits = Limits {
        idle_timeout: Duration::from_secs(setting("IDLE_TIMEOUT_SECS", 600)?),
        max_connection_duration: Duration::from_secs(setting("MAX_CONNECTION_SECS", 7200)?),
        ..Limits::default()
    };

    let (dynamodb, s3) = tokio::join!(
        DynamoDbLocal::launch(dynamodb_port, Storage::OnDisk(data_dir)),
        LocalS3::launch(s3_port, S3Storage::OnDisk(s3_data_dir)),
    );
    let (dynamodb, s3) = (dynamodb?, s3?);
    let gateway = stack::start_gateway(StackConfig {
        gateway_port,
        stage: setting("STAGE", "local".to_owned())?,
        limits,
        web_dir: setting("WEB_DIR", PathBuf::from("web/dist"))?,
        dynamodb_endpoint: dynamodb.endpoint(),
        tables: stack::table_names("")?,
        s3_endpoint: s3.endpoint(),
        media_bucket: stack::MEDIA_BUCKET.to_owned(),
    })
    .await?;

    println!();
    println!("  Chatastrophy is running.");
    println!("  Open        {}", gateway.http_url());
    println!("  WebSocket   {}?username=<name>", gateway.websocket_url());
    println!("  DynamoDB    {}", dynamodb.endpoint());
    println!(
        "  S3          {} (bucket {})",
        s3.endpoint(),
        stack::MEDIA_BUCKET
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
    s3.stop();
    Ok(())
}
