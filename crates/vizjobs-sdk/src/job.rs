//! `VisualizationJob`: one job, addressed by id, with the Python SDK's operations.
//!
//! A `VisualizationJob` is a handle (session + id) plus what the SDK last learnt about the job
//! (name, create time, status, service URL) from create or list. Those cached facts are not
//! refreshed behind the caller's back: [`VisualizationJob::get_visualization_job_info`] asks the
//! server, [`VisualizationJob::refresh`] also updates the cache.

use std::time::Duration;

use reqwest::Method;
use vizjobs_api::{
    CreateJobRequest, CreateJobResponse, Flavor, Job, JobStatus, JobType, ListJobsResponse,
    Schedule, ScheduleField, SuccessBody, UpdateJobRequest,
};

use crate::error::SdkError;
use crate::filters::ListFilters;
use crate::response::ApiResponse;
use crate::session::Session;
use crate::urls::{JobAction, job_url, jobs_url, with_query};

/// What to create: `create_visualization_job(train_url, job_name, job_desc, job_type,
/// schedule, flavor)` of the Python SDK, as a builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisualizationJobSpec {
    request: CreateJobRequest,
}

impl VisualizationJobSpec {
    /// A TensorBoard job named `job_name` over the logs at `train_url`.
    pub fn new(job_name: impl Into<String>, train_url: impl Into<String>) -> Self {
        Self {
            request: CreateJobRequest {
                job_name: Some(job_name.into()),
                train_url: Some(train_url.into()),
                ..CreateJobRequest::default()
            },
        }
    }

    pub fn job_desc(mut self, desc: impl Into<String>) -> Self {
        self.request.job_desc = Some(desc.into());
        self
    }

    pub fn job_type(mut self, job_type: JobType) -> Self {
        self.request.job_type = Some(job_type.as_str().to_owned());
        self
    }

    /// Stop the job by itself after `hours` hours (0–24; 0 keeps it running).
    pub fn schedule_hours(self, hours: u32) -> Self {
        self.schedule(Schedule::stop_after_hours(hours))
    }

    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.request.schedule = Some(ScheduleField::One(schedule));
        self
    }

    /// The resource flavour code, e.g. `modelarts.vm.cpu.2u`.
    pub fn flavor(mut self, code: impl Into<String>) -> Self {
        self.request.flavor = Some(Flavor {
            code: Some(code.into()),
        });
        self
    }

    /// The request body this spec sends.
    pub fn request(&self) -> &CreateJobRequest {
        &self.request
    }
}

/// A visualization job of the session's project.
#[derive(Debug, Clone)]
pub struct VisualizationJob {
    session: Session,
    job_id: String,
    job_name: Option<String>,
    create_time: Option<i64>,
    status: Option<JobStatus>,
    service_url: Option<String>,
}

impl VisualizationJob {
    /// The job with this id, like `VisualizationJob(modelarts_session=session,
    /// visualization_id='8992')`. Nothing is asked of the server yet.
    pub fn new(session: &Session, visualization_id: impl ToString) -> Self {
        Self {
            session: session.clone(),
            job_id: visualization_id.to_string(),
            job_name: None,
            create_time: None,
            status: None,
            service_url: None,
        }
    }

    fn from_job(session: &Session, job: &Job) -> Self {
        let mut handle = Self::new(session, job.job_id);
        handle.learn(job);
        handle
    }

    fn learn(&mut self, job: &Job) {
        self.job_name = Some(job.job_name.clone());
        self.create_time = Some(job.create_time);
        self.status = Some(job.status);
        self.service_url = Some(job.service_url.clone()).filter(|u| !u.is_empty());
    }

    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// The name, once create, list or [`Self::refresh`] told it.
    pub fn job_name(&self) -> Option<&str> {
        self.job_name.as_deref()
    }

    /// Milliseconds since the Unix epoch, once known.
    pub fn create_time(&self) -> Option<i64> {
        self.create_time
    }

    /// The status when the SDK last heard of it.
    pub fn status(&self) -> Option<JobStatus> {
        self.status
    }

    pub fn service_url(&self) -> Option<&str> {
        self.service_url.as_deref()
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Creates a job; on success the answer's data is the new job's handle, knowing its id,
    /// name, create time, status and service URL.
    pub async fn create_visualization_job(
        session: &Session,
        spec: &VisualizationJobSpec,
    ) -> Result<ApiResponse<VisualizationJob>, SdkError> {
        let url = jobs_url(&session.endpoints().modelarts, session.project_id());
        let answer: ApiResponse<CreateJobResponse> = session
            .call(Method::POST, url, Some(json_body(spec.request())?))
            .await?;
        Ok(answer.map(|created| VisualizationJob {
            session: session.clone(),
            job_id: created.job_id.to_string(),
            job_name: Some(created.job_name),
            create_time: Some(created.create_time),
            status: Some(created.status),
            service_url: Some(created.service_url).filter(|u| !u.is_empty()),
        }))
    }

    /// Creates a job from a create request body given as JSON, sent as is (fields this SDK
    /// does not model included). The answer's body stays untyped: [`ApiResponse::json`] (and
    /// `data`) hold exactly what the API answered. For bindings that speak JSON (Python).
    pub async fn create_visualization_job_json(
        session: &Session,
        body: &serde_json::Value,
    ) -> Result<ApiResponse<serde_json::Value>, SdkError> {
        let url = jobs_url(&session.endpoints().modelarts, session.project_id());
        session
            .call(Method::POST, url, Some(json_body(body)?))
            .await
    }

    /// The list answer for query parameters given as text (`status`, `per_page`, `page`,
    /// `sortBy`, `order`, `search_content`), sent as is and checked by the server only; the
    /// answer untyped, as [`Self::create_visualization_job_json`].
    pub async fn get_visualization_job_list_json(
        session: &Session,
        query: &[(&str, String)],
    ) -> Result<ApiResponse<serde_json::Value>, SdkError> {
        let url = with_query(
            jobs_url(&session.endpoints().modelarts, session.project_id()),
            query,
        );
        session.call(Method::GET, url, None).await
    }

    /// The list answer as the API gives it (counts, quota, jobs).
    pub async fn get_visualization_job_list(
        session: &Session,
        filters: &ListFilters,
    ) -> Result<ApiResponse<ListJobsResponse>, SdkError> {
        let url = with_query(
            jobs_url(&session.endpoints().modelarts, session.project_id()),
            &filters.query_pairs(),
        );
        session.call(Method::GET, url, None).await
    }

    /// The listed jobs as handles, ready for further calls.
    pub async fn get_visualization_job_object_list(
        session: &Session,
        filters: &ListFilters,
    ) -> Result<ApiResponse<Vec<VisualizationJob>>, SdkError> {
        let answer = Self::get_visualization_job_list(session, filters).await?;
        Ok(answer.map(|list| {
            list.jobs
                .iter()
                .map(|job| VisualizationJob::from_job(session, job))
                .collect()
        }))
    }

    /// The job's details.
    pub async fn get_visualization_job_info(&self) -> Result<ApiResponse<Job>, SdkError> {
        self.session.call(Method::GET, self.url(None)?, None).await
    }

    /// Like [`Self::get_visualization_job_info`], and remembers what it learnt.
    pub async fn refresh(&mut self) -> Result<ApiResponse<Job>, SdkError> {
        let answer = self.get_visualization_job_info().await?;
        if let Some(job) = &answer.data {
            self.learn(job);
        }
        Ok(answer)
    }

    /// Changes the description (the only field that can change).
    pub async fn update_visualization_job(
        &self,
        job_desc: impl Into<String>,
    ) -> Result<ApiResponse<SuccessBody>, SdkError> {
        let body = UpdateJobRequest {
            job_desc: Some(job_desc.into()),
        };
        self.session
            .call(Method::PUT, self.url(None)?, Some(json_body(&body)?))
            .await
    }

    /// Stops the dashboard (allowed while INIT, WAITING or RUNNING).
    pub async fn stop_visualization_job(&self) -> Result<ApiResponse<SuccessBody>, SdkError> {
        self.session
            .call(Method::POST, self.url(Some(JobAction::Stop))?, None)
            .await
    }

    /// Starts an ended job again (COMPLETED, FAILED, KILLED, CANCELED or LOST).
    pub async fn restart_visualization_job(&self) -> Result<ApiResponse<SuccessBody>, SdkError> {
        self.session
            .call(Method::POST, self.url(Some(JobAction::Restart))?, None)
            .await
    }

    /// Deletes the job (in any status but KILLING).
    pub async fn delete_visualization_job(&self) -> Result<ApiResponse<SuccessBody>, SdkError> {
        self.session
            .call(Method::DELETE, self.url(None)?, None)
            .await
    }

    /// Polls the details every `poll` until the job is in `wanted`, has ended some other way
    /// (no longer active), or `timeout` passes; returns the last answer. A failed answer (e.g.
    /// the job was deleted) ends the wait at once.
    pub async fn wait_for_status(
        &mut self,
        wanted: JobStatus,
        timeout: Duration,
        poll: Duration,
    ) -> Result<ApiResponse<Job>, SdkError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let answer = self.refresh().await?;
            let done = match &answer.data {
                None => true,
                Some(job) => job.status == wanted || !job.status.is_active(),
            };
            if done || tokio::time::Instant::now() + poll > deadline {
                return Ok(answer);
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// The job's URL. An empty id would address the collection instead, so it is refused.
    fn url(&self, action: Option<JobAction>) -> Result<url::Url, SdkError> {
        if self.job_id.trim().is_empty() {
            return Err(SdkError::Config("the visualization job id is empty".into()));
        }
        Ok(job_url(
            &self.session.endpoints().modelarts,
            self.session.project_id(),
            &self.job_id,
            action,
        ))
    }
}

fn json_body(value: &impl serde::Serialize) -> Result<Vec<u8>, SdkError> {
    // Serialising plain structs of strings and integers cannot fail; keep the error typed anyway.
    serde_json::to_vec(value)
        .map_err(|e| SdkError::Config(format!("cannot encode the request: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_builds_the_create_body() {
        let spec = VisualizationJobSpec::new("vj-demo", "/bucket/logs/")
            .job_desc("demo job")
            .job_type(JobType::Mindinsight)
            .schedule_hours(4)
            .flavor("modelarts.vm.cpu.2u");
        let json = serde_json::to_value(spec.request()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "job_name": "vj-demo",
                "job_desc": "demo job",
                "train_url": "/bucket/logs/",
                "job_type": "mindinsight",
                "flavor": {"code": "modelarts.vm.cpu.2u"},
                "schedule": {"type": "stop", "time_unit": "HOURS", "duration": 4},
            })
        );
        let minimal =
            serde_json::to_value(VisualizationJobSpec::new("a", "/b/").request()).unwrap();
        assert_eq!(
            minimal,
            serde_json::json!({"job_name": "a", "train_url": "/b/"})
        );
    }

    #[test]
    fn handles_address_their_job() {
        let session = Session::builder()
            .endpoint("http://127.0.0.1:1")
            .project_id("p1")
            .token("t")
            .build()
            .unwrap();
        let job = VisualizationJob::new(&session, "8992");
        assert_eq!(job.job_id(), "8992");
        assert_eq!(job.status(), None);
        assert_eq!(
            job.url(Some(JobAction::Stop)).unwrap().as_str(),
            "http://127.0.0.1:1/v1/p1/visualization-jobs/8992/stop"
        );
        assert_eq!(VisualizationJob::new(&session, 42_i64).job_id(), "42");
        let empty = VisualizationJob::new(&session, " ");
        assert!(matches!(empty.url(None), Err(SdkError::Config(_))));
    }
}
