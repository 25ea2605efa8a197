//! Dashboards: each job's at its `service_url`, `/vj/{project_id}/{job_id}/…`, and the one
//! logdir of `vizjobs board`.
//!
//! - [`runner`]: the interface the lifecycle starts, stops and serves dashboards through, and a
//!   placeholder implementation;
//! - [`engine`]: the runner that serves real dashboards, loading a job's board on first view and
//!   evicting it when idle;
//! - [`standalone`]: `vizjobs board`'s router, with no jobs and no authentication;
//! - [`landing`]: HTML pages instead of JSON errors for a person who opens a dashboard link
//!   that cannot show a dashboard (logged out, job stopped, no such job).
//!
//! The routes below sit behind the auth middleware, which has already scoped the request to the
//! project; here the job is looked up in that project, must be RUNNING, and the request is
//! handed to the runner with its path made relative to the `service_url`.

pub mod engine;
pub mod landing;
pub mod runner;
pub mod standalone;

pub use engine::{CacheLocation, EngineRunner, EngineRunnerConfig, ObjectStorage};
pub use runner::{
    BoardCounts, JobSpec, LoadCounters, LogLocation, PlaceholderRunner, Runner, RunnerError,
};
pub use standalone::{HostCheck, board_router};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::any;
use vizjobs_api::{ErrorCode, JobStatus};

use crate::auth::Scope;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Routes relative to the server root, all behind the auth middleware.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/vj/{project_id}/{job_id}", any(redirect_to_slash))
        .route("/vj/{project_id}/{job_id}/", any(serve_root))
        .route("/vj/{project_id}/{job_id}/{*rest}", any(serve_path))
}

async fn redirect_to_slash(Path((project_id, job_id)): Path<(String, String)>) -> Redirect {
    Redirect::permanent(&format!("/vj/{project_id}/{job_id}/"))
}

async fn serve_root(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, job_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    forward(&state, &scope, &job_id, "", request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn serve_path(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, job_id, rest)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    forward(&state, &scope, &job_id, &rest, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn forward(
    state: &AppState,
    scope: &Scope,
    raw_job_id: &str,
    rest: &str,
    request: Request,
) -> AppResult<Response> {
    let id: i64 = raw_job_id
        .parse()
        .map_err(|_| AppError::no_such_job(raw_job_id))?;
    let job = state
        .store
        .get_job(&scope.project_id, id)
        .await?
        .ok_or_else(|| AppError::no_such_job(id))?;
    if job.status != JobStatus::Running {
        return Ok(landing::not_running(id, job.status));
    }
    let spec = state.lifecycle.spec(&job)?;
    let (mut parts, body) = request.into_parts();
    // `rest` arrives percent-decoded; re-encode it by taking the tail of the original path.
    let original = parts.uri.path();
    let prefix_len = format!("/vj/{}/{}/", scope.project_id, raw_job_id).len();
    let tail = original.get(prefix_len..).unwrap_or(rest);
    let relative = match parts.uri.query() {
        Some(q) => format!("/{tail}?{q}"),
        None => format!("/{tail}"),
    };
    parts.uri = relative
        .parse::<Uri>()
        .map_err(|_| AppError::new(ErrorCode::Malformed, "The request path is not valid"))?;
    let runner = state.lifecycle.runner().clone();
    Ok(runner
        .serve(
            &spec,
            Request::from_parts(parts, Body::from_stream(body.into_data_stream())),
        )
        .await)
}
