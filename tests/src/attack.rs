//! Hostile clients for the bridge, shared by the tests and `cw-bench hostile`:
//! MCP session floods, slow-header connections, and a mixed soak, with the
//! process figures (RSS, descriptors) they are judged by.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

use crate::Bridge;

/// Resident memory of these processes together, in KiB.
pub fn rss_kib(pids: &[u32]) -> u64 {
    pids.iter()
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap_or_default()
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

/// Open file descriptors of a process.
pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// A client whose requests leave from `source` (any 127.x.y.z address), so that
/// the bridge sees it as a client of its own.
pub fn client_from(source: IpAddr) -> reqwest::Client {
    cw_client::init_tls();
    reqwest::Client::builder()
        .local_address(source)
        .build()
        .expect("HTTP client")
}

/// The `initialize` request of an MCP client.
pub fn initialize_body(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "cw-e2e", "version": "1"}}})
}

/// Opens an MCP session at `/mcp`: the status, the session id when one was
/// made, and the `Retry-After` seconds when refused.
pub async fn open_session(
    http: &reqwest::Client,
    url: &str,
    id: u64,
) -> (StatusCode, Option<String>, Option<u64>) {
    let response = http
        .post(format!("{url}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&initialize_body(id))
        .send()
        .await
        .expect("POST /mcp");
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let session = header("mcp-session-id");
    let retry_after = header("retry-after").and_then(|v| v.parse().ok());
    let _ = response.bytes().await;
    (status, session, retry_after)
}

/// A JSON-RPC request or notification inside a session; the status and the text of the answer.
pub async fn session_post(
    http: &reqwest::Client,
    url: &str,
    session: &str,
    message: Value,
) -> (StatusCode, String) {
    let response = http
        .post(format!("{url}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-06-18")
        .json(&message)
        .send()
        .await
        .expect("POST /mcp in a session");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// Ends a session with DELETE; its status.
pub async fn close_session(http: &reqwest::Client, url: &str, session: &str) -> StatusCode {
    http.delete(format!("{url}/mcp"))
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-06-18")
        .send()
        .await
        .expect("DELETE /mcp")
        .status()
}

/// A connection that sends half a request header and then nothing.
pub struct SlowConnection {
    stream: TcpStream,
    opened: Instant,
}

/// How the bridge ended a slow connection.
#[derive(Debug, Clone)]
pub struct Closed {
    /// Time from opening to the close.
    pub after: Duration,
    /// What the bridge said before closing, if anything.
    pub said: String,
}

/// Opens `count` slow connections from `source`.
pub async fn slow_connections(
    target: SocketAddr,
    source: IpAddr,
    count: usize,
) -> Vec<SlowConnection> {
    let mut connections = Vec::with_capacity(count);
    for _ in 0..count {
        let socket = TcpSocket::new_v4().expect("socket");
        socket
            .bind(SocketAddr::new(source, 0))
            .expect("bind the source address");
        let opened = Instant::now();
        let Ok(mut stream) = socket.connect(target).await else {
            continue;
        };
        let _ = stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await;
        connections.push(SlowConnection { stream, opened });
    }
    connections
}

impl SlowConnection {
    /// Waits until the bridge closes the connection, or `None` if it is still open `deadline` after opening.
    pub async fn closed(mut self, deadline: Duration) -> Option<Closed> {
        use tokio::io::AsyncReadExt;
        let mut said = Vec::new();
        let mut buffer = [0u8; 512];
        loop {
            let left = deadline.saturating_sub(self.opened.elapsed());
            match tokio::time::timeout(left, self.stream.read(&mut buffer)).await {
                Err(_) => return None,
                Ok(Ok(0)) | Ok(Err(_)) => {
                    return Some(Closed {
                        after: self.opened.elapsed(),
                        said: String::from_utf8_lossy(&said).into_owned(),
                    });
                }
                Ok(Ok(n)) => said.extend_from_slice(&buffer[..n]),
            }
        }
    }
}

/// One sample of the bridge under load.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds since the soak began.
    pub at: f64,
    /// RSS of bridge and child, KiB.
    pub rss_kib: u64,
    /// The bridge's open descriptors.
    pub fds: usize,
    /// Live `/mcp` sessions.
    pub sessions: u64,
    /// Open connections.
    pub connections: u64,
    /// Calls answered so far.
    pub answered: usize,
}

/// Samples the bridge through `/health` and `/proc`.
pub async fn sample(bridge: &Bridge, pids: &[u32], began: Instant, answered: usize) -> Sample {
    let (_, health) = bridge.get("/health").await;
    Sample {
        at: began.elapsed().as_secs_f64(),
        rss_kib: rss_kib(pids),
        fds: fd_count(pids[0]),
        sessions: health["mcpSessions"].as_u64().unwrap_or(0),
        connections: health["connections"].as_u64().unwrap_or(0),
        answered,
    }
}

/// What a soak saw.
#[derive(Debug, Clone, Default)]
pub struct Soak {
    /// Samples taken every `every` while the load ran.
    pub samples: Vec<Sample>,
    /// Answers by status.
    pub statuses: std::collections::BTreeMap<u16, usize>,
}

/// Mixed load for `duration` from `workers` tasks: searches, gets, failing
/// calls and `/mcp` sessions opened, used and closed (every fourth left open
/// to expire). Samples every `every`.
pub async fn soak(
    bridge: &Arc<Bridge>,
    pids: &[u32],
    duration: Duration,
    workers: usize,
    every: Duration,
) -> Soak {
    let began = Instant::now();
    let answered = Arc::new(AtomicUsize::new(0));
    let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers {
        let (bridge, answered, statuses) = (bridge.clone(), answered.clone(), statuses.clone());
        tasks.spawn(async move {
            // Each worker cycles through every kind of call, from its own starting point.
            let mut i = worker;
            while began.elapsed() < duration {
                let status = one_call(&bridge, i).await;
                *statuses.lock().unwrap().entry(status.as_u16()).or_insert(0) += 1;
                answered.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        });
    }
    let mut samples = Vec::new();
    let mut ticks = tokio::time::interval(every);
    while began.elapsed() < duration {
        ticks.tick().await;
        samples.push(sample(bridge, pids, began, answered.load(Ordering::Relaxed)).await);
    }
    while tasks.join_next().await.is_some() {}
    let statuses = statuses.lock().unwrap().clone();
    Soak { samples, statuses }
}

async fn one_call(bridge: &Bridge, i: usize) -> StatusCode {
    match i % 6 {
        0 => {
            bridge
                .execute(
                    "get_tickets",
                    json!({"conditions": "closedFlag = false", "pageSize": 10}),
                )
                .await
                .0
        }
        1 => {
            bridge
                .execute("get_ticket", json!({"ticket_id": 20_001 + (i % 900)}))
                .await
                .0
        }
        2 => {
            bridge
                .execute("get_ticket", json!({"ticket_id": 9}))
                .await
                .0
        }
        3 => {
            bridge
                .execute("get_companies", json!({"conditions": "name like"}))
                .await
                .0
        }
        4 => {
            bridge
                .execute("get_companies", json!({"pageSize": 5, "page": 1 + i % 5}))
                .await
                .0
        }
        _ => {
            let (status, session, _) = open_session(&bridge.http, &bridge.url, i as u64).await;
            if let Some(session) = session {
                let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
                session_post(
                    &bridge.http,
                    &bridge.url,
                    &session,
                    json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                )
                .await;
                session_post(&bridge.http, &bridge.url, &session, list).await;
                if !(i / 6).is_multiple_of(4) {
                    close_session(&bridge.http, &bridge.url, &session).await;
                }
            }
            status
        }
    }
}
