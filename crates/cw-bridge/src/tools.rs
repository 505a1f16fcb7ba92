//! The tool routes: `GET /v1/tools`, `POST /v1/tools/execute` (the original's
//! body) and `POST /v1/tools/{name}` (the OpenAPI tool server's form).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use cw_boundary::FailureKind;
use rmcp::model::{CallToolResult, Tool};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::calls::{Surface, failure_detail};
use crate::errors::ApiError;
use crate::supervisor::{CallError, Running};

/// `GET /v1/tools`.
pub async fn list(State(state): State<AppState>, parts: Parts) -> Result<Response, ApiError> {
    let (_, listed) = listed_for(&state, &parts).await?;
    let tools: Vec<Value> = listed
        .iter()
        .map(|tool| {
            json!({
                "name": tool.name, "title": tool.title, "description": tool.description,
                "inputSchema": tool.input_schema, "outputSchema": tool.output_schema, "annotations": tool.annotations,
            })
        })
        .collect();
    Ok(axum::Json(json!({"tools": tools})).into_response())
}

/// `POST /v1/tools/execute` with `{"tool_name": "...", "arguments": {...}}`.
pub async fn execute(
    State(state): State<AppState>,
    parts: Parts,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (name, arguments) = decode_execute(&read_body(body)?)?;
    call(&state, Surface::Execute, &parts, &name, arguments).await
}

/// `POST /v1/tools/{name}` with the arguments as the body.
pub async fn execute_named(
    State(state): State<AppState>,
    Path(name): Path<String>,
    parts: Parts,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let arguments = decode_arguments(&read_body(body)?)?;
    call(&state, Surface::OpenApi, &parts, &name, arguments).await
}

/// Decodes an execute body into the tool name and its arguments.
pub fn decode_execute(bytes: &[u8]) -> Result<(String, Map<String, Value>), ApiError> {
    let Value::Object(mut body) = parse_json(bytes)? else {
        return Err(ApiError::bad_request(
            "invalid_request",
            "the body must be a JSON object: {\"tool_name\": \"...\", \"arguments\": {...}}",
        ));
    };
    let name = match body.remove("tool_name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "`tool_name` must be a non-empty string",
            ));
        }
        None => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "`tool_name` is missing: send {\"tool_name\": \"connectwise_get_tickets\", \"arguments\": {...}}",
            ));
        }
    };
    let arguments = match body.remove("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "`arguments` must be a JSON object of argument names to values",
            ));
        }
    };
    if let Some(extra) = body.keys().next() {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("unknown field `{extra}`; the body takes tool_name and arguments"),
        ));
    }
    Ok((name, arguments))
}

/// Decodes a per-tool body: a JSON object of arguments; empty or `null` means none.
pub fn decode_arguments(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match parse_json(bytes)? {
        Value::Object(arguments) => Ok(arguments),
        Value::Null => Ok(Map::new()),
        _ => Err(ApiError::bad_request(
            "invalid_request",
            "the body must be a JSON object of argument names to values",
        )),
    }
}

fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body is larger than the 1 MiB limit",
            )
        } else {
            ApiError::bad_request(
                "invalid_request",
                format!("the body could not be read: {rejection}"),
            )
        }
    })
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))
    })
}

async fn call(
    state: &AppState,
    surface: Surface,
    parts: &Parts,
    name: &str,
    arguments: Map<String, Value>,
) -> Result<Response, ApiError> {
    let caller = state.calls.caller(parts);
    match state.calls.call(surface, &caller, name, arguments).await {
        Ok(answered) if answered.result.is_error == Some(true) => {
            Err(tool_error(answered.result, state.calls.per_request()))
        }
        Ok(answered) if prefers_text(&parts.headers) => Ok(text_answer(&answered.result)),
        Ok(answered) => Ok(axum::Json(answer(answered.result)).into_response()),
        Err(CallError::Timeout(after)) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!(
                "`{name}` did not answer within {} s; narrow the query or raise BRIDGE_TOOL_TIMEOUT_SECS",
                after.as_secs()
            ),
        )),
        // The server refuses only names it does not know.
        Err(CallError::Rejected(_)) => {
            let names: Vec<String> = match state.supervisor.state() {
                crate::supervisor::ChildState::Running(running) => {
                    running.tools.iter().map(|t| t.name.to_string()).collect()
                }
                _ => Vec::new(),
            };
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                FailureKind::UnknownTool.as_str(),
                format!("no tool named `{name}`; GET /v1/tools lists them"),
            )
            .with_details(json!({"tools": names})))
        }
        Err(CallError::Invalid(message)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            FailureKind::InvalidArguments.as_str(),
            message,
        )),
        Err(error @ CallError::Unavailable(_)) => Err(unavailable(error)),
    }
}

/// The running child and the tools the request's caller is listed (a role's own).
pub async fn listed_for(
    state: &AppState,
    parts: &Parts,
) -> Result<(Arc<Running>, Vec<Tool>), ApiError> {
    let running = state.supervisor.ready().await.map_err(unavailable)?;
    let caller = state.calls.caller(parts);
    let tools = state
        .calls
        .tools_for(&running, &caller)
        .await
        .map_err(|error| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_unavailable",
                error.message.to_string(),
            )
        })?;
    Ok((running, tools))
}

fn unavailable(error: CallError) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "server_unavailable",
        format!("{error}; try again shortly (GET /health tells its state)"),
    )
    .with_retry_after(Some(1))
}

/// True when the caller's `Accept` ranks `text/plain` above `application/json`: it asks for
/// the answer as a model reads it rather than as JSON (the default).
fn prefers_text(headers: &axum::http::HeaderMap) -> bool {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let quality = |media: &str| {
        accept
            .split(',')
            .filter_map(|range| {
                let mut params = range.split(';');
                let kind = params.next()?.trim();
                kind.eq_ignore_ascii_case(media).then(|| {
                    params
                        .find_map(|p| p.trim().strip_prefix("q="))
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .unwrap_or(1.0)
                })
            })
            .reduce(f32::max)
    };
    match (quality("text/plain"), quality("application/json")) {
        (Some(text), None) => text > 0.0,
        (Some(text), Some(json)) => text > json,
        _ => false,
    }
}

/// The answer's text content, as the server wrote it for a model.
fn text_answer(result: &CallToolResult) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        text_of(result),
    )
        .into_response()
}

/// The structured content, or the text parsed as JSON, or `{"text": ...}`.
fn answer(result: CallToolResult) -> Value {
    if let Some(structured) = result.structured_content {
        return structured;
    }
    let text = text_of(&result);
    serde_json::from_str(&text).unwrap_or_else(|_| json!({"text": text}))
}

/// The result's text content, its blocks joined.
fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.as_str())
        .collect()
}

/// A tool error as an HTTP error, its status and code from the failure's kind. In
/// per-request mode ConnectWise's 401 and 403 are about the caller's own keys, and say so.
fn tool_error(result: CallToolResult, per_request: bool) -> ApiError {
    let message: String = result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let detail = failure_detail(&result);
    let kind = detail
        .as_ref()
        .map_or(FailureKind::UpstreamError, |d| d.kind);
    let (status, code) = match kind {
        FailureKind::InvalidArguments | FailureKind::BadRequest => {
            (StatusCode::BAD_REQUEST, kind.as_str())
        }
        FailureKind::NotFound | FailureKind::UnknownTool => (StatusCode::NOT_FOUND, kind.as_str()),
        FailureKind::RateLimited | FailureKind::BudgetExhausted => {
            (StatusCode::TOO_MANY_REQUESTS, kind.as_str())
        }
        FailureKind::UpstreamAuth if per_request => (StatusCode::UNAUTHORIZED, kind.as_str()),
        FailureKind::UpstreamForbidden if per_request => (StatusCode::FORBIDDEN, kind.as_str()),
        FailureKind::UpstreamAuth | FailureKind::UpstreamForbidden | FailureKind::UpstreamError => {
            (StatusCode::BAD_GATEWAY, kind.as_str())
        }
        FailureKind::Timeout => (StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"),
        FailureKind::Unreachable => (StatusCode::BAD_GATEWAY, "upstream_unreachable"),
        FailureKind::Denied | FailureKind::SiteNotAllowed => (StatusCode::FORBIDDEN, kind.as_str()),
        FailureKind::MissingCredentials => (StatusCode::UNAUTHORIZED, kind.as_str()),
    };
    let retry_after = detail.as_ref().and_then(|d| d.retry_after);
    let mut error = ApiError::new(status, code, message).with_retry_after(retry_after);
    if let Some(detail) = detail {
        error = error.with_details(serde_json::to_value(detail).unwrap_or_default());
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            ".{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any bytes at all: an answer or a 400, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Err(error) = decode_execute(&bytes) {
                prop_assert_eq!(error.status, StatusCode::BAD_REQUEST);
            }
            let _ = decode_arguments(&bytes);
        }

        /// Any JSON: accepted only in the documented shape.
        #[test]
        fn arbitrary_json_is_accepted_only_in_the_documented_shape(value in arb_json()) {
            let bytes = serde_json::to_vec(&value).unwrap();
            match decode_execute(&bytes) {
                Ok((name, arguments)) => {
                    prop_assert_eq!(value["tool_name"].as_str(), Some(name.as_str()));
                    prop_assert!(value.get("arguments").is_none_or(|a| a.is_null() || a.as_object() == Some(&arguments)));
                }
                Err(error) => prop_assert_eq!(error.status, StatusCode::BAD_REQUEST),
            }
        }
    }

    #[test]
    fn the_documented_body_decodes() {
        let body = br#"{"tool_name":"connectwise_get_companies","arguments":{"conditions":"identifier=\"ACME\"","pageSize":5}}"#;
        let (name, arguments) = decode_execute(body).unwrap();
        assert_eq!(name, "connectwise_get_companies");
        assert_eq!(arguments["pageSize"], 5);
        assert!(decode_execute(br#"{"tool_name":"x","extra":1}"#).is_err());
        assert!(decode_arguments(b"  ").unwrap().is_empty());
        assert!(decode_arguments(b"[1]").is_err());
    }

    #[test]
    fn text_is_answered_only_to_callers_that_rank_it_first() {
        let ranks = |accept: Option<&str>| {
            let mut headers = axum::http::HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(axum::http::header::ACCEPT, accept.parse().unwrap());
            }
            prefers_text(&headers)
        };
        assert!(ranks(Some("text/plain")));
        assert!(ranks(Some("Text/Plain; charset=utf-8")));
        assert!(ranks(Some("application/json;q=0.5, text/plain")));
        assert!(!ranks(None));
        assert!(!ranks(Some("*/*")));
        assert!(!ranks(Some("application/json, text/plain")));
        assert!(!ranks(Some("text/plain;q=0")));
        assert!(!ranks(Some("text/plain;q=0.4, application/json;q=0.9")));
    }
}
