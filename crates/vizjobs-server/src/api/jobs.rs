//! The seven operations on visualization jobs.

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use vizjobs_api::{
    ApiError, CreateJobRequest, CreateJobResponse, ErrorBody, ErrorCode, Job, JobStatus,
    ListJobsResponse, ListQuery, SuccessBody, UpdateJobRequest,
};
use vizjobs_store::{JobRecord, NewJob};

use crate::auth::Scope;
use crate::body::ApiJson;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The path parameter of a single-job route that the handler reads (the project id is the
/// auth middleware's, which reads it from the path and hands the handler a `Scope`).
#[derive(serde::Deserialize)]
pub struct JobPath {
    pub job_id: String,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/visualization-jobs", post(create).get(list))
        .route(
            "/visualization-jobs/{job_id}",
            get(details).put(update).delete(delete),
        )
        .route("/visualization-jobs/{job_id}/stop", post(stop))
        .route("/visualization-jobs/{job_id}/restart", post(restart))
}

/// Turns a stored job into its wire form.
pub fn job_view(state: &AppState, job: &JobRecord, now_ms: i64) -> Job {
    Job {
        is_success: None,
        job_id: job.id,
        job_name: job.name.clone(),
        job_desc: job.desc.clone(),
        status: job.status,
        create_time: job.create_time_ms,
        duration: job.duration_ms(now_ms),
        service_url: state.service_url(&job.project_id, job.id),
        train_url: job.train_url.clone(),
        resource_id: format!("vj-{}", job.id),
        job_type: Some(job.job_type.as_str().to_owned()),
    }
}

/// Path job ids are integers; anything else names no job.
fn parse_job_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::no_such_job(raw))
}

async fn load(state: &AppState, scope: &Scope, raw_id: &str) -> AppResult<JobRecord> {
    let id = parse_job_id(raw_id)?;
    state
        .store
        .get_job(&scope.project_id, id)
        .await?
        .ok_or_else(|| AppError::no_such_job(id))
}

fn not_allowed(operation: &str, status: JobStatus) -> AppError {
    AppError::new(
        vizjobs_api::ErrorCode::BadStatus,
        format!(
            "This job can't be {operation}. job status: {}",
            status.code()
        ),
    )
}

#[utoipa::path(
    post, path = "/v1/{project_id}/visualization-jobs", tag = "visualization-jobs",
    params(("project_id" = String, Path)),
    request_body = CreateJobRequest,
    responses(
        (status = 200, body = CreateJobResponse),
        (status = 400, body = ErrorBody, description = "ModelArts.0101, 0104, 0118 or 2791"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    scope: Scope,
    ApiJson(request): ApiJson<CreateJobRequest>,
) -> AppResult<Json<CreateJobResponse>> {
    let valid = request.validate()?;
    state.roots.resolve(&scope.project_id, &valid.train_url)?;
    let quota = state.job_quota(&scope.project_id).await?;
    let now = state.clock.now_ms();
    let job = state
        .store
        .create_job(
            NewJob {
                project_id: scope.project_id.to_string(),
                name: valid.job_name,
                desc: valid.job_desc,
                train_url: valid.train_url,
                job_type: valid.job_type,
                flavor: valid.flavor,
                schedule_hours: valid.schedule_hours,
                create_time_ms: now,
            },
            quota,
        )
        .await?;
    state.lifecycle.wake();
    Ok(Json(CreateJobResponse {
        is_success: true,
        job_id: job.id,
        job_name: job.name.clone(),
        status: job.status,
        create_time: job.create_time_ms,
        service_url: state.service_url(&job.project_id, job.id),
    }))
}

#[utoipa::path(
    get, path = "/v1/{project_id}/visualization-jobs", tag = "visualization-jobs",
    params(
        ("project_id" = String, Path),
        ("status" = Option<String>, Query, description = "one or several status codes, comma-separated"),
        ("per_page" = Option<u32>, Query, description = "1-1000, default 10"),
        ("page" = Option<u32>, Query, description = "from 1"),
        ("sortBy" = Option<String>, Query, description = "job_id (default), job_name, job_desc, create_time, status, duration; `sort_by` is accepted too"),
        ("order" = Option<String>, Query, description = "asc (default) or desc"),
        ("search_content" = Option<String>, Query, description = "substring of the job name, 0-100 characters"),
        ("workspace_id" = Option<String>, Query),
    ),
    responses((status = 200, body = ListJobsResponse), (status = 400, body = ErrorBody))
)]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<ListJobsResponse>> {
    let pairs = query_pairs(raw.as_deref().unwrap_or_default())?;
    let query = ListQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let now = state.clock.now_ms();
    let (jobs, total) = state
        .store
        .list_jobs(&scope.project_id, &query, now)
        .await?;
    let quota = state.job_quota(&scope.project_id).await?;
    let held = if query.status.is_empty() && query.search_content.is_empty() {
        total
    } else {
        state.store.count_jobs(&scope.project_id).await?
    };
    Ok(Json(ListJobsResponse {
        is_success: true,
        job_total_count: total,
        job_count_limit: (quota - held).max(0),
        quotas: quota,
        jobs: jobs.iter().map(|j| job_view(&state, j, now)).collect(),
    }))
}

#[utoipa::path(
    get, path = "/v1/{project_id}/visualization-jobs/{job_id}", tag = "visualization-jobs",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody))
)]
pub async fn details(
    State(state): State<AppState>,
    scope: Scope,
    Path(JobPath { job_id, .. }): Path<JobPath>,
) -> AppResult<Json<Job>> {
    let job = load(&state, &scope, &job_id).await?;
    let mut view = job_view(&state, &job, state.clock.now_ms());
    view.is_success = Some(true);
    Ok(Json(view))
}

#[utoipa::path(
    put, path = "/v1/{project_id}/visualization-jobs/{job_id}", tag = "visualization-jobs",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    request_body = UpdateJobRequest,
    responses((status = 200, body = SuccessBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn update(
    State(state): State<AppState>,
    scope: Scope,
    Path(JobPath { job_id, .. }): Path<JobPath>,
    ApiJson(request): ApiJson<UpdateJobRequest>,
) -> AppResult<Json<SuccessBody>> {
    let id = parse_job_id(&job_id)?;
    let desc = request.validate()?;
    if state
        .store
        .update_job_desc(&scope.project_id, id, &desc)
        .await?
    {
        Ok(Json(SuccessBody::OK))
    } else {
        Err(AppError::no_such_job(id))
    }
}

/// Applies a status change requested through the API, retrying when the lifecycle manager moved
/// the job in between (it only ever moves it forward, so the loop ends).
async fn request_change(
    state: &AppState,
    scope: &Scope,
    job_id: &str,
    operation: &str,
    allowed: fn(JobStatus) -> bool,
    to: JobStatus,
) -> AppResult<Json<SuccessBody>> {
    for _ in 0..8 {
        let job = load(state, scope, job_id).await?;
        if !allowed(job.status) {
            return Err(not_allowed(operation, job.status));
        }
        let change = job.change_to(to, state.clock.now_ms(), "");
        if state.store.change_job(job.id, &change).await?.is_some() {
            state.lifecycle.wake();
            return Ok(Json(SuccessBody::OK));
        }
    }
    Err(AppError::internal(
        "request_change",
        "the job kept changing status",
    ))
}

#[utoipa::path(
    post, path = "/v1/{project_id}/visualization-jobs/{job_id}/stop", tag = "visualization-jobs",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, body = SuccessBody), (status = 400, body = ErrorBody, description = "ModelArts.0105"), (status = 404, body = ErrorBody))
)]
pub async fn stop(
    State(state): State<AppState>,
    scope: Scope,
    Path(JobPath { job_id, .. }): Path<JobPath>,
) -> AppResult<Json<SuccessBody>> {
    request_change(
        &state,
        &scope,
        &job_id,
        "stop",
        JobStatus::can_stop,
        JobStatus::Killing,
    )
    .await
}

#[utoipa::path(
    post, path = "/v1/{project_id}/visualization-jobs/{job_id}/restart", tag = "visualization-jobs",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, body = SuccessBody), (status = 400, body = ErrorBody, description = "ModelArts.0105"), (status = 404, body = ErrorBody))
)]
pub async fn restart(
    State(state): State<AppState>,
    scope: Scope,
    Path(JobPath { job_id, .. }): Path<JobPath>,
) -> AppResult<Json<SuccessBody>> {
    request_change(
        &state,
        &scope,
        &job_id,
        "restart",
        JobStatus::can_restart,
        JobStatus::Init,
    )
    .await
}

#[utoipa::path(
    delete, path = "/v1/{project_id}/visualization-jobs/{job_id}", tag = "visualization-jobs",
    params(("project_id" = String, Path), ("job_id" = i64, Path)),
    responses((status = 200, body = SuccessBody), (status = 400, body = ErrorBody, description = "ModelArts.0105"), (status = 404, body = ErrorBody))
)]
pub async fn delete(
    State(state): State<AppState>,
    scope: Scope,
    Path(JobPath { job_id, .. }): Path<JobPath>,
) -> AppResult<Json<SuccessBody>> {
    for _ in 0..8 {
        let job = load(&state, &scope, &job_id).await?;
        if !job.status.can_delete() {
            return Err(not_allowed("delete", job.status));
        }
        if state
            .store
            .delete_job(&scope.project_id, job.id, job.status)
            .await?
        {
            // The manager notices the job is gone and releases its dashboard.
            state.lifecycle.wake();
            return Ok(Json(SuccessBody::OK));
        }
    }
    Err(AppError::internal("delete", "the job kept changing status"))
}

/// The pairs of a query string, decoded as forms are (`+` is a space), refusing what does not
/// decode to UTF-8: a lenient decoder would turn it into U+FFFD and quietly search for that.
fn query_pairs(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidField,
                    "the query string does not decode to UTF-8",
                )
            })
    };
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(key)?, decode(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::query_pairs;

    #[test]
    fn query_pairs_decode_forms_and_refuse_invalid_utf8() {
        let pairs = query_pairs("search_content=a+b%2Fc&status=1,2&flag&&sort_by=").unwrap();
        let expected = [
            ("search_content", "a b/c"),
            ("status", "1,2"),
            ("flag", ""),
            ("sort_by", ""),
        ];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert_eq!(query_pairs("search_content=%E4%B8%AD").unwrap()[0].1, "中");
        for bad in ["search_content=%FF%FE", "%C0%AF=1", "status=%C0%80"] {
            let err = query_pairs(bad).unwrap_err();
            assert_eq!(err.code.as_str(), "ModelArts.0104", "{bad}");
        }
    }
}
