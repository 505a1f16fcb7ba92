//! Spending ConnectWise's quota well: identical requests in flight at once are
//! sent once and their answer shared, and reference lists (boards, statuses,
//! priorities, ...) are kept for a while. Both are keyed by the credential's
//! fingerprint, so one member never sees an answer made for another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::OnceCell;

use crate::error::Error;
use crate::identity::Fingerprint;
use crate::resources::REFERENCE_PATHS;

/// Most entries the reference cache holds.
const MAX_CACHED: usize = 512;
/// Largest answer kept in the cache.
pub(crate) const MAX_CACHED_BYTES: usize = 1024 * 1024;

/// How the client shares answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    /// Send identical concurrent requests once.
    pub coalesce: bool,
    /// How long a reference list is kept; zero keeps none.
    pub reference_ttl: Duration,
}

impl Default for Sharing {
    fn default() -> Self {
        Self {
            coalesce: true,
            reference_ttl: Duration::from_secs(300),
        }
    }
}

/// True when `path` is a reference list or below one.
pub fn is_reference(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    REFERENCE_PATHS.iter().any(|reference| {
        let mut wanted = reference.split('/').filter(|s| !s.is_empty());
        let mut got = path.split('/').filter(|s| !s.is_empty());
        wanted.all(|w| got.next().is_some_and(|g| g.eq_ignore_ascii_case(w)))
    })
}

/// A decoded answer: the JSON body, the `Link` header, and the body's size.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) body: Value,
    pub(crate) link: Option<String>,
    pub(crate) bytes: usize,
}

/// One request as the sharing sees it: whose, where, and how asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RequestKey {
    pub(crate) fingerprint: Fingerprint,
    pub(crate) url: String,
    pub(crate) pairs: Vec<(String, String)>,
    pub(crate) forward_only: bool,
}

type Shared = Arc<OnceCell<Result<Answer, Error>>>;

/// Requests in flight and reference lists kept.
pub(crate) struct Sharer {
    sharing: Sharing,
    in_flight: Mutex<HashMap<RequestKey, Shared>>,
    cached: Mutex<HashMap<RequestKey, (Instant, Answer)>>,
}

/// How an answer was had.
pub(crate) enum Had {
    /// This call sent the request.
    Sent,
    /// Another call's identical request in flight answered it.
    Coalesced,
}

impl Sharer {
    pub(crate) fn new(sharing: Sharing) -> Self {
        Self {
            sharing,
            in_flight: Mutex::new(HashMap::new()),
            cached: Mutex::new(HashMap::new()),
        }
    }

    /// True when answers for `path` are kept: a reference list, with a cache time set.
    pub(crate) fn keeps(&self, path: &str) -> bool {
        !self.sharing.reference_ttl.is_zero() && is_reference(path)
    }

    /// A kept answer for `key` still fresh; `kept` says whether its path's answers are kept.
    pub(crate) fn cached(&self, key: &RequestKey, kept: bool) -> Option<Answer> {
        if !kept {
            return None;
        }
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        match cached.get(key) {
            Some((at, answer)) if at.elapsed() < self.sharing.reference_ttl => Some(answer.clone()),
            Some(_) => {
                cached.remove(key);
                None
            }
            None => None,
        }
    }

    /// Runs `send` for `key`, or waits for the identical request another call is sending.
    pub(crate) async fn share<F>(
        &self,
        key: &RequestKey,
        kept: bool,
        send: F,
    ) -> (Result<Answer, Error>, Had)
    where
        F: Future<Output = Result<Answer, Error>>,
    {
        if !self.sharing.coalesce {
            let result = send.await;
            self.keep(key, kept, &result);
            return (result, Had::Sent);
        }
        let cell = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let mut sent = false;
        let result = cell
            .get_or_init(|| {
                sent = true;
                send
            })
            .await
            .clone();
        if !sent {
            return (result, Had::Coalesced);
        }
        {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            if in_flight.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                in_flight.remove(key);
            }
        }
        self.keep(key, kept, &result);
        (result, Had::Sent)
    }

    /// Keeps `answer`, had from the replicas' shared cache, here as well.
    pub(crate) fn remember(&self, key: &RequestKey, answer: &Answer) {
        self.keep(key, true, &Ok(answer.clone()));
    }

    fn keep(&self, key: &RequestKey, kept: bool, result: &Result<Answer, Error>) {
        let Ok(answer) = result else { return };
        if !kept || answer.bytes > MAX_CACHED_BYTES {
            return;
        }
        let ttl = self.sharing.reference_ttl;
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if cached.len() >= MAX_CACHED {
            cached.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        if cached.len() >= MAX_CACHED {
            let oldest = cached
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                cached.remove(&oldest);
            }
        }
        cached.insert(key.clone(), (Instant::now(), answer.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_lists_are_recognised_below_their_paths() {
        for path in [
            "/service/boards",
            "/service/boards/1/statuses",
            "/service/boards/count",
            "/system/members/12",
            "/finance/billingCycles?pageSize=100",
            "/Service/Priorities",
            "/company/configurations/types",
            "/sales/stages/3",
        ] {
            assert!(is_reference(path), "{path}");
        }
        for path in [
            "/service/tickets",
            "/system/info",
            "/service/board",
            "/finance/agreements",
        ] {
            assert!(!is_reference(path), "{path}");
        }
    }

    fn key(fingerprint: u8) -> RequestKey {
        RequestKey {
            fingerprint: [fingerprint; 32],
            url: "http://x/v4_6_release/apis/3.0/service/boards".into(),
            pairs: vec![],
            forward_only: false,
        }
    }

    fn answer() -> Answer {
        Answer {
            body: Value::Array(vec![]),
            link: None,
            bytes: 2,
        }
    }

    #[tokio::test]
    async fn concurrent_identical_requests_are_sent_once_and_kept_per_credential() {
        let sharer = Sharer::new(Sharing::default());
        let (gate, opened) = tokio::sync::oneshot::channel::<()>();
        let (one, two) = (key(1), key(2));
        let kept = sharer.keeps("/service/boards");
        let first = sharer.share(&one, kept, async {
            let _ = opened.await;
            Ok(answer())
        });
        let second = sharer.share(&one, kept, async {
            panic!("an identical request in flight must not be sent again")
        });
        let other = sharer.share(&two, kept, async { Ok(answer()) });
        let opener = async {
            let _ = gate.send(());
        };
        let ((_, first), (_, second), (_, other), ()) = tokio::join!(first, second, other, opener);
        assert!(matches!(first, Had::Sent));
        assert!(matches!(second, Had::Coalesced));
        assert!(
            matches!(other, Had::Sent),
            "another credential sends its own"
        );
        assert!(sharer.cached(&key(1), kept).is_some());
        assert!(sharer.cached(&key(3), kept).is_none());
    }
}
