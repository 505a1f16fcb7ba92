//! `/mcp`: MCP Streamable HTTP serving the child's tools, by forwarding
//! `tools/list` and `tools/call` to it.

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tokio_util::sync::CancellationToken;

use crate::supervisor::{CallError, ChildState, Supervisor};

/// A `ServerHandler` that forwards to the supervised child.
#[derive(Clone)]
pub struct McpProxy {
    supervisor: Arc<Supervisor>,
    timeout: Duration,
}

impl ServerHandler for McpProxy {
    fn get_info(&self) -> ServerConfig {
        let instructions = match self.supervisor.state() {
            ChildState::Running(running) => running.instructions.clone(),
            _ => None,
        };
        let config = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("cw-bridge", env!("CARGO_PKG_VERSION")));
        match instructions {
            Some(text) => config.with_instructions(text),
            None => config,
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let running = self
            .supervisor
            .ready()
            .await
            .map_err(|e| McpError::internal_error(e.to_string(), None))?;
        Ok(ListToolsResult::with_all_items(running.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = request.arguments.unwrap_or_default();
        match self
            .supervisor
            .call(&request.name, arguments, self.timeout)
            .await
        {
            Ok(result) => Ok(result.into()),
            Err(CallError::Rejected(message)) => Err(McpError::invalid_params(message, None)),
            Err(error) => Err(McpError::internal_error(error.to_string(), None)),
        }
    }
}

/// The `/mcp` service.
pub fn service(
    supervisor: Arc<Supervisor>,
    timeout: Duration,
    allowed_hosts: Vec<String>,
    shutdown: CancellationToken,
) -> StreamableHttpService<McpProxy, LocalSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts)
        .with_cancellation_token(shutdown)
        .with_max_request_body_bytes(crate::MAX_BODY_BYTES);
    let proxy = McpProxy {
        supervisor,
        timeout,
    };
    StreamableHttpService::new(
        move || Ok(proxy.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    )
}
