//! `GET /openapi.json`: an OpenAPI 3.1 tool server for OpenWebUI. One
//! operation per tool at `POST /v1/tools/{name}`, `operationId` = tool name,
//! every schema inlined (OpenWebUI resolves only `#/components` references).

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use rmcp::model::Tool;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::errors::ApiError;
use crate::tools::listed_for;

/// `GET /openapi.json`.
pub async fn openapi(State(state): State<AppState>, parts: Parts) -> Result<Response, ApiError> {
    let (running, tools) = listed_for(&state, &parts).await?;
    let instructions = running.instructions.as_deref();
    Ok(axum::Json(document(&tools, instructions, state.api_key_required)).into_response())
}

/// The OpenAPI document for `tools`, described by the server's `instructions`.
pub fn document(tools: &[Tool], instructions: Option<&str>, bearer: bool) -> Value {
    let error_schema = json!({
        "type": "object",
        "properties": {
            "error": {"type": "string", "description": "What went wrong and how to fix it."},
            "code": {"type": "string"},
            "details": {},
        },
        "required": ["error", "code"],
    });
    let mut paths = Map::new();
    for tool in tools {
        let description = tool.description.as_deref().unwrap_or_default();
        let mut operation = json!({
            "operationId": tool.name,
            "summary": tool.title.clone().unwrap_or_else(|| tool.name.to_string()),
            "description": description,
            "requestBody": {
                "required": false,
                "content": {"application/json": {"schema": Value::Object((*tool.input_schema).clone())}},
            },
            "responses": {
                "200": {
                    "description": "The tool's answer.",
                    "content": {"application/json": {"schema": tool.output_schema.as_deref().cloned().map_or(json!({"type": "object"}), Value::Object)}},
                },
                "default": {
                    "description": "An error: bad arguments (400), no such record (404), throttled (429), ConnectWise failure (502), server unavailable (503), timeout (504).",
                    "content": {"application/json": {"schema": error_schema}},
                },
            },
        });
        if bearer {
            operation["security"] = json!([{"bearer": []}]);
        }
        paths.insert(
            format!("/v1/tools/{}", tool.name),
            json!({"post": operation}),
        );
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ConnectWise Manage tools",
            "version": env!("CARGO_PKG_VERSION"),
            "description": instructions.unwrap_or("Read-only ConnectWise Manage tools."),
        },
        "paths": paths,
    });
    if bearer {
        document["components"] =
            json!({"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}});
    }
    document
}
