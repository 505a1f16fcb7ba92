//! State that replicas share in Redis (`CW_REDIS_URL`): one request budget per credential,
//! taken atomically on Redis's own clock, and the reference-list cache. Keys are digests of
//! the credential's fingerprint, never a key; every entry expires. When Redis is away or
//! slower than its bound (`CW_REDIS_WAIT_MS`), a request uses this process's own budget and
//! cache instead, and Redis is tried again a moment later.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde_json::Value;

use crate::error::{ConfigError, Error};
use crate::identity::Fingerprint;
use crate::quota::Budget;
use crate::secret::Secret;
use crate::sharing::{Answer, RequestKey};

/// Where the replicas' shared state is kept, and how long a request may wait on it.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `redis://[user:password@]host[:port][/db]`; may hold a password, so never shown.
    pub url: Secret,
    /// Longest one Redis operation may take before the request uses local state.
    pub wait: Duration,
}

/// How long Redis is left alone after it failed, before a request tries it again.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// The prefix of every key the product writes.
const PREFIX: &str = "cw-mcp";

/// A generic cell rate algorithm over the credential's key: the theoretical arrival time in
/// microseconds of Redis's clock. Same shape as the local bucket: a burst of `burst` turns,
/// then one turn every `interval`. Returns the wait in microseconds, or -1 past `max_wait`
/// (then nothing is taken).
const GCRA: &str = r"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - burst * interval - now
if wait < 0 then wait = 0 end
if wait > max_wait then return -1 end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return wait
";

/// How a request's budget turn or cache lookup was had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// No shared store is configured: this process's own state.
    Alone,
    /// The shared store answered.
    Shared,
    /// The shared store was away or slow: this process's own state stood in.
    FellBack,
}

/// A connection to the shared store, made on first use and mended by itself.
pub(crate) struct Store {
    client: redis::Client,
    connection: OnceLock<ConnectionManager>,
    wait: Duration,
    away_until: Mutex<Option<Instant>>,
    gcra: redis::Script,
}

impl Store {
    /// Checks the URL; connects only when first used.
    pub(crate) fn open(config: &StoreConfig) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::Invalid {
            name: "CW_REDIS_URL",
            reason: reason.to_owned(),
        };
        let url = config.url.expose();
        if !url.starts_with("redis://") && !url.starts_with("redis+unix://") {
            return Err(invalid(
                "must start with redis:// (for example redis://redis:6379/0, or redis://:password@host:6379); TLS (rediss://) is not built in: reach Redis over a private network",
            ));
        }
        let client = redis::Client::open(url)
            .map_err(|_| invalid("is not a Redis URL: redis://[user:password@]host[:port][/db]"))?;
        Ok(Self {
            client,
            connection: OnceLock::new(),
            wait: config.wait,
            away_until: Mutex::new(None),
            gcra: redis::Script::new(GCRA),
        })
    }

    fn manager(&self) -> Option<ConnectionManager> {
        if let Some(manager) = self.connection.get() {
            return Some(manager.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.wait.max(Duration::from_millis(500))))
            .set_response_timeout(Some(self.wait))
            .set_number_of_retries(1);
        match ConnectionManager::new_lazy_with_config(self.client.clone(), config) {
            Ok(manager) => Some(self.connection.get_or_init(|| manager).clone()),
            Err(error) => {
                tracing::warn!(%error, "could not set up the Redis connection; using local state");
                None
            }
        }
    }

    /// Runs one operation within the bound; `None` when Redis is away (then it is left
    /// alone for [`RETRY_AFTER`]).
    async fn run<T, F>(&self, operation: impl FnOnce(ConnectionManager) -> F) -> Option<T>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        {
            let mut away = self.away_until.lock().unwrap_or_else(|p| p.into_inner());
            match *away {
                Some(until) if Instant::now() < until => return None,
                Some(_) => *away = None,
                None => {}
            }
        }
        let manager = self.manager()?;
        let failure = match tokio::time::timeout(self.wait, operation(manager)).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {} ms", self.wait.as_millis()),
        };
        let mut away = self.away_until.lock().unwrap_or_else(|p| p.into_inner());
        if away.is_none() {
            tracing::warn!(problem = %failure, retry_in_secs = RETRY_AFTER.as_secs(), "Redis (CW_REDIS_URL) is away; this replica uses its own budget and cache meanwhile");
        }
        *away = Some(Instant::now() + RETRY_AFTER);
        None
    }

    /// Takes one turn of `budget` for the credential across every replica: the wait before
    /// it is due, [`Error::BudgetExhausted`] past the budget's wait, `None` when Redis is away.
    pub(crate) async fn reserve(
        &self,
        key: &Fingerprint,
        budget: &Budget,
    ) -> Option<Result<Duration, Error>> {
        let interval = 60_000_000 / u64::from(budget.per_minute.max(1));
        let burst = (budget.per_minute / 10).max(1);
        let max_wait = budget.max_wait.as_micros() as u64;
        let name = key_name("budget", &[key]);
        let waited: i64 = self
            .run(|mut connection| async move {
                self.gcra
                    .key(name)
                    .arg(interval)
                    .arg(burst)
                    .arg(max_wait)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Some(match u64::try_from(waited) {
            Ok(micros) => Ok(Duration::from_micros(micros)),
            Err(_) => Err(Error::BudgetExhausted {
                per_minute: budget.per_minute,
                waited: budget.max_wait,
            }),
        })
    }

    /// The answer another replica (or this one) kept for `key`: `Some(None)` on a miss,
    /// `None` when Redis is away.
    pub(crate) async fn cached(&self, key: &RequestKey) -> Option<Option<Answer>> {
        let name = cache_name(key);
        let kept: Option<Vec<u8>> = self
            .run(|mut connection| async move {
                redis::cmd("GET")
                    .arg(name)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        Some(kept.and_then(|bytes| decode(&bytes)))
    }

    /// Keeps `answer` for `ttl`; says whether Redis took it.
    pub(crate) async fn keep(&self, key: &RequestKey, answer: &Answer, ttl: Duration) -> bool {
        let name = cache_name(key);
        let value = serde_json::json!({"body": answer.body, "link": answer.link}).to_string();
        let millis = ttl.as_millis().max(1) as u64;
        self.run(|mut connection| async move {
            redis::cmd("SET")
                .arg(name)
                .arg(value)
                .arg("PX")
                .arg(millis)
                .query_async::<()>(&mut connection)
                .await
        })
        .await
        .is_some()
    }
}

fn decode(bytes: &[u8]) -> Option<Answer> {
    let mut kept: Value = serde_json::from_slice(bytes).ok()?;
    let link = kept.get("link").and_then(Value::as_str).map(str::to_owned);
    Some(Answer {
        body: kept.get_mut("body")?.take(),
        link,
        bytes: bytes.len(),
    })
}

fn cache_name(key: &RequestKey) -> String {
    let mut parts: Vec<&[u8]> = vec![&key.fingerprint, key.url.as_bytes()];
    for (name, value) in &key.pairs {
        parts.extend([name.as_bytes(), value.as_bytes()]);
    }
    parts.push(if key.forward_only {
        b"forward"
    } else {
        b"pages"
    });
    key_name("reference", &parts)
}

/// `cw-mcp:<kind>:<SHA-256 of the kind and the parts>`: nothing a key could be read from.
fn key_name(kind: &str, parts: &[&[u8]]) -> String {
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    digest.update(PREFIX.as_bytes());
    digest.update(kind.as_bytes());
    for part in parts {
        digest.update(&(part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    let hex: String = digest
        .finish()
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{PREFIX}:{kind}:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(fingerprint: u8, url: &str) -> RequestKey {
        RequestKey {
            fingerprint: [fingerprint; 32],
            url: url.into(),
            pairs: vec![("pageSize".into(), "100".into())],
            forward_only: false,
        }
    }

    #[test]
    fn names_differ_by_credential_and_request_and_show_neither() {
        let one = cache_name(&key(1, "http://x/service/boards"));
        assert!(
            one.starts_with("cw-mcp:reference:") && one.len() == 17 + 64,
            "{one}"
        );
        assert_ne!(one, cache_name(&key(2, "http://x/service/boards")));
        assert_ne!(one, cache_name(&key(1, "http://x/service/priorities")));
        assert!(!one.contains("boards"));
        assert_ne!(
            key_name("budget", &[&[1; 32]]),
            key_name("budget", &[&[2; 32]])
        );
    }

    #[test]
    fn only_redis_urls_are_taken_and_a_bad_one_shows_no_password() {
        let open = |url: &str| {
            Store::open(&StoreConfig {
                url: Secret::new(url),
                wait: Duration::from_millis(100),
            })
        };
        assert!(open("redis://127.0.0.1:6379/0").is_ok());
        let refused = open("rediss://:hunter2@redis:6380")
            .err()
            .unwrap()
            .to_string();
        assert!(
            refused.contains("CW_REDIS_URL") && !refused.contains("hunter2"),
            "{refused}"
        );
        let refused = open("redis://:hunter2@[bad").err().unwrap().to_string();
        assert!(!refused.contains("hunter2"), "{refused}");
    }

    #[tokio::test]
    async fn an_unreachable_redis_answers_none_within_the_bound_then_is_left_alone() {
        // A port nothing listens on: connection refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let store = Store::open(&StoreConfig {
            url: Secret::new(format!("redis://127.0.0.1:{port}")),
            wait: Duration::from_millis(200),
        })
        .unwrap();
        let started = Instant::now();
        assert!(store.reserve(&[1; 32], &Budget::default()).await.is_none());
        assert!(
            store
                .cached(&key(1, "http://x/service/boards"))
                .await
                .is_none()
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert!(store.away_until.lock().unwrap().is_some());
    }
}
