//! Whose ConnectWise credentials a request carries: the headers they make and a
//! fingerprint that keys the caches, the coalescing and the budget without keeping
//! the keys themselves.

use base64::Engine as _;
use reqwest::header::HeaderValue;

use crate::error::Error;
use crate::secret::Secret;

/// SHA-256 of a credential set and its site.
pub type Fingerprint = [u8; 32];

/// Where an API member's keys came from: where to look when ConnectWise refuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The configuration: `CW_COMPANY_ID`, `CW_PUBLIC_KEY`, `CW_PRIVATE_KEY`, `CW_CLIENT_ID`.
    Settings,
    /// The caller of one call: its `X-CW-*` headers.
    Caller,
}

impl KeySource {
    /// What to check, as a 401's message says it.
    pub fn what_to_check(self) -> &'static str {
        match self {
            KeySource::Settings => {
                "CW_COMPANY_ID, CW_PUBLIC_KEY and CW_PRIVATE_KEY, and that CW_CLIENT_ID is a registered clientId"
            }
            KeySource::Caller => {
                "the X-CW-Company-Id, X-CW-Public-Key and X-CW-Private-Key sent with this call (in OpenWebUI, the ConnectWise tool's user valves) and the clientId"
            }
        }
    }
}

/// One API member's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The ConnectWise company id used at login.
    pub company_id: String,
    /// The API member's public key.
    pub public_key: Secret,
    /// The API member's private key.
    pub private_key: Secret,
    /// The integration's clientId.
    pub client_id: String,
    /// Where the keys came from.
    pub source: KeySource,
}

/// The request headers and keys of one member at one site.
pub(crate) struct Identity {
    pub(crate) authorization: HeaderValue,
    pub(crate) client_id: HeaderValue,
    pub(crate) company_id: String,
    pub(crate) site_url: String,
    pub(crate) base_url: String,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) source: KeySource,
}

impl Identity {
    pub(crate) fn new(
        credentials: &Credentials,
        site_url: &str,
        codebase: &str,
    ) -> Result<Self, Error> {
        let invalid = |what: &str| {
            Error::InvalidRequest(format!(
                "{what} holds characters not allowed in an HTTP header"
            ))
        };
        let login = format!(
            "{}+{}:{}",
            credentials.company_id,
            credentials.public_key.expose(),
            credentials.private_key.expose()
        );
        let token = base64::engine::general_purpose::STANDARD.encode(&login);
        let mut authorization = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| invalid("the credentials"))?;
        authorization.set_sensitive(true);
        let client_id =
            HeaderValue::from_str(&credentials.client_id).map_err(|_| invalid("the clientId"))?;
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        for part in [site_url, &login, &credentials.client_id] {
            digest.update(part.as_bytes());
            digest.update(&[0]);
        }
        let mut fingerprint = [0; 32];
        fingerprint.copy_from_slice(digest.finish().as_ref());
        Ok(Self {
            authorization,
            client_id,
            company_id: credentials.company_id.clone(),
            site_url: site_url.to_owned(),
            base_url: format!("{site_url}/{codebase}/apis/3.0"),
            fingerprint,
            source: credentials.source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(private: &str) -> Credentials {
        Credentials {
            company_id: "acme".into(),
            public_key: Secret::new("pub"),
            private_key: Secret::new(private),
            client_id: "client".into(),
            source: KeySource::Settings,
        }
    }

    #[test]
    fn fingerprints_differ_by_key_and_site_and_hide_the_keys() {
        let one = Identity::new(&member("a"), "https://x", "v4_6_release").unwrap();
        let two = Identity::new(&member("b"), "https://x", "v4_6_release").unwrap();
        let three = Identity::new(&member("a"), "https://y", "v4_6_release").unwrap();
        assert_ne!(one.fingerprint, two.fingerprint);
        assert_ne!(one.fingerprint, three.fingerprint);
        assert!(one.authorization.is_sensitive());
    }
}
