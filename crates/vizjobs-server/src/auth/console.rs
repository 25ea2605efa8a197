//! The web console's login: a session cookie (HttpOnly, SameSite=Lax) and a CSRF token.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use vizjobs_api::ErrorCode;
use vizjobs_store::TokenKind;

use super::secrets::token_digest;
use super::{SESSION_COOKIE, check_token, client_address, cookie, csrf_token};
use crate::body::{parse_json, read_body};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The body of `POST /console/login`.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LoginForm {
    /// The account (domain); the username when empty.
    #[serde(default)]
    account: String,
    username: String,
    password: String,
    /// A project id or name; the account's first project when absent.
    #[serde(default)]
    project: Option<String>,
}

/// The console's session: who is logged in, and the CSRF token every write must send as
/// `X-CSRF-Token`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ConsoleSession {
    account: String,
    csrf_token: String,
    project_id: String,
    username: String,
}

fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> AppResult<HeaderValue> {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(|e| AppError::internal("cookie", e))
}

/// `POST /console/login`.
pub async fn login(State(state): State<AppState>, request: Request) -> Response {
    let result: AppResult<Response> = async {
        let (parts, body) = request.into_parts();
        // A form or a no-cors fetch from another site can send a text/plain body but not
        // application/json, and not a same-origin Origin: without these checks a page elsewhere
        // could log the browser into the attacker's account (login CSRF).
        super::refuse_cross_origin(&state, &parts.headers)?;
        let json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(AppError::new(
                ErrorCode::Malformed,
                "Send the login as Content-Type: application/json",
            ));
        }
        let client = client_address(&parts);
        let bytes = read_body(body).await?;
        let form: LoginForm = parse_json(&bytes).map_err(|_| {
            AppError::new(
                ErrorCode::Malformed,
                "Send {\"account\", \"username\", \"password\"}",
            )
        })?;
        let account = if form.account.is_empty() {
            form.username.clone()
        } else {
            form.account.clone()
        };
        // A project given by name or id: try it as an id first.
        let by_id = match &form.project {
            Some(p) if state.store.get_project(p).await?.is_some() => Some(p.clone()),
            _ => None,
        };
        let by_name = if by_id.is_none() {
            form.project.clone()
        } else {
            None
        };
        let scope = form.project.as_ref().map(|_| (&by_id, &by_name));
        let login = super::iam::login(
            &state,
            &client,
            &account,
            &form.username,
            &form.password,
            scope,
        )
        .await?;
        let token = super::iam::issue(&state, &login, TokenKind::Session)
            .await?
            .token;
        let mut response = Json(ConsoleSession {
            account: login.user.account,
            csrf_token: csrf_token(&token),
            project_id: login.project.id,
            username: login.user.name,
        })
        .into_response();
        let max_age = state.config.token_ttl.as_secs() as i64;
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&state, &token, max_age)?);
        Ok(response)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /console/session`: who is logged in, and the CSRF token to send on writes.
pub async fn session(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result: AppResult<Response> = async {
        let session = cookie(&headers, SESSION_COOKIE)
            .ok_or_else(|| AppError::new(ErrorCode::NoCredential, "Not logged in"))?;
        let caller = check_token(&state, &session, Some(TokenKind::Session)).await?;
        let user = match &caller.user_id {
            Some(id) => state.store.get_user(id).await?,
            None => None,
        };
        Ok(Json(ConsoleSession {
            account: user.as_ref().map(|u| u.account.clone()).unwrap_or_default(),
            csrf_token: csrf_token(&session),
            project_id: caller.project_id,
            username: user.map(|u| u.name).unwrap_or_default(),
        })
        .into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /console/logout`: ends the session (needs the CSRF token, like every write).
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result: AppResult<Response> = async {
        super::refuse_cross_origin(&state, &headers)?;
        if let Some(session) = cookie(&headers, SESSION_COOKIE) {
            let sent = headers
                .get(super::CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !bool::from(sent.as_bytes().ct_eq(csrf_token(&session).as_bytes())) {
                return Err(AppError::new(
                    ErrorCode::InvalidToken,
                    "The X-CSRF-Token header is missing or wrong",
                ));
            }
            let digest = token_digest(&session);
            state.store.delete_token(&digest).await?;
            state.auth.tokens.forget(&digest);
        }
        let mut response = StatusCode::NO_CONTENT.into_response();
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
        Ok(response)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
