//! Sign-in with the operator's identity provider: the bridge as an OAuth 2.1 resource server.
//!
//! With `BRIDGE_OAUTH_ISSUER` set, a guarded route takes a bearer access token from that
//! issuer: a JWT whose signature is checked here against the issuer's published keys (JWKS,
//! fetched and kept for a while, fetched again for a key it does not know: rotation), with
//! its `iss`, its audience (this bridge's resource, RFC 8707), `exp`/`nbf` and the required
//! scopes. Only asymmetric algorithms are taken, so no token can be signed with a public key
//! as a secret, and `alg: none` never parses. A token for another resource is refused, never
//! passed on. The protected-resource metadata (RFC 9728) tells clients where to sign in.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The path of the metadata for the whole bridge; [`MCP_METADATA_PATH`] is that of `/mcp`.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";
/// The path-suffixed metadata of the `/mcp` resource (RFC 9728 section 3.1).
pub const MCP_METADATA_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

/// The signature algorithms taken: asymmetric ones only.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];
/// How long fetched keys are used before they are fetched again.
const KEYS_KEPT: Duration = Duration::from_secs(600);
/// The least time between two fetches made for a key the kept set lacks, so tokens naming
/// unknown keys cannot make the bridge hammer the identity provider.
const LEAST_REFETCH: Duration = Duration::from_secs(30);
/// How long one request to the identity provider may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest metadata or key set read from the identity provider.
const MAX_FETCHED_BYTES: usize = 256 * 1024;
/// Seconds of clock difference allowed on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

/// What the operator configured for sign-in.
#[derive(Debug, Clone)]
pub struct SignInSettings {
    /// The authorization server's issuer identifier, exactly as its tokens' `iss`.
    pub issuer: String,
    /// The bridge's public base URL, without a trailing `/`.
    pub public_url: String,
    /// The scopes every token must carry.
    pub scopes: Vec<String>,
    /// Where the issuer's keys are; `None`: read from the issuer's metadata.
    pub jwks_url: Option<String>,
    /// The claim that lists the user's groups or roles (`groups`, `roles`).
    pub groups_claim: String,
}

impl SignInSettings {
    /// The settings from the options' raw values; `Ok(None)` when sign-in is off (no issuer).
    /// A value that cannot work is an error naming the setting and the fix.
    pub fn new(
        issuer: &str,
        public_url: &str,
        scopes: &str,
        jwks_url: &str,
        groups_claim: &str,
    ) -> Result<Option<Self>, String> {
        let issuer = issuer.trim();
        if issuer.is_empty() {
            return Ok(None);
        }
        secure_url("BRIDGE_OAUTH_ISSUER", issuer)?;
        let public_url = public_url.trim().trim_end_matches('/');
        if public_url.is_empty() {
            return Err("BRIDGE_OAUTH_ISSUER is set, so BRIDGE_PUBLIC_URL must be too: the URL clients reach this bridge at (for example https://cw.example.com), which names the resource its tokens are for".into());
        }
        let parsed = reqwest::Url::parse(public_url).map_err(|e| {
            format!("BRIDGE_PUBLIC_URL is not a URL ({e}): write it as https://cw.example.com")
        })?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.path() != "/"
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err("BRIDGE_PUBLIC_URL must be an http or https URL with no path, query or fragment, such as https://cw.example.com: the bridge serves /mcp and its metadata at the root of its URL".into());
        }
        let jwks_url = jwks_url.trim();
        if !jwks_url.is_empty() {
            secure_url("BRIDGE_OAUTH_JWKS_URL", jwks_url)?;
        }
        Ok(Some(Self {
            issuer: issuer.to_owned(),
            public_url: public_url.to_owned(),
            scopes: scopes
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            jwks_url: (!jwks_url.is_empty()).then(|| jwks_url.to_owned()),
            groups_claim: match groups_claim.trim() {
                "" => "groups".to_owned(),
                claim => claim.to_owned(),
            },
        }))
    }

    /// The resources a token may be for: `/mcp` and the bridge as a whole.
    pub fn resources(&self) -> [String; 2] {
        [format!("{}/mcp", self.public_url), self.public_url.clone()]
    }

    /// Where clients read the `/mcp` resource's metadata.
    pub fn metadata_url(&self) -> String {
        format!("{}{MCP_METADATA_PATH}", self.public_url)
    }
}

/// An identity provider's URL must be https, except on this machine (tests, a local provider).
fn secure_url(setting: &str, url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        format!("{setting} is not a URL ({e}): write it as https://login.example.com/tenant")
    })?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "{setting} must be an https URL (http only for localhost): {url}"
        )),
    }
}

/// A verified user, from a token the bridge has checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    /// The issuer that vouches for the user.
    pub issuer: String,
    /// The user's stable id at that issuer (`sub`).
    pub subject: String,
    /// The user's e-mail, when the token says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's name, when the token says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The groups or roles the token's groups claim lists (at most [`MAX_GROUPS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// The token's scopes.
    #[serde(skip)]
    pub scopes: Vec<String>,
}

/// Most groups read from a token, and the longest group name kept.
pub const MAX_GROUPS: usize = 200;
const MAX_GROUP_CHARS: usize = 256;

/// Why a token was not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The token is not one this bridge takes: forged, expired, for another resource, ...
    InvalidToken(String),
    /// A good token without these required scopes.
    MissingScopes(Vec<String>),
    /// The issuer's keys could not be read, so no token can be checked now.
    Unavailable(String),
}

/// The claims read from a token; the standard ones are checked by `jsonwebtoken` (with
/// `exp`, `iss`, `aud` and `sub` required).
#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scp: Option<Value>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

impl Claims {
    /// The strings of the claim `name`: a list, or one string (space-separated, as some
    /// providers write roles).
    fn groups(&self, name: &str) -> Vec<String> {
        let listed: Vec<&str> = match self.other.get(name) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(text)) => text.split(' ').collect(),
            _ => Vec::new(),
        };
        listed
            .into_iter()
            .map(str::trim)
            .filter(|g| !g.is_empty() && g.len() <= MAX_GROUP_CHARS)
            .take(MAX_GROUPS)
            .map(str::to_owned)
            .collect()
    }

    /// `scope` (RFC 9068, space-separated) or `scp` (a string or a list, as Entra ID and Okta
    /// write it).
    fn scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = self
            .scope
            .iter()
            .flat_map(|s| s.split(' '))
            .map(str::to_owned)
            .collect();
        match &self.scp {
            Some(Value::String(s)) => scopes.extend(s.split(' ').map(str::to_owned)),
            Some(Value::Array(items)) => {
                scopes.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
            }
            _ => {}
        }
        scopes.retain(|s| !s.is_empty());
        scopes
    }
}

/// The issuer's keys as last fetched.
#[derive(Default)]
struct Keys {
    set: Option<JwkSet>,
    fetched: Option<Instant>,
    fetched_for_unknown: Option<Instant>,
    jwks_url: Option<String>,
}

/// Checks access tokens against the configured issuer.
pub struct SignIn {
    settings: SignInSettings,
    http: reqwest::Client,
    keys: tokio::sync::Mutex<Keys>,
}

impl SignIn {
    /// A checker for these settings; keys are fetched when the first token comes.
    pub fn new(settings: SignInSettings) -> Result<Self, String> {
        cw_client::init_tls();
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cw-bridge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("could not set up HTTP for sign-in: {e}"))?;
        let jwks_url = settings.jwks_url.clone();
        Ok(Self {
            settings,
            http,
            keys: tokio::sync::Mutex::new(Keys {
                jwks_url,
                ..Keys::default()
            }),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &SignInSettings {
        &self.settings
    }

    /// The protected-resource metadata (RFC 9728) of `resource`.
    pub fn metadata(&self, resource: &str) -> Value {
        let mut metadata = json!({
            "resource": resource,
            "authorization_servers": [self.settings.issuer],
            "bearer_methods_supported": ["header"],
            "resource_name": "ConnectWise Manage (read-only)",
        });
        if !self.settings.scopes.is_empty() {
            metadata["scopes_supported"] = json!(self.settings.scopes);
        }
        metadata
    }

    /// The user a token signs in, or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<SignedIn, Refusal> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| Refusal::InvalidToken(format!("not a signed JWT ({e})")))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Refusal::InvalidToken(format!(
                "tokens signed with {:?} are not taken; only asymmetric algorithms are",
                header.alg
            )));
        }
        let key = self.key(header.kid.as_deref(), header.alg).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&self.settings.resources());
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| Refusal::InvalidToken(describe(e.kind())))?
            .claims;
        let scopes = claims.scopes();
        let missing: Vec<String> = self
            .settings
            .scopes
            .iter()
            .filter(|s| !scopes.contains(s))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(Refusal::MissingScopes(missing));
        }
        let groups = claims.groups(&self.settings.groups_claim);
        Ok(SignedIn {
            groups,
            issuer: claims.iss,
            subject: claims.sub,
            email: claims
                .email
                .or(claims.preferred_username.filter(|u| u.contains('@'))),
            name: claims.name,
            scopes,
        })
    }

    /// The key a token names, fetching the issuer's keys when none are kept, when they are
    /// old, or when the token names one not among them (a new key after a rotation; such
    /// fetches at most once per [`LEAST_REFETCH`]).
    async fn key(&self, kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, Refusal> {
        let mut keys = self.keys.lock().await;
        let stale = keys.fetched.is_none_or(|at| at.elapsed() > KEYS_KEPT);
        let unknown = keys.set.as_ref().is_none_or(|set| find(set, kid).is_none());
        let may_refetch = keys
            .fetched_for_unknown
            .is_none_or(|at| at.elapsed() > LEAST_REFETCH);
        if stale || (unknown && may_refetch) {
            if !stale {
                keys.fetched_for_unknown = Some(Instant::now());
            }
            match self.fetch_keys(&mut keys).await {
                Ok(set) => {
                    keys.set = Some(set);
                    keys.fetched = Some(Instant::now());
                }
                Err(problem) if keys.set.is_none() || stale && unknown => {
                    tracing::warn!(%problem, "could not read the identity provider's keys");
                    return Err(Refusal::Unavailable(problem));
                }
                Err(problem) => {
                    tracing::warn!(%problem, "could not refresh the identity provider's keys; using those kept")
                }
            }
        }
        let jwk = keys
            .set
            .as_ref()
            .and_then(|set| find(set, kid))
            .ok_or_else(|| {
                Refusal::InvalidToken(
                    "its key is not one the issuer publishes (rotated out, or never its own)"
                        .into(),
                )
            })?;
        if jwk
            .common
            .key_algorithm
            .is_some_and(|a| a.to_string() != format!("{alg:?}"))
        {
            return Err(Refusal::InvalidToken(format!(
                "it is signed with {alg:?}, which its key is not for"
            )));
        }
        DecodingKey::from_jwk(jwk)
            .map_err(|e| Refusal::InvalidToken(format!("its key cannot check it ({e})")))
    }

    /// The issuer's key set, finding where it is from the issuer's metadata the first time.
    async fn fetch_keys(&self, keys: &mut Keys) -> Result<JwkSet, String> {
        let url = match &keys.jwks_url {
            Some(url) => url.clone(),
            None => {
                let url = self.discover_jwks_url().await?;
                keys.jwks_url = Some(url.clone());
                url
            }
        };
        let set: JwkSet = serde_json::from_slice(&self.fetch(&url).await?)
            .map_err(|e| format!("{url} is not a JSON Web Key Set: {e}"))?;
        Ok(set)
    }

    /// `jwks_uri` from the issuer's authorization-server metadata (RFC 8414), else from its
    /// OpenID configuration; the metadata must name the configured issuer.
    async fn discover_jwks_url(&self) -> Result<String, String> {
        let issuer = &self.settings.issuer;
        let parsed = reqwest::Url::parse(issuer).map_err(|e| e.to_string())?;
        let origin = parsed.origin().ascii_serialization();
        let path = parsed.path().trim_end_matches('/');
        let candidates = [
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            ),
        ];
        let mut problems = Vec::new();
        for url in candidates {
            let metadata = match self.fetch(&url).await {
                Ok(body) => body,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let metadata: Value =
                serde_json::from_slice(&metadata).map_err(|e| format!("{url} is not JSON: {e}"))?;
            if metadata["issuer"].as_str() != Some(issuer.as_str()) {
                return Err(format!(
                    "{url} names issuer {} rather than BRIDGE_OAUTH_ISSUER {issuer}: set BRIDGE_OAUTH_ISSUER to exactly what the provider's tokens say in iss",
                    metadata["issuer"]
                ));
            }
            let jwks = metadata["jwks_uri"]
                .as_str()
                .ok_or_else(|| format!("{url} names no jwks_uri; set BRIDGE_OAUTH_JWKS_URL"))?;
            secure_url("the issuer's jwks_uri", jwks)?;
            return Ok(jwks.to_owned());
        }
        Err(format!(
            "the issuer's metadata could not be read ({}); check BRIDGE_OAUTH_ISSUER, or set BRIDGE_OAUTH_JWKS_URL",
            problems.join("; ")
        ))
    }

    /// One GET to the identity provider: a 200 of at most [`MAX_FETCHED_BYTES`].
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let mut response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url} failed: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("GET {url} answered {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("GET {url} failed: {e}"))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_FETCHED_BYTES {
                return Err(format!(
                    "GET {url} answered more than {MAX_FETCHED_BYTES} bytes"
                ));
            }
        }
        Ok(body)
    }
}

/// The key a token names by `kid`; a token without one may use the only key there is.
fn find<'a>(set: &'a JwkSet, kid: Option<&str>) -> Option<&'a Jwk> {
    match kid {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
}

/// What a client is told of a token the checks refused.
fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::ExpiredSignature => "it has expired".into(),
        ErrorKind::ImmatureSignature => "it is not valid yet (nbf)".into(),
        ErrorKind::InvalidIssuer => "it is from another issuer".into(),
        ErrorKind::InvalidAudience => "it is for another resource (aud)".into(),
        ErrorKind::InvalidSignature => "its signature is wrong".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it has no {claim} claim"),
        other => format!("it cannot be read ({other:?})"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use jsonwebtoken::{EncodingKey, Header};
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

    use super::*;

    const ISSUER: &str = "http://127.0.0.1:1/realm";
    const PUBLIC: &str = "https://cw.example.com";

    /// A P-256 key: its PKCS#8 document for signing, and its public JWK under `kid`.
    struct TestKey {
        pkcs8: Vec<u8>,
        jwk: Value,
    }

    impl TestKey {
        fn new(kid: &str) -> Self {
            let rng = SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .unwrap()
                .as_ref()
                .to_vec();
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng).unwrap();
            let point = pair.public_key().as_ref();
            let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])});
            Self { pkcs8, jwk }
        }

        fn sign(&self, claims: &Value) -> String {
            let mut header = Header::new(Algorithm::ES256);
            header.kid = self.jwk["kid"].as_str().map(str::to_owned);
            jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).unwrap()
        }
    }

    /// An identity provider's key set on a loopback port, which a test may change (rotate).
    async fn jwks_server(keys: Arc<Mutex<Vec<Value>>>) -> String {
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let keys = keys.clone();
                async move { axum::Json(json!({"keys": *keys.lock().unwrap()})) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn claims() -> Value {
        json!({"iss": ISSUER, "sub": "user-1", "aud": format!("{PUBLIC}/mcp"), "exp": now() + 300,
            "iat": now(), "scope": "openid connectwise.read", "email": "ann@msp.example", "name": "Ann"})
    }

    async fn checker(keys: &Arc<Mutex<Vec<Value>>>) -> SignIn {
        let url = jwks_server(keys.clone()).await;
        SignIn::new(
            SignInSettings::new(ISSUER, PUBLIC, "connectwise.read", &url, "")
                .unwrap()
                .unwrap(),
        )
        .unwrap()
    }

    fn with(change: impl FnOnce(&mut Value)) -> Value {
        let mut claims = claims();
        change(&mut claims);
        claims
    }

    fn refused(result: Result<SignedIn, Refusal>, why: &str) {
        match result {
            Err(Refusal::InvalidToken(text)) => assert!(text.contains(why), "{text}"),
            other => panic!("expected a refusal saying {why:?}, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_token_from_the_issuer_for_this_resource_signs_its_user_in() {
        let key = TestKey::new("k1");
        let keys = Arc::new(Mutex::new(vec![key.jwk.clone()]));
        let sign_in = checker(&keys).await;
        let user = sign_in.verify(&key.sign(&claims())).await.unwrap();
        assert_eq!(user.subject, "user-1");
        assert_eq!(user.email.as_deref(), Some("ann@msp.example"));
        // The bridge as a whole is its resource too; an Entra-style scp list is read.
        let whole = with(|c| {
            c["aud"] = json!([PUBLIC]);
            c.as_object_mut().unwrap().remove("scope");
            c["scp"] = json!(["connectwise.read"]);
        });
        assert!(sign_in.verify(&key.sign(&whole)).await.is_ok());
    }

    #[tokio::test]
    async fn the_groups_claim_is_read_as_a_list_or_a_string() {
        let key = TestKey::new("k1");
        let keys = Arc::new(Mutex::new(vec![key.jwk.clone()]));
        let sign_in = checker(&keys).await;
        let listed = with(|c| c["groups"] = json!(["cw-techs", 7, "", "cw-dispatch"]));
        let user = sign_in.verify(&key.sign(&listed)).await.unwrap();
        assert_eq!(user.groups, ["cw-techs", "cw-dispatch"]);
        let spaced = with(|c| c["groups"] = json!("cw-techs  cw-dispatch"));
        let user = sign_in.verify(&key.sign(&spaced)).await.unwrap();
        assert_eq!(user.groups, ["cw-techs", "cw-dispatch"]);
        let many =
            with(|c| c["groups"] = json!((0..1000).map(|i| format!("g{i}")).collect::<Vec<_>>()));
        let user = sign_in.verify(&key.sign(&many)).await.unwrap();
        assert_eq!(user.groups.len(), MAX_GROUPS);
        let none = sign_in.verify(&key.sign(&claims())).await.unwrap();
        assert!(none.groups.is_empty());
    }

    #[tokio::test]
    async fn forged_and_wrong_tokens_are_refused_each_for_its_reason() {
        let key = TestKey::new("k1");
        let keys = Arc::new(Mutex::new(vec![key.jwk.clone()]));
        let sign_in = checker(&keys).await;
        let good = key.sign(&claims());
        // Another key under the issuer's kid: the signature does not hold.
        let forger = TestKey::new("k1");
        refused(sign_in.verify(&forger.sign(&claims())).await, "signature");
        // The payload changed under a good signature.
        let parts: Vec<&str> = good.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            B64.encode(with(|c| c["sub"] = json!("admin")).to_string()),
            parts[2]
        );
        refused(sign_in.verify(&tampered).await, "signature");
        // alg: none, with and without a signature.
        let none = format!(
            "{}.{}.",
            B64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            B64.encode(claims().to_string())
        );
        refused(sign_in.verify(&none).await, "not a signed JWT");
        // HS256 with the public key as the secret (algorithm confusion).
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(key.jwk.to_string().as_bytes()).unwrap(),
        )
        .unwrap();
        refused(sign_in.verify(&hs).await, "only asymmetric");
        let wrong = [
            (
                with(|c| c["iss"] = json!("https://evil.example")),
                "another issuer",
            ),
            (
                with(|c| c["aud"] = json!("https://other.example/mcp")),
                "another resource",
            ),
            (with(|c| c["exp"] = json!(now() - 120)), "expired"),
            (with(|c| c["nbf"] = json!(now() + 600)), "not valid yet"),
            // A claim of the wrong type is not taken for an absent one.
            (with(|c| c["nbf"] = json!("99999999999")), ""),
            (
                with(|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
                "exp",
            ),
            (
                with(|c| {
                    c.as_object_mut().unwrap().remove("aud");
                }),
                "aud",
            ),
        ];
        for (claims, why) in wrong {
            refused(sign_in.verify(&key.sign(&claims)).await, why);
        }
        assert_eq!(
            sign_in
                .verify(&key.sign(&with(|c| c["scope"] = json!("openid"))))
                .await,
            Err(Refusal::MissingScopes(vec!["connectwise.read".into()]))
        );
        refused(sign_in.verify("not-a-token").await, "not a signed JWT");
    }

    #[tokio::test]
    async fn a_rotated_key_is_fetched_and_a_rotated_out_one_refused() {
        let old = TestKey::new("old");
        let keys = Arc::new(Mutex::new(vec![old.jwk.clone()]));
        let sign_in = checker(&keys).await;
        assert!(sign_in.verify(&old.sign(&claims())).await.is_ok());
        let new = TestKey::new("new");
        *keys.lock().unwrap() = vec![new.jwk.clone()];
        assert!(sign_in.verify(&new.sign(&claims())).await.is_ok());
        refused(
            sign_in.verify(&old.sign(&claims())).await,
            "not one the issuer publishes",
        );
        // A token naming a key nobody publishes cannot make it fetch again at once.
        let stranger = TestKey::new("stranger");
        refused(
            sign_in.verify(&stranger.sign(&claims())).await,
            "not one the issuer publishes",
        );
    }

    #[tokio::test]
    async fn an_unreachable_key_set_makes_tokens_wait_not_pass() {
        let settings = SignInSettings::new(ISSUER, PUBLIC, "", "http://127.0.0.1:9/jwks", "")
            .unwrap()
            .unwrap();
        let key = TestKey::new("k1");
        let result = SignIn::new(settings)
            .unwrap()
            .verify(&key.sign(&claims()))
            .await;
        assert!(matches!(result, Err(Refusal::Unavailable(_))), "{result:?}");
    }

    #[test]
    fn settings_that_cannot_work_are_refused_with_the_fix() {
        assert_eq!(
            SignInSettings::new("", "", "", "", "")
                .unwrap()
                .map(|s| s.issuer),
            None
        );
        let problem = |issuer, public| SignInSettings::new(issuer, public, "", "", "").unwrap_err();
        assert!(problem("https://login.example.com", "").contains("BRIDGE_PUBLIC_URL must be"));
        assert!(problem("http://login.example.com", PUBLIC).contains("must be an https URL"));
        assert!(
            problem("https://login.example.com", "https://cw.example.com/cw").contains("no path")
        );
        assert!(problem("not a url", PUBLIC).contains("BRIDGE_OAUTH_ISSUER is not a URL"));
        let settings = SignInSettings::new(
            "http://[::1]:8080/",
            "https://cw.example.com/",
            "a, b",
            "",
            "",
        )
        .unwrap()
        .unwrap();
        assert_eq!(settings.scopes, ["a", "b"]);
        assert_eq!(
            settings.metadata_url(),
            "https://cw.example.com/.well-known/oauth-protected-resource/mcp"
        );
    }
}
