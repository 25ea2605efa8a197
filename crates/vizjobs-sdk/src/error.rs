//! Failures that are not API answers: the SDK could not ask, or could not understand the reply.
//!
//! An API that answers "no" (`is_success: false`) is not an error here: that comes back as an
//! [`crate::ApiResponse`], as in the Python SDK.

use std::path::PathBuf;

/// What can keep a call from producing an [`crate::ApiResponse`].
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    #[error("invalid session configuration: {0}")]
    Config(String),
    #[error("cannot read credentials file {}: {source}", path.display())]
    CredentialsFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("credentials file {} is not valid: {source}", path.display())]
    CredentialsFormat {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("request to {url} timed out")]
    Timeout { url: String },
    #[error("cannot reach {url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("unreadable answer from {url} (HTTP {status}): {reason}")]
    UnreadableAnswer {
        url: String,
        status: u16,
        reason: String,
    },
    /// IAM refused the account/username/password (the token request itself failed).
    #[error("authentication failed at {url} (HTTP {status}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Authentication {
        url: String,
        status: u16,
        code: Option<String>,
        message: String,
    },
    #[error("cannot sign the request: {0}")]
    Signing(#[from] vizjobs_signer::SignError),
    #[error("the blocking API was called from inside an async runtime; use the async API there")]
    BlockingInAsyncContext,
    #[error("cannot start the runtime of the blocking API: {0}")]
    Runtime(#[source] std::io::Error),
}

impl SdkError {
    /// Classifies a reqwest failure for `url`.
    pub(crate) fn from_reqwest(url: &str, err: reqwest::Error) -> Self {
        if err.is_timeout() {
            Self::Timeout {
                url: url.to_owned(),
            }
        } else {
            Self::Transport {
                url: url.to_owned(),
                source: err,
            }
        }
    }
}
