//! The gateway of a benchmark in a process of its own: the benchmark's program started again with
//! [`SERVE_GATEWAY_FLAG`], so the gateway's memory and CPU are measured apart from the clients'.

use std::time::Duration;

use thiserror::Error;

use crate::child_process::{ChildService, ServiceError, free_port};
use crate::gateway::Limits;
use crate::stack::{self, StackConfig, StackError};

/// The argument that makes a benchmark's program serve the gateway, followed by the port, the
/// DynamoDB endpoint and the MiniStack endpoint.
pub const SERVE_GATEWAY_FLAG: &str = "--serve-gateway";
pub const STAGE: &str = "bench";
/// The tables the gateway process serves (created by whoever gets there first).
pub const TABLE_PREFIX: &str = "bench-";
pub const USER_POOL: &str = "bench";
const START_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Error)]
pub enum GatewayProcessError {
    #[error("{SERVE_GATEWAY_FLAG} takes a port, a DynamoDB endpoint and a MiniStack endpoint")]
    Arguments,
    #[error("could not start the gateway process: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Stack(#[from] StackError),
}

/// What the gateway process is started with.
#[derive(Debug, Clone)]
pub struct GatewayProcess {
    pub port: u16,
    pub dynamodb_endpoint: String,
    pub ministack_endpoint: String,
}

impl GatewayProcess {
    /// Reads the values that follow [`SERVE_GATEWAY_FLAG`].
    pub fn from_args(args: &mut impl Iterator<Item = String>) -> Result<Self, GatewayProcessError> {
        let mut next = || args.next().ok_or(GatewayProcessError::Arguments);
        Ok(Self {
            port: next()?
                .parse()
                .map_err(|_| GatewayProcessError::Arguments)?,
            dynamodb_endpoint: next()?,
            ministack_endpoint: next()?,
        })
    }

    /// Serves until the benchmark kills this process.
    pub async fn serve(self) -> Result<(), GatewayProcessError> {
        let _gateway = stack::start_gateway(StackConfig {
            gateway_port: self.port,
            stage: STAGE.into(),
            limits: Limits::default(),
            web_dir: std::env::temp_dir(),
            dynamodb_endpoint: self.dynamodb_endpoint,
            tables: stack::table_names(TABLE_PREFIX)?,
            ministack_endpoint: self.ministack_endpoint,
            media_bucket: stack::MEDIA_BUCKET.to_owned(),
            user_pool_name: USER_POOL.to_owned(),
        })
        .await?;
        std::future::pending::<()>().await;
        Ok(())
    }
}

/// Starts this program again as the gateway over these endpoints, and waits until it accepts
/// connections.
pub fn spawn(
    dynamodb_endpoint: &str,
    ministack_endpoint: &str,
) -> Result<ChildService, GatewayProcessError> {
    let port = free_port()?;
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .arg(SERVE_GATEWAY_FLAG)
        .arg(port.to_string())
        .arg(dynamodb_endpoint)
        .arg(ministack_endpoint);
    Ok(ChildService::start(
        "the gateway",
        command,
        port,
        START_TIMEOUT,
    )?)
}

/// The WebSocket URL of a gateway process.
pub fn websocket_url(gateway: &ChildService) -> String {
    format!("ws://127.0.0.1:{}/{STAGE}", gateway.port())
}
