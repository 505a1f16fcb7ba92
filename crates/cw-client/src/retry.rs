//! When and how long to wait before trying a failed request again.

use std::time::Duration;

use crate::error::Error;

/// Retry policy: 429 waits for `Retry-After` (up to `max_retry_after`), 5xx and
/// connection failures back off exponentially with jitter; other errors are final.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff; doubles each retry.
    pub base_delay: Duration,
    /// Longest single backoff.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one is reported to the caller at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How long to wait before retry number `retry` (0-based) after `error`, or
    /// `None` when the error must be returned as it is.
    pub fn delay(&self, retry: u32, error: &Error) -> Option<Duration> {
        if retry >= self.max_retries || !error.is_retryable() {
            return None;
        }
        if let Error::RateLimited {
            retry_after: Some(wait),
            ..
        } = error
        {
            return (*wait <= self.max_retry_after).then_some(*wait);
        }
        let exponential = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_delay);
        // Jitter: somewhere between half and all of the exponential delay.
        let half = exponential / 2;
        Some(half + half.mul_f64(fastrand::f64()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn server_error() -> Error {
        Error::Server {
            status: 503,
            body: ApiError::default(),
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_stops() {
        let policy = RetryPolicy::default();
        for retry in 0..3 {
            let delay = policy.delay(retry, &server_error()).unwrap();
            let full = policy.base_delay * 2u32.pow(retry);
            assert!(
                delay >= full / 2 && delay <= full,
                "retry {retry}: {delay:?}"
            );
        }
        assert_eq!(policy.delay(3, &server_error()), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let limited = |secs| Error::RateLimited {
            retry_after: Some(Duration::from_secs(secs)),
            body: ApiError::default(),
        };
        assert_eq!(policy.delay(0, &limited(2)), Some(Duration::from_secs(2)));
        assert_eq!(
            policy.delay(0, &limited(60)),
            None,
            "too long a wait goes back to the caller"
        );
    }

    #[test]
    fn client_errors_are_never_retried() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(0, &Error::NotFound(ApiError::default())), None);
        assert_eq!(
            policy.delay(0, &Error::BadRequest(ApiError::default())),
            None
        );
        assert_eq!(
            policy.delay(0, &Error::Timeout(Duration::from_secs(1))),
            None
        );
    }
}
