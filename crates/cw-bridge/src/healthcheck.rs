//! `cw-bridge healthcheck`: GET /health on loopback with a plain HTTP/1.0
//! request, so container images need no curl.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Exit code 0 when the bridge answers `/health` with 200, 1 otherwise.
pub fn check(port: u16) -> std::process::ExitCode {
    match status(port) {
        Ok(200) => std::process::ExitCode::SUCCESS,
        Ok(code) => {
            eprintln!("unhealthy: /health answered {code}");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("unhealthy: could not reach the bridge on port {port}: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn status(port: u16) -> std::io::Result<u16> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(3))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head)?;
    let line = String::from_utf8_lossy(&head[..read]);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {line:?}")))
}
