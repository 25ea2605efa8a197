//! A short-lived cache of token lookups.
//!
//! Every API request with a token would otherwise cost a database query before the one it came
//! for: at the request rates of busy dashboards that doubles the load on the database. Only
//! found tokens are cached (an unknown token always reaches the database), by digest, for
//! [`TOKEN_CACHE_TTL`]. Expiry is checked on every use against the cached expiry time, so it is
//! exact; a revocation made elsewhere (a password change by `vizjobs admin`, another replica)
//! takes effect here within the TTL. A logout through this process drops its entry at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vizjobs_store::TokenRecord;

/// How long a looked-up token is trusted without asking the database again.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(2);

/// Entries kept at most; beyond that the cache starts over (a flood of distinct valid tokens
/// is not a pattern worth an eviction policy).
const MAX_ENTRIES: usize = 10_000;

pub struct TokenCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (TokenRecord, Instant)>>,
}

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The record cached for `digest`, if it is fresh.
    pub fn get(&self, digest: &str) -> Option<TokenRecord> {
        if self.ttl.is_zero() {
            return None;
        }
        let mut entries = self.entries();
        match entries.get(digest) {
            Some((record, at)) if at.elapsed() < self.ttl => Some(record.clone()),
            Some(_) => {
                entries.remove(digest);
                None
            }
            None => None,
        }
    }

    pub fn insert(&self, digest: String, record: TokenRecord) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(digest, (record, Instant::now()));
    }

    pub fn forget(&self, digest: &str) {
        self.entries().remove(digest);
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (TokenRecord, Instant)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizjobs_store::TokenKind;

    fn record(project: &str) -> TokenRecord {
        TokenRecord {
            token_hash: "d".into(),
            kind: TokenKind::Iam,
            user_id: Some("u".into()),
            project_id: project.into(),
            label: String::new(),
            issued_ms: 0,
            expires_ms: None,
        }
    }

    #[test]
    fn entries_live_for_the_ttl_and_can_be_forgotten() {
        let cache = TokenCache::new(Duration::from_millis(200));
        assert!(cache.get("a").is_none());
        cache.insert("a".into(), record("p1"));
        cache.insert("b".into(), record("p2"));
        assert_eq!(cache.get("a").map(|r| r.project_id), Some("p1".into()));
        cache.forget("a");
        assert!(cache.get("a").is_none());
        std::thread::sleep(Duration::from_millis(250));
        assert!(cache.get("b").is_none(), "stale entries are not served");
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = TokenCache::new(Duration::ZERO);
        cache.insert("a".into(), record("p1"));
        assert!(cache.get("a").is_none());
    }
}
