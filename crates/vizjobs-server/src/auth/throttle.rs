//! Throttling of failed logins, per user name and per client address.
//!
//! Each key may fail `attempts` times within `window`; past that, logins for that key are
//! refused with 429 and a `Retry-After` until the oldest failure leaves the window. A success
//! clears the user's record (not the address's, so one good account cannot launder guesses).
//! Kept in memory per replica: an attacker spreading guesses over N replicas gets N times the
//! budget, which is acceptable for a handful of replicas.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    attempts: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    pub fn new(attempts: u32, window: Duration) -> Self {
        Self {
            attempts: attempts.max(1) as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(seconds to wait)` when any of the keys is locked out now.
    pub fn check(&self, keys: &[String]) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for key in keys {
            if let Some(times) = map.get_mut(key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    times.pop_front();
                }
                if times.len() >= self.attempts {
                    let oldest = times.front().copied().unwrap_or(now);
                    let secs = self
                        .window
                        .saturating_sub(now.duration_since(oldest))
                        .as_secs()
                        .max(1);
                    wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
                }
            }
        }
        wait
    }

    pub fn record_failure(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a flood of distinct keys: forget entries whose window has passed.
        if map.len() > 100_000 {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        for key in keys {
            let times = map.entry(key.clone()).or_default();
            times.push_back(now);
            while times.len() > self.attempts {
                times.pop_front();
            }
        }
    }

    pub fn record_success(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_after_the_allowed_failures() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let keys = vec!["user:a".to_owned(), "ip:1".to_owned()];
        for _ in 0..3 {
            assert_eq!(t.check(&keys), None);
            t.record_failure(&keys);
        }
        let wait = t.check(&keys).expect("locked out");
        assert!((1..=60).contains(&wait));
        // Another user from the same address is locked out too; the address is the key.
        assert!(t.check(&["user:b".to_owned(), "ip:1".to_owned()]).is_some());
        assert!(t.check(&["user:b".to_owned(), "ip:2".to_owned()]).is_none());
        t.record_success("user:a");
        assert!(t.check(&["user:a".to_owned()]).is_none());
    }

    #[test]
    fn failures_expire_with_the_window() {
        let t = LoginThrottle::new(1, Duration::from_millis(50));
        let keys = vec!["user:x".to_owned()];
        t.record_failure(&keys);
        assert!(t.check(&keys).is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert!(t.check(&keys).is_none());
    }
}
