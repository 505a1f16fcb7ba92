//! Error answers in ConnectWise's shape: `{"code", "message", "errors"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error answer.
pub fn cw_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message.into(), "errors": Value::Null})),
    )
        .into_response()
}

/// 400 `InvalidObject` naming the parameter at fault.
pub fn invalid(parameter: &str, message: impl Into<String>) -> Response {
    field_error("InvalidObject", parameter, message.into())
}

/// 400 `OutOfRange` for a paging parameter.
pub fn out_of_range(parameter: &str, message: impl Into<String>) -> Response {
    field_error("OutOfRange", parameter, message.into())
}

/// 400 with `code`, and an `errors[]` entry naming the query parameter.
fn field_error(code: &str, parameter: &str, message: String) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "errors": [{"code": code, "message": message, "resource": "query", "field": parameter}],
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// 404 `NotFound`, e.g. "Ticket 1255787 not found".
pub fn not_found(entity: &str, id: u64) -> Response {
    cw_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("{entity} {id} not found"),
    )
}

/// 404 for a path the API does not have.
pub fn no_route(path: &str) -> Response {
    cw_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("The resource {path} was not found"),
    )
}
