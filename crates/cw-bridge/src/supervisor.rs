//! Keeps one `cw-mcp-server` child running: spawn, MCP handshake, tool list,
//! restart with backoff when it dies, graceful stop. Calls are multiplexed
//! over the one connection by JSON-RPC id (rmcp's peer does that).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cw_boundary::{
    CALLER_META_KEY, CREDENTIALS_META_KEY, CallCredentials, CallerIdentity, FailureKind,
};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, GetPromptRequestParams, GetPromptResult,
    ListPromptsResult, ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResult, RequestMetaObject, Tool,
};
use rmcp::service::{Peer, RunningService, ServiceError};
use rmcp::transport::TokioChildProcess;
use rmcp::{ErrorData as McpError, RoleClient, ServiceExt};
use serde_json::{Map, Value};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// A child that ran this long before dying is restarted without waiting longer.
const STABLE_AFTER: Duration = Duration::from_secs(30);
/// How long a call waits for a starting child before giving up.
const READY_WAIT: Duration = Duration::from_secs(15);

/// How to start the child.
#[derive(Debug, Clone)]
pub struct ChildCommand {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments (`--demo`).
    pub args: Vec<String>,
}

/// A running child, ready for calls.
#[derive(Debug)]
pub struct Running {
    peer: Peer<RoleClient>,
    /// The child's process id.
    pub pid: Option<u32>,
    /// Its tools, as listed after the handshake.
    pub tools: Vec<Tool>,
    /// The instructions it announced.
    pub instructions: Option<String>,
    /// When it became ready.
    pub since: Instant,
}

impl Running {
    /// Calls a tool on this child, with the caller's `_meta` ([`call_meta`]).
    pub async fn call(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        meta: Option<RequestMetaObject>,
        timeout: Duration,
    ) -> Result<CallToolResult, CallError> {
        let mut params = CallToolRequestParams::new(name.to_owned());
        params.arguments = Some(arguments);
        params.meta = meta;
        match tokio::time::timeout(timeout, self.peer.call_tool(params)).await {
            Err(_) => Err(CallError::Timeout(timeout)),
            Ok(Ok(result)) => Ok(result),
            Ok(Err(ServiceError::McpError(error))) => {
                Err(CallError::Rejected(error.message.to_string()))
            }
            Ok(Err(error)) => Err(CallError::Unavailable(format!(
                "the call was cut off ({error})"
            ))),
        }
    }

    /// The tools the child lists for a caller with this `_meta` ([`call_meta`]): a role's own.
    pub async fn list_tools(
        &self,
        meta: Option<RequestMetaObject>,
        timeout: Duration,
    ) -> Result<Vec<Tool>, McpError> {
        let mut params = PaginatedRequestParams::default();
        params.meta = meta;
        let listed = forwarded(timeout, self.peer.list_tools(Some(params))).await?;
        Ok(listed.tools)
    }

    /// The child's prompts.
    pub async fn list_prompts(&self, timeout: Duration) -> Result<ListPromptsResult, McpError> {
        forwarded(timeout, self.peer.list_prompts(None)).await
    }

    /// One of the child's prompts, filled in.
    pub async fn get_prompt(
        &self,
        params: GetPromptRequestParams,
        timeout: Duration,
    ) -> Result<GetPromptResult, McpError> {
        forwarded(timeout, self.peer.get_prompt(params)).await
    }

    /// The child's resources.
    pub async fn list_resources(&self, timeout: Duration) -> Result<ListResourcesResult, McpError> {
        forwarded(timeout, self.peer.list_resources(None)).await
    }

    /// One of the child's resources, read with the caller's `_meta` ([`call_meta`]).
    pub async fn read_resource(
        &self,
        uri: String,
        meta: Option<RequestMetaObject>,
        timeout: Duration,
    ) -> Result<ReadResourceResult, McpError> {
        let mut params = ReadResourceRequestParams::new(uri);
        params.meta = meta;
        forwarded(timeout, self.peer.read_resource(params)).await
    }
}

/// A request's `_meta` for the child: the caller's ConnectWise credentials (per-request
/// mode) and who the call is for; `None` when there is neither.
pub fn call_meta(
    credentials: Option<&CallCredentials>,
    identity: Option<&CallerIdentity>,
) -> Option<RequestMetaObject> {
    let mut meta = RequestMetaObject::new();
    if let Some(credentials) = credentials {
        meta.0.0.insert(
            CREDENTIALS_META_KEY.to_owned(),
            serde_json::to_value(credentials).unwrap_or_default(),
        );
    }
    if let Some(identity) = identity {
        meta.0.0.insert(
            CALLER_META_KEY.to_owned(),
            serde_json::to_value(identity).unwrap_or_default(),
        );
    }
    (!meta.0.0.is_empty()).then_some(meta)
}

/// The child's answer to a request other than a tool call, with its own error when it
/// refused (an unknown prompt or resource keeps its code).
async fn forwarded<T>(
    timeout: Duration,
    answer: impl Future<Output = Result<T, ServiceError>>,
) -> Result<T, McpError> {
    match tokio::time::timeout(timeout, answer).await {
        Err(_) => Err(McpError::internal_error(
            format!("the server did not answer within {} s", timeout.as_secs()),
            None,
        )),
        Ok(Ok(result)) => Ok(result),
        Ok(Err(ServiceError::McpError(error))) => Err(error),
        Ok(Err(error)) => Err(McpError::internal_error(
            format!("the request was cut off ({error})"),
            None,
        )),
    }
}

/// Where the child is.
#[derive(Debug, Clone)]
pub enum ChildState {
    /// Being spawned and initialised.
    Starting,
    /// Ready.
    Running(Arc<Running>),
    /// Dead; a restart follows after the backoff.
    Down(String),
    /// Stopped for good (shutdown).
    Stopped,
}

impl ChildState {
    /// A one-word name for `/health`.
    pub fn name(&self) -> &'static str {
        match self {
            ChildState::Starting => "starting",
            ChildState::Running(_) => "running",
            ChildState::Down(_) => "restarting",
            ChildState::Stopped => "stopped",
        }
    }
}

/// Why a call got no tool result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No child can take calls now (starting too long, dead, stopped, or died during the call).
    #[error("the ConnectWise MCP server is unavailable: {0}")]
    Unavailable(String),
    /// No answer within the timeout.
    #[error("the tool did not answer within {} s", .0.as_secs())]
    Timeout(Duration),
    /// The child refused the request at the protocol level.
    #[error("{0}")]
    Rejected(String),
    /// The bridge refused the arguments before sending them (nested too deep to forward).
    #[error("{0}")]
    Invalid(String),
}

impl CallError {
    /// A snake_case name for metrics and audit lines.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::Unavailable(_) => "unavailable",
            CallError::Timeout(_) => "timeout",
            CallError::Rejected(_) => FailureKind::UnknownTool.as_str(),
            CallError::Invalid(_) => FailureKind::InvalidArguments.as_str(),
        }
    }
}

/// Counters for `/health`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Times the child was restarted after dying.
    pub restarts: u32,
    /// Why it last stopped.
    pub last_exit: Option<String>,
}

/// The supervisor.
#[derive(Debug)]
pub struct Supervisor {
    command: ChildCommand,
    state: watch::Sender<ChildState>,
    stats: Mutex<Stats>,
    shutdown: CancellationToken,
}

impl Supervisor {
    /// A supervisor for `command`; call [`Supervisor::run`] to start it.
    pub fn new(command: ChildCommand) -> Arc<Self> {
        Arc::new(Self {
            command,
            state: watch::Sender::new(ChildState::Starting),
            stats: Mutex::new(Stats::default()),
            shutdown: CancellationToken::new(),
        })
    }

    /// The child's state now.
    pub fn state(&self) -> ChildState {
        self.state.borrow().clone()
    }

    /// Restart counters.
    pub fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs the child until [`Supervisor::shutdown`], restarting it when it dies.
    pub async fn run(self: Arc<Self>) {
        let mut backoff = FIRST_BACKOFF;
        while !self.shutdown.is_cancelled() {
            self.state.send_replace(ChildState::Starting);
            let reason = match self.start().await {
                Ok((service, running)) => {
                    let since = running.since;
                    tracing::info!(
                        pid = running.pid,
                        tools = running.tools.len(),
                        "ConnectWise MCP server ready"
                    );
                    self.state.send_replace(ChildState::Running(running));
                    let token = service.cancellation_token();
                    let waiting = service.waiting();
                    tokio::pin!(waiting);
                    tokio::select! {
                        quit = &mut waiting => {
                            if since.elapsed() > STABLE_AFTER {
                                backoff = FIRST_BACKOFF;
                            }
                            format!("the server process exited ({quit:?})")
                        }
                        _ = self.shutdown.cancelled() => {
                            // Closing the transport closes the child's stdin, waits, then signals it.
                            token.cancel();
                            let _ = waiting.await;
                            break;
                        }
                    }
                }
                Err(reason) => reason,
            };
            tracing::warn!(%reason, retry_in_ms = backoff.as_millis() as u64, "ConnectWise MCP server down; restarting");
            {
                let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
                stats.restarts += 1;
                stats.last_exit = Some(reason.clone());
            }
            self.state.send_replace(ChildState::Down(reason));
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = self.shutdown.cancelled() => break,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        self.state.send_replace(ChildState::Stopped);
    }

    async fn start(&self) -> Result<(RunningService<RoleClient, ()>, Arc<Running>), String> {
        let mut command = tokio::process::Command::new(&self.command.program);
        command.args(&self.command.args);
        // The child needs the ConnectWise settings, not the bridge's own key.
        command.env_remove("BRIDGE_API_KEY");
        let (transport, _) = TokioChildProcess::builder(command)
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", self.command.program.display()))?;
        let pid = transport.id();
        let service = ()
            .serve(transport)
            .await
            .map_err(|e| format!("MCP handshake with the server failed: {e}"))?;
        let tools = service
            .peer()
            .list_all_tools()
            .await
            .map_err(|e| format!("listing tools failed: {e}"))?;
        let instructions = service
            .peer()
            .peer_info()
            .and_then(|info| info.instructions.clone());
        let running = Arc::new(Running {
            peer: service.peer().clone(),
            pid,
            tools,
            instructions,
            since: Instant::now(),
        });
        Ok((service, running))
    }

    /// The running child, waiting while it starts (never while it is down).
    pub async fn ready(&self) -> Result<Arc<Running>, CallError> {
        let mut receiver = self.state.subscribe();
        let wait = async {
            loop {
                match &*receiver.borrow_and_update() {
                    ChildState::Running(running) => return Ok(running.clone()),
                    ChildState::Down(reason) => {
                        return Err(CallError::Unavailable(format!(
                            "it is restarting after: {reason}"
                        )));
                    }
                    ChildState::Stopped => {
                        return Err(CallError::Unavailable("the bridge is shutting down".into()));
                    }
                    ChildState::Starting => {}
                }
                if receiver.changed().await.is_err() {
                    return Err(CallError::Unavailable("the supervisor stopped".into()));
                }
            }
        };
        tokio::time::timeout(READY_WAIT, wait)
            .await
            .unwrap_or_else(|_| Err(CallError::Unavailable("it is still starting".into())))
    }

    /// Stops the child and the restart loop.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }
}
