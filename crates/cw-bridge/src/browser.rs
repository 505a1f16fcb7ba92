//! What web pages may do with the bridge. A bridge on a technician's machine
//! is reachable from every page their browser opens, so:
//! - every route checks `Host` against the allowed names, which defeats DNS
//!   rebinding (a page whose own name resolves to 127.0.0.1); `/mcp` relies
//!   on it too, so rmcp's own check is given no list;
//! - a request that carries an `Origin` the operator did not name is refused,
//!   so no page can read ConnectWise through the bridge, preflight or not;
//! - CORS answers only for the named origins (BRIDGE_CORS_ORIGINS), which
//!   the configuration allows only together with a key.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::config::Options;
use crate::errors::ApiError;

/// The allowed `Host` names and `Origin`s.
#[derive(Debug, Clone)]
pub struct BrowserPolicy {
    /// Allowed hosts as `host` or `host:port`; empty accepts any.
    hosts: Arc<[Authority]>,
    /// Allowed origins, lower case; `None` means any (`*`).
    origins: Option<Arc<[String]>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Authority {
    host: String,
    port: Option<u16>,
}

impl Authority {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match text.parse::<axum::http::uri::Authority>() {
            Ok(authority) => Some(Self {
                host: normalize_host(authority.host()),
                port: authority.port_u16(),
            }),
            // A bare IPv6 address such as ::1 is not an authority.
            Err(_) => Some(Self {
                host: normalize_host(text),
                port: None,
            }),
        }
    }

    fn allows(&self, given: &Authority) -> bool {
        self.host == given.host && self.port.is_none_or(|port| given.port == Some(port))
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

impl BrowserPolicy {
    /// The policy of `MCP_ALLOWED_HOSTS` and `BRIDGE_CORS_ORIGINS`.
    pub fn from_options(options: &Options) -> Self {
        let hosts = if options.allowed_hosts.trim() == "*" {
            Vec::new()
        } else {
            Options::list(&options.allowed_hosts)
                .iter()
                .filter_map(|h| Authority::parse(h))
                .collect()
        };
        let origins = Options::list(&options.cors_origins);
        let origins = if origins.iter().any(|o| o == "*") {
            None
        } else {
            Some(
                origins
                    .iter()
                    .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                    .collect(),
            )
        };
        Self {
            hosts: hosts.into(),
            origins,
        }
    }

    fn host_allowed(&self, request: &Request) -> bool {
        if self.hosts.is_empty() {
            return true;
        }
        let given = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()))
            .and_then(Authority::parse);
        given.is_some_and(|given| self.hosts.iter().any(|a| a.allows(&given)))
    }

    fn origin_allowed(&self, origin: &HeaderValue) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        match &self.origins {
            None => true,
            Some(list) => {
                let origin = origin.trim_end_matches('/').to_ascii_lowercase();
                list.contains(&origin)
            }
        }
    }

    /// CORS headers for the named origins; `None` when no origin is named.
    pub fn cors(&self) -> Option<CorsLayer> {
        let layer = CorsLayer::new()
            .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
            .allow_headers(Any)
            .expose_headers([
                HeaderName::from_static("mcp-session-id"),
                HeaderName::from_static("retry-after"),
            ])
            .max_age(Duration::from_secs(3600));
        match &self.origins {
            None => Some(layer.allow_origin(Any)),
            Some(list) if list.is_empty() => None,
            Some(list) => Some(layer.allow_origin(AllowOrigin::list(
                list.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
            ))),
        }
    }
}

/// The middleware: a foreign `Host` gets 403, a foreign `Origin` gets 403.
pub async fn guard(State(policy): State<BrowserPolicy>, request: Request, next: Next) -> Response {
    if !policy.host_allowed(&request) {
        let host = request
            .headers()
            .get(header::HOST)
            .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
            .unwrap_or_default();
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "host_not_allowed",
            format!(
                "the Host {host:?} is not one this bridge serves; add it to MCP_ALLOWED_HOSTS (this check stops DNS rebinding)"
            ),
        )
        .into_response();
    }
    if let Some(origin) = request.headers().get(header::ORIGIN)
        && !policy.origin_allowed(origin)
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!(
                "requests from the web page {:?} are refused; an operator who wants a browser-side client there adds its origin to BRIDGE_CORS_ORIGINS (with BRIDGE_API_KEY set)",
                String::from_utf8_lossy(origin.as_bytes())
            ),
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn policy(args: &[&str]) -> BrowserPolicy {
        let mut argv = vec!["cw-bridge"];
        argv.extend_from_slice(args);
        BrowserPolicy::from_options(&Options::parse_from(argv))
    }

    fn request(host: &str) -> Request {
        Request::builder()
            .uri("/v1/tools")
            .header("host", host)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn hosts_match_by_name_with_any_port_or_the_named_port() {
        let p = policy(&["--allowed-hosts", "localhost,::1,bridge.example:8443"]);
        for ok in [
            "localhost",
            "LOCALHOST:3002",
            "[::1]:3002",
            "bridge.example:8443",
        ] {
            assert!(p.host_allowed(&request(ok)), "{ok}");
        }
        for refused in [
            "evil.example",
            "localhost.evil.example",
            "bridge.example:80",
            "",
        ] {
            assert!(!p.host_allowed(&request(refused)), "{refused}");
        }
        assert!(policy(&["--allowed-hosts", "*"]).host_allowed(&request("evil.example")));
    }

    #[test]
    fn origins_are_refused_unless_named() {
        let default = policy(&[]);
        assert!(default.cors().is_none());
        assert!(!default.origin_allowed(&HeaderValue::from_static("https://evil.example")));
        let named = policy(&["--cors-origins", "https://chat.example.com/"]);
        assert!(named.cors().is_some());
        assert!(named.origin_allowed(&HeaderValue::from_static("https://CHAT.example.com")));
        assert!(!named.origin_allowed(&HeaderValue::from_static("https://evil.example")));
        assert!(!named.origin_allowed(&HeaderValue::from_static("null")));
        assert!(policy(&["--cors-origins", "*"]).origin_allowed(&HeaderValue::from_static("null")));
    }
}
