//! OpenAPI descriptions of the routes whose handlers are not annotated in place: the IAM token
//! endpoint, the console session, `/metrics` and the dashboard page. The data API each job
//! serves under its `service_url` is described by the engine itself
//! (`vizjobs_engine::api::DataApiDoc`).
//!
//! The functions here are never called; they carry the `#[utoipa::path]` attributes.
#![allow(dead_code)]

/// Password login, IAM style. The token comes back in `X-Subject-Token`.
#[utoipa::path(post, path = "/v3/auth/tokens", tag = "auth", security(),
    request_body(content = serde_json::Value, description = r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"U","password":"P","domain":{"name":"ACCOUNT"}}}},"scope":{"project":{"id":"PID"}}}}"#),
    responses(
        (status = 201, description = "token issued; body {token: {expires_at, issued_at, methods, project, user}}",
            headers(("X-Subject-Token" = String, description = "the token, sent back as X-Auth-Token"))),
        (status = 401, body = vizjobs_api::ErrorBody, description = "wrong account, user or password"),
        (status = 429, body = vizjobs_api::ErrorBody, description = "too many failed logins; see Retry-After"),
    ))]
fn create_token() {}

/// Console login: sets the `vizjobs_session` cookie (HttpOnly, SameSite=Lax).
#[utoipa::path(post, path = "/console/login", tag = "console", security(),
    request_body(content = crate::auth::console::LoginForm, content_type = "application/json"),
    responses((status = 200, body = crate::auth::console::ConsoleSession,
            headers(("Set-Cookie" = String, description = "vizjobs_session=...; HttpOnly; SameSite=Lax"))),
        (status = 400, body = vizjobs_api::ErrorBody, description = "not application/json"),
        (status = 403, body = vizjobs_api::ErrorBody, description = "ModelArts.0212: sent by a page of another origin"),
        (status = 401, body = vizjobs_api::ErrorBody), (status = 429, body = vizjobs_api::ErrorBody)))]
fn console_login() {}

/// The logged-in session and its CSRF token (send it as `X-CSRF-Token` on every write).
#[utoipa::path(get, path = "/console/session", tag = "console", security(),
    responses((status = 200, body = crate::auth::console::ConsoleSession),
        (status = 401, body = vizjobs_api::ErrorBody)))]
fn console_session() {}

/// Ends the session (needs `X-CSRF-Token`).
#[utoipa::path(post, path = "/console/logout", tag = "console", security(),
    responses((status = 204, description = "logged out")))]
fn console_logout() {}

/// Prometheus metrics (open unless `--metrics-private`).
#[utoipa::path(get, path = "/metrics", tag = "operations", security(),
    responses((status = 200, description = "OpenMetrics text: vizjobs_http_requests_total, vizjobs_http_request_duration_seconds, vizjobs_jobs")))]
fn metrics() {}

/// The job's dashboard page. Its data API (`data/...` below this path) is the engine's
/// [`DataApiDoc`](vizjobs_engine::api::DataApiDoc), nested here by [`crate::openapi`].
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, description = "HTML"), (status = 404, body = vizjobs_api::ErrorBody),
        (status = 503, body = vizjobs_api::ErrorBody, description = "the job is not RUNNING")))]
fn dashboard() {}
