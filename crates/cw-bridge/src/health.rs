//! `GET /health`: the original's `status` and `service`, plus version, mode, child state,
//! whether the replica is draining, and where its request budget is counted.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use std::sync::atomic::Ordering;

use crate::AppState;
use crate::metrics::SharedState;
use crate::supervisor::ChildState;

/// The service name the original bridge reported.
pub const SERVICE_NAME: &str = "connectwise-mcp-bridge";

/// 200 `ok` while the child serves; 503 `draining` after SIGTERM, `degraded` when the child
/// cannot serve.
pub async fn health(State(state): State<AppState>) -> Response {
    let child_state = state.supervisor.state();
    let stats = state.supervisor.stats();
    let mut child = json!({"state": child_state.name(), "restarts": stats.restarts});
    if let Some(last_exit) = &stats.last_exit {
        child["lastExit"] = json!(last_exit);
    }
    let (status, tools) = match &child_state {
        ChildState::Running(running) => {
            child["pid"] = json!(running.pid);
            child["uptimeSecs"] = json!(running.since.elapsed().as_secs());
            (StatusCode::OK, Some(running.tools.len()))
        }
        ChildState::Down(reason) => {
            child["reason"] = json!(reason);
            (StatusCode::SERVICE_UNAVAILABLE, None)
        }
        _ => (StatusCode::SERVICE_UNAVAILABLE, None),
    };
    let draining = state.draining.load(Ordering::Relaxed);
    let (status, word) = match (draining, status) {
        (true, _) => (StatusCode::SERVICE_UNAVAILABLE, "draining"),
        (false, StatusCode::OK) => (status, "ok"),
        (false, _) => (status, "degraded"),
    };
    let mut body = json!({
        "status": word,
        "service": SERVICE_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "mode": if state.demo { "demo" } else { "live" },
        "credentials": if state.calls.per_request() { "request" } else { "server" },
        "child": child,
        "tools": tools,
        "connections": state.connections.open(),
        "mcpSessions": state.sessions.live().await,
        "sharedState": shared_state(&state),
    });
    if !state.warnings.is_empty() {
        body["warnings"] = json!(state.warnings);
    }
    (status, axum::Json(body)).into_response()
}

/// Where the request budget and the reference cache are held, and so what bounds the quota.
fn shared_state(state: &AppState) -> serde_json::Value {
    if !state.shared_store {
        return json!({"store": "none", "quota": "CW_REQUEST_BUDGET per replica (no CW_REDIS_URL)"});
    }
    let (found, quota) = match state.calls.metrics().shared_state() {
        SharedState::Unknown => (
            "unknown",
            "CW_REQUEST_BUDGET across all replicas while Redis answers; no call has used it yet",
        ),
        SharedState::Shared => ("shared", "CW_REQUEST_BUDGET across all replicas"),
        SharedState::FellBack => (
            "fallback",
            "Redis was away at the latest call: up to CW_REQUEST_BUDGET per replica until it answers again",
        ),
    };
    json!({"store": "redis", "state": found, "quota": quota})
}
