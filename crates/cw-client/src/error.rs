//! Typed failures, each keeping what ConnectWise said.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::conditions::ParseError;
use crate::identity::KeySource;

/// ConnectWise's error body: `{"code", "message", "errors": [...]}`. The
/// throttling answer uses `error` instead of `code`; both are read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// A short code such as `InvalidObject`, `NotFound`, `OutOfRange`.
    #[serde(default, alias = "error")]
    pub code: String,
    /// ConnectWise's message.
    #[serde(default)]
    pub message: String,
    /// Field-level details, when given.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub errors: Vec<FieldError>,
}

/// One entry of `errors[]` in a ConnectWise error body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    /// The entry's code.
    #[serde(default)]
    pub code: String,
    /// The entry's message.
    #[serde(default)]
    pub message: String,
    /// The resource named, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The field named, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<FieldError>, D::Error> {
    Ok(Option::<Vec<FieldError>>::deserialize(d)?.unwrap_or_default())
}

impl ApiError {
    /// Reads a ConnectWise error body; anything else becomes its (shortened) text.
    pub fn from_body(body: &[u8]) -> Self {
        match serde_json::from_slice::<ApiError>(body) {
            Ok(parsed) if !parsed.message.is_empty() || !parsed.code.is_empty() => parsed,
            _ => ApiError {
                message: String::from_utf8_lossy(&body[..body.len().min(300)])
                    .trim()
                    .to_owned(),
                ..ApiError::default()
            },
        }
    }

    /// The message followed by every field error's message.
    pub fn describe(&self) -> String {
        let mut text = if self.message.is_empty() {
            self.code.clone()
        } else {
            self.message.clone()
        };
        for detail in &self.errors {
            if !detail.message.is_empty() && detail.message != self.message {
                text.push_str("; ");
                if let Some(field) = &detail.field {
                    text.push_str(field);
                    text.push_str(": ");
                }
                text.push_str(&detail.message);
            }
        }
        text
    }
}

/// Why a configuration could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Some credential variables are unset or empty.
    #[error("missing ConnectWise credentials: {} (set them in the environment or in .env)", .0.join(", "))]
    MissingCredentials(Vec<&'static str>),
    /// A variable has a value the client cannot use.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        name: &'static str,
        /// What is wrong and what a good value looks like.
        reason: String,
    },
}

/// Everything that can go wrong talking to ConnectWise.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The configuration is incomplete or wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A conditions argument does not parse; nothing was sent.
    #[error("{parameter}: {source}")]
    Conditions {
        /// `conditions`, `childConditions` or `customFieldConditions`.
        parameter: &'static str,
        /// The syntax error with its position.
        source: ParseError,
    },
    /// The request was refused before sending (page size, orderBy form, URL length...).
    #[error("{0}")]
    InvalidRequest(String),
    /// 400: ConnectWise refused the request.
    #[error("ConnectWise rejected the request (400 {}): {}", .0.code, .0.describe())]
    BadRequest(ApiError),
    /// 401: the credentials were not accepted.
    #[error(
        "ConnectWise authentication failed (401): check {}. ConnectWise said: {}",
        .keys.what_to_check(),
        .body.describe()
    )]
    Unauthorized {
        /// The body it sent.
        body: ApiError,
        /// Where the refused keys came from.
        keys: KeySource,
    },
    /// 403: the API member lacks a security role for this resource.
    #[error("ConnectWise refused access (403): the API member's security role does not allow this. ConnectWise said: {}", .0.describe())]
    Forbidden(ApiError),
    /// 404: no such record or path.
    #[error("not found (404): {}", .0.describe())]
    NotFound(ApiError),
    /// 429: throttled; `retry_after` is ConnectWise's advice.
    #[error("ConnectWise is throttling requests (429){}: {}", .retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default(), .body.describe())]
    RateLimited {
        /// How long ConnectWise asked to wait.
        retry_after: Option<Duration>,
        /// The body it sent.
        body: ApiError,
    },
    /// 5xx: ConnectWise failed.
    #[error("ConnectWise failed ({status}): {}", .body.describe())]
    Server {
        /// The HTTP status.
        status: u16,
        /// The body it sent.
        body: ApiError,
    },
    /// Any other non-success status.
    #[error("ConnectWise answered {status}: {}", .body.describe())]
    Status {
        /// The HTTP status.
        status: u16,
        /// The body it sent.
        body: ApiError,
    },
    /// No answer within the configured timeout.
    #[error("ConnectWise did not answer within {} s (CW_TIMEOUT_SECS)", .0.as_secs_f32())]
    Timeout(Duration),
    /// The connection could not be made or broke.
    #[error("could not reach ConnectWise at {url}: {reason} (check CW_API_URL and the network)")]
    Connection {
        /// The site contacted (no query, no credentials).
        url: String,
        /// What failed.
        reason: String,
    },
    /// The operator's access policy denies the path; nothing was sent.
    #[error("{0}")]
    Denied(String),
    /// The client holds no credentials (per-request mode, used without a caller's); nothing was sent.
    #[error("no ConnectWise credentials were given for this call")]
    NoCredentials,
    /// The credential's request budget stayed exhausted for longer than the client may wait.
    #[error("the request budget of these ConnectWise credentials ({per_minute} a minute, CW_REQUEST_BUDGET) is spent and would not free up within {} s (CW_BUDGET_WAIT_SECS); ask again in a minute, with fewer or narrower calls", .waited.as_secs())]
    BudgetExhausted {
        /// The budget, requests a minute.
        per_minute: u32,
        /// The longest wait allowed.
        waited: Duration,
    },
    /// The answer was not the JSON expected.
    #[error("ConnectWise sent an answer that could not be read ({status}): {reason}")]
    InvalidResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        reason: String,
    },
}

impl Error {
    /// True for failures worth trying again: 429, 5xx and broken connections.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. } | Error::Server { .. } | Error::Connection { .. }
        )
    }

    /// The HTTP status ConnectWise answered with, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::BadRequest(_) => Some(400),
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden(_) => Some(403),
            Error::NotFound(_) => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::Server { status, .. }
            | Error::Status { status, .. }
            | Error::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Maps a non-success answer to its error.
    pub(crate) fn from_status(
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
        keys: KeySource,
    ) -> Self {
        let body = ApiError::from_body(body);
        match status {
            400 => Error::BadRequest(body),
            401 => Error::Unauthorized { body, keys },
            403 => Error::Forbidden(body),
            404 => Error::NotFound(body),
            429 => Error::RateLimited { retry_after, body },
            500..=599 => Error::Server { status, body },
            _ => Error::Status { status, body },
        }
    }
}
