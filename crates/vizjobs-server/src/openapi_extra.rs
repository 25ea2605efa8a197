//! OpenAPI descriptions of the routes whose handlers are not annotated in place: the IAM token
//! endpoint, the console session, `/metrics`, and the dashboard data API that each job serves
//! under its `service_url` (implemented by `vizjobs-engine`, documented in `docs/DATA_API.md`).
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
    request_body(content = serde_json::Value, description = r#"{"account","username","password","project"?}"#),
    responses((status = 200, description = "{project_id, username, account, csrf_token}"),
        (status = 401, body = vizjobs_api::ErrorBody), (status = 429, body = vizjobs_api::ErrorBody)))]
fn console_login() {}

/// The logged-in session and its CSRF token (send it as `X-CSRF-Token` on every write).
#[utoipa::path(get, path = "/console/session", tag = "console", security(),
    responses((status = 200, description = "{project_id, username, account, csrf_token}"),
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

/// The job's dashboard page.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, description = "HTML"), (status = 404, body = vizjobs_api::ErrorBody),
        (status = 503, body = vizjobs_api::ErrorBody, description = "the job is not RUNNING")))]
fn dashboard() {}

/// Runs of the job's logdir with their status and data-loss counters.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/runs", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, description = r#"[{"name","status","format","data_loss","problems","last_update"}]"#)))]
fn data_runs() {}

/// Tags per run and plugin.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/tags", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, description = r#"{"run": {"scalars": [...], "histograms": [...], "images": [...], "text": [...], ...}}"#)))]
fn data_tags() {}

/// Every point of a scalar series, or a downsampled view.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/scalars", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path),
        ("run" = String, Query), ("tag" = String, Query),
        ("points" = Option<u32>, Query, description = "downsample to about N points keeping extremes"),
        ("since_step" = Option<i64>, Query, description = "only steps after this one"),
        ("start_step" = Option<i64>, Query), ("end_step" = Option<i64>, Query),
        ("format" = Option<String>, Query, description = "csv for CSV; binary for three little-endian columns (docs/DATA_API.md): magic VJS1, u32 n, n i64 steps, n f64 wall times, n f32 values")),
    responses((status = 200, description = "[[step, wall_time, value], ...]; NaN/Inf as strings (JSON); text/csv; or application/vnd.vizjobs.scalar-columns"),
        (status = 404, description = "no such run or tag")))]
fn data_scalars() {}

/// Histograms of a tag: `[[step, wall_time, [[left, right, count], ...]], ...]`.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/histograms", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path), ("run" = String, Query), ("tag" = String, Query)),
    responses((status = 200, description = "histograms in step order")))]
fn data_histograms() {}

/// Images (and audio) of a tag, with URLs of their bytes.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/images", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path), ("run" = String, Query), ("tag" = String, Query)),
    responses((status = 200, description = r#"[{"step","wall_time","index","width","height","content_type","url"}]"#)))]
fn data_images() {}

/// The bytes of one image or audio clip.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/blob", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path), ("run" = String, Query), ("tag" = String, Query),
        ("step" = i64, Query), ("index" = u32, Query)),
    responses((status = 200, description = "the blob with its content type")))]
fn data_blob() {}

/// Text summaries: `[[step, wall_time, "markdown"], ...]`.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/text", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path), ("run" = String, Query), ("tag" = String, Query)),
    responses((status = 200, description = "text in step order")))]
fn data_text() {}

/// PR curves of a tag.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/pr_curves", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path), ("run" = String, Query), ("tag" = String, Query)),
    responses((status = 200, description = "[[step, wall_time, {precision, recall, thresholds, tp, fp, tn, fn}], ...]")))]
fn data_pr_curves() {}

/// The hparams sessions of the logdir.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/hparams", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, description = r#"{"hparams": [...], "metrics": [...], "sessions": [...]}"#)))]
fn data_hparams() {}

/// The custom-scalars layout.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/custom_scalars", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path), ("run" = Option<String>, Query)),
    responses((status = 200, description = r#"{"categories": [...]}"#)))]
fn data_custom_scalars() {}

/// Tensors of a tag (MindSpore tensor summaries and others).
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/tensors", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path), ("run" = String, Query), ("tag" = String, Query)),
    responses((status = 200, description = r#"[[step, wall_time, {"shape", "dtype", "values"}], ...]"#)))]
fn data_tensors() {}

/// Page settings.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/config", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, description = r#"{"reload_interval_secs", "job_type", "title"}"#)))]
fn data_config() {}

/// The logdir as a whole: whether it can be listed, and the loading progress.
#[utoipa::path(get, path = "/vj/{project_id}/{job_id}/data/logdir", tag = "dashboard",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, description = r#"{"status": "loading"|"ready"|"error", "error": string|null, "runs", "files", "bytes_total", "bytes_read"}"#)))]
fn data_logdir() {}
