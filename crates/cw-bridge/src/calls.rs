//! One tool call through the bridge, whatever the surface: the name resolved and
//! the child awaited once, the caller's credentials sent along in per-request
//! mode, then the call counted and audited, and its result handed back without
//! the child's report of what it sent to ConnectWise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cw_boundary::{
    CallReport, ERROR_META_KEY, FailureDetail, FailureKind, REPORT_META_KEY, TOOL_PREFIX,
    names_tool,
};
use rmcp::ErrorData as McpError;
use rmcp::model::{CallToolResult, RequestMetaObject, Tool};
use serde_json::{Map, Value};

use crate::audit::{self, Audit, AuditLine};
use crate::caller::{Caller, Reading};
use crate::metrics::Metrics;
use crate::roles::RoleBook;
use crate::supervisor::{CallError, Running, Supervisor, call_meta};

/// Which of the bridge's surfaces a call came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `POST /v1/tools/execute`.
    Execute,
    /// `POST /v1/tools/{name}`.
    OpenApi,
    /// `/mcp`.
    Mcp,
}

impl Surface {
    fn as_str(self) -> &'static str {
        match self {
            Surface::Execute => "execute",
            Surface::OpenApi => "openapi",
            Surface::Mcp => "mcp",
        }
    }
}

/// What every call goes through.
#[derive(Debug)]
pub struct Calls {
    supervisor: Arc<Supervisor>,
    timeout: Duration,
    per_request: bool,
    trust_user_headers: bool,
    roles: Option<Arc<RoleBook>>,
    audit: Audit,
    metrics: Arc<Metrics>,
}

/// A call's tool result, under the tool's full name.
#[derive(Debug)]
pub struct Answered {
    /// The tool's full name.
    pub tool: String,
    /// The child's result, without its report.
    pub result: CallToolResult,
}

impl Calls {
    /// Calls to `supervisor`'s child, each allowed `timeout`; `per_request`: each brings
    /// its own ConnectWise credentials; `trust_user_headers`: BRIDGE_TRUST_USER_HEADERS;
    /// `roles`: CW_ROLES_FILE.
    pub fn new(
        supervisor: Arc<Supervisor>,
        timeout: Duration,
        per_request: bool,
        trust_user_headers: bool,
        roles: Option<Arc<RoleBook>>,
        audit: Audit,
    ) -> Self {
        Self {
            metrics: Arc::new(Metrics::new(supervisor.clone())),
            supervisor,
            timeout,
            per_request,
            trust_user_headers,
            roles,
            audit,
        }
    }

    /// Who is calling, from the HTTP request's parts.
    pub fn caller(&self, parts: &axum::http::request::Parts) -> Caller {
        Caller::from_parts(
            parts,
            Reading {
                per_request: self.per_request,
                trust_user_headers: self.trust_user_headers,
                roles: self.roles.as_deref(),
            },
        )
    }

    /// The `_meta` a request for `caller` carries to the child.
    pub fn meta_for(&self, caller: &Caller) -> Option<RequestMetaObject> {
        let credentials = caller.credentials.as_ref().filter(|_| self.per_request);
        call_meta(credentials, caller.identity().as_ref())
    }

    /// The tools `caller` is listed: the child's list, or, for a signed-in user's role, the
    /// child's list for that role (its tools, modules, paths and profile).
    pub async fn tools_for(
        &self,
        running: &Running,
        caller: &Caller,
    ) -> Result<Vec<Tool>, McpError> {
        match caller.role {
            None => Ok(running.tools.clone()),
            Some(_) => {
                running
                    .list_tools(self.meta_for(caller), self.timeout)
                    .await
            }
        }
    }

    /// True when each call brings its own ConnectWise credentials.
    pub fn per_request(&self) -> bool {
        self.per_request
    }

    /// How long a call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Runs one call for `caller`, counts it and writes its audit line.
    pub async fn call(
        &self,
        surface: Surface,
        caller: &Caller,
        name: &str,
        arguments: Map<String, Value>,
    ) -> Result<Answered, CallError> {
        let started = Instant::now();
        let _in_flight = self.metrics.started();
        // Kept for the audit line only when there is one to write.
        let shown_arguments = self
            .audit
            .is_on()
            .then(|| audit::shown_arguments(&arguments));
        let mut outcome = self.dispatch(caller, name, arguments).await;
        let (tool, outcome_name, report, answer_bytes) = match &mut outcome {
            Ok(answered) => {
                let report = take_report(&mut answered.result);
                let kind = failure_kind(&answered.result);
                let bytes = answered
                    .result
                    .content
                    .iter()
                    .filter_map(|c| c.as_text())
                    .map(|t| t.text.len())
                    .sum();
                let tool = match kind {
                    Some(FailureKind::UnknownTool) => "unknown".to_owned(),
                    _ => answered.tool.clone(),
                };
                (tool, kind.map_or("ok", FailureKind::as_str), report, bytes)
            }
            Err(error) => {
                let tool = match error {
                    CallError::Rejected(_) => "unknown".to_owned(),
                    _ => full_name(name),
                };
                (tool, error.kind(), None, 0)
            }
        };
        let took = started.elapsed();
        self.metrics
            .answered(&tool, surface.as_str(), outcome_name, took, report.as_ref());
        if let Some(arguments) = shown_arguments {
            self.audit.write(&AuditLine {
                log: "audit",
                time: audit::now(),
                surface: surface.as_str(),
                caller,
                tool: &tool,
                arguments,
                outcome: outcome_name,
                duration_ms: took.as_millis() as u64,
                answer_bytes,
                connectwise: report.as_ref(),
            });
        }
        outcome
    }

    async fn dispatch(
        &self,
        caller: &Caller,
        name: &str,
        arguments: Map<String, Value>,
    ) -> Result<Answered, CallError> {
        let depth = 1 + arguments.values().map(depth).max().unwrap_or(0);
        if depth > MAX_ARGUMENT_DEPTH {
            return Err(CallError::Invalid(format!(
                "the arguments nest {depth} levels deep; a tool's arguments nest at most {MAX_ARGUMENT_DEPTH} (they are strings and numbers: conditions are one string)"
            )));
        }
        let running = self.supervisor.ready().await?;
        // A listed tool by either of its names; any other name goes to the server as given,
        // since every tool is callable whether the operator's profile lists it or not.
        let tool = running
            .tools
            .iter()
            .find(|t| names_tool(&t.name, name))
            .map_or_else(|| full_name(name), |t| t.name.to_string());
        let meta = self.meta_for(caller);
        let asked = if running.tools.iter().any(|t| t.name == tool) {
            &tool
        } else {
            name
        };
        let result = running.call(asked, arguments, meta, self.timeout).await?;
        Ok(Answered { tool, result })
    }
}

/// How deep a call's arguments may nest: a tool's are flat, and a message nested past what the
/// child's parser takes would be dropped there, leaving the call unanswered.
const MAX_ARGUMENT_DEPTH: usize = 32;

/// How many arrays and objects deep `value` nests (a string is 0, `{}` 1).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The name with its prefix.
fn full_name(name: &str) -> String {
    if name.starts_with(TOOL_PREFIX) {
        name.to_owned()
    } else {
        format!("{TOOL_PREFIX}{name}")
    }
}

/// Removes the child's report from a result's `_meta`.
fn take_report(result: &mut CallToolResult) -> Option<CallReport> {
    let meta = result.meta.as_mut()?;
    let report = meta.0.remove(REPORT_META_KEY)?;
    if meta.0.is_empty() {
        result.meta = None;
    }
    serde_json::from_value(report).ok()
}

/// The failure's detail, when the result is a tool error.
pub fn failure_detail(result: &CallToolResult) -> Option<FailureDetail> {
    let detail = result.meta.as_ref()?.0.get(ERROR_META_KEY)?;
    serde_json::from_value(detail.clone()).ok()
}

fn failure_kind(result: &CallToolResult) -> Option<FailureKind> {
    if result.is_error != Some(true) {
        return None;
    }
    Some(failure_detail(result).map_or(FailureKind::UpstreamError, |d| d.kind))
}
