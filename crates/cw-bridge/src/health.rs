//! `GET /health`: the original's `status` and `service`, plus version, mode and child state.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::supervisor::ChildState;

/// The service name the original bridge reported.
pub const SERVICE_NAME: &str = "connectwise-mcp-bridge";

/// 200 `ok` while the child serves; 503 `degraded` otherwise.
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
    let mut body = json!({
        "status": if status == StatusCode::OK { "ok" } else { "degraded" },
        "service": SERVICE_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "mode": if state.demo { "demo" } else { "live" },
        "credentials": if state.calls.per_request() { "request" } else { "server" },
        "child": child,
        "tools": tools,
        "connections": state.connections.open(),
        "mcpSessions": state.sessions.live().await,
    });
    if !state.warnings.is_empty() {
        body["warnings"] = json!(state.warnings);
    }
    (status, axum::Json(body)).into_response()
}
