//! Authentication: who is calling, and which project they may act in.
//!
//! Four credentials are accepted, checked in this order:
//! 1. `Authorization: SDK-HMAC-SHA256 …`: an AK/SK signature (the key is bound to a project);
//! 2. `X-Auth-Token`: an IAM token from `POST /v3/auth/tokens`, or a static API token;
//! 3. the `vizjobs_session` cookie of the web console (plus `X-CSRF-Token` on writes).
//!
//! [`require_project`] runs in front of every `/v1/{project_id}/…` route and every dashboard
//! route: it authenticates, then checks that the path's project (and `X-Project-Id`, when sent)
//! is the credential's. That is the only place the check is made; handlers receive a
//! [`Scope`] and cannot forget it.

pub mod bootstrap;
pub mod console;
pub mod iam;
pub mod password_pool;
pub mod secrets;
pub mod token_cache;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use vizjobs_api::{ErrorCode, ProjectId};
use vizjobs_signer::{Authorization, SecretKey, SignableRequest};
use vizjobs_store::TokenKind;

use crate::body::read_body;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use password_pool::PasswordPool;
use secrets::{MasterKey, token_digest};

pub const SESSION_COOKIE: &str = "vizjobs_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Long-lived authentication state of one server process.
pub struct Auth {
    pub master: MasterKey,
    /// Where password checks run, bounded in number and memory.
    pub passwords: PasswordPool,
    pub tokens: token_cache::TokenCache,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub project_id: String,
    pub user_id: Option<String>,
}

/// The project a request acts in, checked against its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub project_id: ProjectId,
}

impl<S: Send + Sync> FromRequestParts<S> for Scope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Scope>().cloned().ok_or_else(|| {
            // Reaching a handler without a scope means the router was assembled wrongly.
            AppError::new(ErrorCode::NoCredential, "No credential was given")
        })
    }
}

/// The address a request came from, for throttling (loopback when unknown, e.g. in tests that
/// call the router directly).
pub fn client_address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The project id of a `/v1/{project_id}/…` or `/vj/{project_id}/…` path.
fn path_project(path: &str) -> Option<&str> {
    let mut segments = path.trim_start_matches('/').split('/');
    match segments.next() {
        Some("v1") | Some("vj") => segments.next(),
        _ => None,
    }
}

/// Middleware: authenticates the request and scopes it to the path's project.
pub async fn require_project(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match authorize(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

async fn authorize(state: &AppState, request: Request) -> AppResult<Request> {
    let (mut parts, body) = request.into_parts();
    let project_id = ProjectId::parse(path_project(parts.uri.path()).unwrap_or(""))?;
    let (caller, body) = authenticate(state, &parts, body).await?;
    if let Some(header) = parts.headers.get("x-project-id")
        && header.as_bytes() != project_id.as_str().as_bytes()
    {
        return Err(AppError::new(
            ErrorCode::ProjectMismatch,
            "X-Project-Id does not match the project in the URL",
        ));
    }
    if caller.project_id != project_id.as_str() {
        return Err(AppError::new(
            ErrorCode::ProjectMismatch,
            "The project id does not match the credential",
        ));
    }
    parts.extensions.insert(Scope { project_id });
    Ok(Request::from_parts(parts, body))
}

/// Works out who is calling. Returns the body too, because checking a signature reads it.
pub async fn authenticate(
    state: &AppState,
    parts: &Parts,
    body: Body,
) -> AppResult<(Caller, Body)> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let header = value
            .to_str()
            .map_err(|_| bad_signature("the Authorization header is not ASCII"))?;
        if header.trim_start().starts_with(vizjobs_signer::ALGORITHM) {
            let bytes = read_body(body).await?;
            let caller = verify_signature(state, parts, header, &bytes).await?;
            return Ok((caller, Body::from(bytes)));
        }
    }
    if let Some(value) = parts.headers.get("x-auth-token") {
        let token = value
            .to_str()
            .map_err(|_| AppError::new(ErrorCode::InvalidToken, "The token is not valid"))?;
        return Ok((check_token(state, token.trim(), None).await?, body));
    }
    if let Some(session) = cookie(&parts.headers, SESSION_COOKIE) {
        let caller = check_token(state, &session, Some(TokenKind::Session)).await?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            refuse_cross_origin(state, &parts.headers)?;
            if is_read_only_post(parts) {
                return Ok((caller, body));
            }
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !bool::from(sent.ct_eq(csrf_token(&session).as_bytes())) {
                return Err(AppError::new(
                    ErrorCode::InvalidToken,
                    "The X-CSRF-Token header is missing or wrong",
                ));
            }
        }
        return Ok((caller, body));
    }
    Err(AppError::new(
        ErrorCode::NoCredential,
        "No credential was given: send X-Auth-Token, an AK/SK signature, or log in",
    ))
}

fn bad_signature(message: &str) -> AppError {
    AppError::new(ErrorCode::BadSignature, message)
}

async fn verify_signature(
    state: &AppState,
    parts: &Parts,
    header: &str,
    body: &[u8],
) -> AppResult<Caller> {
    let auth = Authorization::parse(header)
        .map_err(|_| bad_signature("The Authorization header is malformed"))?;
    // A request signed for another service that shares the key must not be replayable here.
    // (`verify` requires `host` to be among the signed headers.)
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !state
        .config
        .signed_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    {
        return Err(bad_signature(
            "The request was signed for another host than this server's public URL",
        ));
    }
    let date = vizjobs_signer::parse_sdk_date_header(&parts.headers)
        .map_err(|_| bad_signature("X-Sdk-Date is missing or malformed"))?;
    let now = time::OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(state.clock.now_ms()) * 1_000_000,
    )
    .map_err(|e| AppError::internal("clock", e))?;
    vizjobs_signer::check_date_window(date, now, vizjobs_signer::DATE_WINDOW)
        .map_err(|_| bad_signature("X-Sdk-Date is more than 15 minutes from the server clock"))?;
    let key = state
        .store
        .get_access_key(&auth.access_key)
        .await?
        // An unknown AK answers exactly like a bad signature.
        .ok_or_else(|| bad_signature("The signature does not verify"))?;
    let secret = state
        .auth
        .master
        .open(&key.secret_ciphertext)
        .map_err(|e| AppError::internal("opening a secret key", e))?;
    let secret = SecretKey::new(String::from_utf8_lossy(&secret).into_owned());
    if !vizjobs_signer::verify(&secret, &SignableRequest::from_parts(parts, body), &auth) {
        return Err(bad_signature("The signature does not verify"));
    }
    Ok(Caller {
        project_id: key.project_id,
        user_id: Some(key.user_id),
    })
}

/// Resolves a token value. `only` restricts the kind (the session cookie accepts sessions only).
pub async fn check_token(
    state: &AppState,
    token: &str,
    only: Option<TokenKind>,
) -> AppResult<Caller> {
    let invalid = || AppError::new(ErrorCode::InvalidToken, "The token is not valid");
    if token.is_empty() || token.len() > 512 {
        return Err(invalid());
    }
    let digest = token_digest(token);
    let record = match state.auth.tokens.get(&digest) {
        Some(record) => record,
        None => {
            let record = state.store.get_token(&digest).await?.ok_or_else(invalid)?;
            state.auth.tokens.insert(digest, record.clone());
            record
        }
    };
    if only.is_some_and(|kind| kind != record.kind) {
        return Err(invalid());
    }
    if record
        .expires_ms
        .is_some_and(|expiry| state.clock.now_ms() >= expiry)
    {
        return Err(AppError::new(
            ErrorCode::ExpiredToken,
            "The token has expired",
        ));
    }
    Ok(Caller {
        project_id: record.project_id,
        user_id: record.user_id,
    })
}

/// The CSRF token that goes with a session: derived from the session secret, so it needs no
/// storage and a page from another origin (which cannot read the cookie) cannot know it.
pub fn csrf_token(session: &str) -> String {
    token_digest(&format!("vizjobs csrf\0{session}"))
}

/// Refuses a browser request sent by a page of another origin. Browsers send `Origin` on every
/// POST and `Sec-Fetch-Site` on every request; clients that are not browsers send neither and
/// cannot be made to act for someone else, so a request with neither passes. `Origin` must name
/// the host the request was sent to (its `Host`) or one this server is reached by (the public
/// URL's, or a `--signed-host`: behind a proxy that rewrites `Host`); `same-site` is refused too,
/// since another port of the same host is same-site.
pub fn refuse_cross_origin(state: &AppState, headers: &HeaderMap) -> AppResult<()> {
    let refuse = || {
        AppError::new(
            ErrorCode::CrossOrigin,
            "This request came from a page of another origin",
        )
    };
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return Err(refuse());
    }
    if let Some(origin) = headers.get(axum::http::header::ORIGIN) {
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, host)| host)
            .ok_or_else(refuse)?;
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok());
        let ours = host
            .into_iter()
            .chain(state.config.signed_hosts.iter().map(String::as_str));
        if !ours
            .into_iter()
            .any(|h| h.eq_ignore_ascii_case(origin_host))
        {
            return Err(refuse());
        }
    }
    Ok(())
}

/// Whether a request is a POST that only reads: a dashboard's `data/scalars_multirun`
/// (`/vj/{project_id}/{job_id}/data/scalars_multirun`), a query too long for a URL. It needs no
/// CSRF token, as a GET of the same data does not: it changes nothing, and a page of another
/// origin cannot read its answer (no CORS). [`refuse_cross_origin`] still applies to it, so a
/// browser refuses to send it from another page at all.
fn is_read_only_post(parts: &Parts) -> bool {
    let segments: Vec<&str> = parts
        .uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .collect();
    parts.method == Method::POST
        && matches!(
            segments.as_slice(),
            ["vj", _, _, "data", "scalars_multirun"]
        )
}

/// The value of a cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_comes_from_the_path() {
        assert_eq!(path_project("/v1/abc/visualization-jobs"), Some("abc"));
        assert_eq!(path_project("/vj/p1/12/data/runs"), Some("p1"));
        assert_eq!(path_project("/healthz"), None);
    }

    #[test]
    fn only_the_multirun_query_is_a_read_only_post() {
        let parts = |method: Method, uri: &str| {
            let (parts, ()) = axum::http::Request::builder()
                .method(method)
                .uri(uri)
                .body(())
                .unwrap()
                .into_parts();
            parts
        };
        let multirun = "/vj/p1/3/data/scalars_multirun";
        assert!(is_read_only_post(&parts(Method::POST, multirun)));
        assert!(is_read_only_post(&parts(
            Method::POST,
            &format!("{multirun}?format=binary")
        )));
        assert!(!is_read_only_post(&parts(Method::PUT, multirun)));
        assert!(!is_read_only_post(&parts(Method::DELETE, multirun)));
        for other in [
            "/vj/p1/3/data/scalars",
            "/vj/p1/3/data/scalars_multirun/x",
            "/vj/p1/data/scalars_multirun",
            "/v1/p1/visualization-jobs/3/stop",
            "/console/logout",
        ] {
            assert!(!is_read_only_post(&parts(Method::POST, other)), "{other}");
        }
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "a=1; vizjobs_session=tok; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
