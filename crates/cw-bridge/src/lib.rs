//! `cw-bridge`: the HTTP front of the ConnectWise MCP server.
//!
//! It supervises one `cw-mcp-server` child ([`supervisor`]) and serves its
//! tools three ways: the original `POST /v1/tools/execute`, an OpenAPI tool
//! server ([`openapi`]) and MCP Streamable HTTP ([`mcp`]).

pub mod audit;
pub mod auth;
pub mod browser;
pub mod caller;
pub mod calls;
pub mod config;
pub mod connections;
pub mod errors;
pub mod fairness;
pub mod health;
pub mod healthcheck;
pub mod mcp;
pub mod metadata;
pub mod metrics;
pub mod openapi;
pub mod roles;
pub mod signin;
pub mod supervisor;
pub mod tools;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use audit::Audit;
use browser::BrowserPolicy;
use calls::Calls;
pub use config::Options;
use connections::{ConnectionLimits, Connections};
use errors::ApiError;
use fairness::{Fairness, RequestLimits};
use mcp::Sessions;
use supervisor::Supervisor;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler reads.
#[derive(Clone)]
pub struct AppState {
    /// The child's supervisor.
    pub supervisor: Arc<Supervisor>,
    /// Tool calls: dispatch, metrics and audit.
    pub calls: Arc<Calls>,
    /// True in demo mode (for `/health`).
    pub demo: bool,
    /// True when BRIDGE_API_KEY is set (for the OpenAPI security scheme).
    pub api_key_required: bool,
    /// The access-token checker, when sign-in is on (for the resource metadata).
    pub sign_in: Option<Arc<signin::SignIn>>,
    /// The roles signed-in users hold (CW_ROLES_FILE).
    pub roles: Option<Arc<roles::RoleBook>>,
    /// Open connections (for `/health`).
    pub connections: Arc<Connections>,
    /// Live `/mcp` sessions (for `/health`).
    pub sessions: Sessions,
    /// What the configuration exposes, said in `/health`.
    pub warnings: Arc<[String]>,
    /// True once SIGTERM came: `/health` answers 503 "draining".
    pub draining: Arc<AtomicBool>,
    /// True when CW_REDIS_URL names Redis for the replicas' shared budget and cache.
    pub shared_store: bool,
}

/// The bridge's routes and layers over `state`. Only `/health` and the sign-in metadata are
/// open: they answer load balancers, health checks and clients looking for where to sign in
/// without a key or token and outside the request limits; every other route, and the answer
/// to an unknown one, is behind both.
pub fn router(state: AppState, options: &Options, shutdown: CancellationToken) -> Router {
    let policy = BrowserPolicy::from_options(options);
    let mcp = Router::new()
        .route_service(
            "/mcp",
            mcp::service(
                state.supervisor.clone(),
                state.calls.clone(),
                &state.sessions,
                shutdown,
            ),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.sessions.clone(),
            mcp::gate,
        ));
    let open = with_json_errors(
        Router::new()
            .route("/health", get(health::health))
            .route(signin::METADATA_PATH, get(metadata::whole))
            .route(signin::MCP_METADATA_PATH, get(metadata::mcp)),
    );
    let mut guarded = with_json_errors(
        Router::new()
            .route("/v1/tools", get(tools::list))
            .route("/v1/tools/execute", post(tools::execute))
            .route("/v1/tools/{name}", post(tools::execute_named))
            .route("/openapi.json", get(openapi::openapi))
            .route("/metrics", get(metrics::metrics))
            .merge(mcp),
    )
    .fallback(|| async {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route; see GET /openapi.json",
        )
    });
    let guard = auth::Guard {
        key: options.api_key().map(auth::ApiKey::new),
        sign_in: state.sign_in.clone(),
        roles: state.roles.clone(),
    };
    if guard.key.is_some() || guard.sign_in.is_some() {
        guarded = guarded.layer(axum::middleware::from_fn_with_state(guard, auth::require));
    }
    let guarded = guarded.layer(axum::middleware::from_fn_with_state(
        Fairness::new(RequestLimits {
            rate: options.client_rate,
            burst: options.client_burst,
            per_client_in_flight: options.client_concurrency,
            in_flight: options.max_in_flight as usize,
        }),
        fairness::limit,
    ));
    let mut router = open
        .merge(guarded)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            options.body_timeout_secs,
        )));
    if let Some(cors) = policy.cors() {
        router = router.layer(cors);
    }
    router
        .layer(axum::middleware::from_fn_with_state(policy, browser::guard))
        .layer(
            TraceLayer::new_for_http()
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
}

/// The routes with a JSON answer for a method they do not take.
fn with_json_errors(routes: Router<AppState>) -> Router<AppState> {
    routes.method_not_allowed_fallback(|| async {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "wrong method for this route; see GET /openapi.json",
        )
    })
}

/// The whole application over a supervised child: the state every handler reads, and
/// [`router`]. What [`serve`] listens with, and what tests drive in-process. An error says
/// which setting cannot work.
pub fn app(
    options: &Options,
    supervisor: Arc<Supervisor>,
    audit: Audit,
    connections: Arc<Connections>,
    shutdown: CancellationToken,
    draining: Arc<AtomicBool>,
) -> Result<Router, String> {
    let sign_in = match options.sign_in()? {
        Some(settings) => Some(Arc::new(signin::SignIn::new(settings)?)),
        None => None,
    };
    let per_request = options.shared.credentials == cw_boundary::Credentials::Request;
    let roles = match options.shared.roles_file() {
        Some(path) => Some(Arc::new(roles::RoleBook::load(
            path,
            per_request,
            |name| std::env::var(name).ok(),
        )?)),
        None => None,
    };
    let state = AppState {
        calls: Arc::new(Calls::new(
            supervisor.clone(),
            options.tool_timeout(),
            per_request,
            options.trust_user_headers,
            roles.clone(),
            audit,
        )),
        roles,
        supervisor,
        demo: options.shared.demo,
        api_key_required: options.api_key().is_some(),
        sign_in,
        connections,
        sessions: Sessions::new(
            options.max_sessions as usize,
            options.max_sessions_per_client as usize,
            Duration::from_secs(options.session_idle_secs),
        ),
        warnings: options.exposure_warnings().into(),
        draining,
        shared_store: options.shared_store(),
    };
    Ok(router(state, options, shutdown))
}

/// Runs the bridge until SIGTERM or Ctrl-C: says it is draining for BRIDGE_DRAIN_SECS, stops
/// accepting, lets in-flight calls finish (at most the tool timeout), stops the child, exits 0.
pub async fn serve(options: Options) -> ExitCode {
    if let Err(problem) = options.check() {
        eprintln!("error: {problem}");
        return ExitCode::from(2);
    }
    let audit = match Audit::open(&options.audit_log) {
        Ok(audit) => audit,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    // Why the tools run in a child process rather than in the bridge: a panic aborts a
    // process in release builds (`panic = "abort"`), and the child's restart with backoff
    // keeps the bridge, its connections and its sessions alive through it; and the
    // original project ran the MCP server as its own process beside its bridge, which
    // stdio clients still run alone. Merging the two would lose all three.
    let supervisor = Supervisor::new(options.child_command());
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
    tracing::info!(%address, demo = options.shared.demo, auth = options.api_key().is_some(), sign_in = %options.oauth_issuer, "cw-bridge listening");
    for warning in options.exposure_warnings() {
        tracing::warn!("UNSAFE: {warning}");
    }
    let connections = Connections::new(ConnectionLimits {
        max: options.max_connections as usize,
        per_client: options.max_connections_per_client as usize,
        header_timeout: Duration::from_secs(options.header_timeout_secs),
    });
    let shutdown = CancellationToken::new();
    let draining = Arc::new(AtomicBool::new(false));
    let app = match app(
        &options,
        supervisor.clone(),
        audit,
        connections.clone(),
        shutdown.clone(),
        draining.clone(),
    ) {
        Ok(app) => app,
        Err(problem) => {
            eprintln!("error: {problem}");
            supervisor.shutdown();
            let _ = supervision.await;
            return ExitCode::from(2);
        }
    };
    let stop = shutdown.clone();
    let drain = Duration::from_secs(options.drain_secs);
    // Calls in flight when the listener closes get the tool timeout, and a moment to answer.
    let finish = options.tool_timeout() + Duration::from_secs(5);
    connections::serve(listener, app, connections, finish, async move {
        cw_runtime::shutdown_signal().await;
        draining.store(true, Ordering::Relaxed);
        if !drain.is_zero() {
            tracing::info!(
                drain_secs = drain.as_secs(),
                "draining: /health answers 503 while calls are still taken"
            );
            tokio::time::sleep(drain).await;
        }
        tracing::info!("shutting down: no new connections; finishing in-flight calls");
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
    ExitCode::SUCCESS
}
