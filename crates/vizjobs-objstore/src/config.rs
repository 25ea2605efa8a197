//! Deployment settings of the S3-compatible endpoint: where it is, how to sign, how to address
//! buckets, what TLS to accept, and how hard to retry.
//!
//! Secrets live in [`Secret`], whose `Debug` never shows the value, so a config can be logged.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A value that must never appear in logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that signs requests with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A static key pair (MinIO, OBS, S3 IAM user keys).
#[derive(Debug, Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// For temporary (STS) credentials.
    pub session_token: Option<Secret>,
}

/// How a bucket is named in request URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Addressing {
    /// `https://endpoint/bucket/key`: MinIO, Ceph and most self-hosted servers.
    Path,
    /// `https://bucket.endpoint/key`: AWS S3 and OBS.
    #[default]
    VirtualHosted,
}

/// Retries of failed requests (connection errors, 5xx, throttling), with exponential backoff.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySettings {
    /// Retries after the first attempt (0: none).
    pub max_retries: usize,
    /// No retry starts after this long since the first attempt.
    pub retry_timeout: Duration,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetrySettings {
    /// Short enough that a pass over an unreachable endpoint reports within ~15 s, so the
    /// dashboard shows the outage instead of hanging.
    fn default() -> Self {
        RetrySettings {
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// Everything needed to reach one S3-compatible service.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// `https://host[:port]` of the service, without a bucket; `None` for AWS S3 itself (the
    /// regional endpoint follows from `region`).
    pub endpoint: Option<String>,
    pub region: String,
    /// `None`: credentials come from the standard AWS sources (`AWS_*` web identity, instance
    /// metadata), as the SDKs do.
    pub credentials: Option<StaticCredentials>,
    pub addressing: Addressing,
    /// Accept `http://` endpoints (loopback test servers, trusted networks only).
    pub allow_http: bool,
    /// A PEM file of extra CA certificates (a self-signed MinIO or Ceph, say).
    pub ca_certificate: Option<PathBuf>,
    /// Skip TLS certificate checks. Only for debugging a deployment.
    pub insecure_skip_tls_verify: bool,
    /// Requests in flight at once per bucket, streaming reads included.
    pub max_concurrent_requests: usize,
    /// Time limit of one request, body included.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetrySettings,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            endpoint: None,
            region: "us-east-1".to_owned(),
            credentials: None,
            addressing: Addressing::default(),
            allow_http: false,
            ca_certificate: None,
            insecure_skip_tls_verify: false,
            max_concurrent_requests: 16,
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(5),
            retry: RetrySettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = S3Config {
            credentials: Some(StaticCredentials {
                access_key_id: "AKID".into(),
                secret_access_key: Secret::new("very-secret-value"),
                session_token: Some(Secret::new("token-value")),
            }),
            ..S3Config::default()
        };
        let shown = format!("{config:?}");
        assert!(shown.contains("AKID"));
        assert!(!shown.contains("very-secret-value"));
        assert!(!shown.contains("token-value"));
    }
}
