//! IAM tokens for account/username/password sessions: fetched from `POST {iam}/v3/auth/tokens`,
//! cached, and renewed before they expire.
//!
//! Renewal is planned on the local monotonic clock: the token's lifetime is
//! `expires_at - issued_at` as the server states both, so a client clock that is off does not
//! shorten or stretch it. The token is renewed `min(renew_before, lifetime / 5)` before its end,
//! which is minutes for a day-long token and still leaves room for a token of a few seconds.
//! One lock guards the cache, so concurrent calls wait for a single renewal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Mutex;
use url::Url;
use vizjobs_signer::SecretKey;

use crate::error::SdkError;
use crate::response::failure_fields;

/// The header IAM returns the token in, and the one clients send it back in.
pub(crate) const SUBJECT_TOKEN_HEADER: &str = "x-subject-token";
pub(crate) const AUTH_TOKEN_HEADER: &str = "x-auth-token";

/// Default head start of a renewal.
pub const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// How long after receiving a token of `lifetime` to renew it.
pub(crate) fn renew_after(lifetime: Duration, renew_before: Duration) -> Duration {
    lifetime.saturating_sub(renew_before.min(lifetime / 5))
}

/// A token's lifetime as the server states it; `None` when the answer does not say.
fn lifetime(expires_at: &str, issued_at: Option<&str>, now: OffsetDateTime) -> Option<Duration> {
    let expires = OffsetDateTime::parse(expires_at, &Rfc3339).ok()?;
    let start = issued_at
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .unwrap_or(now);
    Some(Duration::try_from(expires - start).unwrap_or(Duration::ZERO))
}

#[derive(Clone)]
struct CachedToken {
    value: String,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: TokenBody,
}

#[derive(Deserialize)]
struct TokenBody {
    expires_at: String,
    #[serde(default)]
    issued_at: Option<String>,
}

/// Password credentials and the token they currently hold.
pub(crate) struct PasswordAuth {
    account: String,
    username: String,
    password: SecretKey,
    renew_before: Duration,
    cached: Mutex<Option<CachedToken>>,
    fetches: AtomicU64,
}

impl PasswordAuth {
    pub(crate) fn new(
        account: String,
        username: String,
        password: SecretKey,
        renew_before: Duration,
    ) -> Self {
        Self {
            account,
            username,
            password,
            renew_before,
            cached: Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    pub(crate) fn username(&self) -> &str {
        &self.username
    }

    /// How many tokens were requested from IAM so far.
    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// A token valid for a while yet, from the cache or freshly issued.
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        iam_tokens_url: &Url,
        project_id: &str,
    ) -> Result<String, SdkError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let fresh = self.fetch(http, iam_tokens_url, project_id).await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// Forgets the cached token (the server said it is no longer valid).
    pub(crate) async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        url: &Url,
        project_id: &str,
    ) -> Result<CachedToken, SdkError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {
                        "name": self.username,
                        "password": self.password.expose(),
                        "domain": {"name": self.account},
                    }},
                },
                "scope": {"project": {"id": project_id}},
            }
        });
        let sent_at = Instant::now();
        let url_text = url.as_str();
        let answer = http
            .post(url.clone())
            .json(&body)
            .send()
            .await
            .map_err(|e| SdkError::from_reqwest(url_text, e))?;
        let status = answer.status();
        let token = answer
            .headers()
            .get(SUBJECT_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = answer
            .bytes()
            .await
            .map_err(|e| SdkError::from_reqwest(url_text, e))?;
        let unreadable = |reason: &str| SdkError::UnreadableAnswer {
            url: url_text.to_owned(),
            status: status.as_u16(),
            reason: reason.to_owned(),
        };
        if !status.is_success() {
            let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let (code, message) = failure_fields(&json);
            return Err(SdkError::Authentication {
                url: url_text.to_owned(),
                status: status.as_u16(),
                code,
                message: message.unwrap_or_else(|| "the token request was refused".into()),
            });
        }
        let token = token.ok_or_else(|| unreadable("no X-Subject-Token header"))?;
        let parsed: TokenAnswer = serde_json::from_slice(&bytes)
            .map_err(|e| unreadable(&format!("unexpected token body: {e}")))?;
        let lifetime = lifetime(
            &parsed.token.expires_at,
            parsed.token.issued_at.as_deref(),
            OffsetDateTime::now_utc(),
        )
        .ok_or_else(|| unreadable("expires_at is not an RFC 3339 time"))?;
        Ok(CachedToken {
            value: token,
            renew_at: sent_at + renew_after(lifetime, self.renew_before),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn renews_ahead_of_expiry_in_proportion() {
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(
            renew_after(day, DEFAULT_RENEW_BEFORE),
            day - DEFAULT_RENEW_BEFORE
        );
        assert_eq!(
            renew_after(Duration::from_secs(5), DEFAULT_RENEW_BEFORE),
            Duration::from_secs(4)
        );
        assert_eq!(
            renew_after(Duration::ZERO, DEFAULT_RENEW_BEFORE),
            Duration::ZERO
        );
    }

    #[test]
    fn lifetime_comes_from_the_server_times() {
        let now = datetime!(2030-01-01 00:00:00 UTC);
        assert_eq!(
            lifetime(
                "2024-01-16T08:30:00Z",
                Some("2024-01-15T08:30:00.000Z"),
                now
            ),
            Some(Duration::from_secs(24 * 3600))
        );
        // Without issued_at the local clock stands in.
        assert_eq!(
            lifetime("2030-01-01T00:00:10+00:00", None, now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            lifetime("2029-01-01T00:00:00Z", None, now),
            Some(Duration::ZERO)
        );
        assert_eq!(lifetime("tomorrow", None, now), None);
    }
}
