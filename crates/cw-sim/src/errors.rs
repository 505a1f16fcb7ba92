//! The simulator's failures, answered in ConnectWise's shape:
//! `{"code", "message", "errors"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Why a request gets no records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// 400 `InvalidObject` naming the query parameter at fault.
    Invalid {
        /// The parameter.
        parameter: String,
        /// What is wrong with it.
        message: String,
    },
    /// 400 `OutOfRange` for a paging parameter.
    OutOfRange {
        /// The parameter.
        parameter: &'static str,
        /// The range it must be in.
        message: String,
    },
    /// 401: credentials or clientId not accepted.
    Unauthorized(String),
    /// 403: the member's security role lacks the module.
    Forbidden(String),
    /// 404 for a record, e.g. "Ticket 1255787 not found".
    NotFound {
        /// The record's entity name.
        entity: String,
        /// The id asked for.
        id: u64,
    },
    /// 404 for a path the API does not have.
    NoRoute(String),
    /// 405 for anything but GET.
    MethodNotAllowed(String),
    /// Any status with ConnectWise's body (injected faults).
    Status {
        /// The status.
        status: StatusCode,
        /// Its code.
        code: String,
        /// Its message.
        message: String,
    },
}

impl SimError {
    /// 400 `InvalidObject` for `parameter`.
    pub fn invalid(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        SimError::Invalid {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// 404 for record `id` of `entity`.
    pub fn not_found(entity: impl Into<String>, id: u64) -> Self {
        SimError::NotFound {
            entity: entity.into(),
            id,
        }
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = match self {
            SimError::Invalid { parameter, message } => (
                StatusCode::BAD_REQUEST,
                "InvalidObject".to_owned(),
                message,
                Some(parameter),
            ),
            SimError::OutOfRange { parameter, message } => (
                StatusCode::BAD_REQUEST,
                "OutOfRange".to_owned(),
                message,
                Some(parameter.to_owned()),
            ),
            SimError::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                "Unauthorized".to_owned(),
                message,
                None,
            ),
            SimError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, "Forbidden".to_owned(), message, None)
            }
            SimError::NotFound { entity, id } => (
                StatusCode::NOT_FOUND,
                "NotFound".to_owned(),
                format!("{entity} {id} not found"),
                None,
            ),
            SimError::NoRoute(path) => (
                StatusCode::NOT_FOUND,
                "NotFound".to_owned(),
                format!("The resource {path} was not found"),
                None,
            ),
            SimError::MethodNotAllowed(method) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed".to_owned(),
                format!("{method} is not supported by this simulator"),
                None,
            ),
            SimError::Status {
                status,
                code,
                message,
            } => (status, code, message, None),
        };
        let errors = match field {
            // A field error names the query parameter, as ConnectWise's `errors[]` does.
            Some(field) => {
                json!([{"code": code, "message": message, "resource": "query", "field": field}])
            }
            None => Value::Null,
        };
        let body = json!({"code": code, "message": message, "errors": errors});
        (status, axum::Json(body)).into_response()
    }
}
