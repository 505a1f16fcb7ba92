//! Accepting connections within bounds: a cap on open connections, overall and
//! per client address, and a deadline for each request's headers. `axum::serve`
//! has neither, so a slowloris or a connection flood could hold the bridge's
//! descriptors and memory for ever; here each connection is served by hyper's
//! HTTP/1.1 server with its header-read timer, and shut down gracefully.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;

/// Pause after an accept error such as "too many open files", so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What a refused connection is told before it is closed.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 90\r\n\r\n{\"error\":\"too many connections are open; try again shortly\",\"code\":\"too_many_connections\"}";

/// The connection bounds.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Most connections open at once.
    pub max: usize,
    /// Most connections open at once from one address.
    pub per_client: usize,
    /// Time for a request's headers to arrive, from the connection's start or its previous answer.
    pub header_timeout: Duration,
}

/// Counts open connections, in all and per address.
#[derive(Debug)]
pub struct Connections {
    limits: ConnectionLimits,
    open: Mutex<OpenCounts>,
}

#[derive(Debug, Default)]
struct OpenCounts {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// An admitted connection; its slot is freed when this is dropped.
struct Slot {
    connections: Arc<Connections>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.connections.lock();
        open.total -= 1;
        if let Some(count) = open.by_client.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.by_client.remove(&self.client);
            }
        }
    }
}

impl Connections {
    /// A counter enforcing `limits`.
    pub fn new(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            open: Mutex::new(OpenCounts::default()),
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.lock().total
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OpenCounts> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn admit(self: &Arc<Self>, client: IpAddr) -> Option<Slot> {
        let mut open = self.lock();
        let from_client = open.by_client.get(&client).copied().unwrap_or(0);
        if open.total >= self.limits.max || from_client >= self.limits.per_client {
            return None;
        }
        open.total += 1;
        open.by_client.insert(client, from_client + 1);
        Some(Slot {
            connections: self.clone(),
            client,
        })
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open
/// connections finish (at most `finish`). Each request carries its
/// peer's address as [`ConnectInfo<SocketAddr>`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    connections: Arc<Connections>,
    finish: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(connections.limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = connections.admit(peer.ip()) else {
            refuse(stream, peer);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut app = app.clone();
            async move { Ok::<_, Infallible>(app.call(request).await.unwrap_or_else(|e| match e {})) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
    if tokio::time::timeout(finish, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after {finish:?}; closing them");
    }
}

/// The client address of a request [`serve`] accepted; the unspecified address where none is
/// known (a request built in-process), which then counts as one client.
pub fn client_address(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Tells a connection over the limits why, without waiting for its request, and closes it.
fn refuse(stream: TcpStream, peer: SocketAddr) {
    tracing::debug!(%peer, "connection refused: too many open");
    let _ = stream.try_write(REFUSAL);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_overall_and_per_client_and_freed_on_drop() {
        let connections = Connections::new(ConnectionLimits {
            max: 3,
            per_client: 2,
            header_timeout: Duration::from_secs(1),
        });
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let first = connections.admit(a).unwrap();
        let _second = connections.admit(a).unwrap();
        assert!(connections.admit(a).is_none(), "per-client cap");
        let _third = connections.admit(b).unwrap();
        assert!(connections.admit(b).is_none(), "overall cap");
        assert_eq!(connections.open(), 3);
        drop(first);
        assert_eq!(connections.open(), 2);
        assert!(connections.admit(b).is_some());
    }

    #[test]
    fn the_refusal_is_a_complete_http_answer() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(body.len(), length);
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }
}
