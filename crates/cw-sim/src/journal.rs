//! A record of every request received, for tests to inspect.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// One request as received. The `Authorization` header is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// HTTP method.
    pub method: String,
    /// Path, as received.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers other than `Authorization`, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Status answered.
    pub status: u16,
    /// The identifier of the API member whose credentials were accepted, if any.
    pub member: Option<String>,
    /// When it arrived (before any injected latency).
    pub received: std::time::Instant,
}

impl JournalEntry {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The journal: the most recent entries (bounded) and a count per method
/// since start, which is never dropped.
#[derive(Debug)]
pub struct Journal {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    recent: VecDeque<JournalEntry>,
    capacity: usize,
    by_method: BTreeMap<String, u64>,
}

impl Journal {
    /// A journal keeping at most `capacity` recent entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                recent: VecDeque::new(),
                capacity,
                by_method: BTreeMap::new(),
            }),
        }
    }

    /// Adds an entry.
    pub fn record(&self, entry: JournalEntry) {
        let mut inner = self.lock();
        *inner.by_method.entry(entry.method.clone()).or_default() += 1;
        if inner.capacity == 0 {
            return;
        }
        if inner.recent.len() == inner.capacity {
            inner.recent.pop_front();
        }
        inner.recent.push_back(entry);
    }

    /// The recent entries, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().recent.iter().cloned().collect()
    }

    /// Requests received per method since start (or the last [`Journal::clear`]).
    pub fn method_counts(&self) -> BTreeMap<String, u64> {
        self.lock().by_method.clone()
    }

    /// Requests received in all.
    pub fn total(&self) -> u64 {
        self.lock().by_method.values().sum()
    }

    /// True when every request received so far was a GET.
    pub fn only_gets(&self) -> bool {
        self.lock().by_method.keys().all(|m| m == "GET")
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.recent.clear();
        inner.by_method.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
