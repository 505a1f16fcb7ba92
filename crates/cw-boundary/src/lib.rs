//! What `cw-bridge` and its `cw-mcp-server` child say to each other beyond plain
//! MCP: the `_meta` keys, the failure kinds, the tool-name rule, the credentials
//! a call carries in per-request mode, and the report of what a call sent to
//! ConnectWise. Both sides compile against this one crate, so neither spells a
//! literal of the other.

use std::fmt;

use serde::{Deserialize, Serialize};

mod roles;
pub use roles::{CALLER_META_KEY, CallerIdentity, Role, Roles};

/// Result `_meta` key of a failed call's [`FailureDetail`].
pub const ERROR_META_KEY: &str = "connectwise/error";
/// Request `_meta` key of the [`CallCredentials`] a call runs with (per-request mode).
pub const CREDENTIALS_META_KEY: &str = "connectwise/credentials";
/// Result `_meta` key of the [`CallReport`]: what the call sent to ConnectWise.
pub const REPORT_META_KEY: &str = "connectwise/report";

/// The prefix every tool name carries; callers may leave it out.
pub const TOOL_PREFIX: &str = "connectwise_";

/// True when `asked` names the tool `listed`, with or without [`TOOL_PREFIX`].
pub fn names_tool(listed: &str, asked: &str) -> bool {
    listed == asked || listed.strip_prefix(TOOL_PREFIX) == Some(asked)
}

/// Whose ConnectWise keys a call reads with (`CW_CREDENTIALS`), which the bridge passes to
/// its child as `--credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// The server's own keys (`CW_COMPANY_ID`, `CW_PUBLIC_KEY`, `CW_PRIVATE_KEY`), for every call.
    #[default]
    Server,
    /// Each call's own, from its caller's `X-CW-*` headers.
    Request,
}

impl Credentials {
    /// Reads `server` or `request`; the error says which words are allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "server" => Ok(Self::Server),
            "request" => Ok(Self::Request),
            other => Err(format!(
                "{other:?} is neither server (the server's own keys) nor request (each call's X-CW-* headers)"
            )),
        }
    }

    /// The setting's word for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Request => "request",
        }
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The one grammar of a yes-or-no setting, for every binary and the client alike:
/// `true`, `yes`, `on`, `1` or `false`, `no`, `off`, `0`, in any case.
pub fn parse_flag(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{text:?} is not true or false")),
    }
}

/// Why a tool call failed, in words both sides know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// A bad or missing argument.
    InvalidArguments,
    /// ConnectWise refused the request as malformed (400).
    BadRequest,
    /// No such record, path or name.
    NotFound,
    /// ConnectWise throttled (429).
    RateLimited,
    /// No tool of that name.
    UnknownTool,
    /// ConnectWise did not accept the credentials (401).
    UpstreamAuth,
    /// The API member's security role forbids it (403 from ConnectWise).
    UpstreamForbidden,
    /// ConnectWise did not answer in time.
    Timeout,
    /// ConnectWise could not be reached.
    Unreachable,
    /// ConnectWise failed or answered something unreadable.
    UpstreamError,
    /// The operator's access policy denies the tool or the path.
    Denied,
    /// Per-request mode and the call carries no complete credentials.
    MissingCredentials,
    /// Per-request mode and the call names a site the operator does not allow.
    SiteNotAllowed,
    /// The credential's request budget stayed exhausted for longer than the wait allowed.
    BudgetExhausted,
}

impl FailureKind {
    /// The snake_case name, as it travels and as metrics label it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::InvalidArguments => "invalid_arguments",
            FailureKind::BadRequest => "bad_request",
            FailureKind::NotFound => "not_found",
            FailureKind::RateLimited => "rate_limited",
            FailureKind::UnknownTool => "unknown_tool",
            FailureKind::UpstreamAuth => "upstream_auth",
            FailureKind::UpstreamForbidden => "upstream_forbidden",
            FailureKind::Timeout => "timeout",
            FailureKind::Unreachable => "unreachable",
            FailureKind::UpstreamError => "upstream_error",
            FailureKind::Denied => "denied",
            FailureKind::MissingCredentials => "missing_credentials",
            FailureKind::SiteNotAllowed => "site_not_allowed",
            FailureKind::BudgetExhausted => "budget_exhausted",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The class of a failed call, under [`ERROR_META_KEY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureDetail {
    /// What kind of failure.
    pub kind: FailureKind,
    /// Seconds to wait before trying again, when that is known.
    #[serde(
        rename = "retryAfter",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_after: Option<u64>,
}

/// ConnectWise credentials for one call, in per-request mode: the technician's own
/// API member. Formatting never shows the keys.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallCredentials {
    /// The ConnectWise company id used at login.
    pub company_id: String,
    /// The API member's public key.
    pub public_key: String,
    /// The API member's private key.
    pub private_key: String,
    /// The integration's clientId; the server's own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Which allowed site to read; the server's own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

impl fmt::Debug for CallCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallCredentials")
            .field("company_id", &self.company_id)
            .field("site", &self.site)
            .finish_non_exhaustive()
    }
}

/// A short, stable, non-reversible name for a public key (`pk-` and 12 hex digits of its
/// SHA-256), for audit lines that must tell technicians apart without showing their keys.
pub fn public_key_id(public_key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key.as_bytes());
    let hex: String = digest.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("pk-{hex}")
}

/// One request a call sent to ConnectWise, and how it was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRequest {
    /// The path below `/apis/3.0`, with its query.
    pub path: String,
    /// ConnectWise's status; absent when no answer came (timeout, connection failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// What one call cost ConnectWise, and what its answer held that an auditor should see,
/// under [`REPORT_META_KEY`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallReport {
    /// The requests sent, in order (retries included), up to [`CallReport::MAX_LISTED`].
    pub requests: Vec<SentRequest>,
    /// Requests sent beyond those listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unlisted: u64,
    /// Attempts that were retries of a failed one.
    #[serde(default)]
    pub retries: u64,
    /// 429 answers received.
    #[serde(default)]
    pub throttled: u64,
    /// Answers taken from the reference-list cache instead of a request.
    #[serde(default)]
    pub cache_hits: u64,
    /// Answers shared from an identical request another call had in flight.
    #[serde(default)]
    pub coalesced: u64,
    /// Milliseconds spent waiting for the credential's request budget.
    #[serde(default)]
    pub budget_wait_ms: u64,
    /// Budget turns and cache lookups the replicas' shared store (Redis) answered.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shared_reads: u64,
    /// Budget turns and cache lookups that used this replica's own state because the shared
    /// store was away or slow.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shared_fallbacks: u64,
    /// Fields of the answer (by path: `items/summary`) whose text, seen or hidden, reads like
    /// instructions to a model: a possible prompt injection, quoted and flagged as data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instruction_like: Vec<String>,
    /// Characters removed from the answer because a reader cannot see them (zero-width,
    /// bidirectional overrides, tag characters).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hidden_characters_removed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl CallReport {
    /// Most requests listed one by one; more are only counted.
    pub const MAX_LISTED: usize = 64;

    /// Adds a sent request.
    pub fn sent(&mut self, path: String, status: Option<u16>) {
        if self.requests.len() < Self::MAX_LISTED {
            self.requests.push(SentRequest { path, status });
        } else {
            self.unlisted += 1;
        }
        if status == Some(429) {
            self.throttled += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_is_named_with_or_without_its_prefix() {
        assert!(names_tool(
            "connectwise_get_tickets",
            "connectwise_get_tickets"
        ));
        assert!(names_tool("connectwise_get_tickets", "get_tickets"));
        assert!(!names_tool("connectwise_get_tickets", "tickets"));
        assert!(!names_tool(
            "connectwise_get_tickets",
            "connectwise_get_ticket"
        ));
    }

    #[test]
    fn kinds_travel_as_their_names() {
        for kind in [FailureKind::InvalidArguments, FailureKind::SiteNotAllowed] {
            let text = serde_json::to_string(&kind).unwrap();
            assert_eq!(text, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<FailureKind>(&text).unwrap(), kind);
        }
    }

    #[test]
    fn credentials_never_show_their_keys() {
        let credentials = CallCredentials {
            company_id: "acme".into(),
            public_key: "pub-123".into(),
            private_key: "priv-456".into(),
            client_id: None,
            site: None,
        };
        let shown = format!("{credentials:?}");
        assert!(
            !shown.contains("pub-123") && !shown.contains("priv-456"),
            "{shown}"
        );
    }

    #[test]
    fn a_public_key_id_is_stable_and_hides_the_key() {
        assert_eq!(public_key_id("tech-public"), public_key_id("tech-public"));
        assert_ne!(public_key_id("tech-public"), public_key_id("demo-public"));
        assert!(!public_key_id("tech-public").contains("tech"));
        assert_eq!(public_key_id("tech-public").len(), 15);
    }

    #[test]
    fn a_report_lists_a_bounded_number_of_requests() {
        let mut report = CallReport::default();
        for n in 0..CallReport::MAX_LISTED + 3 {
            report.sent(format!("/service/tickets/{n}"), Some(429));
        }
        assert_eq!(report.requests.len(), CallReport::MAX_LISTED);
        assert_eq!(report.unlisted, 3);
        assert_eq!(report.throttled, CallReport::MAX_LISTED as u64 + 3);
    }

    #[test]
    fn settings_read_one_grammar() {
        for (text, flag) in [
            ("true", true),
            ("YES", true),
            (" on ", true),
            ("1", true),
            ("False", false),
            ("no", false),
            ("off", false),
            ("0", false),
        ] {
            assert_eq!(parse_flag(text), Ok(flag), "{text}");
        }
        assert!(
            parse_flag("maybe")
                .unwrap_err()
                .contains("not true or false")
        );
        assert_eq!(Credentials::parse("Request"), Ok(Credentials::Request));
        assert_eq!(
            Credentials::parse("server")
                .map(|c| c.to_string())
                .as_deref(),
            Ok("server")
        );
        assert!(
            Credentials::parse("header")
                .unwrap_err()
                .contains("neither server")
        );
    }
}
