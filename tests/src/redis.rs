//! A real `redis-server` (Debian's package) on a loopback port, for the replicas' shared
//! state: password-protected, keeping nothing on disk, killed when dropped.

use std::process::Stdio;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

use crate::until;

/// The password the test server asks for: it must appear in no answer or log.
pub const REDIS_PASSWORD: &str = "redis-Pw-93kq";

/// A running `redis-server`.
pub struct Redis {
    process: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Redis {
    /// Starts one on `port` and waits until it answers PING.
    pub async fn start(port: u16) -> Redis {
        let process = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--requirepass", REDIS_PASSWORD])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect(
                "redis-server runs (Debian's redis-server package; tests/run-all.sh installs it)",
            );
        until("redis-server answering PING", || pong(port)).await;
        Redis { process, port }
    }

    /// The `CW_REDIS_URL` that reaches it.
    pub fn url(&self) -> String {
        format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{}/0", self.port)
    }

    /// Its process id, for signals (`STOP` pauses it with its connections open).
    pub fn pid(&self) -> u32 {
        self.process.id().expect("redis-server is running")
    }

    /// Kills it (its data goes with it).
    pub async fn stop(&mut self) {
        let _ = self.process.kill().await;
    }
}

async fn pong(port: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let mut answer = [0; 12];
    let ping = format!("AUTH {REDIS_PASSWORD}\r\nPING\r\n");
    stream.write_all(ping.as_bytes()).await.is_ok()
        && stream.read_exact(&mut answer).await.is_ok()
        && &answer == b"+OK\r\n+PONG\r\n"
}
