//! `/mcp`: MCP Streamable HTTP serving the child's tools, prompts and resources, by
//! forwarding `tools/*`, `prompts/*` and `resources/*` to it (a resource is read with the
//! caller's own credentials in per-request mode, as a tool call is). `/mcp?answers=text` answers with the text
//! written for a model alone, without the structured JSON.
//!
//! Sessions are bounded: at most `MCP_MAX_SESSIONS` live at once, and
//! `MCP_MAX_SESSIONS_PER_CLIENT` of them from one client address (past either a new
//! session gets 503 with `Retry-After`, while existing ones keep working), each
//! closed after `MCP_SESSION_IDLE_SECS` idle. Clients on the stateless
//! 2026-07-28 protocol open no session at all.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ResultType,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tokio_util::sync::CancellationToken;

use crate::caller::Caller;
use crate::calls::{Calls, Surface};
use crate::errors::ApiError;
use crate::supervisor::{CallError, ChildState, Supervisor};

/// A `ServerHandler` that forwards to the supervised child.
#[derive(Clone)]
pub struct McpProxy {
    supervisor: Arc<Supervisor>,
    calls: Arc<Calls>,
}

impl ServerHandler for McpProxy {
    fn get_info(&self) -> ServerConfig {
        let instructions = match self.supervisor.state() {
            ChildState::Running(running) => running.instructions.clone(),
            _ => None,
        };
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .build();
        let config = ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("cw-bridge", env!("CARGO_PKG_VERSION")));
        match instructions {
            Some(text) => config.with_instructions(text),
            None => config,
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let running = self.running().await?;
        let mut tools = self
            .calls
            .tools_for(&running, &self.caller(&context))
            .await?;
        if text_only(&context) {
            for tool in &mut tools {
                tool.output_schema = None;
            }
        }
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let running = self.running().await?;
        let mut result = running.list_prompts(self.calls.timeout()).await?;
        result.result_type = Some(ResultType::COMPLETE);
        Ok(result)
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let running = self.running().await?;
        let mut result = running.get_prompt(request, self.calls.timeout()).await?;
        result.result_type = Some(ResultType::COMPLETE);
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let running = self.running().await?;
        let mut result = running.list_resources(self.calls.timeout()).await?;
        result.result_type = Some(ResultType::COMPLETE);
        Ok(result)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let meta = self.calls.meta_for(&self.caller(&context));
        let running = self.running().await?;
        let mut result = running
            .read_resource(request.uri, meta, self.calls.timeout())
            .await?;
        result.result_type = Some(ResultType::COMPLETE);
        Ok(result.into())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let caller = self.caller(&context);
        let arguments = request.arguments.unwrap_or_default();
        match self
            .calls
            .call(Surface::Mcp, &caller, &request.name, arguments)
            .await
        {
            // A result forwarded from the child carries no `resultType` (here and above);
            // peers on the 2026-07-28 protocol require it (rmcp strips it for older ones).
            Ok(answered) => {
                let mut result = answered.result;
                result.result_type = Some(ResultType::COMPLETE);
                if text_only(&context) {
                    result.structured_content = None;
                }
                Ok(result.into())
            }
            Err(CallError::Rejected(message) | CallError::Invalid(message)) => {
                Err(McpError::invalid_params(message, None))
            }
            Err(error) => Err(McpError::internal_error(error.to_string(), None)),
        }
    }
}

impl McpProxy {
    /// The running child, waiting while it starts.
    async fn running(&self) -> Result<Arc<crate::supervisor::Running>, McpError> {
        self.supervisor
            .ready()
            .await
            .map_err(|e| McpError::internal_error(e.to_string(), None))
    }

    /// Who is calling, from the HTTP request.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Caller {
        context
            .extensions
            .get::<Parts>()
            .map(|parts| self.calls.caller(parts))
            .unwrap_or_default()
    }
}

/// True when the connection asks for answers as text alone (`/mcp?answers=text`): tools
/// without output schemas, results without structured content. For clients that give a
/// model the structured JSON beside the text (OpenWebUI 0.12.4 does when they differ), so
/// that a small model reads each answer once.
fn text_only(context: &RequestContext<RoleServer>) -> bool {
    context
        .extensions
        .get::<Parts>()
        .and_then(|parts| parts.uri.query())
        .is_some_and(|query| {
            query
                .split('&')
                .any(|pair| pair.eq_ignore_ascii_case("answers=text"))
        })
}

/// The live sessions and their bounds.
#[derive(Clone)]
pub struct Sessions {
    manager: Arc<LocalSessionManager>,
    max: usize,
    per_client: usize,
    /// Each client address's sessions, and those it is opening now.
    held: Arc<Mutex<HashMap<IpAddr, Held>>>,
}

/// One client address's sessions.
#[derive(Debug, Default)]
struct Held {
    /// The ids of the sessions it opened (some may have ended since).
    ids: Vec<String>,
    /// Its `initialize` requests not yet answered.
    opening: usize,
}

impl Sessions {
    /// A session manager that keeps at most `max` sessions, `per_client` of them from one
    /// address, each closed after `idle` idle.
    pub fn new(max: usize, per_client: usize, idle: Duration) -> Self {
        let mut manager = LocalSessionManager::default();
        manager.session_config.keep_alive = Some(idle);
        manager.session_config.init_timeout = Some(idle.min(INIT_TIMEOUT));
        Self {
            manager: Arc::new(manager),
            max,
            per_client,
            held: Arc::default(),
        }
    }

    /// Sessions live now.
    pub async fn live(&self) -> usize {
        self.manager.sessions.read().await.len()
    }

    /// Counts a new session of `client`'s as opening, unless it holds its share already; ended
    /// sessions are forgotten first, so the record holds no more than the live ones.
    async fn open(&self, client: IpAddr) -> bool {
        let live = self.manager.sessions.read().await;
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.retain(|_, own| {
            own.ids.retain(|id| live.contains_key(id.as_str()));
            !own.ids.is_empty() || own.opening > 0
        });
        let own = held.entry(client).or_default();
        if own.ids.len() + own.opening >= self.per_client {
            return false;
        }
        own.opening += 1;
        true
    }

    /// Records how `client`'s `initialize` ended: with the session `id`, or none.
    fn opened(&self, client: IpAddr, id: Option<&str>) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let own = held.entry(client).or_default();
        own.opening = own.opening.saturating_sub(1);
        own.ids.extend(id.map(str::to_owned));
    }
}

/// How long a new session may take to send `initialize`.
const INIT_TIMEOUT: Duration = Duration::from_secs(30);

/// The `/mcp` service.
pub fn service(
    supervisor: Arc<Supervisor>,
    calls: Arc<Calls>,
    sessions: &Sessions,
    shutdown: CancellationToken,
) -> StreamableHttpService<McpProxy, LocalSessionManager> {
    let config = StreamableHttpServerConfig::default()
        // The bridge's own Host check (`browser::guard`) covers every route, this one too.
        .with_allowed_hosts(Vec::<String>::new())
        .with_cancellation_token(shutdown)
        .with_max_request_body_bytes(crate::MAX_BODY_BYTES);
    let proxy = McpProxy { supervisor, calls };
    StreamableHttpService::new(move || Ok(proxy.clone()), sessions.manager.clone(), config)
}

/// In front of `/mcp`: refuses a new session past the cap, and answers a
/// session's DELETE with 204 (the official SDKs expect 200 or 204; rmcp says 202).
pub async fn gate(State(sessions): State<Sessions>, request: Request, next: Next) -> Response {
    let client = crate::connections::client_address(&request);
    let mut opening = false;
    let request = if request.method() == Method::POST
        && !request.headers().contains_key("mcp-session-id")
    {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body is larger than the 1 MiB limit, or did not arrive in time",
            )
            .into_response();
        };
        let message = serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default();
        if message["method"] == "initialize" {
            if sessions.live().await >= sessions.max {
                return too_many_sessions(
                    message["id"].clone(),
                    &format!(
                        "the bridge already serves {} MCP sessions (MCP_MAX_SESSIONS)",
                        sessions.max
                    ),
                );
            }
            if !sessions.open(client).await {
                return too_many_sessions(
                    message["id"].clone(),
                    &format!(
                        "this client address already holds {} MCP sessions (MCP_MAX_SESSIONS_PER_CLIENT)",
                        sessions.per_client
                    ),
                );
            }
            opening = true;
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    let deleting = request.method() == Method::DELETE;
    let mut response = next.run(request).await;
    if opening {
        let id = response
            .headers()
            .get("mcp-session-id")
            .and_then(|id| id.to_str().ok());
        sessions.opened(client, id);
    }
    if deleting && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::NO_CONTENT;
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::empty();
    }
    response
}

/// 503 with `Retry-After` and a JSON-RPC error an MCP client can show: which cap was met.
fn too_many_sessions(id: serde_json::Value, cap: &str) -> Response {
    let message = format!("{cap}; try again in a few seconds, or close sessions you no longer use");
    let body = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": message}});
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}
