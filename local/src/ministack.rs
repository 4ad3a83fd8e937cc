//! The local AWS services the chat needs besides DynamoDB: MiniStack (PyPI `ministack`, installed
//! in the repo's `.venv` by `make venv`) run as a child process with S3 and Cognito on.
//!
//! S3 holds the media bucket and checks what matters here as S3 does: presigned URLs' signatures
//! (so the signed type and size), their expiry, and the bucket's CORS rules for the browser.
//! Cognito is the user pool: sign-up, confirmation codes (kept in its outbox, nothing is mailed),
//! SRP and password sign-in, refresh, RS256 tokens with AWS's issuer format, and the pool's JWKS.
//! The process is tied to this one (see [`crate::child_process`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use thiserror::Error;
use tracing::info;

use crate::child_process::{ChildService, ServiceError, free_port};

/// How long MiniStack may take to answer (about a second; more on a loaded machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long it may take to save its state when stopped (it saves only on SIGTERM: seconds).
const SAVE_TIMEOUT: Duration = Duration::from_secs(20);
/// The only credentials it accepts: the ones every local SDK client uses.
pub const ACCESS_KEY_ID: &str = "local";
pub const SECRET_ACCESS_KEY: &str = "local";

#[derive(Debug, Error)]
pub enum MiniStackError {
    #[error("MiniStack was not found at {0}: run `make venv` or set MINISTACK_BIN")]
    NotInstalled(PathBuf),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("could not prepare MiniStack: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the objects and the user pools live.
#[derive(Debug, Clone)]
pub enum Persistence {
    /// Gone when the process stops (tests); its keys in a temporary folder of its own.
    InMemory,
    /// Kept on disk in this folder (`make dev`: users, pictures and files survive restarts).
    OnDisk(PathBuf),
}

/// A running MiniStack.
#[derive(Debug)]
pub struct MiniStack {
    service: ChildService,
    persistence: Persistence,
    /// The in-memory run's state folder (its signing keys), removed at stop.
    scratch: Option<PathBuf>,
}

impl MiniStack {
    /// Starts MiniStack on `port` (0: any free port) and waits until it accepts connections.
    pub fn start(
        executable: &Path,
        port: u16,
        persistence: &Persistence,
    ) -> Result<Self, MiniStackError> {
        if !executable.is_file() {
            return Err(MiniStackError::NotInstalled(executable.to_owned()));
        }
        let port = if port == 0 { free_port()? } else { port };
        let mut command = Command::new(executable);
        command
            .env("SERVICES", "s3,cognito-idp,ses")
            .env("GATEWAY_PORT", port.to_string())
            .env("BIND_HOST", "127.0.0.1")
            // Check signatures and apply the bucket's CORS rules, as S3 does.
            .env("AUTH", "true")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("LOG_LEVEL", "WARNING")
            // Its IoT broker would bind 0.0.0.0:8883 besides our port; nothing here uses it.
            .env("IOT_MTLS_ENABLED", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // It writes a pid file to the temporary folder, never into the repo.
            .current_dir(std::env::temp_dir());
        let scratch = match persistence {
            Persistence::InMemory => {
                let scratch = std::env::temp_dir().join(format!(
                    "chatastrophy-ministack-{}-{port}",
                    std::process::id()
                ));
                std::fs::create_dir_all(&scratch)?;
                command
                    .env("S3_PERSIST", "0")
                    .env("PERSIST_STATE", "0")
                    .env("STATE_DIR", &scratch);
                Some(scratch)
            }
            Persistence::OnDisk(dir) => {
                let dir = std::path::absolute(dir)?;
                std::fs::create_dir_all(dir.join("s3"))?;
                command
                    .env("S3_PERSIST", "1")
                    .env("S3_DATA_DIR", dir.join("s3"))
                    .env("PERSIST_STATE", "1")
                    .env("STATE_DIR", dir.join("state"));
                None
            }
        };
        let service = ChildService::start("MiniStack", command, port, START_TIMEOUT)?;
        info!(port, ?persistence, "MiniStack (S3, Cognito) is up");
        Ok(Self {
            service,
            persistence: persistence.clone(),
            scratch,
        })
    }

    /// [`MiniStack::start`] for async callers: finds the executable ([`find_executable`]) and
    /// waits on a blocking thread, so the runtime keeps serving meanwhile.
    pub async fn launch(port: u16, persistence: Persistence) -> Result<Self, MiniStackError> {
        let executable = find_executable();
        tokio::task::spawn_blocking(move || Self::start(&executable, port, &persistence))
            .await
            .map_err(|e| MiniStackError::Io(std::io::Error::other(e)))?
    }

    pub fn port(&self) -> u16 {
        self.service.port()
    }

    pub fn endpoint(&self) -> String {
        self.service.endpoint()
    }

    /// Stops MiniStack and waits for the process to end. On disk, it is asked to stop (SIGTERM)
    /// so it saves its user pools: killed, it would lose every account made since it started.
    pub fn stop(self) {
        match self.persistence {
            Persistence::OnDisk(_) => self.service.terminate(SAVE_TIMEOUT),
            Persistence::InMemory => self.service.stop(),
        }
        if let Some(scratch) = self.scratch {
            let _ = std::fs::remove_dir_all(scratch);
        }
    }
}

/// `$MINISTACK_BIN`, else `ministack` in the repository's `.venv`.
pub fn find_executable() -> PathBuf {
    std::env::var_os("MINISTACK_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/ministack"),
        PathBuf::from,
    )
}
