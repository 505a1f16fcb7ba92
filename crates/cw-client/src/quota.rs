//! A request budget per credential: a token bucket that makes callers queue, for a
//! bounded time, rather than spend ConnectWise's throttle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::identity::Fingerprint;
use crate::store::{Held, Store};

/// Buckets kept before idle, full ones are forgotten.
const MAX_BUCKETS: usize = 4096;

/// How many requests a minute each credential may send, and how long a request may wait
/// for its turn. The bucket holds a tenth of a minute's budget, so no 60-second window
/// sees more than 1.1 times the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests a minute per credential; 0 turns the budget off.
    pub per_minute: u32,
    /// Longest wait for a turn; past it the call fails with [`Error::BudgetExhausted`].
    pub max_wait: Duration,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            per_minute: 600,
            max_wait: Duration::from_secs(10),
        }
    }
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The buckets of every credential seen, and the replicas' shared budget when there is one.
pub(crate) struct Budgets {
    budget: Budget,
    buckets: Mutex<HashMap<Fingerprint, Bucket>>,
    store: Option<Arc<Store>>,
}

impl Budgets {
    pub(crate) fn new(budget: Budget, store: Option<Arc<Store>>) -> Self {
        Self {
            budget,
            buckets: Mutex::new(HashMap::new()),
            store,
        }
    }

    fn capacity(&self) -> f64 {
        (f64::from(self.budget.per_minute) / 10.0).max(1.0)
    }

    /// Takes one request's turn for `key`, from the replicas' shared budget when it answers,
    /// else from this process's bucket; waits until the turn is due and returns the wait.
    pub(crate) async fn spend(&self, key: &Fingerprint) -> Result<(Duration, Held), Error> {
        if self.budget.per_minute == 0 {
            return Ok((Duration::ZERO, Held::Alone));
        }
        let shared = match &self.store {
            Some(store) => store.reserve(key, &self.budget).await,
            None => None,
        };
        let (wait, held) = match shared {
            Some(reserved) => (reserved?, Held::Shared),
            None if self.store.is_some() => (self.reserve(key, Instant::now())?, Held::FellBack),
            None => (self.reserve(key, Instant::now())?, Held::Alone),
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok((wait, held))
    }

    /// Reserves a token (possibly one not yet refilled) and says how long until it is due.
    fn reserve(&self, key: &Fingerprint, now: Instant) -> Result<Duration, Error> {
        let rate = f64::from(self.budget.per_minute) / 60.0;
        let capacity = self.capacity();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < capacity
            });
        }
        let bucket = buckets.entry(*key).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * rate).min(capacity);
        bucket.updated = now;
        let wait = if bucket.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - bucket.tokens) / rate)
        };
        if wait > self.budget.max_wait {
            return Err(Error::BudgetExhausted {
                per_minute: self.budget.per_minute,
                waited: self.budget.max_wait,
            });
        }
        bucket.tokens -= 1.0;
        Ok(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_past_the_bucket_queues_then_fails_past_the_wait() {
        let budgets = Budgets::new(
            Budget {
                per_minute: 60,
                max_wait: Duration::from_secs(3),
            },
            None,
        );
        let key = [7; 32];
        let now = Instant::now();
        // 60 a minute: a bucket of 6, then one a second.
        for _ in 0..6 {
            assert_eq!(budgets.reserve(&key, now).unwrap(), Duration::ZERO);
        }
        let waits: Vec<u64> = (0..3)
            .map(|_| budgets.reserve(&key, now).unwrap().as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 3]);
        assert!(matches!(
            budgets.reserve(&key, now),
            Err(Error::BudgetExhausted { per_minute: 60, .. })
        ));
        // Another credential has its own bucket.
        assert_eq!(budgets.reserve(&[8; 32], now).unwrap(), Duration::ZERO);
        // Time refills.
        let later = now + Duration::from_secs(10);
        assert_eq!(budgets.reserve(&key, later).unwrap(), Duration::ZERO);
    }
}
