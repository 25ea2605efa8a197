//! Sending one API call: authentication headers, retries, and reading the answer.
//!
//! Every attempt is built afresh, so a retried AK/SK request carries a new `X-Sdk-Date` and
//! signature. A password session that hears "token expired/invalid" (`ModelArts.0202`/`0203`)
//! drops its token and tries once more with a new one: the server refused the request before
//! acting on it, so repeating it is safe even when it changes state.

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use url::Url;
use vizjobs_signer::headers::X_PROJECT_ID;

use crate::error::SdkError;
use crate::response::{ApiResponse, decode, failure_fields};
use crate::retry::{Failure, retryable};
use crate::session::{Auth, Session};
use crate::token::AUTH_TOKEN_HEADER;
use crate::urls::iam_tokens_url;

const SDK_USER_AGENT: &str = concat!("vizjobs-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// Codes after which a fresh IAM token may succeed.
const STALE_TOKEN_CODES: [&str; 2] = ["ModelArts.0202", "ModelArts.0203"];

impl Session {
    /// Sends `method url` with an optional JSON body and decodes the answer as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<ApiResponse<T>, SdkError> {
        let idempotent = method == Method::GET || method == Method::HEAD;
        let body = body.unwrap_or_default();
        let url_text = url.to_string();
        let retry = self.inner.retry;
        let mut attempt = 1;
        let mut renewed_token = false;
        loop {
            let request = self.prepare(&method, &url, &body).await?;
            match self.inner.http.execute(request).await {
                Err(err) => {
                    let failure = if err.is_connect() {
                        Failure::Connect
                    } else {
                        Failure::Lost
                    };
                    if retryable(idempotent, failure) && retry.allows(attempt + 1) {
                        tracing::debug!(url = %url_text, attempt, error = %err, "retrying");
                    } else {
                        return Err(SdkError::from_reqwest(&url_text, err));
                    }
                }
                Ok(answer) => {
                    let status = answer.status().as_u16();
                    if answer.status().is_server_error()
                        && retryable(idempotent, Failure::ServerError)
                        && retry.allows(attempt + 1)
                    {
                        tracing::debug!(url = %url_text, attempt, status, "retrying");
                    } else {
                        let bytes = answer
                            .bytes()
                            .await
                            .map_err(|e| SdkError::from_reqwest(&url_text, e))?;
                        if status == 401
                            && !renewed_token
                            && self.stale_token(&bytes)
                            && let Auth::Password(password) = &self.inner.auth
                        {
                            password.invalidate().await;
                            renewed_token = true;
                            continue;
                        }
                        return decode(&url_text, status, &bytes);
                    }
                }
            }
            attempt += 1;
            tokio::time::sleep(retry.backoff(attempt)).await;
        }
    }

    /// Whether a 401 body says the token (not the password) is the problem.
    fn stale_token(&self, body: &[u8]) -> bool {
        if !matches!(self.inner.auth, Auth::Password(_)) {
            return false;
        }
        let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let (code, _) = failure_fields(&json);
        code.is_some_and(|c| STALE_TOKEN_CODES.contains(&c.as_str()))
    }

    /// One attempt's request, authenticated.
    async fn prepare(
        &self,
        method: &Method,
        url: &Url,
        body: &[u8],
    ) -> Result<reqwest::Request, SdkError> {
        let inner = &self.inner;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(SDK_USER_AGENT));
        headers.insert(X_PROJECT_ID, header_value(&inner.project_id)?);
        match &inner.auth {
            Auth::AkSk(signer) => {
                signer.sign(
                    method.as_str(),
                    url,
                    &mut headers,
                    body,
                    OffsetDateTime::now_utc(),
                )?;
            }
            Auth::Password(password) => {
                let token = password
                    .token(
                        &inner.http,
                        &iam_tokens_url(&inner.endpoints.iam),
                        &inner.project_id,
                    )
                    .await?;
                headers.insert(AUTH_TOKEN_HEADER, sensitive(header_value(&token)?));
            }
            Auth::Token(token) => {
                headers.insert(AUTH_TOKEN_HEADER, sensitive(header_value(token.expose())?));
            }
        }
        let mut request = reqwest::Request::new(method.clone(), url.clone());
        *request.headers_mut() = headers;
        if !body.is_empty() || *method != Method::GET {
            *request.body_mut() = Some(body.to_vec().into());
        }
        Ok(request)
    }
}

fn header_value(text: &str) -> Result<HeaderValue, SdkError> {
    HeaderValue::from_str(text).map_err(|_| {
        SdkError::Config("a credential or project id holds characters a header cannot carry".into())
    })
}

/// Keeps the value out of debug output of the request.
fn sensitive(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}
