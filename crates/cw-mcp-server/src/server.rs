//! The MCP server: a hand-written `ServerHandler` whose tool list and calls
//! come from the catalog table.

use std::sync::Arc;
use std::time::Instant;

use cw_client::{ApiPath, Client, Error, Page, Query};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};

use crate::args::Args;
use crate::catalog::{CATALOG, COUNTABLE, ToolKind, ToolSpec, find};
use crate::errors::{ToolFailure, conditions_message};
use crate::schema::{argument_names, input_schema, output_schema};
use crate::shape;

/// What the server tells clients about using it.
pub const INSTRUCTIONS: &str = "\
Read-only access to ConnectWise Manage (PSA): tickets, companies, contacts, agreements, time, projects and more.
Find records with the search tools, then fetch one by id. Lists answer {items, page, pageSize, hasMore, nextPage}.
Conditions syntax: field operator value, joined with AND / OR and grouped with parentheses.
- Operators: = != < <= > >= contains like in, and not contains / not like / not in.
- Text in double quotes: company/identifier = \"ACME\". like takes % wildcards: name like \"%Dental%\".
- Numbers and true/false/null bare: closedFlag = false, id in (12, 15).
- Dates in brackets, UTC: _info/dateEntered > [2024-01-31] or [2024-01-31T18:00:00Z].
- Nested fields with /: status/name, board/name, owner/identifier.
Search tools answer with each record's key fields; name others in fields (\"id,summary,budgetHours\"), use fields \"*\" for complete records, or get one record by id.
Keep pageSize small; connectwise_count answers \"how many\".";

/// Largest answer sent. Each answer travels twice (text and structured content)
/// and MCP clients drop lines over 16 MiB, so larger answers become an error
/// that says how to ask for less.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// The ConnectWise MCP server.
#[derive(Clone)]
pub struct ConnectWiseServer {
    client: Client,
    tools: Arc<[Tool]>,
}

impl ConnectWiseServer {
    /// A server answering with `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            tools: CATALOG.iter().map(tool).collect(),
        }
    }

    /// The tool list, as announced.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// Runs one tool call; failures come back as tool errors, never panics.
    pub async fn call(&self, name: &str, arguments: &Map<String, Value>) -> CallToolResult {
        let started = Instant::now();
        let Some(spec) = find(name) else {
            return ToolFailure {
                kind: "unknown_tool",
                status: 404,
                message: format!("no tool named `{name}`; list the tools to see the names"),
                retry_after: None,
            }
            .into_result();
        };
        let outcome = self.run(spec, arguments).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(value) => {
                let text = value.to_string();
                if text.len() > MAX_ANSWER_BYTES {
                    let message = format!(
                        "the answer would be {} MiB, more than the {} MiB limit: ask for fewer records (pageSize) or fewer fields (fields)",
                        text.len() >> 20,
                        MAX_ANSWER_BYTES >> 20
                    );
                    return ToolFailure::invalid(message).into_result();
                }
                tracing::debug!(
                    tool = spec.name,
                    elapsed_ms,
                    bytes = text.len(),
                    "tool call answered"
                );
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                result.structured_content = Some(value);
                result
            }
            Err(failure) => {
                tracing::info!(
                    tool = spec.name,
                    elapsed_ms,
                    kind = failure.kind,
                    "tool call failed"
                );
                failure.into_result()
            }
        }
    }

    async fn run(
        &self,
        spec: &ToolSpec,
        arguments: &Map<String, Value>,
    ) -> Result<Value, ToolFailure> {
        let args = Args::new(arguments, &argument_names(spec))?;
        match spec.kind {
            ToolKind::Search {
                path,
                default_page_size,
                summary,
            } => {
                let query = query(&args, default_page_size, summary)?;
                self.page(&ApiPath::collection(path), &query, &args, || {
                    "nothing matched".into()
                })
                .await
            }
            ToolKind::Children {
                parent,
                child,
                id_arg,
                noun,
                default_page_size,
            } => {
                let id = args.id(id_arg)?;
                let query = query(&args, default_page_size, None)?;
                let missing = || format!("no {noun} {id}: check `{id_arg}`");
                self.page(
                    &ApiPath::children(parent, id, child),
                    &query,
                    &args,
                    missing,
                )
                .await
            }
            ToolKind::Get { path, id_arg, noun } => {
                let id = args.id(id_arg)?;
                let missing = || {
                    format!(
                        "no {noun} {id}: check `{id_arg}`, or search first to find the right id"
                    )
                };
                let record = self.client.get_value(&ApiPath::record(path, id)).await;
                record
                    .map(shape::record)
                    .map_err(|e| self.failure(e, &args, missing))
            }
            ToolKind::Count => {
                let entity = args.string("entity")?.ok_or_else(|| {
                    ToolFailure::invalid(format!(
                        "`entity` is required: one of {}",
                        countable_names()
                    ))
                })?;
                let path = COUNTABLE
                    .iter()
                    .find(|(n, _)| *n == entity)
                    .map(|(_, p)| *p)
                    .ok_or_else(|| {
                        ToolFailure::invalid(format!(
                            "`entity` must be one of {}, got {entity:?}",
                            countable_names()
                        ))
                    })?;
                let query = conditions(&args, Query::new())?;
                let count = self
                    .client
                    .count_at(&ApiPath::collection(path), &query)
                    .await;
                let count =
                    count.map_err(|e| self.failure(e, &args, || "nothing to count".into()))?;
                let mut answer = json!({"entity": entity, "count": count});
                if let Some(c) = args.string("conditions")? {
                    answer["conditions"] = json!(c);
                }
                Ok(answer)
            }
            ToolKind::SystemInfo => {
                let info = self
                    .client
                    .get_value(&ApiPath::collection("/system/info"))
                    .await;
                let info = info.map_err(|e| self.failure(e, &args, || "no /system/info".into()))?;
                let mut answer = json!({"connected": true, "apiUrl": self.client.base_url()});
                if let (Value::Object(answer), Value::Object(info)) =
                    (&mut answer, shape::record(info))
                {
                    answer.extend(info);
                }
                Ok(answer)
            }
        }
    }

    async fn page(
        &self,
        path: &ApiPath,
        query: &Query,
        args: &Args<'_>,
        missing: impl FnOnce() -> String,
    ) -> Result<Value, ToolFailure> {
        let page = self
            .client
            .list_values(path, query)
            .await
            .map_err(|e| self.failure(e, args, missing))?;
        Ok(envelope(page))
    }

    fn failure(
        &self,
        error: Error,
        args: &Args<'_>,
        missing: impl FnOnce() -> String,
    ) -> ToolFailure {
        if let Error::Conditions { parameter, source } = &error
            && let Ok(Some(text)) = args.string(parameter)
        {
            return ToolFailure::invalid(conditions_message(parameter, text, source));
        }
        ToolFailure::from_client(error, missing)
    }
}

fn countable_names() -> String {
    COUNTABLE
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The query of a search or child-list call. Without `fields` a search asks
/// for its key fields (`summary`); `fields: "*"` asks for complete records.
fn query(
    args: &Args<'_>,
    default_page_size: u32,
    summary: Option<&str>,
) -> Result<Query, ToolFailure> {
    let page = args.integer("page", 1, i32::MAX as u64)?.unwrap_or(1) as u32;
    let page_size = args
        .integer("pageSize", 1, cw_client::MAX_PAGE_SIZE as u64)?
        .unwrap_or(default_page_size.into()) as u32;
    let mut query = conditions(args, Query::new().page(page).page_size(page_size))?;
    if let Some(o) = args.string("orderBy")? {
        query = query.order_by(o);
    }
    match args.string("fields")? {
        Some(all) if all.trim() == "*" => {}
        Some(fields) => query = query.fields(fields),
        None => {
            if let Some(summary) = summary {
                query = query.fields(summary);
            }
        }
    }
    Ok(query)
}

/// Adds `conditions`, `childConditions` and `customFieldConditions`, when given.
fn conditions(args: &Args<'_>, mut query: Query) -> Result<Query, ToolFailure> {
    if let Some(c) = args.string("conditions")? {
        query = query.conditions(c);
    }
    if let Some(c) = args.string("childConditions")? {
        query = query.child_conditions(c);
    }
    if let Some(c) = args.string("customFieldConditions")? {
        query = query.custom_field_conditions(c);
    }
    Ok(query)
}

/// `{"items", "page", "pageSize", "hasMore", "nextPage"}`.
fn envelope(page: Page<Value>) -> Value {
    let mut answer = json!({
        "items": page.items.into_iter().map(shape::record).collect::<Vec<_>>(),
        "page": page.page,
        "pageSize": page.page_size,
        "hasMore": page.has_more,
    });
    if let Some(next) = page.next_page.filter(|_| page.has_more) {
        answer["nextPage"] = json!(next);
    }
    answer
}

/// The announced form of a catalog entry.
fn tool(spec: &ToolSpec) -> Tool {
    let annotations = ToolAnnotations::with_title(spec.title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(true);
    Tool::new(spec.name, spec.description, Arc::new(input_schema(spec)))
        .with_title(spec.title)
        .with_raw_output_schema(Arc::new(output_schema(spec)))
        .with_annotations(annotations)
}

impl ServerHandler for ConnectWiseServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "cw-mcp-server",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if find(&request.name).is_none() {
            return Err(McpError::invalid_params(
                format!("no tool named `{}`", request.name),
                None,
            ));
        }
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.call(&request.name, &arguments).await.into())
    }
}
