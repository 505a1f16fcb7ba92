//! Who is calling, read from the HTTP request: the identity an audit line names
//! and, in per-request mode, the ConnectWise credentials the call runs with.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use cw_boundary::{CallCredentials, CallerIdentity};
use serde::Serialize;

use crate::roles::{Assignment, RoleBook};
use crate::signin::SignedIn;

/// How [`crate::auth`] let a request in, kept in its extensions for the audit line.
#[derive(Debug, Clone)]
pub enum Authenticated {
    /// With BRIDGE_API_KEY.
    Key,
    /// With an access token that signs in this user, and the role CW_ROLES_FILE gives them.
    User(Box<(SignedIn, Option<Assignment>)>),
}

/// What the bridge's settings say about reading callers.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    /// Each call brings its own ConnectWise credentials (CW_CREDENTIALS=request).
    pub per_request: bool,
    /// BRIDGE_TRUST_USER_HEADERS.
    pub trust_user_headers: bool,
    /// The roles file, for the members it maps trusted header users to.
    pub roles: Option<&'a RoleBook>,
}

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
    /// The user a checked access token signed in (see [`crate::signin`]): who is asking,
    /// verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_in: Option<SignedIn>,
    /// The role CW_ROLES_FILE gives the signed-in user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The ConnectWise member the operator mapped the user to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// `unverified` when the call carries `X-OpenWebUI-User-*` headers the operator does not
    /// trust (anyone can send them), `trusted` when BRIDGE_TRUST_USER_HEADERS says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_headers: Option<&'static str>,
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
    /// The caller of a request with these parts, with what [`crate::auth`] found of its
    /// key or token; `per_request` reads the `X-CW-*` headers.
    pub fn from_parts(parts: &Parts, reading: Reading<'_>) -> Self {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let mut caller = Self::from_headers(
            &parts.headers,
            address,
            reading.per_request,
            reading.trust_user_headers,
        );
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated::Key) => caller.key = Some("bridge-key"),
            Some(Authenticated::User(signed_in)) => {
                let (user, assignment) = signed_in.as_ref();
                caller.signed_in = Some(user.clone());
                if let Some(assignment) = assignment {
                    caller.role = Some(assignment.role.clone());
                    caller.member = assignment.member.clone();
                    if let Some(set) = &assignment.credentials {
                        caller = caller.with_credentials(Some(set.clone()));
                    }
                }
            }
            None => {}
        }
        if caller.signed_in.is_none()
            && caller.user_headers == Some("trusted")
            && let (Some(book), Some(email)) = (reading.roles, &caller.user_email)
        {
            caller.member = book.member_of(email).map(str::to_owned);
        }
        caller
    }

    /// Who the call is for, as the child reads it: the signed-in user (or the e-mail of
    /// trusted OpenWebUI headers), their role and member; `None` for anyone else.
    pub fn identity(&self) -> Option<CallerIdentity> {
        let email = match &self.signed_in {
            Some(user) => user.email.clone(),
            None if self.user_headers == Some("trusted") => self.user_email.clone(),
            None => return None,
        };
        Some(CallerIdentity {
            role: self.role.clone(),
            email,
            member: self.member.clone(),
        })
        .filter(|identity| identity != &CallerIdentity::default())
    }

    /// The caller with these call credentials, named in the audit by company and key id.
    fn with_credentials(mut self, credentials: Option<CallCredentials>) -> Self {
        self.company_id = credentials
            .as_ref()
            .filter(|c| !c.company_id.is_empty())
            .map(|c| c.company_id.chars().take(MAX_SHOWN).collect());
        self.public_key_id = credentials
            .as_ref()
            .filter(|c| !c.public_key.is_empty())
            .map(|c| cw_boundary::public_key_id(&c.public_key));
        self.credentials = credentials;
        self
    }

    /// The caller from request headers and the client's address.
    pub fn from_headers(
        headers: &HeaderMap,
        address: Option<IpAddr>,
        per_request: bool,
        trust_user_headers: bool,
    ) -> Self {
        let shown = |name: &str| {
            text(headers, name).map(|value| value.chars().take(MAX_SHOWN).collect::<String>())
        };
        let credentials = per_request.then(|| credentials(headers)).flatten();
        let user_email = shown("x-openwebui-user-email");
        let user_id = shown("x-openwebui-user-id");
        let user_name = shown("x-openwebui-user-name");
        let user_headers = (user_email.is_some() || user_id.is_some() || user_name.is_some())
            .then_some(if trust_user_headers {
                "trusted"
            } else {
                "unverified"
            });
        Self {
            address,
            user_headers,
            user_email,
            user_id,
            user_name,
            chat_id: shown("x-openwebui-chat-id"),
            ..Self::default()
        }
        .with_credentials(credentials)
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
    fn only_trusted_user_headers_say_who_me_is() {
        let given = headers(&[("x-openwebui-user-email", "ann@msp.example")]);
        assert_eq!(
            Caller::from_headers(&given, None, false, false).identity(),
            None
        );
        let trusted = Caller::from_headers(&given, None, false, true)
            .identity()
            .unwrap();
        assert_eq!(trusted.email.as_deref(), Some("ann@msp.example"));
        assert_eq!(trusted.role, None);
        assert_eq!(
            Caller::from_headers(&HeaderMap::new(), None, false, true).identity(),
            None
        );
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
