//! A local service (DynamoDB Local, MiniStack) run as a child process that answers on a port.
//!
//! The child is tied to this process: it is killed on drop, and (Linux) by the kernel if this
//! process dies without dropping it, so no engine is ever orphaned.

use std::net::TcpListener;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("could not start {name}: {source}")]
    Spawn {
        name: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{name} did not answer on port {port} within {timeout:?}")]
    NotReady {
        name: &'static str,
        port: u16,
        timeout: Duration,
    },
    #[error("{name} exited early with {status}")]
    Exited {
        name: &'static str,
        status: std::process::ExitStatus,
    },
    #[error("could not watch {name}: {source}")]
    Io {
        name: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// A running child process that listens on `127.0.0.1:port`.
#[derive(Debug)]
pub struct ChildService {
    child: Child,
    port: u16,
}

impl ChildService {
    /// Spawns `command` and waits until something accepts connections on `port`.
    pub fn start(
        name: &'static str,
        command: Command,
        port: u16,
        timeout: Duration,
    ) -> Result<Self, ServiceError> {
        let mut child = spawn_tied_to_this_process(command)
            .map_err(|source| ServiceError::Spawn { name, source })?;
        let deadline = Instant::now() + timeout;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let exited = child
                .try_wait()
                .map_err(|source| ServiceError::Io { name, source })?;
            if let Some(status) = exited {
                return Err(ServiceError::Exited { name, status });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ServiceError::NotReady {
                    name,
                    port,
                    timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Self { child, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the process and waits for it to end.
    pub fn stop(mut self) {
        self.kill();
    }

    /// Asks the process to stop (SIGTERM), so it can save its state; kills it if it has not ended
    /// within `grace`.
    pub fn terminate(mut self, grace: std::time::Duration) {
        let Ok(pid) = libc::pid_t::try_from(self.child.id()) else {
            return self.kill();
        };
        // SAFETY: signals our own child, whose pid stays reserved until we reap it.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildService {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// Spawns `command` from a thread that lives as long as the process, with the kernel told to kill
/// the child when that thread (so, the process) dies. Linux ties the parent-death signal to the
/// spawning *thread*, so spawning from a short-lived test thread would kill the child early.
fn spawn_tied_to_this_process(mut command: Command) -> std::io::Result<Child> {
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
        .name("local-service-parent".into())
        .spawn(move || {
            let _ = sender.send(command.spawn());
            // Park forever: the child's parent-death signal fires only when the process exits.
            loop {
                std::thread::park();
            }
        })?;
    receiver
        .recv()
        .map_err(|_| std::io::Error::other("spawner thread died"))?
}
