//! Fault injection: make chosen requests fail, stall or come back broken.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::errors::SimError;

/// What body a faulty answer carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FaultBody {
    /// A ConnectWise error body fitting the status.
    #[default]
    ConnectWise,
    /// Text that is not JSON.
    NotJson,
    /// JSON cut off halfway.
    Truncated,
}

/// One fault rule. Rules are tried in the order added; the first that matches a
/// request is used (and counted down when it has `times`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fault {
    /// Only requests whose path contains this (all requests when `None`).
    pub path_contains: Option<String>,
    /// Answer with this status instead of the real answer (`None`: only delay).
    pub status: Option<u16>,
    /// How many requests it applies to (`None`: all).
    pub times: Option<u32>,
    /// How many matching requests it lets through, answered as usual, before it applies.
    pub after: u32,
    /// `Retry-After` seconds to send.
    pub retry_after: Option<u64>,
    /// Delay before answering.
    pub latency: Option<Duration>,
    /// The body to send with `status`.
    pub body: FaultBody,
    /// A `Location` to send with `status` (a redirect).
    pub location: Option<String>,
}

impl Fault {
    /// Answer with `status`.
    pub fn status(status: u16) -> Self {
        Self {
            status: Some(status),
            ..Self::default()
        }
    }

    /// Answer `302 Found` pointing at `location`, as a hijacked or misconfigured site might.
    pub fn redirect(location: impl Into<String>) -> Self {
        Self {
            status: Some(302),
            location: Some(location.into()),
            ..Self::default()
        }
    }

    /// Delay answers by `latency` (the real answer follows).
    pub fn delay(latency: Duration) -> Self {
        Self {
            latency: Some(latency),
            ..Self::default()
        }
    }

    /// Only once `after` matching requests have been answered as usual (a list's second page).
    pub fn after(mut self, after: u32) -> Self {
        self.after = after;
        self
    }

    /// Only for the next `times` matching requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Only for paths containing `fragment`.
    pub fn on_path(mut self, fragment: impl Into<String>) -> Self {
        self.path_contains = Some(fragment.into());
        self
    }

    /// Send `Retry-After: seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Send this kind of body.
    pub fn body(mut self, body: FaultBody) -> Self {
        self.body = body;
        self
    }

    /// The answer this fault gives, if it replaces the real one.
    pub fn response(&self) -> Option<Response> {
        let status =
            StatusCode::from_u16(self.status?).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = match self.body {
            FaultBody::NotJson => {
                (status, "<html><body>Service Unavailable</body></html>").into_response()
            }
            FaultBody::Truncated => (
                status,
                [("content-type", "application/json")],
                r#"[{"id": 1, "summary": "Trunc"#,
            )
                .into_response(),
            FaultBody::ConnectWise if status == StatusCode::TOO_MANY_REQUESTS => {
                let wait = self.retry_after.unwrap_or(30);
                let body = serde_json::json!({"error": "ConnectWiseAPI", "message": format!("Too many requests. Please try again in {wait} seconds.")});
                (status, axum::Json(body)).into_response()
            }
            FaultBody::ConnectWise => SimError::Status {
                status,
                code: status.canonical_reason().unwrap_or("Error").to_owned(),
                message: format!("Injected fault: {status}"),
            }
            .into_response(),
        };
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(seconds));
        }
        if let Some(location) = self
            .location
            .as_deref()
            .and_then(|l| HeaderValue::from_str(l).ok())
        {
            response.headers_mut().insert("location", location);
        }
        Some(response)
    }
}

/// The active fault rules, and how many requests a delay holds right now.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Fault>>,
    stalled: AtomicUsize,
}

/// Counts a request as held by a delay until dropped.
#[derive(Debug)]
pub struct Stall<'a>(&'a AtomicUsize);

impl Drop for Stall<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Faults {
    /// Adds a rule.
    pub fn add(&self, fault: Fault) {
        self.lock().push(fault);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many requests a delay fault is holding now: tests wait on this to
    /// know their calls are in flight.
    pub fn stalled(&self) -> usize {
        self.stalled.load(Ordering::SeqCst)
    }

    /// Marks one request as held by a delay, until the guard is dropped.
    pub fn stall(&self) -> Stall<'_> {
        self.stalled.fetch_add(1, Ordering::SeqCst);
        Stall(&self.stalled)
    }

    /// The rule for this path, counting it down; spent rules are dropped.
    pub fn take(&self, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let index = rules
            .iter()
            .position(|f| f.path_contains.as_deref().is_none_or(|p| path.contains(p)))?;
        if rules[index].after > 0 {
            rules[index].after -= 1;
            return None;
        }
        let fault = rules[index].clone();
        if let Some(times) = &mut rules[index].times {
            *times -= 1;
            if *times == 0 {
                rules.remove(index);
            }
        }
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
