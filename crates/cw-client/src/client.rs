//! The HTTP client. Its only request method is GET: no public API takes a
//! method, a body, or a path that is not an [`ApiPath`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cw_boundary::CallReport;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::Config;
use crate::error::Error;
use crate::identity::{Credentials, Identity, KeySource};
use crate::models::{CompanyInfo, SystemInfo};
use crate::page::Page;
use crate::policy::PathPolicy;
use crate::query::Query;
use crate::quota::Budgets;
use crate::resources::{ApiPath, Children, Collection, Record};
use crate::retry::RetryPolicy;
use crate::sharing::{Answer, Had, MAX_CACHED_BYTES, RequestKey, Sharer};
use crate::store::{Held, Store};

/// Largest response body read; a bigger one is an error, never an unbounded allocation.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Longest URL sent; ConnectWise refuses much more than about 2,000 characters.
pub const MAX_URL_CHARS: usize = 2048;

/// Installs the process-wide TLS crypto provider (ring). reqwest is built
/// without a bundled one; [`Client::new`] calls this, and so must any other
/// code that builds a reqwest client in the same process. Idempotent.
pub fn init_tls() {
    // A second install is refused harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A read-only ConnectWise Manage client. Cheap to clone; clones share connections,
/// the access policy, the request budgets and the shared answers. A client acts as one
/// API member ([`Client::as_member`] gives one for another member) and may record what
/// it sends ([`Client::recording`]).
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    identity: Option<Arc<Identity>>,
    recorder: Option<CallRecorder>,
    narrowing: Option<Arc<PathPolicy>>,
}

/// What every client made from one configuration shares.
struct Shared {
    http: reqwest::Client,
    site_url: String,
    codebase: String,
    client_id: String,
    retry: RetryPolicy,
    timeout: Duration,
    in_flight: tokio::sync::Semaphore,
    policy: PathPolicy,
    budgets: Budgets,
    sharer: Sharer,
    store: Option<Arc<Store>>,
    reference_ttl: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

/// Collects what one call sent to ConnectWise (see [`Client::recording`]).
#[derive(Clone, Default)]
pub struct CallRecorder(Arc<Mutex<CallReport>>);

impl CallRecorder {
    /// The report so far.
    pub fn report(&self) -> CallReport {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn note(&self, change: impl FnOnce(&mut CallReport)) {
        change(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

impl Client {
    /// Builds a client acting as the configuration's API member. The versioned `Accept`
    /// header is fixed here, once; Basic auth (marked sensitive) and `clientId` go with
    /// each request, from the member's identity.
    pub fn new(config: &Config) -> Result<Self, Error> {
        let mut client = Self::unauthenticated(config)?;
        let credentials = Credentials {
            company_id: config.company_id.clone(),
            public_key: config.public_key.clone(),
            private_key: config.private_key.clone(),
            client_id: config.client_id.clone(),
            source: KeySource::Settings,
        };
        client = client.as_member(&credentials, &config.api_url)?;
        Ok(client)
    }

    /// A client with no credentials of its own: every request fails with
    /// [`Error::NoCredentials`] until [`Client::as_member`] gives it some. Per-request
    /// mode starts from this, so a call without credentials can never borrow the server's.
    pub fn unauthenticated(config: &Config) -> Result<Self, Error> {
        init_tls();
        let accept = format!(
            "application/vnd.connectwise.com+json; version={}",
            config.api_version
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_str(&accept).map_err(|_| {
                Error::InvalidRequest(
                    "CW_API_VERSION holds characters not allowed in an HTTP header".into(),
                )
            })?,
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("cw-client/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(60))
            // A redirect would take the request, keys and all, to a path or host the policy
            // and the audit never saw: none is followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::InvalidRequest(format!("could not set up HTTP: {e}")))?;
        let store = match &config.shared_store {
            Some(store) => Some(Arc::new(Store::open(store)?)),
            None => None,
        };
        Ok(Self {
            shared: Arc::new(Shared {
                http,
                site_url: config.api_url.clone(),
                codebase: config.codebase.clone(),
                client_id: config.client_id.clone(),
                retry: config.retry.clone(),
                timeout: config.timeout,
                in_flight: tokio::sync::Semaphore::new(config.max_concurrency.max(1)),
                policy: config.policy.clone(),
                budgets: Budgets::new(config.budget, store.clone()),
                sharer: Sharer::new(config.sharing),
                store,
                reference_ttl: config.sharing.reference_ttl,
            }),
            identity: None,
            recorder: None,
            narrowing: None,
        })
    }

    /// The same client acting as another API member at `site_url` (a site the caller has
    /// checked), sharing connections, policy, budgets and answers keyed by member.
    pub fn as_member(&self, credentials: &Credentials, site_url: &str) -> Result<Self, Error> {
        let identity = Identity::new(credentials, site_url, &self.shared.codebase)?;
        Ok(Self {
            shared: self.shared.clone(),
            identity: Some(Arc::new(identity)),
            recorder: self.recorder.clone(),
            narrowing: self.narrowing.clone(),
        })
    }

    /// The same client, also held to `policy` (a role's narrowing), checked after the
    /// configured one before any request.
    pub fn narrowed(&self, policy: Arc<PathPolicy>) -> Self {
        Self {
            narrowing: Some(policy),
            ..self.clone()
        }
    }

    /// The same client, recording every request it sends from now on.
    pub fn recording(&self) -> (Self, CallRecorder) {
        let recorder = CallRecorder::default();
        let client = Self {
            recorder: Some(recorder.clone()),
            ..self.clone()
        };
        (client, recorder)
    }

    /// `{site}/{codebase}/apis/3.0` of the member's site.
    pub fn base_url(&self) -> String {
        match &self.identity {
            Some(identity) => identity.base_url.clone(),
            None => format!("{}/{}/apis/3.0", self.shared.site_url, self.shared.codebase),
        }
    }

    /// The configured clientId (`CW_CLIENT_ID`).
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// One page of a collection as raw JSON records.
    pub async fn list_values(&self, path: &ApiPath, query: &Query) -> Result<Page<Value>, Error> {
        let answer = self
            .fetch(path.as_str(), query, query.is_forward_only())
            .await?;
        let items = match answer.body {
            Value::Array(items) => items,
            other => {
                return Err(Error::InvalidResponse {
                    status: 200,
                    reason: format!("expected a JSON array of records, got {}", kind_of(&other)),
                });
            }
        };
        Ok(Page::new(
            items,
            query.page_number(),
            query.page_size_or_default(),
            answer.link.as_deref(),
        ))
    }

    /// A single JSON object (a record, `/system/info`, ...).
    pub async fn get_value(&self, path: &ApiPath) -> Result<Value, Error> {
        self.get_value_with(path, &Query::new()).await
    }

    /// A single JSON object, asked with query parameters (`fields` narrows a record).
    pub async fn get_value_with(&self, path: &ApiPath, query: &Query) -> Result<Value, Error> {
        let answer = self.fetch(path.as_str(), query, false).await?;
        if !answer.body.is_object() {
            return Err(Error::InvalidResponse {
                status: 200,
                reason: format!("expected a JSON object, got {}", kind_of(&answer.body)),
            });
        }
        Ok(answer.body)
    }

    /// The number of records at `path` matching the query's conditions (`{path}/count`).
    pub async fn count_at(&self, path: &ApiPath, query: &Query) -> Result<u64, Error> {
        let body = self.fetch(path.count().as_str(), query, false).await?.body;
        body.get("count")
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::InvalidResponse {
                status: 200,
                reason: "expected {\"count\": N}".into(),
            })
    }

    /// One page of a collection, typed.
    pub async fn list<C: Collection>(&self, query: &Query) -> Result<Page<C::Item>, Error> {
        self.list_values(&ApiPath::collection(C::PATH), query)
            .await?
            .try_map(decode)
    }

    /// One record by id, typed.
    pub async fn get<C: Record>(&self, id: u64) -> Result<C::Item, Error> {
        decode(self.get_value(&ApiPath::record(C::PATH, id)).await?)
    }

    /// How many records of a collection match the query's conditions.
    pub async fn count<C: Collection>(&self, query: &Query) -> Result<u64, Error> {
        self.count_at(&ApiPath::collection(C::PATH), query).await
    }

    /// One page of a parent record's children, typed.
    pub async fn list_children<C: Children>(
        &self,
        parent_id: u64,
        query: &Query,
    ) -> Result<Page<C::Item>, Error> {
        self.list_values(&ApiPath::children(C::PARENT, parent_id, C::CHILD), query)
            .await?
            .try_map(decode)
    }

    /// Every page of a collection, following `Link` headers, up to `max_pages`
    /// pages; more than that is an error rather than a silent cut.
    pub async fn list_all<C: Collection>(
        &self,
        query: &Query,
        max_pages: u32,
    ) -> Result<Vec<C::Item>, Error> {
        let mut items = Vec::new();
        let mut query = query.clone();
        for _ in 0..max_pages {
            let page = self.list::<C>(&query).await?;
            items.extend(page.items);
            match (page.next_page, page.next_page_id) {
                (_, Some(page_id)) if query.is_forward_only() => query = query.page_id(page_id),
                (Some(next), _) if page.has_more => query = query.page(next),
                _ => return Ok(items),
            }
        }
        Err(Error::InvalidRequest(format!(
            "{} has more than {max_pages} pages; narrow the conditions or raise the page cap",
            C::PATH
        )))
    }

    /// The site's version facts (`/system/info`), a cheap connection test.
    pub async fn system_info(&self) -> Result<SystemInfo, Error> {
        decode(self.get_value(&ApiPath::collection("/system/info")).await?)
    }

    /// The login discovery answer, which names the site's codebase.
    pub async fn company_info(&self) -> Result<CompanyInfo, Error> {
        let identity = self.identity()?;
        let id = &identity.company_id;
        if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        {
            return Err(Error::InvalidRequest(
                "CW_COMPANY_ID holds characters that cannot go in a URL path".into(),
            ));
        }
        let key = RequestKey {
            fingerprint: identity.fingerprint,
            url: format!("{}/login/companyinfo/{id}", identity.site_url),
            pairs: Vec::new(),
            forward_only: false,
        };
        decode(self.send(identity, &key).await?.body)
    }

    fn identity(&self) -> Result<&Identity, Error> {
        self.identity.as_deref().ok_or(Error::NoCredentials)
    }

    /// GET `path` below the API root: the policy's check, then a kept reference list, an
    /// identical request in flight, or a request of this call's own.
    async fn fetch(&self, path: &str, query: &Query, forward_only: bool) -> Result<Answer, Error> {
        self.shared.policy.check(path).map_err(Error::Denied)?;
        if let Some(narrowing) = &self.narrowing {
            narrowing.check(path).map_err(Error::Denied)?;
        }
        let identity = self.identity()?;
        let pairs = query
            .to_pairs()?
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        let key = RequestKey {
            fingerprint: identity.fingerprint,
            url: format!("{}{path}", identity.base_url),
            pairs,
            forward_only,
        };
        let kept = self.shared.sharer.keeps(path);
        if let Some(answer) = self.shared.sharer.cached(&key, kept) {
            self.note(|report| report.cache_hits += 1);
            return Ok(answer);
        }
        let store = self.shared.store.as_ref().filter(|_| kept);
        if let Some(store) = store {
            let cached = store.cached(&key).await;
            self.held(if cached.is_some() {
                Held::Shared
            } else {
                Held::FellBack
            });
            if let Some(Some(answer)) = cached {
                self.note(|report| report.cache_hits += 1);
                self.shared.sharer.remember(&key, &answer);
                return Ok(answer);
            }
        }
        let (result, had) = self
            .shared
            .sharer
            .share(&key, kept, self.send(identity, &key))
            .await;
        match had {
            Had::Coalesced => self.note(|report| report.coalesced += 1),
            Had::Sent => {
                if let (Some(store), Ok(answer)) = (store, &result)
                    && answer.bytes <= MAX_CACHED_BYTES
                {
                    let kept = store.keep(&key, answer, self.shared.reference_ttl).await;
                    self.held(if kept { Held::Shared } else { Held::FellBack });
                }
            }
        }
        result
    }

    /// Counts where a budget turn or cache lookup was had.
    fn held(&self, held: Held) {
        match held {
            Held::Alone => {}
            Held::Shared => self.note(|report| report.shared_reads += 1),
            Held::FellBack => self.note(|report| report.shared_fallbacks += 1),
        }
    }

    fn note(&self, change: impl FnOnce(&mut CallReport)) {
        if let Some(recorder) = &self.recorder {
            recorder.note(change);
        }
    }

    /// GET with the budget's turn before each attempt and retries according to the policy.
    async fn send(&self, identity: &Identity, key: &RequestKey) -> Result<Answer, Error> {
        let mut retry = 0;
        loop {
            let (waited, held) = self.shared.budgets.spend(&identity.fingerprint).await?;
            self.held(held);
            if !waited.is_zero() {
                self.note(|report| report.budget_wait_ms += waited.as_millis() as u64);
            }
            match self.send_once(identity, key).await {
                Ok(answer) => return Ok(answer),
                Err(error) => match self.shared.retry.delay(retry, &error) {
                    Some(wait) => {
                        tracing::warn!(path = %path_of(&key.url), %error, retry = retry + 1, wait_ms = wait.as_millis() as u64, "retrying ConnectWise request");
                        tokio::time::sleep(wait).await;
                        retry += 1;
                        self.note(|report| report.retries += 1);
                    }
                    None => return Err(error),
                },
            }
        }
    }

    async fn send_once(&self, identity: &Identity, key: &RequestKey) -> Result<Answer, Error> {
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = self.shared.in_flight.acquire().await.ok();
        let started = Instant::now();
        let mut request = self
            .shared
            .http
            .get(&key.url)
            .query(&key.pairs)
            .header(AUTHORIZATION, identity.authorization.clone())
            .header("clientId", identity.client_id.clone());
        if key.forward_only {
            request = request.header("pagination-type", "forward-only");
        }
        let request = request.build().map_err(|e| {
            Error::InvalidRequest(format!("could not build the request: {}", root_cause(&e)))
        })?;
        if request.url().as_str().len() > MAX_URL_CHARS {
            return Err(Error::InvalidRequest(format!(
                "the request URL would be {} characters; ConnectWise accepts about 2,000. Shorten the conditions or split the question into several calls",
                request.url().as_str().len()
            )));
        }
        let sent = sent_path(request.url());
        let response = match self.shared.http.execute(request).await {
            Ok(response) => response,
            Err(error) => {
                self.note(|report| report.sent(sent, None));
                return Err(self.transport_error(identity, error));
            }
        };
        let status = response.status().as_u16();
        self.note(|report| report.sent(sent, Some(status)));
        let link = header_text(&response, "link");
        let retry_after = header_text(&response, RETRY_AFTER.as_str())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = read_body(response)
            .await
            .map_err(|e| self.transport_error(identity, e))?;
        tracing::debug!(method = "GET", path = %path_of(&key.url), status, elapsed_ms = started.elapsed().as_millis() as u64, bytes = body.len(), "ConnectWise answered");
        let body = match body {
            Body::Complete(bytes) => bytes,
            Body::TooLarge => {
                return Err(Error::InvalidResponse {
                    status,
                    reason: format!(
                        "the body exceeds {} MiB; ask for fewer records or fields",
                        MAX_BODY_BYTES >> 20
                    ),
                });
            }
        };
        if (300..400).contains(&status) {
            return Err(Error::InvalidResponse {
                status,
                reason: "ConnectWise answered with a redirect, which is not followed (it could take the keys to another path or host): check CW_API_URL and CW_CODEBASE (GET <site>/login/companyinfo/<company> names them)".into(),
            });
        }
        if !(200..300).contains(&status) {
            return Err(Error::from_status(
                status,
                retry_after,
                &body,
                identity.source,
            ));
        }
        let bytes = body.len();
        let body = serde_json::from_slice(&body).map_err(|e| Error::InvalidResponse {
            status,
            reason: format!("the body is not valid JSON ({e})"),
        })?;
        Ok(Answer { body, link, bytes })
    }

    fn transport_error(&self, identity: &Identity, error: reqwest::Error) -> Error {
        if error.is_timeout() {
            Error::Timeout(self.shared.timeout)
        } else {
            Error::Connection {
                url: identity.site_url.clone(),
                reason: root_cause(&error),
            }
        }
    }
}

/// The path below the API root with its query, as an audit line shows it.
fn sent_path(url: &reqwest::Url) -> String {
    let path = path_of(url.path()).to_owned();
    match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    }
}

enum Body {
    Complete(Vec<u8>),
    TooLarge,
}

impl Body {
    fn len(&self) -> usize {
        match self {
            Body::Complete(bytes) => bytes.len(),
            Body::TooLarge => MAX_BODY_BYTES,
        }
    }
}

async fn read_body(mut response: reqwest::Response) -> Result<Body, reqwest::Error> {
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(0).min(1 << 20) as usize);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(Body::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Body::Complete(body))
}

fn header_text(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The innermost cause, without the URL (which may hold long conditions).
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

fn path_of(url: &str) -> &str {
    url.split_once("/apis/3.0").map_or(url, |(_, path)| path)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn decode<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| Error::InvalidResponse {
        status: 200,
        reason: format!("a record did not have the expected shape ({e})"),
    })
}
