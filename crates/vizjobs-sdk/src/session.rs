//! `Session`: where the API lives, who is calling, and the HTTP client shared by every call.
//!
//! Three ways to authenticate, as in the ModelArts Python SDK:
//! - AK/SK: every request is signed (`SDK-HMAC-SHA256`, see `vizjobs-signer`);
//! - account + username + password: an IAM token is obtained and renewed as needed;
//! - a ready token (e.g. a static automation token), sent as is.
//!
//! A `Session` is cheap to clone (shared state behind an `Arc`) and safe to use from many tasks.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;
use vizjobs_signer::{SecretKey, Signer};

use crate::error::SdkError;
use crate::retry::RetryPolicy;
use crate::token::{DEFAULT_RENEW_BEFORE, PasswordAuth};

/// Where the services are. Against a vizjobs server, IAM and ModelArts are the same address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub iam: Url,
    pub modelarts: Url,
    pub region: String,
}

/// How the session proves who it is.
pub(crate) enum Auth {
    AkSk(Signer),
    Password(PasswordAuth),
    Token(SecretKey),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AkSk(signer) => write!(f, "AkSk({})", signer.access_key()),
            Self::Password(p) => write!(f, "Password({})", p.username()),
            Self::Token(_) => f.write_str("Token(***)"),
        }
    }
}

/// The kind of credential a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    AccessKey,
    Password,
    Token,
}

#[derive(Debug)]
pub(crate) struct SessionInner {
    pub(crate) endpoints: Endpoints,
    pub(crate) project_id: String,
    pub(crate) auth: Auth,
    pub(crate) http: reqwest::Client,
    pub(crate) retry: RetryPolicy,
}

/// A configured connection to the visualization-jobs API.
#[derive(Debug, Clone)]
pub struct Session {
    pub(crate) inner: Arc<SessionInner>,
}

impl Session {
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    pub fn project_id(&self) -> &str {
        &self.inner.project_id
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    pub fn auth_kind(&self) -> AuthKind {
        match self.inner.auth {
            Auth::AkSk(_) => AuthKind::AccessKey,
            Auth::Password(_) => AuthKind::Password,
            Auth::Token(_) => AuthKind::Token,
        }
    }

    /// Obtains an IAM token now (password sessions), so that wrong credentials show at once
    /// rather than on the first call. Other sessions have nothing to check up front.
    pub async fn authenticate(&self) -> Result<(), SdkError> {
        if let Auth::Password(password) = &self.inner.auth {
            password
                .token(
                    &self.inner.http,
                    &crate::urls::iam_tokens_url(&self.inner.endpoints.iam),
                    &self.inner.project_id,
                )
                .await?;
        }
        Ok(())
    }

    /// The token this session sends: the current IAM token of a password session (obtained or
    /// renewed as needed), the configured token of a token session, `None` for AK/SK. Useful to
    /// open a job's `service_url`, which takes the same `X-Auth-Token`.
    pub async fn token(&self) -> Result<Option<String>, SdkError> {
        match &self.inner.auth {
            Auth::AkSk(_) => Ok(None),
            Auth::Token(token) => Ok(Some(token.expose().to_owned())),
            Auth::Password(password) => password
                .token(
                    &self.inner.http,
                    &crate::urls::iam_tokens_url(&self.inner.endpoints.iam),
                    &self.inner.project_id,
                )
                .await
                .map(Some),
        }
    }

    /// How many tokens this session has requested from IAM (0 unless it uses a password).
    pub fn iam_token_requests(&self) -> u64 {
        match &self.inner.auth {
            Auth::Password(p) => p.fetches(),
            _ => 0,
        }
    }
}

/// Builds a [`Session`]. Needs an endpoint, a project id and one credential.
#[derive(Debug)]
pub struct SessionBuilder {
    iam_endpoint: Option<String>,
    modelarts_endpoint: Option<String>,
    region: String,
    project_id: Option<String>,
    credential: Option<Credential>,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    token_renew_before: Duration,
}

enum Credential {
    AkSk {
        access_key: String,
        secret_key: SecretKey,
    },
    Password {
        account: String,
        username: String,
        password: SecretKey,
    },
    Token(SecretKey),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AkSk { access_key, .. } => write!(f, "AkSk({access_key})"),
            Self::Password { username, .. } => write!(f, "Password({username})"),
            Self::Token(_) => f.write_str("Token(***)"),
        }
    }
}

impl Default for SessionBuilder {
    fn default() -> Self {
        Self {
            iam_endpoint: None,
            modelarts_endpoint: None,
            region: String::from("local"),
            project_id: None,
            credential: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            token_renew_before: DEFAULT_RENEW_BEFORE,
        }
    }
}

impl SessionBuilder {
    /// Like the Python SDK's `Session.set_endpoint(iam_endpoint=…, modelarts_endpoint=…,
    /// region_name=…)`.
    pub fn set_endpoint(
        mut self,
        iam_endpoint: impl Into<String>,
        modelarts_endpoint: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        self.iam_endpoint = Some(iam_endpoint.into());
        self.modelarts_endpoint = Some(modelarts_endpoint.into());
        self.region = region.into();
        self
    }

    /// One address for both IAM and the API, as a vizjobs server serves them.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        let endpoint = endpoint.into();
        self.iam_endpoint = Some(endpoint.clone());
        self.modelarts_endpoint = Some(endpoint);
        self
    }

    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Sign every request with this AK/SK pair.
    pub fn access_key(
        mut self,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.credential = Some(Credential::AkSk {
            access_key: access_key.into(),
            secret_key: SecretKey::new(secret_key),
        });
        self
    }

    /// Log in as `username` of `account` and use the IAM token it yields.
    pub fn password(
        mut self,
        account: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.credential = Some(Credential::Password {
            account: account.into(),
            username: username.into(),
            password: SecretKey::new(password),
        });
        self
    }

    /// Send this token with every request.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.credential = Some(Credential::Token(SecretKey::new(token)));
        self
    }

    /// How long establishing a connection may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one whole request may take, answer included (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The most an IAM token is renewed ahead of its expiry (default 5 minutes; never more
    /// than a fifth of the token's lifetime).
    pub fn token_renew_before(mut self, ahead: Duration) -> Self {
        self.token_renew_before = ahead;
        self
    }

    pub fn build(self) -> Result<Session, SdkError> {
        let modelarts = parse_endpoint(
            "ModelArts",
            self.modelarts_endpoint
                .as_deref()
                .ok_or_else(|| SdkError::Config("no endpoint set".into()))?,
        )?;
        let iam = match &self.iam_endpoint {
            Some(iam) => parse_endpoint("IAM", iam)?,
            None => modelarts.clone(),
        };
        let project_id = self
            .project_id
            .ok_or_else(|| SdkError::Config("no project id set".into()))?;
        let project_id = vizjobs_api::ProjectId::parse(&project_id)
            .map_err(|e| SdkError::Config(format!("project id {project_id:?}: {}", e.message)))?
            .into_string();
        let auth = match self.credential.ok_or_else(|| {
            SdkError::Config("no credential set (AK/SK, password or token)".into())
        })? {
            Credential::AkSk {
                access_key,
                secret_key,
            } => Auth::AkSk(Signer::new(access_key, secret_key)),
            Credential::Password {
                account,
                username,
                password,
            } => Auth::Password(PasswordAuth::new(
                account,
                username,
                password,
                self.token_renew_before,
            )),
            Credential::Token(token) => Auth::Token(token),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .build()
            .map_err(|e| SdkError::Config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Session {
            inner: Arc::new(SessionInner {
                endpoints: Endpoints {
                    iam,
                    modelarts,
                    region: self.region,
                },
                project_id,
                auth,
                http,
                retry: self.retry,
            }),
        })
    }
}

fn parse_endpoint(which: &str, text: &str) -> Result<Url, SdkError> {
    // A bare host:port is what people type; the server speaks plain HTTP unless told otherwise.
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| SdkError::Config(format!("{which} endpoint {text:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SdkError::Config(format!(
            "{which} endpoint {text:?} must be an http(s) URL"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SessionBuilder {
        Session::builder()
            .endpoint("127.0.0.1:8080")
            .project_id("p1")
    }

    #[test]
    fn needs_endpoint_project_and_credential() {
        assert!(matches!(base().build(), Err(SdkError::Config(_))));
        let no_project = Session::builder().endpoint("http://h").token("t").build();
        assert!(matches!(no_project, Err(SdkError::Config(_))));
        let bad_project = base().project_id("a/b").token("t").build();
        assert!(matches!(bad_project, Err(SdkError::Config(_))));
        let bad_endpoint = base().endpoint("ftp://h").token("t").build();
        assert!(matches!(bad_endpoint, Err(SdkError::Config(_))));
    }

    #[test]
    fn endpoints_and_credentials_are_kept() {
        let s = base().access_key("AK", "SK").build().unwrap();
        assert_eq!(s.endpoints().modelarts.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.endpoints().iam, s.endpoints().modelarts);
        assert_eq!(s.auth_kind(), AuthKind::AccessKey);
        let s = base()
            .set_endpoint("https://iam.example.com", "https://ma.example.com", "eu-de")
            .password("acct", "alice", "pw")
            .build()
            .unwrap();
        assert_eq!(s.endpoints().iam.host_str(), Some("iam.example.com"));
        assert_eq!(s.endpoints().region, "eu-de");
        assert_eq!(s.auth_kind(), AuthKind::Password);
        assert_eq!(s.iam_token_requests(), 0);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = base().access_key("AK", "very-secret-sk").build().unwrap();
        let shown = format!("{s:?}");
        assert!(shown.contains("AK") && !shown.contains("very-secret-sk"));
        let b = base().password("acct", "alice", "hunter2");
        assert!(!format!("{b:?}").contains("hunter2"));
        let t = base().token("tok-123").build().unwrap();
        assert!(!format!("{t:?}").contains("tok-123"));
    }
}
