//! When to try a call again.
//!
//! Reads (GET) are retried on connection failures, timeouts and 5xx answers: repeating them
//! changes nothing. Calls that change state are retried only when the connection could not be
//! established at all (the request never left), never after it may have reached the server:
//! a second `create` after a lost answer would make a second job.

use std::time::Duration;

/// How many attempts, and how long to wait between them (doubling, capped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included; 1 disables retries.
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `next_attempt` (2 for the first retry).
    pub fn backoff(&self, next_attempt: u32) -> Duration {
        let doublings = next_attempt.saturating_sub(2).min(16);
        self.initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }

    pub(crate) fn allows(&self, next_attempt: u32) -> bool {
        next_attempt <= self.max_attempts
    }
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No connection could be made: the request was not sent.
    Connect,
    /// Sent, but no (complete) answer in time, or the connection broke.
    Lost,
    /// The server answered 5xx.
    ServerError,
}

/// Whether a call of this kind may be repeated after this failure.
pub(crate) fn retryable(idempotent: bool, failure: Failure) -> bool {
    match failure {
        Failure::Connect => true,
        Failure::Lost | Failure::ServerError => idempotent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(400));
        assert_eq!(p.backoff(4), Duration::from_millis(800));
        assert_eq!(p.backoff(7), Duration::from_secs(2));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(2));
        assert!(p.allows(3));
        assert!(!p.allows(4));
        assert!(!RetryPolicy::never().allows(2));
    }

    #[test]
    fn only_reads_repeat_after_the_request_left() {
        assert!(retryable(true, Failure::ServerError));
        assert!(retryable(true, Failure::Lost));
        assert!(retryable(false, Failure::Connect));
        assert!(!retryable(false, Failure::Lost));
        assert!(!retryable(false, Failure::ServerError));
    }
}
