//! Client configuration, read from the environment under the
//! original project's variable names.

use std::time::Duration;

use crate::error::ConfigError;
use crate::policy::PathPolicy;
use crate::quota::Budget;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::sharing::Sharing;
use crate::store::StoreConfig;

/// Default site when `CW_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://api-na.myconnectwise.net";
/// Default model version for the `Accept` header.
pub const DEFAULT_API_VERSION: &str = "2023.2";
/// Default codebase path segment.
pub const DEFAULT_CODEBASE: &str = "v4_6_release";
/// The original project's clientId default. It is not a GUID, so a real
/// ConnectWise site rejects it: a warning says so at start-up.
pub const DEFAULT_CLIENT_ID: &str = "mcp-connectwise-server";
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on requests in flight to ConnectWise at once.
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;
/// Milliseconds a request waits on Redis at most, unless `CW_REDIS_WAIT_MS` says otherwise.
const DEFAULT_REDIS_WAIT_MS: u64 = 100;

/// The three credential variables, in the order they are reported.
pub const CREDENTIAL_VARS: [&str; 3] = ["CW_COMPANY_ID", "CW_PUBLIC_KEY", "CW_PRIVATE_KEY"];

/// Everything the client needs to reach one ConnectWise Manage site.
#[derive(Debug, Clone)]
pub struct Config {
    /// The ConnectWise company id used at login (not a secret).
    pub company_id: String,
    /// The API member's public key.
    pub public_key: Secret,
    /// The API member's private key.
    pub private_key: Secret,
    /// Site base URL without a trailing slash, e.g. `https://api-na.myconnectwise.net`.
    pub api_url: String,
    /// Model version for the `Accept` header, without a leading `v` (e.g. `2023.2`).
    pub api_version: String,
    /// Path segment before `/apis/3.0`, e.g. `v4_6_release`.
    pub codebase: String,
    /// The `clientId` header registered for this integration.
    pub client_id: String,
    /// Timeout for each HTTP request.
    pub timeout: Duration,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Requests in flight to ConnectWise at once; more wait their turn. Keeps
    /// sockets and memory bounded and spares the site's throttling.
    pub max_concurrency: usize,
    /// Coalescing of identical requests and the reference-list cache.
    pub sharing: Sharing,
    /// The request budget per credential.
    pub budget: Budget,
    /// Redis, when replicas share the budget and the reference cache; `None`: each its own.
    pub shared_store: Option<StoreConfig>,
    /// Which modules and paths may be read (the server sets it from its access policy).
    pub policy: PathPolicy,
}

impl Config {
    /// Reads the process environment (the binaries load `.env` into it first).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds a configuration from any variable source (the environment, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let missing: Vec<&'static str> = CREDENTIAL_VARS
            .iter()
            .copied()
            .filter(|name| get(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(ConfigError::MissingCredentials(missing));
        }
        Self::site_from_lookup(lookup)
    }

    /// Everything but the credentials' presence: for per-request mode, where each call
    /// brings its own and the server's (if any) are never used.
    pub fn site_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let credential = |name| get(name).unwrap_or_default();
        let mut config = Self::new(
            credential("CW_COMPANY_ID"),
            Secret::new(credential("CW_PUBLIC_KEY")),
            Secret::new(credential("CW_PRIVATE_KEY")),
        );
        if let Some(url) = get("CW_API_URL") {
            config.api_url = parse_api_url(&url)?;
        }
        if let Some(version) = get("CW_API_VERSION") {
            config.api_version = parse_api_version(&version)?;
        }
        if let Some(codebase) = get("CW_CODEBASE") {
            config.codebase = parse_codebase(&codebase)?;
        }
        if let Some(client_id) = get("CW_CLIENT_ID") {
            config.client_id = client_id;
        }
        let number = |name: &'static str| {
            get(name)
                .map(|value| parse_number(name, &value))
                .transpose()
        };
        if let Some(secs) = number("CW_TIMEOUT_SECS")? {
            config.timeout = Duration::from_secs(secs);
        }
        if let Some(retries) = number("CW_MAX_RETRIES")? {
            config.retry.max_retries = retries as u32;
        }
        if let Some(limit) = number("CW_MAX_CONCURRENCY")? {
            config.max_concurrency = limit as usize;
        }
        if let Some(flag) = get("CW_COALESCE") {
            config.sharing.coalesce = parse_flag("CW_COALESCE", &flag)?;
        }
        if let Some(secs) = number("CW_REFERENCE_CACHE_SECS")? {
            config.sharing.reference_ttl = Duration::from_secs(secs);
        }
        if let Some(budget) = number("CW_REQUEST_BUDGET")? {
            config.budget.per_minute = budget as u32;
        }
        if let Some(secs) = number("CW_BUDGET_WAIT_SECS")? {
            config.budget.max_wait = Duration::from_secs(secs);
        }
        if let Some(url) = get("CW_REDIS_URL") {
            let wait = number("CW_REDIS_WAIT_MS")?.unwrap_or(DEFAULT_REDIS_WAIT_MS);
            let store = StoreConfig {
                url: Secret::new(url),
                wait: Duration::from_millis(wait),
            };
            crate::store::Store::open(&store)?;
            config.shared_store = Some(store);
        }
        Ok(config)
    }

    /// A configuration with the given credentials and every other setting at its default.
    pub fn new(company_id: impl Into<String>, public_key: Secret, private_key: Secret) -> Self {
        Self {
            company_id: company_id.into(),
            public_key,
            private_key,
            api_url: DEFAULT_API_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            codebase: DEFAULT_CODEBASE.to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            sharing: Sharing::default(),
            budget: Budget::default(),
            shared_store: None,
            policy: PathPolicy::open(),
        }
    }

    /// `{api_url}/{codebase}/apis/3.0`, the root every resource path hangs from.
    pub fn base_url(&self) -> String {
        format!("{}/{}/apis/3.0", self.api_url, self.codebase)
    }

    /// Problems that do not stop the client but will likely make ConnectWise refuse it.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if !is_guid(&self.client_id) {
            warnings.push(format!(
                "CW_CLIENT_ID {:?} is not a GUID; ConnectWise cloud sites reject unknown clientIds. \
                 Register an integration in the ConnectWise developer network and set its clientId.",
                self.client_id
            ));
        }
        if let Some(host) = self.api_url.strip_prefix("https://") {
            let host = host.split(['/', ':']).next().unwrap_or_default();
            if host.ends_with(".myconnectwise.net") && !host.starts_with("api-") {
                warnings.push(format!(
                    "CW_API_URL host {host:?} lacks the `api-` prefix that ConnectWise cloud API hosts need \
                     (e.g. https://api-na.myconnectwise.net)"
                ));
            }
        }
        warnings
    }
}

/// Accepts `http://` (on-premise, tests) and `https://` site URLs, drops a trailing slash.
fn parse_api_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name: "CW_API_URL",
        reason: reason.to_owned(),
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| invalid("must start with https:// (or http:// for an on-premise server), e.g. https://api-na.myconnectwise.net"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(invalid("has no host name"));
    }
    if url.contains(['?', '#', ' ']) {
        return Err(invalid(
            "must be a plain site URL without query, fragment or spaces",
        ));
    }
    if url.contains("/apis/3.0") {
        return Err(invalid(
            "must be the site only (e.g. https://api-na.myconnectwise.net); the client adds /{CW_CODEBASE}/apis/3.0",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Accepts `v2023.2` and `2023.2`; returns `2023.2`.
fn parse_api_version(version: &str) -> Result<String, ConfigError> {
    let bare = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let valid = bare.split('.').count() == 2
        && bare
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if valid {
        Ok(bare.to_owned())
    } else {
        Err(ConfigError::Invalid {
            name: "CW_API_VERSION",
            reason: format!("{version:?} is not a model version like 2023.2 or v2023.2"),
        })
    }
}

/// A codebase segment such as `v4_6_release` or `v2025_1` (a trailing slash is dropped).
fn parse_codebase(codebase: &str) -> Result<String, ConfigError> {
    let trimmed = codebase.trim_matches('/');
    let valid = !trimmed.is_empty()
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if valid {
        Ok(trimmed.to_owned())
    } else {
        Err(ConfigError::Invalid {
            name: "CW_CODEBASE",
            reason: format!(
                "{codebase:?} is not a codebase path segment like v4_6_release (GET /login/companyinfo/<company> tells yours)"
            ),
        })
    }
}

/// A number setting within the bounds [`crate::settings::SETTINGS`] declares for it.
fn parse_number(name: &'static str, value: &str) -> Result<u64, ConfigError> {
    let crate::settings::Kind::Number { min, max } = crate::settings::setting(name).kind else {
        unreachable!("{name} is declared a number");
    };
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| ConfigError::Invalid {
            name,
            reason: format!("{value:?} is not a whole number from {min} to {max}"),
        })
}

fn parse_flag(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    cw_boundary::parse_flag(value).map_err(|reason| ConfigError::Invalid { name, reason })
}

/// True for the 8-4-4-4-12 hexadecimal GUID form.
pub fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const CREDS: [(&str, &str); 3] = [
        ("CW_COMPANY_ID", "acme"),
        ("CW_PUBLIC_KEY", "pub-123"),
        ("CW_PRIVATE_KEY", "priv-456"),
    ];

    #[test]
    fn missing_credentials_are_listed_by_name() {
        let err = Config::from_lookup(lookup(&[("CW_PUBLIC_KEY", "x")])).unwrap_err();
        assert_eq!(
            err,
            ConfigError::MissingCredentials(vec!["CW_COMPANY_ID", "CW_PRIVATE_KEY"])
        );
        assert_eq!(
            err.to_string(),
            "missing ConnectWise credentials: CW_COMPANY_ID, CW_PRIVATE_KEY (set them in the environment or in .env)"
        );
        let blank = Config::from_lookup(lookup(&[("CW_COMPANY_ID", "  ")])).unwrap_err();
        assert_eq!(
            blank,
            ConfigError::MissingCredentials(CREDENTIAL_VARS.to_vec())
        );
    }

    #[test]
    fn defaults_match_the_original() {
        let config = Config::from_lookup(lookup(&CREDS)).unwrap();
        assert_eq!(config.api_url, DEFAULT_API_URL);
        assert_eq!(config.api_version, "2023.2");
        assert_eq!(config.codebase, "v4_6_release");
        assert_eq!(config.client_id, "mcp-connectwise-server");
        assert_eq!(
            config.base_url(),
            "https://api-na.myconnectwise.net/v4_6_release/apis/3.0"
        );
        assert_eq!(
            config.warnings().len(),
            1,
            "the non-GUID default clientId is warned about"
        );
    }

    #[test]
    fn versions_with_and_without_v_are_accepted() {
        for given in ["v2023.2", "2023.2", "V2023.2"] {
            let mut pairs = CREDS.to_vec();
            pairs.push(("CW_API_VERSION", given));
            assert_eq!(
                Config::from_lookup(lookup(&pairs)).unwrap().api_version,
                "2023.2"
            );
        }
        let mut pairs = CREDS.to_vec();
        pairs.push(("CW_API_VERSION", "latest"));
        assert!(matches!(
            Config::from_lookup(lookup(&pairs)),
            Err(ConfigError::Invalid {
                name: "CW_API_VERSION",
                ..
            })
        ));
    }

    #[test]
    fn urls_are_checked_and_normalised() {
        let mut pairs = CREDS.to_vec();
        pairs.push(("CW_API_URL", "http://127.0.0.1:8080/"));
        pairs.push(("CW_CODEBASE", "v2025_1/"));
        let config = Config::from_lookup(lookup(&pairs)).unwrap();
        assert_eq!(config.base_url(), "http://127.0.0.1:8080/v2025_1/apis/3.0");
        for bad in [
            "ftp://x",
            "api-na.myconnectwise.net",
            "https://",
            "https://x/v4_6_release/apis/3.0",
        ] {
            let mut pairs = CREDS.to_vec();
            pairs.push(("CW_API_URL", bad));
            assert!(
                Config::from_lookup(lookup(&pairs)).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn sharing_and_budget_settings_are_read_and_checked() {
        let mut pairs = CREDS.to_vec();
        pairs.extend([
            ("CW_COALESCE", "off"),
            ("CW_REFERENCE_CACHE_SECS", "0"),
            ("CW_REQUEST_BUDGET", "120"),
            ("CW_BUDGET_WAIT_SECS", "2"),
        ]);
        let config = Config::from_lookup(lookup(&pairs)).unwrap();
        assert!(!config.sharing.coalesce);
        assert!(config.sharing.reference_ttl.is_zero());
        assert_eq!(config.budget.per_minute, 120);
        assert_eq!(config.budget.max_wait, Duration::from_secs(2));
        let defaults = Config::from_lookup(lookup(&CREDS)).unwrap();
        assert!(defaults.sharing.coalesce && defaults.budget.per_minute == 600);
        let mut bad = CREDS.to_vec();
        bad.push(("CW_COALESCE", "maybe"));
        assert!(Config::from_lookup(lookup(&bad)).is_err());
        let site =
            Config::site_from_lookup(lookup(&[("CW_API_URL", "http://127.0.0.1:9")])).unwrap();
        assert_eq!(site.api_url, "http://127.0.0.1:9");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = Config::from_lookup(lookup(&CREDS)).unwrap();
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("pub-123") && !debug.contains("priv-456"),
            "{debug}"
        );
        assert!(debug.contains("acme"));
    }

    #[test]
    fn cloud_hosts_without_api_prefix_are_warned_about() {
        let mut pairs = CREDS.to_vec();
        pairs.push(("CW_API_URL", "https://na.myconnectwise.net"));
        pairs.push(("CW_CLIENT_ID", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        let warnings = Config::from_lookup(lookup(&pairs)).unwrap().warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("api-"));
    }
}
