//! The MCP server in-process over a duplex pipe, with rmcp's client on the
//! other end and cw-sim behind it: every tool listed and called, every error path.

use std::sync::Arc;

use cw_client::{Client, RetryPolicy};
use cw_mcp_server::ConnectWiseServer;
use cw_mcp_server::budget::DEFAULT_BUDGET;
use cw_mcp_server::catalog::{CATALOG, ToolKind, countable};
use cw_mcp_server::errors::failure_detail;
use cw_mcp_server::profiles::Profile;
use cw_sim::{Dataset, Fault, SimConfig, SimHandle};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};

fn dataset() -> Arc<Dataset> {
    Dataset::shared()
}

struct Harness {
    sim: SimHandle,
    peer: RunningService<RoleClient, ()>,
}

async fn harness_with(config: impl FnOnce(&SimHandle) -> cw_client::Config) -> Harness {
    harness_of(config, |server| server).await
}

async fn harness_of(
    config: impl FnOnce(&SimHandle) -> cw_client::Config,
    server: impl FnOnce(ConnectWiseServer) -> ConnectWiseServer,
) -> Harness {
    let sim = cw_sim::start(SimConfig::with_shared_data()).await.unwrap();
    let mut client_config = config(&sim);
    client_config.retry = RetryPolicy {
        max_retries: 1,
        base_delay: std::time::Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    // Some tests read hundreds of paths in a row; the budget has tests of its own.
    client_config.budget.per_minute = 0;
    let server = server(ConnectWiseServer::new(
        Client::new(&client_config).unwrap(),
        &Profile::parse("all").unwrap(),
        DEFAULT_BUDGET,
    ));
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let peer = ().serve(client_io).await.unwrap();
    Harness { sim, peer }
}

async fn harness() -> Harness {
    harness_with(|sim| sim.client_config()).await
}

impl Harness {
    async fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        let mut params = CallToolRequestParams::new(name.to_owned());
        params.arguments = Some(arguments.as_object().cloned().unwrap_or_default());
        self.peer.call_tool(params).await.unwrap()
    }

    async fn ok(&self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments.clone()).await;
        assert_eq!(
            result.is_error,
            Some(false),
            "{name} {arguments}: {:?}",
            result.content
        );
        let structured = result
            .structured_content
            .clone()
            .expect("structured content");
        let text = result.content[0]
            .as_text()
            .expect("text content")
            .text
            .clone();
        // The text is written for a model: it names the records the JSON holds by their ids,
        // in order, as many as fit its budget, and says when it left the rest out.
        let ids: Vec<&Value> = match structured.get("items").and_then(Value::as_array) {
            Some(items) => items.iter().filter_map(|item| item.get("id")).collect(),
            None => structured.get("id").into_iter().collect(),
        };
        let named = ids
            .iter()
            .take_while(|id| text.contains(&format!("id: {id}")))
            .count();
        assert!(
            named > 0 || ids.is_empty(),
            "{name}: no record named: {text}"
        );
        if named < ids.len() {
            assert!(
                text.contains("left out to keep the answer short")
                    && !ids[named..]
                        .iter()
                        .any(|id| text.contains(&format!("- id: {id};"))),
                "{name}: the text names records 1 to {named} of {} and says so: {text}",
                ids.len()
            );
        }
        assert!(
            !text.trim_start().starts_with('{'),
            "{name}: the text is lines, not JSON: {text}"
        );
        structured
    }

    async fn error(&self, name: &str, arguments: Value) -> (String, Value) {
        let result = self.call(name, arguments.clone()).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{name} {arguments} should fail"
        );
        let text = result.content[0].as_text().unwrap().text.clone();
        (
            text,
            failure_detail(&result).cloned().unwrap_or(Value::Null),
        )
    }

    fn assert_read_only(&self) {
        assert!(
            self.sim.journal().only_gets(),
            "{:?}",
            self.sim.journal().method_counts()
        );
    }
}

fn table(key: &str) -> Vec<Value> {
    dataset().table(key).unwrap().records().to_vec()
}

fn ids(items: &Value) -> Vec<u64> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_tool_is_listed_with_schema_and_annotations() {
    let h = harness().await;
    let tools = h.peer.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), CATALOG.len());
    assert!(tools.len() >= 40);
    for (tool, spec) in tools.iter().zip(CATALOG) {
        assert_eq!(tool.name, spec.name);
        assert!(
            tool.title.as_deref().is_some_and(|t| !t.is_empty()),
            "{}",
            spec.name
        );
        assert!(
            tool.description.as_deref().is_some_and(|d| d.len() > 30),
            "{}",
            spec.name
        );
        let annotations = tool.annotations.as_ref().unwrap();
        assert_eq!(
            (
                annotations.read_only_hint,
                annotations.destructive_hint,
                annotations.idempotent_hint,
                annotations.open_world_hint
            ),
            (Some(true), Some(false), Some(true), Some(true)),
            "{}",
            spec.name
        );
        let input = serde_json::to_value(&*tool.input_schema).unwrap();
        assert_eq!(input["type"], "object");
        let output = serde_json::to_value(tool.output_schema.as_deref().unwrap()).unwrap();
        assert_eq!(output["type"], "object");
        let both = format!("{input}{output}");
        assert!(
            !both.contains("$ref") && !both.contains("uint64"),
            "{}",
            spec.name
        );
        for (name, property) in input["properties"].as_object().unwrap() {
            assert!(property["type"].is_string(), "{} {name}", spec.name);
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{} {name}",
                spec.name
            );
        }
        match spec.kind {
            ToolKind::Get { id_arg, .. } | ToolKind::Children { id_arg, .. } => {
                assert_eq!(input["required"], json!([id_arg]))
            }
            ToolKind::Search {
                default_page_size, ..
            } => {
                assert_eq!(
                    input["properties"]["pageSize"]["default"],
                    default_page_size
                );
                for arg in [
                    "conditions",
                    "orderBy",
                    "page",
                    "fields",
                    "childConditions",
                    "customFieldConditions",
                ] {
                    assert!(
                        input["properties"][arg].is_object(),
                        "{} lacks {arg}",
                        spec.name
                    );
                }
            }
            ToolKind::Count | ToolKind::Summarize => {
                assert_eq!(input["required"], json!(["entity"]))
            }
            ToolKind::Report(report) => {
                let required: Vec<&str> = cw_mcp_server::reports::required(report)
                    .map(|arg| arg.name())
                    .into_iter()
                    .collect();
                assert_eq!(
                    input["required"].as_array().map_or(0, Vec::len),
                    required.len()
                );
            }
            ToolKind::SystemInfo => assert!(input["properties"].as_object().unwrap().is_empty()),
            ToolKind::FindEndpoints => assert_eq!(input["required"], json!(["query"])),
            ToolKind::DescribeEndpoint | ToolKind::Read => {
                assert_eq!(input["required"], json!(["path"]))
            }
        }
    }
    let info = h.peer.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "cw-mcp-server");
    assert!(
        info.instructions
            .as_deref()
            .unwrap()
            .contains("[2024-01-31]")
    );
}

#[tokio::test]
async fn every_tool_answers_from_the_simulators_data() {
    let h = harness().await;
    for spec in CATALOG {
        match spec.kind {
            ToolKind::Search {
                path,
                default_page_size,
                summary,
                ..
            } => {
                let expected = table(path);
                let answer = h.ok(spec.name, json!({})).await;
                let shown = expected.len().min(default_page_size as usize);
                assert_eq!(
                    ids(&answer["items"]),
                    ids(&Value::Array(expected[..shown].to_vec())),
                    "{}",
                    spec.name
                );
                assert_eq!(answer["page"], 1);
                assert_eq!(answer["pageSize"], default_page_size);
                assert_eq!(answer["hasMore"], expected.len() > shown, "{}", spec.name);
                assert_eq!(
                    answer.get("nextPage").is_some(),
                    expected.len() > shown,
                    "{}",
                    spec.name
                );
                assert!(
                    !answer.to_string().contains("_href"),
                    "{} strips links",
                    spec.name
                );
                if let Some(summary) = summary {
                    // Without `fields`, only the key fields come back...
                    let keys: Vec<&str> = summary
                        .split(',')
                        .map(|f| f.split('/').next().unwrap())
                        .collect();
                    for item in answer["items"].as_array().unwrap() {
                        assert!(item["id"].is_u64(), "{}", spec.name);
                        for key in item.as_object().unwrap().keys() {
                            assert!(
                                keys.contains(&key.as_str()),
                                "{}: {key} is not a key field",
                                spec.name
                            );
                        }
                    }
                    // ...and `fields: "*"` gives complete records, links stripped.
                    let full = h.ok(spec.name, json!({"fields": "*", "pageSize": 1})).await;
                    let expected = cw_mcp_server::shape::record(expected[0].clone());
                    assert_eq!(full["items"][0], expected, "{}", spec.name);
                }
            }
            ToolKind::Get { path, id_arg, .. } => {
                let record = &table(path)[3];
                let answer = h.ok(spec.name, json!({ id_arg: record["id"] })).await;
                assert_eq!(answer["id"], record["id"], "{}", spec.name);
                assert_eq!(
                    answer["_info"]["dateEntered"], record["_info"]["dateEntered"],
                    "{} keeps its dates",
                    spec.name
                );
                let reference = answer
                    .as_object()
                    .unwrap()
                    .values()
                    .find(|v| v.get("id").is_some() && v.is_object());
                if let Some(reference) = reference {
                    assert!(
                        reference.get("_info").is_none(),
                        "{}: nested _info is stripped",
                        spec.name
                    );
                }
            }
            ToolKind::Children {
                parent,
                child,
                id_arg,
                ..
            } => {
                let children = dataset();
                let children = children.table(&format!("{parent}/{child}")).unwrap();
                let parent_id = table(parent)
                    .iter()
                    .map(|p| p["id"].as_u64().unwrap())
                    .find(|id| !children.children_of(*id).is_empty())
                    .unwrap();
                let expected: Vec<u64> = children
                    .children_of(parent_id)
                    .iter()
                    .map(|c| c["id"].as_u64().unwrap())
                    .collect();
                let answer = h
                    .ok(spec.name, json!({ id_arg: parent_id, "pageSize": 1000 }))
                    .await;
                assert_eq!(ids(&answer["items"]), expected, "{}", spec.name);
            }
            ToolKind::Count => {
                for (entity, path) in countable() {
                    let answer = h.ok(spec.name, json!({"entity": entity})).await;
                    assert_eq!(answer["count"], table(path).len(), "{entity}");
                }
            }
            // Each report is checked against the records in a test of its own.
            ToolKind::Report(_) => {}
            ToolKind::Summarize => {
                for (entity, path) in countable() {
                    let answer = h.ok(spec.name, json!({"entity": entity})).await;
                    assert_eq!(answer["count"], table(path).len(), "{entity}");
                }
            }
            ToolKind::SystemInfo => {
                let answer = h.ok(spec.name, json!({})).await;
                assert_eq!(answer["connected"], true);
                assert_eq!(answer["version"], dataset().system_info["version"]);
            }
            ToolKind::FindEndpoints => {
                let answer = h.ok(spec.name, json!({"query": "ticket notes"})).await;
                assert!(
                    answer["endpoints"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["path"] == "/service/tickets/{parentId}/notes")
                );
            }
            ToolKind::DescribeEndpoint => {
                let answer = h.ok(spec.name, json!({"path": "/service/tickets"})).await;
                assert_eq!(answer["record"], "Ticket");
            }
            ToolKind::Read => {
                let expected = table("/service/tickets");
                let answer = h
                    .ok(
                        spec.name,
                        json!({"path": "/service/tickets", "pageSize": 5}),
                    )
                    .await;
                assert_eq!(
                    ids(&answer["items"]),
                    ids(&Value::Array(expected[..5].to_vec()))
                );
                let record = h
                    .ok(
                        spec.name,
                        json!({"path": format!("/service/tickets/{}", expected[0]["id"])}),
                    )
                    .await;
                assert_eq!(record, cw_mcp_server::shape::record(expected[0].clone()));
                let count = h
                    .ok(spec.name, json!({"path": "/service/tickets/count"}))
                    .await;
                assert_eq!(count["count"], expected.len());
            }
        }
    }
    h.assert_read_only();
}

#[tokio::test]
async fn the_original_arguments_and_their_twins_work() {
    let h = harness().await;
    // The original README's example, verbatim.
    let acme = h
        .ok(
            "connectwise_get_companies",
            json!({"conditions": "identifier=\"ACME\"", "pageSize": 5}),
        )
        .await;
    assert_eq!(acme["items"].as_array().unwrap().len(), 1);
    assert_eq!(acme["items"][0]["name"], "ACME Corporation");
    let company = h
        .ok("connectwise_get_company", json!({"company_id": 2}))
        .await;
    assert_eq!(company["identifier"], "ACME");
    // orderBy / order_by and pageSize / page_size.
    let newest = h.ok("connectwise_get_tickets", json!({"order_by": "_info/dateEntered desc", "page_size": 3, "fields": "id,_info/dateEntered"})).await;
    let dates: Vec<&str> = newest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["_info"]["dateEntered"].as_str().unwrap())
        .collect();
    let mut all: Vec<String> = table("/service/tickets")
        .iter()
        .map(|t| t["_info"]["dateEntered"].as_str().unwrap().to_owned())
        .collect();
    all.sort();
    assert_eq!(dates[0], all.last().unwrap());
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    // get_ticket_notes honours page (the original ignored it).
    let notes = dataset();
    let notes = notes.table("/service/tickets/notes").unwrap();
    let ticket = table("/service/tickets")
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .find(|id| notes.children_of(*id).len() >= 3)
        .unwrap();
    let second = h
        .ok(
            "connectwise_get_ticket_notes",
            json!({"ticket_id": ticket, "page": 2, "pageSize": 1}),
        )
        .await;
    assert_eq!(second["items"][0]["id"], notes.children_of(ticket)[1]["id"]);
    assert_eq!(second["page"], 2);
    assert_eq!(second["nextPage"], 3);
    // Open tickets for ACME, counted and listed.
    let open = table("/service/tickets")
        .iter()
        .filter(|t| t["company"]["identifier"] == "ACME" && t["closedFlag"] == false)
        .count();
    let count = h.ok("connectwise_count", json!({"entity": "tickets", "conditions": "company/identifier = \"ACME\" AND closedFlag = false"})).await;
    assert_eq!(count["count"], open);
    let listed = h.ok("get_tickets", json!({"conditions": "company/identifier = \"ACME\" AND closedFlag = false", "pageSize": 100})).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), open);
    // Search extras: childConditions and customFieldConditions.
    let by_mail = h
        .ok(
            "connectwise_get_contacts",
            json!({"childConditions": "communicationItems/value like \"%@acme.example\""}),
        )
        .await;
    assert!(!by_mail["items"].as_array().unwrap().is_empty());
    let gold = h.ok("connectwise_count", json!({"entity": "companies", "customFieldConditions": "caption = \"Support Tier\" AND value = \"Gold\""})).await;
    assert!(gold["count"].as_u64().unwrap() > 0);
    h.assert_read_only();
}

#[tokio::test]
async fn failures_say_what_to_fix() {
    let h = harness().await;
    let before = h.sim.journal().total();
    let (text, detail) = h
        .error(
            "connectwise_get_tickets",
            json!({"conditions": "status/name = Open"}),
        )
        .await;
    assert!(
        text.contains("`conditions` has a syntax error at character 15")
            && text.contains("text values need quotes"),
        "{text}"
    );
    assert!(
        text.contains("\n                ^"),
        "caret under the spot: {text}"
    );
    assert_eq!(detail, json!({"kind": "invalid_arguments"}));
    let (text, _) = h
        .error("connectwise_get_tickets", json!({"pageSize": 5000}))
        .await;
    assert!(
        text.starts_with("`pageSize` must be a whole number from 1 to 1000"),
        "{text}"
    );
    let (text, _) = h.error("connectwise_get_ticket", json!({})).await;
    assert_eq!(text, "`ticket_id` is required: the record's numeric id");
    let (text, _) = h
        .error(
            "connectwise_get_ticket",
            json!({"ticket_id": "1/../../system/members"}),
        )
        .await;
    assert!(
        text.starts_with("`ticket_id` must be a record's numeric id"),
        "{text}"
    );
    let (text, _) = h
        .error("connectwise_get_ticket", json!({"ticket_id": -1}))
        .await;
    assert!(text.contains("ticket_id"), "{text}");
    let (text, _) = h
        .error("connectwise_get_companies", json!({"limit": 5}))
        .await;
    assert!(
        text.starts_with("unknown argument `limit`; this tool takes conditions, orderBy"),
        "{text}"
    );
    let (text, _) = h
        .error(
            "connectwise_get_companies",
            json!({"orderBy": "name sideways"}),
        )
        .await;
    assert!(text.contains("orderBy"), "{text}");
    let (text, _) = h
        .error("connectwise_count", json!({"entity": "spaceships"}))
        .await;
    assert!(
        text.contains("`entity` must be one of companies, tickets"),
        "{text}"
    );
    assert_eq!(
        h.sim.journal().total(),
        before,
        "bad arguments never reach ConnectWise"
    );

    let (text, detail) = h
        .error("connectwise_get_ticket", json!({"ticket_id": 123}))
        .await;
    assert!(text.starts_with("no ticket 123"), "{text}");
    assert_eq!(detail["kind"], "not_found");
    let (text, _) = h
        .error("connectwise_get_ticket_notes", json!({"ticket_id": 123}))
        .await;
    assert!(text.starts_with("no ticket 123"), "{text}");

    h.sim
        .faults()
        .add(Fault::status(429).retry_after(90).times(1));
    let (text, detail) = h.error("connectwise_get_members", json!({})).await;
    assert!(
        text.contains("429") && text.contains("retry after 90 s"),
        "{text}"
    );
    assert_eq!(detail, json!({"kind": "rate_limited", "retryAfter": 90}));
    h.sim.faults().add(Fault::status(500).times(2));
    let (text, detail) = h.error("connectwise_get_members", json!({})).await;
    assert!(text.contains("ConnectWise failed (500)"), "{text}");
    assert_eq!(detail["kind"], "upstream_error");

    // An unknown tool is a protocol error.
    let mut params = CallToolRequestParams::new("connectwise_delete_everything");
    params.arguments = Some(Map::new());
    assert!(h.peer.call_tool(params).await.is_err());
    h.assert_read_only();
}

#[tokio::test]
async fn authentication_failures_name_the_variables_not_the_secrets() {
    let h = harness_with(|sim| {
        let mut config = sim.client_config();
        config.private_key = cw_client::Secret::new("wrong-private-key");
        config
    })
    .await;
    let (text, detail) = h.error("connectwise_get_system_info", json!({})).await;
    for variable in ["CW_COMPANY_ID", "CW_PUBLIC_KEY", "CW_PRIVATE_KEY"] {
        assert!(text.contains(variable), "{text}");
    }
    assert!(
        !text.contains("wrong-private-key") && !text.contains("demo-public"),
        "{text}"
    );
    assert_eq!(detail["kind"], "upstream_auth");
    h.assert_read_only();
}

/// The type problems of `value` against the document's schema `schema`, as `field: problem`.
fn schema_problems(schema: &str, value: &Value) -> Vec<String> {
    use cw_catalog::FieldType;
    let catalog = cw_catalog::catalog();
    let Some(schema) = catalog.schema(schema) else {
        return vec![format!("no schema {schema}")];
    };
    let mut problems = Vec::new();
    for (key, field_value) in value.as_object().into_iter().flatten() {
        let Some(field) = schema.fields.iter().find(|f| &f.name == key) else {
            problems.push(format!("{}.{key}: not in the schema", schema.name));
            continue;
        };
        let fits = match (&field.kind, field_value) {
            (_, Value::Null) => true,
            (FieldType::String | FieldType::DateTime, v) => v.is_string(),
            (FieldType::Integer, v) => v.is_i64() || v.is_u64(),
            (FieldType::Number, v) => v.is_number(),
            (FieldType::Boolean, v) => v.is_boolean(),
            (FieldType::Array(_), v) => v.is_array(),
            (FieldType::Object, v) => v.is_object(),
            (FieldType::Reference(name), v) => {
                problems.extend(schema_problems(name, v));
                v.is_object()
            }
        };
        if !fits {
            problems.push(format!(
                "{}.{key}: {field_value} is not a {}",
                schema.name,
                field.kind.describe()
            ));
        }
    }
    problems
}

/// The `(collection, id)` of each reference in `record` whose record kind has a top-level list.
fn reference_targets(schema: &str, record: &Value) -> Vec<(String, u64)> {
    let catalog = cw_catalog::catalog();
    let Some(schema) = catalog.schema(schema) else {
        return Vec::new();
    };
    schema
        .fields
        .iter()
        .filter_map(|field| match &field.kind {
            cw_catalog::FieldType::Reference(name) => {
                Some((field, name.trim_end_matches("Reference")))
            }
            _ => None,
        })
        .filter_map(|(field, base)| {
            let id = record.get(&field.name)?.get("id")?.as_u64()?;
            let collection = catalog.endpoints.iter().find(|e| {
                e.documented
                    && e.kind == cw_catalog::Kind::Collection
                    && e.schema.as_deref() == Some(base)
                    && !e.path.contains('{')
            })?;
            Some((collection.path.clone(), id))
        })
        .collect()
}

#[tokio::test]
async fn every_path_of_the_document_answers_through_connectwise_read() {
    let h = harness().await;
    let catalog = cw_catalog::catalog();
    let (mut answered, mut problems) = (0, Vec::new());
    let mut references = std::collections::BTreeSet::new();
    for endpoint in &catalog.endpoints {
        if endpoint.path.contains(':') {
            continue; // a route constraint, not a path a client writes
        }
        // Fill each {parameter} with a record of the collection before it, one that has
        // records in the child collection after it when there is one.
        let segments: Vec<&str> = endpoint.path.trim_start_matches('/').split('/').collect();
        let mut path = String::new();
        for (i, segment) in segments.iter().enumerate() {
            if !segment.starts_with('{') {
                path.push('/');
                path.push_str(segment);
                continue;
            }
            if !(segment.ends_with("Id}") || *segment == "{id}") {
                path.push_str("/X");
                continue;
            }
            let listed = h
                .call(
                    "connectwise_read",
                    json!({"path": path, "pageSize": 30, "fields": "id"}),
                )
                .await;
            let ids: Vec<u64> = listed
                .structured_content
                .as_ref()
                .and_then(|a| a["items"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|r| r["id"].as_u64())
                .collect();
            let child = segments
                .get(i + 1)
                .filter(|s| !s.starts_with('{') && **s != "count");
            let mut chosen = ids.first().copied().unwrap_or(1);
            if let Some(child) = child {
                for id in &ids {
                    let under = h
                        .call(
                            "connectwise_read",
                            json!({"path": format!("{path}/{id}/{child}"), "pageSize": 1}),
                        )
                        .await;
                    let has = under
                        .structured_content
                        .as_ref()
                        .is_some_and(|a| a["items"].as_array().is_some_and(|i| !i.is_empty()));
                    if has {
                        chosen = *id;
                        break;
                    }
                }
            }
            path.push_str(&format!("/{chosen}"));
        }
        if let Some(media) = &endpoint.file {
            // A PDF or an image is no answer for a chat: the refusal says where the record is.
            let (message, _) = h.error("connectwise_read", json!({"path": path})).await;
            assert!(
                message.contains(&format!("answers a file ({media})")),
                "{path}: {message}"
            );
            answered += 1;
            continue;
        }
        let answer = h
            .ok("connectwise_read", json!({"path": path, "pageSize": 3}))
            .await;
        answered += 1;
        let Some(schema) = endpoint.schema.as_deref() else {
            continue;
        };
        let records: Vec<&Value> = match endpoint.kind {
            cw_catalog::Kind::Collection => answer["items"].as_array().unwrap().iter().collect(),
            cw_catalog::Kind::Record => vec![&answer],
            _ => Vec::new(),
        };
        for record in records {
            references.extend(reference_targets(schema, record));
        }
        match endpoint.kind {
            cw_catalog::Kind::Collection => {
                for item in answer["items"].as_array().unwrap() {
                    problems.extend(schema_problems(schema, item));
                }
            }
            cw_catalog::Kind::Count => assert!(answer["count"].is_u64(), "{path}: {answer}"),
            _ => problems.extend(schema_problems(schema, &answer)),
        }
    }
    // Every reference with a top-level collection points at a record that exists.
    for (collection, id) in &references {
        let found = h
            .call(
                "connectwise_read",
                json!({"path": format!("{collection}/{id}"), "fields": "id"}),
            )
            .await;
        if found.is_error == Some(true) {
            problems.push(format!(
                "a reference to {collection}/{id} resolves to nothing"
            ));
        }
    }
    assert!(
        references.len() > 100,
        "{} references checked",
        references.len()
    );
    problems.sort();
    problems.dedup();
    assert!(answered >= 320, "{answered} paths answered");
    assert!(
        problems.is_empty(),
        "{} schema problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    h.assert_read_only();
}

#[tokio::test]
async fn mistakes_models_make_come_back_with_the_fix() {
    let h = harness().await;
    // An empty answer that is a mistake says which values are real.
    let answer = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "status/name = \"Pending\"", "pageSize": "5"}),
        )
        .await;
    assert_eq!(answer["items"], json!([]));
    assert_eq!(
        answer["hint"],
        "No record here has status/name = \"Pending\". Values in use: \"Closed\", \"In Progress\", \"New\", \"Resolved\", \"Scheduled\", \"Waiting on Client\"."
    );
    // However many names a call compares, its hint reads each field once and at most twice in
    // all: 12 owner names and 12 board names, one search and two hint requests.
    let owners: Vec<String> = (0..12)
        .map(|n| format!("owner/name = \"Nobody {n}\""))
        .collect();
    let boards: Vec<String> = (0..12)
        .map(|n| format!("board/name = \"No board {n}\""))
        .collect();
    let priorities = "priority/name = \"No such priority\"";
    let conditions = format!(
        "({}) AND ({}) AND {priorities}",
        owners.join(" OR "),
        boards.join(" OR ")
    );
    h.sim.journal().clear();
    let answer = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": conditions, "fields": "id"}),
        )
        .await;
    assert_eq!(answer["items"], json!([]));
    let hint = answer["hint"].as_str().unwrap();
    assert!(
        hint.contains("owner/name = \"Nobody 0\"") && hint.contains("board/name = \"No board 11\""),
        "{hint}"
    );
    assert!(
        !hint.contains("priority/name"),
        "past its two reads a hint explains no more: {hint}"
    );
    assert_eq!(
        h.sim.journal().total(),
        3,
        "{:?}",
        h.sim.journal().entries()
    );
    // Where the mistake has one plain fix, the answer is read with it, and says so.
    let answer = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "status/name = \"Open\"", "pageSize": "5"}),
        )
        .await;
    let items = answer["items"].as_array().unwrap();
    assert!(items.len() == 5 && items.iter().all(|t| t["closedFlag"] == false));
    assert_eq!(
        answer["hint"],
        "No status is named \"Open\": for open records compare closedFlag = false instead. Shown instead: the records where closedFlag = false."
    );
    let answer = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "company/name = \"acme\" AND closedFlag = false", "pageSize": 3}),
        )
        .await;
    let items = answer["items"].as_array().unwrap();
    assert!(
        !items.is_empty()
            && items
                .iter()
                .all(|t| t["company"]["name"] == "ACME Corporation")
    );
    assert!(
        answer["hint"]
            .as_str()
            .unwrap()
            .ends_with("Shown instead: the records where company/name = \"ACME Corporation\" AND closedFlag = false."),
        "{answer}"
    );
    // A prefix that matches, beside a status no ticket has: the status is why, not the prefix.
    let answer = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "company/name like \"ACME%\" AND status/name = \"Open\"", "pageSize": 3}),
        )
        .await;
    let hint = answer["hint"].as_str().unwrap();
    assert!(!hint.contains("which asks for what starts so"), "{hint}");
    assert!(
        hint.ends_with(
            "Shown instead: the records where company/name like \"ACME%\" AND closedFlag = false."
        ),
        "{hint}"
    );
    // A reference compared whole, and a bare "open" status, read as they are meant.
    let meant = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "company/identifier = \"ACME\" AND closedFlag = false", "pageSize": 50}),
        )
        .await;
    let shorthand = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "company = 'ACME' AND status = 'open'", "pageSize": 50}),
        )
        .await;
    assert!(!meant["items"].as_array().unwrap().is_empty());
    assert_eq!(shorthand["items"], meant["items"]);
    let count = h
        .ok(
            "connectwise_count",
            json!({"entity": "tickets", "conditions": "company = 'ACME' AND status = 'open'"}),
        )
        .await;
    assert_eq!(count["count"], meant["items"].as_array().unwrap().len());
    // A field the record lacks, read as the one plainly meant, and said.
    let meant = h
        .ok(
            "connectwise_get_time_entries",
            json!({"conditions": "timeStart >= [2020-01-01]", "orderBy": "timeStart desc", "pageSize": 50}),
        )
        .await;
    let mended = h
        .ok(
            "connectwise_get_time_entries",
            json!({"conditions": "dateStart >= [2020-01-01]", "orderBy": "dateStart desc", "pageSize": 50}),
        )
        .await;
    assert!(!meant["items"].as_array().unwrap().is_empty());
    assert_eq!(mended["items"], meant["items"]);
    assert_eq!(
        mended["note"],
        "A TimeEntry has no field by the name written: read `dateStart` as `timeStart`."
    );
    assert!(meant.get("note").is_none(), "{meant}");
    // A date compared on a field the record lacks reads as when it was entered, and says so.
    let meant = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "_info/dateEntered >= [2026-10-25]", "pageSize": 50}),
        )
        .await;
    let mended = h
        .ok(
            "connectwise_get_tickets",
            json!({"conditions": "timeStart >= [2026-10-25]", "pageSize": 50}),
        )
        .await;
    assert!(!meant["items"].as_array().unwrap().is_empty());
    assert_eq!(mended["items"], meant["items"]);
    assert!(
        mended["note"]
            .as_str()
            .unwrap()
            .contains("read `timeStart` as `_info/dateEntered`"),
        "{mended}"
    );
    // A `like` without a leading wildcard that matches nothing reads the text anywhere.
    let companies = table("/company/companies");
    let names: Vec<&str> = companies
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let word = names
        .iter()
        .filter_map(|n| n.split(' ').nth(1))
        .find(|w| !names.iter().any(|n| n.starts_with(w)))
        .unwrap();
    let answer = h
        .ok(
            "connectwise_get_companies",
            json!({"conditions": format!("name like \"{word}%\""), "pageSize": 50}),
        )
        .await;
    let found = answer["items"].as_array().unwrap();
    assert_eq!(
        found.len(),
        names.iter().filter(|n| n.contains(word)).count().min(50),
        "{answer}"
    );
    assert!(
        answer["hint"].as_str().unwrap().ends_with(&format!(
            "Shown instead: the records where name like \"%{word}%\"."
        )),
        "{answer}"
    );
    // A record's own name compared as its company's identifier.
    let device = &table("/company/configurations")[0];
    let answer = h
        .ok(
            "connectwise_get_configurations",
            json!({"conditions": format!("company/identifier = \"{}\"", device["name"].as_str().unwrap())}),
        )
        .await;
    assert_eq!(answer["items"][0]["id"], device["id"], "{answer}");
    assert!(
        answer["hint"]
            .as_str()
            .unwrap()
            .contains("but one has name = "),
        "{answer}"
    );
    let answer = h
        .ok(
            "connectwise_get_companies",
            json!({"conditions": "identifier = \"ACME Corp\""}),
        )
        .await;
    assert!(
        answer["hint"]
            .as_str()
            .unwrap()
            .starts_with("No record here has identifier = \"ACME Corp\". Nearest: \"ACME\". Values in use: \"ACME\", "),
        "{answer}"
    );
    // A boolean compared with text is refused before it is sent.
    let (text, detail) = h
        .error(
            "connectwise_get_tickets",
            json!({"conditions": "closedFlag = \"false\""}),
        )
        .await;
    assert_eq!(
        text,
        "In `conditions`, `closedFlag` is a boolean: compare it with true or false without quotes, e.g. closedFlag = false."
    );
    assert_eq!(detail["kind"], "invalid_arguments");
    let (text, _) = h
        .error(
            "connectwise_read",
            json!({"path": "/service/tickets", "fields": "id,sumary"}),
        )
        .await;
    assert!(
        text.starts_with(
            "`fields` names `sumary`, which a Ticket does not have. Nearest fields: summary"
        ),
        "{text}"
    );
    // A path one typo from one of the document's, or naming a collection by its words, is
    // read as that one; a query written into the path is read as the arguments it means.
    let ticket = h
        .ok("connectwise_read", json!({"path": "/service/ticket/20001"}))
        .await;
    assert_eq!(ticket["id"], 20001);
    assert_eq!(
        ticket["note"],
        "ConnectWise has no path /service/ticket/20001: read /service/tickets/20001 instead."
    );
    let entry = &table("/schedule/entries")[0];
    let member = entry["member"]["name"].as_str().unwrap();
    let day = &entry["dateStart"].as_str().unwrap()[..10];
    let meant = h
        .ok(
            "connectwise_get_schedule_entries",
            json!({"conditions": format!("member/name = \"{member}\" AND dateStart >= [{day}] AND dateStart < [{day}T23:59:59Z]")}),
        )
        .await;
    let written = h
        .ok(
            "connectwise_read",
            json!({"path": format!("/service/schedule_entries?member/name={member}&dateStart=[{day}]&pageSize=5")}),
        )
        .await;
    assert!(!meant["items"].as_array().unwrap().is_empty());
    assert_eq!(ids(&written["items"]), ids(&meant["items"]));
    assert_eq!(
        written["note"],
        "ConnectWise has no path /service/schedule_entries: read /schedule/entries instead."
    );
    let (text, _) = h
        .error(
            "connectwise_read",
            json!({"path": "/service/tickets?no such=1"}),
        )
        .await;
    assert!(
        text.starts_with("`path` carries a query with `no such`"),
        "{text}"
    );
    // Numbers as text, "#12345", null as absent, and ids given by identifier or name.
    let ticket = h
        .ok("connectwise_get_ticket", json!({"ticket_id": "#12345"}))
        .await;
    assert_eq!(ticket["id"], 12345);
    let page = h
        .ok(
            "connectwise_get_tickets",
            json!({"pageSize": "2", "page": null, "conditions": null}),
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let acme = h
        .ok("connectwise_get_company", json!({"company_id": "ACME"}))
        .await;
    assert_eq!(acme["identifier"], "ACME");
    let statuses = h
        .ok(
            "connectwise_get_board_statuses",
            json!({"board_id": "Service Desk"}),
        )
        .await;
    assert!(
        statuses["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["board"]["name"] == "Service Desk")
    );
    let (text, detail) = h
        .error(
            "connectwise_get_company",
            json!({"company_id": "Nobody Ltd"}),
        )
        .await;
    assert_eq!(
        text,
        "no company has the identifier or name \"Nobody Ltd\": give `company_id` as its numeric id, or search for it first"
    );
    assert_eq!(detail["kind"], "not_found");
    h.assert_read_only();
}

#[tokio::test]
async fn describe_names_the_fields_records_really_have_and_every_module_reads_with_conditions() {
    let h = harness().await;
    for (path, read) in [
        ("/service/tickets", "/service/tickets"),
        ("/schedule/entries", "/schedule/entries"),
        ("/service/teams", "/service/teams"),
        (
            "/project/projects/{parentId}/phases",
            "/project/projects/400/phases",
        ),
    ] {
        let described = h
            .ok("connectwise_describe_endpoint", json!({"path": path}))
            .await;
        let fields: Vec<&str> = described["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        let page = h
            .ok(
                "connectwise_read",
                json!({"path": read, "pageSize": 5, "fields": "*"}),
            )
            .await;
        let items = page["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{read}");
        for item in items {
            for key in item.as_object().unwrap().keys() {
                assert!(
                    fields.contains(&key.as_str()),
                    "{path}: {key} is not described"
                );
            }
        }
    }
    // Per module, a list read with conditions and fields.
    for module in [
        "company",
        "service",
        "sales",
        "finance",
        "project",
        "time",
        "system",
        "procurement",
        "schedule",
    ] {
        let endpoint = cw_catalog::catalog()
            .endpoints
            .iter()
            .find(|e| {
                e.module == module
                    && e.kind == cw_catalog::Kind::Collection
                    && !e.path.contains('{')
                    && e.schema
                        .as_deref()
                        .is_some_and(|s| cw_catalog::catalog().field(s, "id").is_some())
            })
            .unwrap();
        let answer = h
            .ok(
                "connectwise_read",
                json!({"path": endpoint.path, "conditions": "id >= 1", "fields": "id", "orderBy": "id desc", "pageSize": 2}),
            )
            .await;
        let items = answer["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{}", endpoint.path);
        assert!(
            items
                .iter()
                .all(|i| i.as_object().unwrap().keys().eq(["id"])),
            "{}: {answer}",
            endpoint.path
        );
        if items.len() == 2 {
            assert!(
                items[0]["id"].as_u64() > items[1]["id"].as_u64(),
                "{}",
                endpoint.path
            );
        }
    }
    h.assert_read_only();
}

/// `record`'s value at a `/`-separated path, as the text a group is named by.
fn at(record: &Value, path: &str) -> String {
    match path.split('/').try_fold(record, |v, s| v.get(s)) {
        Some(Value::String(text)) => text.clone(),
        None | Some(Value::Null) => "(none)".into(),
        Some(other) => other.to_string(),
    }
}

/// Each group of `answer` as (its values joined by " / ", count, sum of `field`).
fn groups_of(answer: &Value, field: Option<&str>) -> Vec<(String, u64, f64)> {
    let labels: Vec<&str> = answer["groupBy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    answer["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let key: Vec<&str> = labels.iter().map(|l| g[*l].as_str().unwrap()).collect();
            let sum = field.map_or(0.0, |f| g[f]["sum"].as_f64().unwrap());
            (key.join(" / "), g["count"].as_u64().unwrap(), sum)
        })
        .collect()
}

#[tokio::test]
async fn summaries_agree_with_totals_computed_from_the_records() {
    use std::collections::BTreeMap;
    let h = harness().await;
    // Hours by member: every time entry read, totals as the records add up.
    let entries = table("/time/entries");
    let mut expected: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for entry in &entries {
        let group = expected.entry(at(entry, "member/identifier")).or_default();
        group.0 += 1;
        group.1 += entry["actualHours"].as_f64().unwrap_or(0.0);
    }
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "time_entries", "groupBy": "member/identifier", "sum": "actualHours", "top": 100}),
        )
        .await;
    assert_eq!(answer["count"], entries.len());
    assert_eq!(answer["read"], entries.len());
    assert_eq!(answer["matching"], entries.len());
    assert!(answer.get("partial").is_none(), "{answer}");
    let all_hours: f64 = expected.values().map(|(_, hours)| hours).sum();
    assert!((answer["actualHours"]["sum"].as_f64().unwrap() - all_hours).abs() < 1e-6);
    assert_eq!(answer["groupCount"], expected.len());
    let got = groups_of(&answer, Some("actualHours"));
    assert_eq!(got.len(), expected.len().min(100));
    for window in got.windows(2) {
        assert!(window[0].2 >= window[1].2, "largest first: {got:?}");
    }
    for (member, count, hours) in &got {
        let (want_count, want_hours) = expected[member];
        assert_eq!(*count, want_count, "{member}");
        assert!(
            (hours - want_hours).abs() < 1e-6,
            "{member}: {hours} vs {want_hours}"
        );
    }
    // Open tickets by company, with conditions: the top one is the company with the most.
    let tickets = table("/service/tickets");
    let mut open: BTreeMap<String, u64> = BTreeMap::new();
    for ticket in tickets.iter().filter(|t| t["closedFlag"] == false) {
        *open.entry(at(ticket, "company/name")).or_default() += 1;
    }
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "tickets", "conditions": "closedFlag = false", "groupBy": "company", "top": 3}),
        )
        .await;
    assert_eq!(answer["count"], open.values().sum::<u64>());
    assert_eq!(answer["groupBy"], json!(["company/name"]));
    let most = *open.values().max().unwrap();
    let got = groups_of(&answer, None);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].1, most);
    assert_eq!(open[&got[0].0], most);
    // Two fields, one of them a date by week (weeks start on Monday).
    let mut weekly: BTreeMap<String, u64> = BTreeMap::new();
    for ticket in &tickets {
        let day =
            chrono::NaiveDate::parse_from_str(&at(ticket, "_info/dateEntered")[..10], "%Y-%m-%d")
                .unwrap();
        let monday = day
            - chrono::Days::new(
                chrono::Datelike::weekday(&day)
                    .num_days_from_monday()
                    .into(),
            );
        *weekly
            .entry(format!(
                "week of {monday} / {}",
                at(ticket, "priority/name")
            ))
            .or_default() += 1;
    }
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "tickets", "group_by": "dateEntered:week, priority", "top": 100}),
        )
        .await;
    assert_eq!(
        answer["groupBy"],
        json!(["_info/dateEntered:week", "priority/name"])
    );
    assert_eq!(answer["groupCount"], weekly.len());
    for (key, count, _) in groups_of(&answer, None) {
        assert_eq!(count, weekly[&key], "{key}");
    }
    assert!(
        answer["note"]
            .as_str()
            .unwrap()
            .contains("`dateEntered` as `_info/dateEntered`")
    );
    // A word for a number field is read as the one that holds it, and the answer says so.
    let ticket_hours: f64 = entries
        .iter()
        .filter(|e| e["chargeToId"] == 20990 && e["chargeToType"] == "ServiceTicket")
        .map(|e| e["actualHours"].as_f64().unwrap())
        .sum();
    // The simulator tells one truth: the ticket's hours and its child list agree with them.
    let ticket = h
        .ok("connectwise_get_ticket", json!({"ticket_id": 20990}))
        .await;
    assert!((ticket["actualHours"].as_f64().unwrap() - ticket_hours).abs() < 1e-6);
    let listed = h
        .ok(
            "connectwise_read",
            json!({"path": "/service/tickets/20990/timeentries", "pageSize": 1000}),
        )
        .await;
    let charged: Vec<u64> = entries
        .iter()
        .filter(|e| e["chargeToId"] == 20990)
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert!(!charged.is_empty());
    assert_eq!(ids(&listed["items"]), charged);
    // A search of time entries leads with their hours over every match, past its page too.
    let week: Vec<&Value> = entries
        .iter()
        .filter(|e| e["timeStart"].as_str().unwrap() >= "2026-10-26")
        .collect();
    assert!(week.len() > 5, "{}", week.len());
    let week_hours: f64 = week
        .iter()
        .map(|e| e["actualHours"].as_f64().unwrap())
        .sum();
    let result = h
        .call(
            "connectwise_get_time_entries",
            json!({"conditions": "timeStart >= [2026-10-26]", "pageSize": 2}),
        )
        .await;
    let answer = result.structured_content.clone().unwrap();
    assert_eq!(answer["inAll"]["count"], week.len());
    assert!((answer["inAll"]["actualHours"].as_f64().unwrap() - week_hours).abs() < 1e-6);
    let text = &result.content[0].as_text().unwrap().text;
    // Its figures lead, after the note on the quoted notes.
    let quotes_note = format!("{}\n", cw_mcp_server::untrusted::QUOTES_NOTE);
    let text = text.strip_prefix(&quotes_note).unwrap_or(text);
    assert!(
        text.starts_with(&format!(
            "In all: {} actualHours over the {} time entries that match.\n",
            cw_mcp_server::summary::exact(week_hours),
            week.len()
        )),
        "{text}"
    );
    // And by member, the most hours first: the week's leader is named with its hours.
    let mut by_member: std::collections::BTreeMap<&str, f64> = Default::default();
    for entry in &week {
        *by_member
            .entry(entry["member"]["name"].as_str().unwrap())
            .or_default() += entry["actualHours"].as_f64().unwrap();
    }
    let most = by_member.values().copied().fold(0.0, f64::max);
    let groups = answer["inAll"]["groups"].as_array().unwrap();
    assert_eq!(answer["inAll"]["groupBy"], "member/name");
    assert_eq!(answer["inAll"]["groupCount"], by_member.len());
    assert!(groups.len() == by_member.len().min(5), "{groups:?}");
    let first = &groups[0];
    let leader = first["member/name"].as_str().unwrap();
    assert!((by_member[leader] - most).abs() < 1e-6, "{groups:?}");
    assert!((first["actualHours"].as_f64().unwrap() - most).abs() < 1e-6);
    let line = text.lines().nth(1).unwrap();
    assert!(
        line.starts_with(&format!(
            "By member, the most actualHours first: {leader} {}",
            cw_mcp_server::summary::exact(most)
        )),
        "{text}"
    );
    let result = h
        .call(
            "connectwise_summarize",
            json!({"entity": "time entries", "conditions": "chargeToId = 20990 AND chargeToType = \"ServiceTicket\"", "sum": "hours"}),
        )
        .await;
    let answer = result.structured_content.clone().unwrap();
    assert!((answer["actualHours"]["sum"].as_f64().unwrap() - ticket_hours).abs() < 1e-6);
    let text = &result.content[0].as_text().unwrap().text;
    assert!(text.contains("actualHours total "), "{text}");
    assert!(text.contains("read `hours` as `actualHours`"), "{text}");
    // A sum that is no number field is left out and said; the count is answered all the same.
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "tickets", "sum": "summary,actualHours"}),
        )
        .await;
    assert_eq!(answer["sums"], json!(["actualHours"]));
    let note = answer["note"].as_str().unwrap();
    assert!(
        note.contains("Not totalled: summary is not a number, so the records are listed with it."),
        "{note}"
    );
    assert!(
        answer.get("records").is_none(),
        "a thousand tickets are too many to list"
    );
    // So is a group by a field the records lack.
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "tickets", "groupBy": "member/name,priority"}),
        )
        .await;
    assert_eq!(answer["groupBy"], json!(["priority/name"]));
    assert!(
        answer["note"]
            .as_str()
            .unwrap()
            .contains("Not grouped: `groupBy` names `member/name`, which a Ticket does not have."),
        "{answer}"
    );
    // On a path the document does not describe, a field no record has a number for is no
    // total; one with text asks to see it: a company's few devices are listed with it.
    let configurations = table("/company/configurations");
    let acme: Vec<&Value> = configurations
        .iter()
        .filter(|c| c["company"]["identifier"] == "ACME")
        .collect();
    assert!(acme.len() > 10 && acme.len() <= 25, "{}", acme.len());
    let result = h
        .call(
            "connectwise_summarize",
            json!({"entity": "configurations", "conditions": "company/identifier = \"ACME\"", "groupBy": "company/name", "sum": "serialNumber"}),
        )
        .await;
    let answer = result.structured_content.clone().unwrap();
    assert_eq!(answer["count"], acme.len());
    assert!(answer.get("sums").is_none(), "{answer}");
    assert!(
        answer["note"].as_str().unwrap().contains(
            "Not totalled: serialNumber is not a number, so the records are listed with it."
        ),
        "{answer}"
    );
    let serials = |records: &[&Value]| {
        let mut serials: Vec<String> = records
            .iter()
            .map(|r| r["serialNumber"].to_string())
            .collect();
        serials.sort();
        serials
    };
    let listed: Vec<&Value> = answer["records"].as_array().unwrap().iter().collect();
    assert_eq!(serials(&listed), serials(&acme));
    let text = &result.content[0].as_text().unwrap().text;
    assert!(
        text.contains(acme[0]["serialNumber"].as_str().unwrap()),
        "{text}"
    );
    // A field that is no number anywhere (a date) is left out, said, and not listed.
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "configurations", "sum": "nothingHere"}),
        )
        .await;
    assert!(
        answer["note"]
            .as_str()
            .unwrap()
            .contains("Not totalled: no record has a number at nothingHere."),
        "{answer}"
    );
    assert!(answer.get("records").is_none(), "{answer}");
    // Ten or fewer are listed beside the figures, by their key fields.
    let result = h
        .call(
            "connectwise_summarize",
            json!({"entity": "agreements", "conditions": "company/identifier = \"ACME\""}),
        )
        .await;
    let answer = result.structured_content.clone().unwrap();
    let acme: Vec<u64> = table("/finance/agreements")
        .iter()
        .filter(|a| a["company"]["identifier"] == "ACME")
        .map(|a| a["id"].as_u64().unwrap())
        .collect();
    assert_eq!(answer["count"], acme.len());
    assert_eq!(ids(&answer["records"]), acme[..acme.len().min(5)]);
    let text = &result.content[0].as_text().unwrap().text;
    assert!(text.contains(&format!("- id: {};", acme[0])), "{text}");
    // Every summary counts: `count` as a sum asks for nothing more.
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "Tickets", "sum": "count"}),
        )
        .await;
    assert_eq!(answer["count"], tickets.len());
    assert!(answer.get("sums").is_none(), "{answer}");
    h.assert_read_only();
}

#[tokio::test]
async fn a_summary_past_its_row_limit_or_cut_short_says_it_is_partial() {
    let h = harness_of(
        |sim| sim.client_config(),
        |server| server.with_row_limit(150),
    )
    .await;
    let entries = table("/time/entries");
    assert!(entries.len() > 300, "the demo data has enough time entries");
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "time_entries", "sum": "actualHours"}),
        )
        .await;
    assert_eq!(answer["read"], 150);
    assert_eq!(answer["count"], 150);
    assert_eq!(answer["matching"], entries.len());
    let partial = answer["partial"].as_str().unwrap();
    assert!(
        partial.contains(&format!("the first 150 of {}", entries.len())),
        "{partial}"
    );
    h.assert_read_only();
    // ConnectWise failing after the first page of 1,000: what was read is summarized, and the
    // answer says why it stopped.
    let h = harness().await;
    let tickets = table("/service/tickets");
    assert!(
        tickets.len() > 1000,
        "the demo data has more than a page of tickets"
    );
    h.sim
        .faults()
        .add(Fault::status(503).on_path("/service/tickets").after(2));
    let result = h
        .call(
            "connectwise_summarize",
            json!({"entity": "tickets", "groupBy": "board"}),
        )
        .await;
    let answer = result.structured_content.clone().unwrap();
    assert_eq!(answer["read"], 1000);
    assert_eq!(answer["matching"], tickets.len());
    let partial = answer["partial"].as_str().unwrap();
    assert!(
        partial.starts_with("reading stopped after 1000 records: "),
        "{partial}"
    );
    let text = &result.content[0].as_text().unwrap().text;
    assert!(
        text.starts_with("Partial: reading stopped after 1000 records"),
        "{text}"
    );
    h.assert_read_only();
}

#[tokio::test]
async fn summary_mistakes_say_what_to_write() {
    let h = harness().await;
    for (arguments, expected) in [
        (json!({}), "`entity` is required"),
        (
            json!({"entity": "widgets"}),
            "`entity` must be one of companies, tickets",
        ),
        (json!({"entity": "/service/tickets/20001"}), "is not a list"),
        (
            json!({"entity": "/service/tickets/20001/timeentries", "sum": "actualHours"}),
            "entity time_entries, conditions chargeToId = 20001",
        ),
        (
            json!({"entity": "tickets", "groupBy": "company/name,status/name,board/name"}),
            "at most 2 fields",
        ),
        (
            json!({"entity": "tickets", "groupBy": "summary:week"}),
            "summary is not a date",
        ),
        (
            json!({"entity": "tickets", "groupBy": "_info/dateEntered:year"}),
            ":day, :week or :month",
        ),
        (
            json!({"entity": "tickets", "top": 0}),
            "`top` must be a whole number from 1 to 100",
        ),
        (
            json!({"entity": "schedule_entries", "groupBy": ":day"}),
            "names no field: write the date to group by before it, e.g. dateStart:day",
        ),
    ] {
        let (message, _) = h.error("connectwise_summarize", arguments.clone()).await;
        assert!(message.contains(expected), "{arguments}: {message}");
    }
    // `:day` alone groups by the date the conditions compare, and says so.
    let answer = h
        .ok(
            "connectwise_summarize",
            json!({"entity": "schedule_entries", "conditions": "status/name = \"Firm\" AND dateStart >= [2026-10-01]", "groupBy": ":week"}),
        )
        .await;
    assert_eq!(answer["groupBy"], json!(["dateStart:week"]), "{answer}");
    assert!(
        answer["note"]
            .as_str()
            .unwrap()
            .contains("read `:week` as `dateStart:week`"),
        "{answer}"
    );
}

/// The ids of `records` whose value at `path` is `value`.
fn ids_where(records: &[Value], path: &str, value: &Value) -> Vec<u64> {
    records
        .iter()
        .filter(|r| path.split('/').try_fold(*r, |v, s| v.get(s)) == Some(value))
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

/// Whether a record's date at `path` falls on the days `from..to` (`to` excluded).
fn dated_within(record: &Value, path: &str, from: &str, to: &str) -> bool {
    let day = at(record, path);
    day.len() >= 10 && &day[..10] >= from && &day[..10] < to
}

#[tokio::test]
async fn reports_agree_with_the_simulators_records() {
    let clock = cw_mcp_server::dates::Clock::starting_at(cw_sim::data::time::FIXED_NOW);
    let h = harness_of(|sim| sim.client_config(), |server| server.with_clock(clock)).await;
    let today = clock.today().to_string();
    let tickets = table("/service/tickets");
    let entries = table("/time/entries");
    // A ticket brief: its latest note, its hours, its company's open tickets.
    let ticket = tickets.iter().find(|t| t["id"] == 20990).unwrap();
    let brief = h
        .ok("connectwise_ticket_brief", json!({"ticket_id": 20990}))
        .await;
    assert_eq!(brief["report"], "ticket brief");
    assert_eq!(brief["summary"], ticket["summary"]);
    let notes = ids_where(&table("/service/tickets/notes"), "ticketId", &json!(20990));
    assert_eq!(brief["latestNotes"]["count"], notes.len());
    assert_eq!(
        brief["latestNotes"]["first"][0]["id"],
        *notes.iter().max().unwrap()
    );
    let hours: f64 = entries
        .iter()
        .filter(|e| e["chargeToId"] == 20990)
        .map(|e| e["actualHours"].as_f64().unwrap())
        .sum();
    assert!((brief["timeLogged"]["hours"].as_f64().unwrap() - hours).abs() < 1e-6);
    let company = &ticket["company"]["id"];
    let open_of = |company: &Value| {
        tickets
            .iter()
            .filter(|t| t["company"]["id"] == *company && t["closedFlag"] == false)
            .count()
    };
    assert_eq!(brief["companyOpenTickets"], open_of(company));
    // A company overview, the company named by its identifier.
    let acme = table("/company/companies")
        .into_iter()
        .find(|c| c["identifier"] == "ACME")
        .unwrap();
    let overview = h
        .ok(
            "connectwise_company_overview",
            json!({"company_id": "ACME"}),
        )
        .await;
    assert_eq!(overview["inputs"]["company_id"], acme["id"]);
    assert_eq!(overview["openTickets"]["count"], open_of(&acme["id"]));
    let by_status: u64 = overview["openTickets"]["byStatus"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_status as usize, open_of(&acme["id"]));
    let agreements = ids_where(&table("/finance/agreements"), "company/id", &acme["id"]);
    let mut shown = ids(&overview["agreements"]);
    shown.sort_unstable();
    assert_eq!(shown, agreements);
    let devices = ids_where(&table("/company/configurations"), "company/id", &acme["id"]);
    assert_eq!(overview["devices"]["count"], devices.len());
    // A member's week: schedule entries, hours, open tickets owned.
    let week = h
        .ok(
            "connectwise_member_schedule",
            json!({"member": "Marcus Patel", "period": "this week"}),
        )
        .await;
    let (from, to) = (
        week["inputs"]["from"].as_str().unwrap().to_owned(),
        week["inputs"]["to"].as_str().unwrap().to_owned(),
    );
    assert!(
        from.as_str() <= today.as_str() && today.as_str() <= to.as_str(),
        "{from}..{to}"
    );
    let after = (chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d").unwrap()
        + chrono::Days::new(1))
    .to_string();
    let mine = |r: &&Value| r["member"]["identifier"] == "mpatel";
    let scheduled: Vec<u64> = table("/schedule/entries")
        .iter()
        .filter(mine)
        .filter(|s| dated_within(s, "dateStart", &from, &after))
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    let mut listed = ids(&week["schedule"]);
    listed.sort_unstable();
    assert_eq!(listed, scheduled);
    let logged: f64 = entries
        .iter()
        .filter(mine)
        .filter(|e| dated_within(e, "timeStart", &from, &after))
        .map(|e| e["actualHours"].as_f64().unwrap())
        .sum();
    assert!((week["hoursLogged"].as_f64().unwrap() - logged).abs() < 1e-6);
    let owned = tickets
        .iter()
        .filter(|t| t["owner"]["identifier"] == "mpatel" && t["closedFlag"] == false)
        .count();
    assert_eq!(week["openTicketsOwned"]["count"], owned);
    // A board's stand-up.
    let board = table("/service/boards")
        .into_iter()
        .find(|b| b["name"] == "Service Desk")
        .unwrap();
    let standup = h
        .ok(
            "connectwise_board_standup",
            json!({"board": "Service Desk", "since": "7 days ago"}),
        )
        .await;
    let on_board: Vec<&Value> = tickets
        .iter()
        .filter(|t| t["board"]["id"] == board["id"])
        .collect();
    let open = on_board.iter().filter(|t| t["closedFlag"] == false).count();
    assert_eq!(standup["open"]["count"], open);
    let since = standup["inputs"]["since"].as_str().unwrap();
    let new = on_board
        .iter()
        .filter(|t| dated_within(t, "_info/dateEntered", since, "9999"))
        .count();
    assert_eq!(standup["newSince"]["count"], new);
    let unassigned = on_board
        .iter()
        .filter(|t| t["closedFlag"] == false && t["owner"].is_null())
        .count();
    assert_eq!(standup["unassigned"]["count"], unassigned);
    // Tickets at risk: open ones past their resolve-by time, due within the day, unanswered.
    let risk = h.ok("connectwise_tickets_at_risk", json!({})).await;
    // The clock started at the data's now and runs on: the report says from when it counted.
    let now = risk["inputs"]["now"].as_str().unwrap().to_owned();
    let counted = chrono::DateTime::parse_from_rfc3339(&now)
        .unwrap()
        .timestamp();
    assert!(
        (0..600).contains(&(counted - cw_sim::data::time::FIXED_NOW)),
        "{now}"
    );
    let horizon = cw_sim::data::time::iso(counted + 24 * 3600);
    let open: Vec<&Value> = tickets
        .iter()
        .filter(|t| t["closedFlag"] == false)
        .collect();
    let goal = |t: &Value, key: &str| t[key].as_str().unwrap().to_owned();
    let past = open
        .iter()
        .filter(|t| goal(t, "resolutionGoalUTC") < now)
        .count();
    let soon = open
        .iter()
        .filter(|t| (now.clone()..horizon.clone()).contains(&goal(t, "resolutionGoalUTC")))
        .count();
    let unanswered = open
        .iter()
        .filter(|t| t.get("dateResponded").is_none() && goal(t, "respondByGoalUTC") < horizon)
        .count();
    assert!(
        past > 0,
        "the demo data has tickets past their resolve-by time"
    );
    assert_eq!(risk["pastResolveBy"]["count"], past);
    assert_eq!(risk["dueSoon"]["count"], soon);
    assert_eq!(risk["notRespondedInTime"]["count"], unanswered);
    // Agreements ending this month, and time by company this week.
    let ending = h.ok("connectwise_agreements_ending", json!({})).await;
    let (from, to) = (
        ending["inputs"]["from"].as_str().unwrap(),
        ending["inputs"]["to"].as_str().unwrap(),
    );
    let after = (chrono::NaiveDate::parse_from_str(to, "%Y-%m-%d").unwrap() + chrono::Days::new(1))
        .to_string();
    let expected = table("/finance/agreements")
        .iter()
        .filter(|a| dated_within(a, "endDate", from, &after))
        .count();
    assert!(
        expected > 0,
        "the demo data has agreements ending this month"
    );
    assert_eq!(ending["count"], expected);
    let time = h
        .ok("connectwise_time_report", json!({"by": "company"}))
        .await;
    let (from, to) = (
        time["inputs"]["from"].as_str().unwrap(),
        time["inputs"]["to"].as_str().unwrap(),
    );
    let after = (chrono::NaiveDate::parse_from_str(to, "%Y-%m-%d").unwrap() + chrono::Days::new(1))
        .to_string();
    let week_entries: Vec<&Value> = entries
        .iter()
        .filter(|e| dated_within(e, "timeStart", from, &after))
        .collect();
    let total: f64 = week_entries
        .iter()
        .map(|e| e["actualHours"].as_f64().unwrap())
        .sum();
    let billable: f64 = week_entries
        .iter()
        .filter(|e| e["billableOption"] == "Billable")
        .map(|e| e["actualHours"].as_f64().unwrap())
        .sum();
    assert!((time["hours"].as_f64().unwrap() - total).abs() < 1e-6);
    assert!((time["billable"].as_f64().unwrap() - billable).abs() < 1e-6);
    let rows: f64 = time["byCompany"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hours"].as_f64().unwrap())
        .sum();
    assert!((rows - total).abs() < 1e-6);
    h.assert_read_only();
}

#[tokio::test]
async fn report_mistakes_say_what_to_write() {
    let h = harness().await;
    for (tool, arguments, expected) in [
        (
            "connectwise_ticket_brief",
            json!({"ticket_id": 1}),
            "no ticket 1",
        ),
        (
            "connectwise_member_schedule",
            json!({}),
            "`member` is required",
        ),
        (
            "connectwise_member_schedule",
            json!({"member": "Nobody Here"}),
            "no member has the identifier or name",
        ),
        (
            "connectwise_member_schedule",
            json!({"member": "mpatel", "period": "someday"}),
            "`period` must be a day or a span",
        ),
        (
            "connectwise_board_standup",
            json!({"board": "Nope"}),
            "no board has the name",
        ),
        (
            "connectwise_board_standup",
            json!({"board": "Service Desk", "since": "whenever"}),
            "`since` must be a day",
        ),
        (
            "connectwise_time_report",
            json!({"by": "colour"}),
            "`by` must be member or company",
        ),
        (
            "connectwise_company_overview",
            json!({"company_id": "No Such Co"}),
            "no company has the identifier or name",
        ),
    ] {
        let (message, _) = h.error(tool, arguments.clone()).await;
        assert!(message.contains(expected), "{tool} {arguments}: {message}");
    }
}
