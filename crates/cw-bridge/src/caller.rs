//! Who is calling, read from the HTTP request: the identity an audit line names
//! and, in per-request mode, the ConnectWise credentials the call runs with.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use cw_boundary::CallCredentials;
use serde::Serialize;

/// Longest header value an audit line keeps.
const MAX_SHOWN: usize = 256;

/// The caller of one tool call.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    /// The client's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// `bridge-key` when the call came with BRIDGE_API_KEY; absent when no key is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'static str>,
    /// The OpenWebUI user's e-mail (`X-OpenWebUI-User-Email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_email: Option<String>,
    /// The OpenWebUI user's id (`X-OpenWebUI-User-Id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The OpenWebUI user's name (`X-OpenWebUI-User-Name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The OpenWebUI chat (`X-OpenWebUI-Chat-Id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// In per-request mode, the ConnectWise company of the call's credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// In per-request mode, which public key: a hash, never the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_id: Option<String>,
    /// The call's ConnectWise credentials (per-request mode); never serialized.
    #[serde(skip)]
    pub credentials: Option<CallCredentials>,
}

impl Caller {
    /// The caller of a request with these parts; `per_request` reads the `X-CW-*` headers.
    pub fn from_parts(parts: &Parts, per_request: bool, key_required: bool) -> Self {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Self::from_headers(&parts.headers, address, per_request, key_required)
    }

    /// The caller from request headers and the client's address.
    pub fn from_headers(
        headers: &HeaderMap,
        address: Option<IpAddr>,
        per_request: bool,
        key_required: bool,
    ) -> Self {
        let shown = |name: &str| {
            text(headers, name).map(|value| value.chars().take(MAX_SHOWN).collect::<String>())
        };
        let credentials = per_request.then(|| credentials(headers)).flatten();
        Self {
            address,
            key: (key_required && headers.contains_key(header::AUTHORIZATION))
                .then_some("bridge-key"),
            user_email: shown("x-openwebui-user-email"),
            user_id: shown("x-openwebui-user-id"),
            user_name: shown("x-openwebui-user-name"),
            chat_id: shown("x-openwebui-chat-id"),
            company_id: credentials
                .as_ref()
                .filter(|c| !c.company_id.is_empty())
                .map(|c| c.company_id.chars().take(MAX_SHOWN).collect()),
            public_key_id: credentials
                .as_ref()
                .filter(|c| !c.public_key.is_empty())
                .map(|c| cw_boundary::public_key_id(&c.public_key)),
            credentials,
        }
    }
}

/// The `X-CW-*` headers as call credentials; `None` when none of them is sent.
fn credentials(headers: &HeaderMap) -> Option<CallCredentials> {
    let get = |name| text(headers, name).unwrap_or_default();
    let credentials = CallCredentials {
        company_id: get("x-cw-company-id"),
        public_key: get("x-cw-public-key"),
        private_key: get("x-cw-private-key"),
        client_id: text(headers, "x-cw-client-id"),
        site: text(headers, "x-cw-site"),
    };
    let any = !credentials.company_id.is_empty()
        || !credentials.public_key.is_empty()
        || !credentials.private_key.is_empty()
        || credentials.client_id.is_some()
        || credentials.site.is_some();
    any.then_some(credentials)
}

fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_caller_names_the_user_and_hides_the_keys() {
        let given = headers(&[
            ("x-openwebui-user-email", "ann@msp.example"),
            ("x-openwebui-chat-id", "chat-1"),
            ("x-cw-company-id", "demo"),
            ("x-cw-public-key", "tech-public"),
            ("x-cw-private-key", "tech-private"),
        ]);
        let caller = Caller::from_headers(&given, None, true, false);
        let shown = serde_json::to_string(&caller).unwrap();
        assert!(
            shown.contains("ann@msp.example") && shown.contains("chat-1"),
            "{shown}"
        );
        assert!(
            shown.contains("\"companyId\":\"demo\"") && shown.contains("pk-"),
            "{shown}"
        );
        assert!(
            !shown.contains("tech-public") && !shown.contains("tech-private"),
            "{shown}"
        );
        assert!(!format!("{caller:?}").contains("tech-private"));
        assert_eq!(caller.credentials.unwrap().private_key, "tech-private");
    }

    #[test]
    fn server_mode_reads_no_credentials() {
        let given = headers(&[("x-cw-public-key", "k")]);
        assert!(
            Caller::from_headers(&given, None, false, false)
                .credentials
                .is_none()
        );
        assert!(
            Caller::from_headers(&HeaderMap::new(), None, true, false)
                .credentials
                .is_none()
        );
    }
}
