//! `cw-bridge`: the HTTP front of the ConnectWise MCP server.
//!
//! It supervises one `cw-mcp-server` child ([`supervisor`]) and serves its
//! tools three ways: the original `POST /v1/tools/execute`, an OpenAPI tool
//! server ([`openapi`]) and MCP Streamable HTTP ([`mcp`]).

pub mod auth;
pub mod config;
pub mod errors;
pub mod health;
pub mod healthcheck;
pub mod mcp;
pub mod openapi;
pub mod supervisor;
pub mod tools;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};

pub use config::Options;
use errors::ApiError;
use supervisor::{ChildCommand, Supervisor};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler reads.
#[derive(Clone)]
pub struct AppState {
    /// The child's supervisor.
    pub supervisor: Arc<Supervisor>,
    /// Tool call timeout.
    pub tool_timeout: Duration,
    /// True in demo mode (for `/health`).
    pub demo: bool,
    /// True when BRIDGE_API_KEY is set (for the OpenAPI security scheme).
    pub api_key_required: bool,
}

/// The bridge's routes and layers.
pub fn router(state: AppState, options: &Options, shutdown: CancellationToken) -> Router {
    let mcp = mcp::service(
        state.supervisor.clone(),
        state.tool_timeout,
        Options::list(&options.allowed_hosts),
        shutdown,
    );
    let mut router = Router::new()
        .route("/health", get(health::health))
        .route("/v1/tools", get(tools::list))
        .route("/v1/tools/execute", post(tools::execute))
        .route("/v1/tools/{name}", post(tools::execute_named))
        .route("/openapi.json", get(openapi::openapi))
        .route_service("/mcp", mcp)
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route; see GET /openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "wrong method for this route; see GET /openapi.json",
            )
        })
        .with_state(state);
    if let Some(key) = options.api_key() {
        router = router.layer(axum::middleware::from_fn_with_state(
            auth::ApiKey::new(key),
            auth::require_key,
        ));
    }
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(&options.cors_origins))
        .layer(
            TraceLayer::new_for_http()
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
}

fn cors(origins: &str) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([
            HeaderName::from_static("mcp-session-id"),
            HeaderName::from_static("retry-after"),
        ])
        .max_age(Duration::from_secs(3600));
    if origins.trim() == "*" {
        return layer.allow_origin(Any);
    }
    let list: Vec<HeaderValue> = Options::list(origins)
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    layer.allow_origin(AllowOrigin::list(list))
}

/// Runs the bridge until SIGTERM or Ctrl-C: stops accepting, lets in-flight
/// calls finish, stops the child, exits 0.
pub async fn serve(options: Options) -> ExitCode {
    let program = options.server_program();
    let args = if options.demo {
        vec!["--demo".to_owned()]
    } else {
        Vec::new()
    };
    let supervisor = Supervisor::new(ChildCommand { program, args });
    let supervision = tokio::spawn(supervisor.clone().run());
    let listener = match tokio::net::TcpListener::bind((options.host, options.port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "error: could not listen on {}:{}: {error} (set --port or MCP_PORT)",
                options.host, options.port
            );
            supervisor.shutdown();
            let _ = supervision.await;
            return ExitCode::FAILURE;
        }
    };
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    if options.port == 0 {
        println!("http://{address}");
    }
    tracing::info!(%address, demo = options.demo, auth = options.api_key().is_some(), "cw-bridge listening");
    let shutdown = CancellationToken::new();
    let state = AppState {
        supervisor: supervisor.clone(),
        tool_timeout: options.tool_timeout(),
        demo: options.demo,
        api_key_required: options.api_key().is_some(),
    };
    let app = router(state, &options, shutdown.clone());
    let stop = shutdown.clone();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            cw_runtime::shutdown_signal().await;
            tracing::info!("shutting down: finishing in-flight calls");
            stop.cancel();
        })
        .await;
    supervisor.shutdown();
    if tokio::time::timeout(Duration::from_secs(15), supervision)
        .await
        .is_err()
    {
        tracing::warn!("the ConnectWise MCP server did not stop in time");
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server error");
            ExitCode::FAILURE
        }
    }
}
