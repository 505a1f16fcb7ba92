//! `GET /metrics`: Prometheus text of what the bridge did: tool calls by tool and
//! outcome, their latency, what they cost ConnectWise, and the child's restarts.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cw_boundary::CallReport;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;
use crate::supervisor::Supervisor;

type Labels = Vec<(&'static str, String)>;

/// Latency buckets, in seconds: 5 ms to a minute.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Every metric the bridge keeps.
pub struct Metrics {
    registry: Registry,
    calls: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    requests: Family<Labels, Counter>,
    retries: Counter,
    throttled: Counter,
    budget_waits: Counter,
    budget_wait_seconds: Counter<f64>,
    cache_hits: Counter,
    coalesced: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The child's restarts, read from the supervisor at each scrape.
#[derive(Debug)]
struct Restarts(Arc<Supervisor>);

impl Collector for Restarts {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counter = ConstCounter::new(u64::from(self.0.stats().restarts));
        let metric = encoder.encode_descriptor(
            "cw_bridge_child_restarts",
            "Times the ConnectWise MCP server child was restarted after dying",
            None,
            counter.metric_type(),
        )?;
        counter.encode(metric)
    }
}

impl Metrics {
    /// Metrics reporting on `supervisor`'s child.
    pub fn new(supervisor: Arc<Supervisor>) -> Self {
        let calls = Family::<Labels, Counter>::default();
        let latency: Family<Labels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let in_flight = Gauge::default();
        let requests = Family::<Labels, Counter>::default();
        let (retries, throttled, budget_waits) =
            (Counter::default(), Counter::default(), Counter::default());
        let budget_wait_seconds = Counter::<f64>::default();
        let (cache_hits, coalesced) = (Counter::default(), Counter::default());
        let mut registry = Registry::default();
        registry.register(
            "cw_bridge_tool_calls",
            "Tool calls answered, by tool, surface and outcome (ok or the failure kind)",
            calls.clone(),
        );
        registry.register(
            "cw_bridge_tool_call_duration_seconds",
            "Time from a tool call's arrival to its answer, by tool",
            latency.clone(),
        );
        registry.register(
            "cw_bridge_tool_calls_in_flight",
            "Tool calls being answered now",
            in_flight.clone(),
        );
        registry.register(
            "cw_bridge_connectwise_requests",
            "Requests sent to ConnectWise, by status (none: no answer came)",
            requests.clone(),
        );
        registry.register(
            "cw_bridge_connectwise_retries",
            "ConnectWise requests that were retries of a failed one",
            retries.clone(),
        );
        registry.register(
            "cw_bridge_connectwise_throttled",
            "429 answers from ConnectWise",
            throttled.clone(),
        );
        registry.register(
            "cw_bridge_budget_waits",
            "Tool calls that waited for their credential's request budget",
            budget_waits.clone(),
        );
        registry.register(
            "cw_bridge_budget_wait_seconds",
            "Time tool calls spent waiting for their credential's request budget",
            budget_wait_seconds.clone(),
        );
        registry.register(
            "cw_bridge_cache_hits",
            "Answers taken from the reference-list cache instead of ConnectWise",
            cache_hits.clone(),
        );
        registry.register(
            "cw_bridge_coalesced",
            "Answers shared from an identical ConnectWise request already in flight",
            coalesced.clone(),
        );
        registry.register_collector(Box::new(Restarts(supervisor)));
        Self {
            registry,
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
            .get_or_create(&vec![
                ("tool", tool.to_owned()),
                ("surface", surface.to_owned()),
                ("outcome", outcome.to_owned()),
            ])
            .inc();
        self.latency
            .get_or_create(&vec![("tool", tool.to_owned())])
            .observe(took.as_secs_f64());
        let Some(report) = report else { return };
        for request in &report.requests {
            let status = request.status.map_or("none".to_owned(), |s| s.to_string());
            self.requests.get_or_create(&vec![("status", status)]).inc();
        }
        if report.unlisted > 0 {
            self.requests
                .get_or_create(&vec![("status", "unlisted".to_owned())])
                .inc_by(report.unlisted);
        }
        self.retries.inc_by(report.retries);
        self.throttled.inc_by(report.throttled);
        self.cache_hits.inc_by(report.cache_hits);
        self.coalesced.inc_by(report.coalesced);
        if report.budget_wait_ms > 0 {
            self.budget_waits.inc();
            self.budget_wait_seconds
                .inc_by(report.budget_wait_ms as f64 / 1000.0);
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
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
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
