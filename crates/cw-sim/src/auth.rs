//! The credential and clientId checks ConnectWise makes on every API request.

use axum::http::{HeaderMap, header::AUTHORIZATION};
use base64::Engine as _;

use crate::errors::SimError;
use crate::members::Member;

/// The credentials the simulator accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Company id (compared case-insensitively, as ConnectWise does).
    pub company: String,
    /// Public key.
    pub public_key: String,
    /// Private key.
    pub private_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("company", &self.company)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The documented demo credentials: `demo` / `demo-public` / `demo-private`.
    pub fn demo() -> Self {
        Self {
            company: "demo".into(),
            public_key: "demo-public".into(),
            private_key: "demo-private".into(),
        }
    }

    fn accepts(&self, header: &str) -> bool {
        let Some(token) = header
            .strip_prefix("Basic ")
            .or_else(|| header.strip_prefix("basic "))
        else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((login, private)) = decoded.split_once(':') else {
            return false;
        };
        let Some((company, public)) = login.split_once('+') else {
            return false;
        };
        company.eq_ignore_ascii_case(&self.company)
            && public == self.public_key
            && private == self.private_key
    }
}

/// The member whose credentials the request carries, or ConnectWise's 401.
pub fn authenticate<'m>(
    headers: &HeaderMap,
    members: &'m [Member],
    pinned_client_id: Option<&str>,
) -> Result<&'m Member, SimError> {
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(member) = members.iter().find(|m| m.credentials.accepts(header)) else {
        return Err(SimError::Unauthorized(
            "The credentials provided are not valid: use Basic auth with company+publicKey:privateKey".into(),
        ));
    };
    let client_id = headers
        .get("clientid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let valid = match pinned_client_id {
        Some(pinned) => client_id.eq_ignore_ascii_case(pinned),
        None => cw_client::is_guid(client_id),
    };
    if !valid {
        let message = if client_id.is_empty() {
            "A clientId header is required. Register an integration in the ConnectWise developer network to get one".to_owned()
        } else {
            format!("clientId {client_id:?} is not recognised")
        };
        return Err(SimError::Unauthorized(message));
    }
    Ok(member)
}
