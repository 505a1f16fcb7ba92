//! Turning failures into tool errors a language model can act on. Each carries
//! `_meta["connectwise/error"]` (`kind`, `status`, `retryAfter`) so that the
//! bridge can answer with a fitting HTTP status.

use cw_client::Error;
use rmcp::model::{CallToolResult, ContentBlock, MetaObject};
use serde_json::{Map, Value, json};

use crate::args::ArgError;

/// The `_meta` key holding the failure's class.
pub const ERROR_META_KEY: &str = "connectwise/error";

/// A failed tool call: what went wrong, for whom, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolFailure {
    /// Failure class, e.g. `invalid_arguments`, `not_found`, `rate_limited`.
    pub kind: &'static str,
    /// The HTTP status that fits it.
    pub status: u16,
    /// The message shown to the model.
    pub message: String,
    /// Seconds to wait before trying again, for `rate_limited`.
    pub retry_after: Option<u64>,
}

impl ToolFailure {
    /// A bad or missing argument.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            kind: "invalid_arguments",
            status: 400,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Nothing at the path or with the name asked for.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            kind: "not_found",
            status: 404,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A ConnectWise failure, with `not_found` phrased for the record asked for.
    pub fn from_client(error: Error, missing: impl FnOnce() -> String) -> Self {
        let (kind, status) = match &error {
            Error::Conditions { .. } | Error::InvalidRequest(_) | Error::Config(_) => {
                ("invalid_arguments", 400)
            }
            Error::BadRequest(_) => ("bad_request", 400),
            Error::NotFound(_) => ("not_found", 404),
            Error::RateLimited { .. } => ("rate_limited", 429),
            Error::Unauthorized(_) => ("upstream_auth", 502),
            Error::Forbidden(_) => ("upstream_forbidden", 502),
            Error::Timeout(_) => ("timeout", 504),
            Error::Connection { .. } => ("unreachable", 502),
            Error::Server { .. } | Error::Status { .. } | Error::InvalidResponse { .. } => {
                ("upstream_error", 502)
            }
        };
        let retry_after = match &error {
            Error::RateLimited { retry_after, .. } => retry_after.map(|d| d.as_secs()),
            _ => None,
        };
        let message = match &error {
            Error::NotFound(body) => format!("{} (ConnectWise: {})", missing(), body.describe()),
            Error::RateLimited { .. } => {
                format!("{error}. Wait, then ask again; fewer, narrower calls help.")
            }
            Error::BadRequest(_) => {
                format!("{error}. Check field names and the conditions syntax.")
            }
            _ => error.to_string(),
        };
        Self {
            kind,
            status,
            message,
            retry_after,
        }
    }

    /// The failure as an MCP tool error (`isError: true`).
    pub fn into_result(self) -> CallToolResult {
        let mut detail = json!({"kind": self.kind, "status": self.status});
        if let Some(seconds) = self.retry_after {
            detail["retryAfter"] = json!(seconds);
        }
        let mut meta = Map::new();
        meta.insert(ERROR_META_KEY.to_owned(), detail);
        CallToolResult::error(vec![ContentBlock::text(self.message)])
            .with_meta(Some(MetaObject(meta)))
    }
}

impl From<ArgError> for ToolFailure {
    fn from(error: ArgError) -> Self {
        Self::invalid(error.0)
    }
}

/// A conditions syntax error shown with a caret under the spot.
pub fn conditions_message(
    parameter: &str,
    text: &str,
    error: &cw_client::conditions::ParseError,
) -> String {
    let column = text[..error.position.min(text.len())].chars().count();
    let single_line = text.replace(['\n', '\r', '\t'], " ");
    format!(
        "`{parameter}` has a syntax error at character {}: expected {}, found {}.\n  {single_line}\n  {}^\nExample: status/name = \"Open\" AND company/identifier = \"ACME\"",
        column + 1,
        error.expected,
        error.found,
        " ".repeat(column),
    )
}

/// Reads a tool error's class back out of its `_meta`.
pub fn failure_detail(result: &CallToolResult) -> Option<&Value> {
    result.meta.as_ref()?.0.get(ERROR_META_KEY)
}
