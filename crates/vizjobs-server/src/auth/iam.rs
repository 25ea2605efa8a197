//! `POST /v3/auth/tokens`: IAM-style password login, as ModelArts SDKs perform it.
//!
//! The token is returned in `X-Subject-Token`; only its digest is stored, so every replica
//! sharing the database accepts it and a password change (which deletes the user's tokens)
//! revokes it everywhere at once.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use vizjobs_api::{ErrorCode, refuse_nul};
use vizjobs_store::{LoginReservation, Project, TokenKind, TokenRecord, User};

use super::client_address;
use super::password_pool::PoolBusy;
use super::secrets::{decoy_hash, new_token, token_digest};
use crate::body::{parse_json, read_body};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Deserialize)]
struct TokenRequest {
    auth: AuthBlock,
}

#[derive(Deserialize)]
struct AuthBlock {
    identity: Identity,
    #[serde(default)]
    scope: Option<ScopeBlock>,
}

#[derive(Deserialize)]
struct Identity {
    methods: Vec<String>,
    password: Option<PasswordBlock>,
}

#[derive(Deserialize)]
struct PasswordBlock {
    user: UserBlock,
}

#[derive(Deserialize)]
struct UserBlock {
    name: String,
    password: String,
    domain: NameOrId,
}

#[derive(Deserialize)]
struct ScopeBlock {
    project: Option<NameOrId>,
}

#[derive(Deserialize, Default)]
struct NameOrId {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// A login that passed: the user and the project the token is scoped to.
pub struct Login {
    pub user: User,
    pub project: Project,
}

fn wrong_login() -> AppError {
    // One answer whatever was wrong, so it tells nothing about which users exist.
    AppError::new(
        ErrorCode::InvalidToken,
        "The account, user name or password is wrong",
    )
}

/// Checks a password login, with throttling per user and per client address.
///
/// The attempt is counted in the database *before* the password is hashed (reserve, then
/// settle), so concurrent guesses, here or on other replicas, get no more checks than allowed:
/// a success removes its own count and the user's failures; a failure stays counted until it
/// leaves the window. A place in the password pool is taken first, so a flood of logins is
/// turned away before it costs a database write.
pub async fn login(
    state: &AppState,
    client: &str,
    account: &str,
    username: &str,
    password: &str,
    project: Option<(&Option<String>, &Option<String>)>,
) -> AppResult<Login> {
    refuse_nul("account", account)?;
    refuse_nul("user name", username)?;
    if let Some((id, name)) = project {
        for value in [id, name].into_iter().flatten() {
            refuse_nul("project", value)?;
        }
    }
    let user_key = format!("user:{account}\0{username}");
    let keys = [user_key.clone(), format!("addr:{client}")];
    let admission = state.auth.passwords.admit().map_err(|PoolBusy| {
        AppError::new(
            ErrorCode::Throttled,
            "Too many logins are being checked; try again in a moment",
        )
        .with_retry_after(1)
    })?;
    let reservation = state
        .store
        .reserve_login_attempt(
            &keys,
            state.config.login_attempts,
            state.config.login_window.as_millis() as i64,
            state.clock.now_ms(),
        )
        .await?;
    let attempt_id = match reservation {
        LoginReservation::Granted { attempt_id } => attempt_id,
        LoginReservation::Refused { retry_after_ms } => {
            return Err(AppError::new(
                ErrorCode::Throttled,
                "Too many failed logins; try again later",
            )
            .with_retry_after((retry_after_ms.max(1) as u64).div_ceil(1000)));
        }
    };
    let user = state.store.get_user_by_name(account, username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let matches = admission.verify(password.to_owned(), hash).await;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!(client, "failed login");
        return Err(wrong_login());
    };
    state
        .store
        .settle_login_attempt(attempt_id, Some(&user_key))
        .await?;
    let project = match project {
        Some((Some(id), _)) => state.store.get_project(id).await?,
        Some((None, Some(name))) => state.store.get_project_by_name(account, name).await?,
        _ => state
            .store
            .list_projects()
            .await?
            .into_iter()
            .filter(|p| p.account == user.account)
            .min_by_key(|p| p.created_ms),
    }
    .filter(|p| p.account == user.account)
    .ok_or_else(|| {
        AppError::new(
            ErrorCode::ProjectMismatch,
            "The project does not exist in this account",
        )
    })?;
    Ok(Login { user, project })
}

/// A token just issued, with the instants recorded for it.
pub struct Issued {
    pub token: String,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

/// Issues a token of `kind` for a login.
pub async fn issue(state: &AppState, login: &Login, kind: TokenKind) -> AppResult<Issued> {
    let token = new_token(match kind {
        TokenKind::Session => "vjc_",
        _ => "vjt_",
    })
    .map_err(|e| AppError::internal("token", e))?;
    let now = state.clock.now_ms();
    let expires = now + state.config.token_ttl.as_millis() as i64;
    state
        .store
        .insert_token(&TokenRecord {
            token_hash: token_digest(&token),
            kind,
            user_id: Some(login.user.id.clone()),
            project_id: login.project.id.clone(),
            label: String::new(),
            issued_ms: now,
            expires_ms: Some(expires),
        })
        .await?;
    // The answer reports the very instants stored, so expires_at - issued_at is the TTL.
    Ok(Issued {
        token,
        issued_ms: now,
        expires_ms: expires,
    })
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// `POST /v3/auth/tokens`.
pub async fn create_token(State(state): State<AppState>, request: Request) -> Response {
    match create_token_inner(&state, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn create_token_inner(state: &AppState, request: Request) -> AppResult<Response> {
    let (parts, body) = request.into_parts();
    let client = client_address(&parts);
    let bytes = read_body(body).await?;
    // The body holds a password: never echo any part of it in an error.
    let request: TokenRequest = parse_json(&bytes).map_err(|_| {
        AppError::new(
            ErrorCode::Malformed,
            "The body must be {\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{...}}}}}",
        )
    })?;
    let identity = request.auth.identity;
    let Some(password) = identity
        .password
        .filter(|_| identity.methods.iter().any(|m| m == "password"))
    else {
        return Err(AppError::new(
            ErrorCode::Malformed,
            "Only the password method is supported",
        ));
    };
    let user = password.user;
    let account = user.domain.name.or(user.domain.id).unwrap_or_default();
    let project = request.auth.scope.and_then(|s| s.project);
    let login = login(
        state,
        &client,
        &account,
        &user.name,
        &user.password,
        project.as_ref().map(|p| (&p.id, &p.name)),
    )
    .await?;
    let Issued {
        token,
        issued_ms,
        expires_ms,
    } = issue(state, &login, TokenKind::Iam).await?;
    let body = json!({
        "token": {
            "expires_at": rfc3339(expires_ms),
            "issued_at": rfc3339(issued_ms),
            "methods": ["password"],
            "project": {
                "id": login.project.id,
                "name": login.project.name,
                "domain": {"name": login.project.account},
            },
            "user": {
                "id": login.user.id,
                "name": login.user.name,
                "domain": {"name": login.user.account},
            },
        }
    });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let value = HeaderValue::from_str(&token).map_err(|e| AppError::internal("token header", e))?;
    response.headers_mut().insert("x-subject-token", value);
    Ok(response)
}
