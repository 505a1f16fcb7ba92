//! Turning failures into tool errors a language model can act on. Each carries
//! its [`FailureDetail`] under [`ERROR_META_KEY`], so that the bridge can answer
//! with what its own protocol needs.

use cw_boundary::{ERROR_META_KEY, FailureDetail, FailureKind};
use cw_client::Error;
use rmcp::model::{CallToolResult, ContentBlock, MetaObject};
use serde_json::{Map, Value};

use crate::args::ArgError;

/// A failed tool call: what went wrong, for whom, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolFailure {
    /// Failure class.
    pub kind: FailureKind,
    /// The message shown to the model.
    pub message: String,
    /// Seconds to wait before trying again, for `rate_limited` and `budget_exhausted`.
    pub retry_after: Option<u64>,
}

impl ToolFailure {
    /// A failure of `kind` saying `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A bad or missing argument.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(FailureKind::InvalidArguments, message)
    }

    /// Nothing at the path or with the name asked for.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(FailureKind::NotFound, message)
    }

    /// A ConnectWise failure, with `not_found` phrased for the record asked for.
    pub fn from_client(error: Error, missing: impl FnOnce() -> String) -> Self {
        let kind = match &error {
            Error::Conditions { .. } | Error::InvalidRequest(_) | Error::Config(_) => {
                FailureKind::InvalidArguments
            }
            Error::BadRequest(_) => FailureKind::BadRequest,
            Error::NotFound(_) => FailureKind::NotFound,
            Error::RateLimited { .. } => FailureKind::RateLimited,
            Error::Unauthorized { .. } => FailureKind::UpstreamAuth,
            Error::Forbidden(_) => FailureKind::UpstreamForbidden,
            Error::Timeout(_) => FailureKind::Timeout,
            Error::Connection { .. } => FailureKind::Unreachable,
            Error::Server { .. } | Error::Status { .. } | Error::InvalidResponse { .. } => {
                FailureKind::UpstreamError
            }
            Error::Denied(_) => FailureKind::Denied,
            Error::NoCredentials => FailureKind::MissingCredentials,
            Error::BudgetExhausted { .. } => FailureKind::BudgetExhausted,
        };
        let retry_after = match &error {
            Error::RateLimited { retry_after, .. } => retry_after.map(|d| d.as_secs()),
            Error::BudgetExhausted { per_minute, .. } => {
                Some(u64::from(60 / (*per_minute).clamp(1, 60)))
            }
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
            message,
            retry_after,
        }
    }

    /// The failure as an MCP tool error (`isError: true`).
    pub fn into_result(self) -> CallToolResult {
        let detail = FailureDetail {
            kind: self.kind,
            retry_after: self.retry_after,
        };
        let mut meta = Map::new();
        meta.insert(
            ERROR_META_KEY.to_owned(),
            serde_json::to_value(detail).unwrap_or_default(),
        );
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
    let at = error.position.min(text.len());
    let column = text[..at].chars().count();
    let single_line = text.replace(['\n', '\r', '\t'], " ");
    // What models write between two comparisons instead of AND.
    let rest = text[at..].trim_start();
    let joiner = [";", ",", "&&", "&", "||"]
        .iter()
        .find(|j| rest.starts_with(*j))
        .map(|j| format!(" Join two comparisons with AND (or OR), not `{j}`."))
        .unwrap_or_default();
    format!(
        "`{parameter}` has a syntax error at character {}: expected {}, found {}.{joiner}\n  {single_line}\n  {}^\nExample: closedFlag = false AND company/identifier = \"ACME\"",
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
