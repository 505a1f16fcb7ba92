//! Requests within bounds, and fair between clients: each client address has a
//! request rate (a token bucket) and a cap on requests in flight, answered 429
//! with `Retry-After` past them, and all clients together share a cap on
//! requests in flight, where the rest wait briefly and then get 503.
//!
//! Rate and concurrency live in one bounded table keyed by address, so a
//! flood of new addresses cannot grow it without end. `/health` is outside these
//! limits (see [`crate::router`]) and CORS preflights pass: they cost nothing and must
//! answer under load.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::errors::ApiError;

/// Most client addresses remembered at once.
const MAX_CLIENTS: usize = 16_384;
/// How long a request waits for one of the shared in-flight places.
const QUEUE_WAIT: Duration = Duration::from_secs(1);

/// The request bounds.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// Requests a second per client address; 0 means no rate limit.
    pub rate: u32,
    /// Requests a client may make at once above its rate.
    pub burst: u32,
    /// Requests in flight per client address; 0 means no limit.
    pub per_client_in_flight: u32,
    /// Requests in flight for all clients together.
    pub in_flight: usize,
}

/// The shared state of the limits.
#[derive(Debug)]
pub struct Fairness {
    limits: RequestLimits,
    clients: Mutex<HashMap<IpAddr, Client>>,
    in_flight: Semaphore,
}

#[derive(Debug, Clone, Copy)]
struct Client {
    tokens: f64,
    refreshed: Instant,
    in_flight: u32,
}

/// A request counted against its client until dropped.
struct Admitted<'a> {
    fairness: &'a Fairness,
    client: IpAddr,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.fairness.lock().get_mut(&self.client) {
            client.in_flight = client.in_flight.saturating_sub(1);
        }
    }
}

impl Fairness {
    /// Limits in force.
    pub fn new(limits: RequestLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            clients: Mutex::new(HashMap::new()),
            in_flight: Semaphore::new(limits.in_flight),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Client>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a request from `address` now, or says why it must wait.
    fn admit(&self, address: IpAddr, now: Instant) -> Result<Admitted<'_>, ApiError> {
        let RequestLimits {
            rate,
            burst,
            per_client_in_flight,
            ..
        } = self.limits;
        let mut clients = self.lock();
        if !clients.contains_key(&address) && clients.len() >= MAX_CLIENTS {
            clients.retain(|_, c| c.in_flight > 0 || !c.is_rested(&self.limits, now));
            if clients.len() >= MAX_CLIENTS {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_clients",
                    "the bridge is serving too many client addresses at once; try again shortly",
                )
                .with_retry_after(Some(1)));
            }
        }
        let client = clients.entry(address).or_insert(Client {
            tokens: f64::from(burst),
            refreshed: now,
            in_flight: 0,
        });
        if rate > 0 {
            let elapsed = now
                .saturating_duration_since(client.refreshed)
                .as_secs_f64();
            client.tokens = (client.tokens + elapsed * f64::from(rate)).min(f64::from(burst));
            client.refreshed = now;
            if client.tokens < 1.0 {
                let wait = ((1.0 - client.tokens) / f64::from(rate)).ceil().max(1.0) as u64;
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    format!(
                        "this client sent more than {rate} requests a second (BRIDGE_CLIENT_RATE, bursts of {burst}); wait {wait} s and send fewer requests"
                    ),
                )
                .with_retry_after(Some(wait)));
            }
        }
        if per_client_in_flight > 0 && client.in_flight >= per_client_in_flight {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "this client already has {per_client_in_flight} requests in flight (BRIDGE_CLIENT_CONCURRENCY); wait for their answers before sending more"
                ),
            )
            .with_retry_after(Some(1)));
        }
        client.tokens -= 1.0;
        client.in_flight += 1;
        Ok(Admitted {
            fairness: self,
            client: address,
        })
    }
}

impl Client {
    /// True when forgetting this client changes nothing: nothing in flight and a full bucket.
    fn is_rested(&self, limits: &RequestLimits, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        limits.rate == 0
            || self.tokens + elapsed * f64::from(limits.rate) >= f64::from(limits.burst)
    }
}

/// The middleware.
pub async fn limit(
    State(fairness): State<Arc<Fairness>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let address = crate::connections::client_address(&request);
    let _counted = match fairness.admit(address, Instant::now()) {
        Ok(counted) => counted,
        Err(refusal) => return refusal.into_response(),
    };
    let _place = match tokio::time::timeout(QUEUE_WAIT, fairness.in_flight.acquire()).await {
        Ok(Ok(place)) => place,
        _ => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!(
                    "the bridge is answering {} requests already (BRIDGE_MAX_IN_FLIGHT); try again shortly",
                    fairness.limits.in_flight
                ),
            )
            .with_retry_after(Some(1))
            .into_response();
        }
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn fairness(rate: u32, burst: u32, per_client: u32) -> Arc<Fairness> {
        Fairness::new(RequestLimits {
            rate,
            burst,
            per_client_in_flight: per_client,
            in_flight: 8,
        })
    }

    #[test]
    fn a_client_past_its_rate_waits_and_others_do_not() {
        let f = fairness(2, 3, 0);
        let (a, b): (IpAddr, IpAddr) = ([127, 0, 0, 2].into(), [127, 0, 0, 3].into());
        let start = Instant::now();
        for _ in 0..3 {
            drop(f.admit(a, start).unwrap());
        }
        let refused = f.admit(a, start).err().unwrap();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.retry_after, Some(1));
        assert!(f.admit(b, start).is_ok(), "another client is not affected");
        // Half a second at 2 a second buys one more request.
        assert!(f.admit(a, start + Duration::from_millis(500)).is_ok());
        assert!(f.admit(a, start + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn a_client_with_too_many_in_flight_waits_until_one_ends() {
        let f = fairness(0, 1, 2);
        let a: IpAddr = [127, 0, 0, 2].into();
        let now = Instant::now();
        let first = f.admit(a, now).unwrap();
        let _second = f.admit(a, now).unwrap();
        let refused = f.admit(a, now).err().unwrap();
        assert!(refused.message.contains("BRIDGE_CLIENT_CONCURRENCY"));
        drop(first);
        assert!(f.admit(a, now).is_ok());
    }

    #[test]
    fn the_table_stays_bounded_under_a_flood_of_addresses() {
        let f = fairness(10, 10, 0);
        let now = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 100) {
            let address = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            // Each address's bucket is full again a second later, so it can be forgotten.
            let _ = f.admit(address, now + Duration::from_secs(u64::from(i / 1000)));
        }
        assert!(f.lock().len() <= MAX_CLIENTS);
    }
}
