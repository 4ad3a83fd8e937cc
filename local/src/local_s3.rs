//! A local S3 for the media bucket: MiniStack (PyPI `ministack`, installed in the repo's `.venv` by
//! `make venv`) run as a child process with only S3 on. It checks what matters here as S3 does:
//! presigned URLs' signatures (so the signed type and size), their expiry, and the bucket's CORS
//! rules for the browser. The process is tied to this one (see [`crate::child_process`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use thiserror::Error;
use tracing::info;

use crate::child_process::{ChildService, ServiceError, free_port};

/// How long MiniStack may take to answer (about a second; more on a loaded machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The only credentials it accepts: the ones every local SDK client uses.
pub const ACCESS_KEY_ID: &str = "local";
pub const SECRET_ACCESS_KEY: &str = "local";

#[derive(Debug, Error)]
pub enum LocalS3Error {
    #[error("the local S3 (ministack) was not found at {0}: run `make venv` or set MINISTACK_BIN")]
    NotInstalled(PathBuf),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("could not prepare the local S3: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the objects live.
#[derive(Debug, Clone)]
pub enum S3Storage {
    /// Gone when the process stops (tests).
    InMemory,
    /// Kept on disk in this folder (`make dev`: pictures and files survive restarts).
    OnDisk(PathBuf),
}

/// A running local S3.
#[derive(Debug)]
pub struct LocalS3 {
    service: ChildService,
}

impl LocalS3 {
    /// Starts the local S3 on `port` (0: any free port) and waits until it accepts connections.
    pub fn start(executable: &Path, port: u16, storage: &S3Storage) -> Result<Self, LocalS3Error> {
        if !executable.is_file() {
            return Err(LocalS3Error::NotInstalled(executable.to_owned()));
        }
        let port = if port == 0 { free_port()? } else { port };
        let mut command = Command::new(executable);
        command
            .env("SERVICES", "s3")
            .env("GATEWAY_PORT", port.to_string())
            .env("BIND_HOST", "127.0.0.1")
            // Check signatures and apply the bucket's CORS rules, as S3 does.
            .env("AUTH", "true")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("LOG_LEVEL", "WARNING")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // It writes a pid file to the temporary folder, never into the repo.
            .current_dir(std::env::temp_dir());
        match storage {
            S3Storage::InMemory => {
                command.env("S3_PERSIST", "0");
            }
            S3Storage::OnDisk(dir) => {
                std::fs::create_dir_all(dir)?;
                command
                    .env("S3_PERSIST", "1")
                    .env("S3_DATA_DIR", std::path::absolute(dir)?);
            }
        }
        let service =
            ChildService::start("the local S3 (ministack)", command, port, START_TIMEOUT)?;
        info!(port, ?storage, "local S3 is up");
        Ok(Self { service })
    }

    /// [`LocalS3::start`] for async callers: finds the executable ([`find_executable`]) and waits
    /// on a blocking thread, so the runtime keeps serving meanwhile.
    pub async fn launch(port: u16, storage: S3Storage) -> Result<Self, LocalS3Error> {
        let executable = find_executable();
        tokio::task::spawn_blocking(move || Self::start(&executable, port, &storage))
            .await
            .map_err(|e| LocalS3Error::Io(std::io::Error::other(e)))?
    }

    pub fn port(&self) -> u16 {
        self.service.port()
    }

    pub fn endpoint(&self) -> String {
        self.service.endpoint()
    }

    /// Stops the local S3 and waits for the process to end.
    pub fn stop(self) {
        self.service.stop();
    }
}

/// `$MINISTACK_BIN`, else `ministack` in the repository's `.venv`.
pub fn find_executable() -> PathBuf {
    std::env::var_os("MINISTACK_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/ministack"),
        PathBuf::from,
    )
}
