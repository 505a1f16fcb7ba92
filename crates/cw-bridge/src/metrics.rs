//! `GET /metrics`: Prometheus text of what the bridge did: tool calls by tool and
//! outcome, their latency, what they cost ConnectWise, and the child's restarts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cw_boundary::CallReport;
use prometheus::{
    Counter, Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

use crate::AppState;
use crate::supervisor::Supervisor;

/// Latency buckets, in seconds: 5 ms to a minute.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0,
];

/// Every metric the bridge keeps.
pub struct Metrics {
    registry: Registry,
    supervisor: Arc<Supervisor>,
    calls: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    requests: IntCounterVec,
    retries: IntCounter,
    throttled: IntCounter,
    budget_waits: IntCounter,
    budget_wait_seconds: Counter,
    cache_hits: IntCounter,
    coalesced: IntCounter,
    restarts: IntCounter,
    shared_reads: IntCounter,
    shared_fallbacks: IntCounter,
    shared_up: IntGauge,
    shared_state: AtomicU8,
}

/// What the latest call that touched the replicas' shared store (Redis) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedState {
    /// No call has touched it yet.
    Unknown,
    /// Redis answered: the budget and the reference cache are shared.
    Shared,
    /// Redis was away or slow: this replica used its own budget and cache.
    FellBack,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Metrics reporting on `supervisor`'s child.
    pub fn new(supervisor: Arc<Supervisor>) -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| {
            let counter = IntCounter::new(name, help).expect("a valid metric name");
            registry
                .register(Box::new(counter.clone()))
                .expect("registered once");
            counter
        };
        let family = |name: &str, help: &str, labels: &[&str]| {
            let family =
                IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric name");
            registry
                .register(Box::new(family.clone()))
                .expect("registered once");
            family
        };
        let calls = family(
            "cw_bridge_tool_calls_total",
            "Tool calls answered, by tool, surface and outcome (ok or the failure kind)",
            &["tool", "surface", "outcome"],
        );
        let requests = family(
            "cw_bridge_connectwise_requests_total",
            "Requests sent to ConnectWise, by status (none: no answer came)",
            &["status"],
        );
        let retries = counter(
            "cw_bridge_connectwise_retries_total",
            "ConnectWise requests that were retries of a failed one",
        );
        let throttled = counter(
            "cw_bridge_connectwise_throttled_total",
            "429 answers from ConnectWise",
        );
        let budget_waits = counter(
            "cw_bridge_budget_waits_total",
            "Tool calls that waited for their credential's request budget",
        );
        let cache_hits = counter(
            "cw_bridge_cache_hits_total",
            "Answers taken from the reference-list cache instead of ConnectWise",
        );
        let coalesced = counter(
            "cw_bridge_coalesced_total",
            "Answers shared from an identical ConnectWise request already in flight",
        );
        let restarts = counter(
            "cw_bridge_child_restarts_total",
            "Times the ConnectWise MCP server child was restarted after dying",
        );
        let shared_reads = counter(
            "cw_bridge_shared_reads_total",
            "Budget turns and reference-cache lookups answered by the replicas' shared Redis",
        );
        let shared_fallbacks = counter(
            "cw_bridge_shared_fallbacks_total",
            "Budget turns and reference-cache lookups that used this replica's own state because Redis was away or slow (the quota is then at most the budget times the replicas)",
        );
        let shared_up = IntGauge::new(
            "cw_bridge_shared_store_up",
            "1 while the latest call shared the budget and cache in Redis; 0 with no Redis, before any call, or after a fallback",
        )
        .expect("a valid metric name");
        let budget_wait_seconds = Counter::new(
            "cw_bridge_budget_wait_seconds_total",
            "Time tool calls spent waiting for their credential's request budget",
        )
        .expect("a valid metric name");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "cw_bridge_tool_call_duration_seconds",
                "Time from a tool call's arrival to its answer, by tool",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["tool"],
        )
        .expect("a valid metric name");
        let in_flight = IntGauge::new(
            "cw_bridge_tool_calls_in_flight",
            "Tool calls being answered now",
        )
        .expect("a valid metric name");
        for metric in [
            Box::new(budget_wait_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(in_flight.clone()),
            Box::new(shared_up.clone()),
        ] {
            registry.register(metric).expect("registered once");
        }
        Self {
            registry,
            supervisor,
            calls,
            latency,
            in_flight,
            requests,
            retries,
            throttled,
            budget_waits,
            budget_wait_seconds,
            cache_hits,
            coalesced,
            restarts,
            shared_reads,
            shared_fallbacks,
            shared_up,
            shared_state: AtomicU8::new(0),
        }
    }

    /// What the latest call that touched the shared store found.
    pub fn shared_state(&self) -> SharedState {
        match self.shared_state.load(Ordering::Relaxed) {
            1 => SharedState::Shared,
            2 => SharedState::FellBack,
            _ => SharedState::Unknown,
        }
    }

    /// Counts a call as started; the guard counts it finished when dropped.
    pub fn started(self: &Arc<Self>) -> InFlight {
        self.in_flight.inc();
        InFlight(self.clone())
    }

    /// Counts an answered call and what it cost ConnectWise.
    pub fn answered(
        &self,
        tool: &str,
        surface: &'static str,
        outcome: &str,
        took: Duration,
        report: Option<&CallReport>,
    ) {
        self.calls
            .with_label_values(&[tool, surface, outcome])
            .inc();
        self.latency
            .with_label_values(&[tool])
            .observe(took.as_secs_f64());
        let Some(report) = report else { return };
        for request in &report.requests {
            let status = request.status.map_or("none".to_owned(), |s| s.to_string());
            self.requests.with_label_values(&[status.as_str()]).inc();
        }
        if report.unlisted > 0 {
            self.requests
                .with_label_values(&["unlisted"])
                .inc_by(report.unlisted);
        }
        self.retries.inc_by(report.retries);
        self.throttled.inc_by(report.throttled);
        self.cache_hits.inc_by(report.cache_hits);
        self.coalesced.inc_by(report.coalesced);
        self.shared_reads.inc_by(report.shared_reads);
        self.shared_fallbacks.inc_by(report.shared_fallbacks);
        let found = if report.shared_fallbacks > 0 {
            Some((SharedState::FellBack, 0))
        } else if report.shared_reads > 0 {
            Some((SharedState::Shared, 1))
        } else {
            None
        };
        if let Some((state, up)) = found {
            self.shared_state.store(state as u8, Ordering::Relaxed);
            self.shared_up.set(up);
        }
        if report.budget_wait_ms > 0 {
            self.budget_waits.inc();
            self.budget_wait_seconds
                .inc_by(report.budget_wait_ms as f64 / 1000.0);
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        // Restarts only grow: bring the counter up to the supervisor's count.
        let restarts = u64::from(self.supervisor.stats().restarts);
        self.restarts
            .inc_by(restarts.saturating_sub(self.restarts.get()));
        let mut text = Vec::new();
        // Encoding into memory cannot fail for these metric types.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut text);
        String::from_utf8(text).unwrap_or_default()
    }
}

/// A call in flight; dropping it counts the call finished.
pub struct InFlight(Arc<Metrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.dec();
    }
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.calls.metrics().render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
