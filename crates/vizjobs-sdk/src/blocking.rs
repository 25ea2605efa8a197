//! The same API without `async`, for scripts: each call runs the async one to completion on a
//! small runtime the blocking session owns.
//!
//! Calling it from inside an async runtime would deadlock or panic in tokio, so that case is
//! refused with [`SdkError::BlockingInAsyncContext`]; use the async API there.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;
use vizjobs_api::{Job, JobStatus, ListJobsResponse, SuccessBody};

use crate::error::SdkError;
use crate::filters::ListFilters;
use crate::job::VisualizationJobSpec;
use crate::response::ApiResponse;

fn block_on<F: Future>(runtime: &Runtime, work: F) -> Result<F::Output, SdkError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(SdkError::BlockingInAsyncContext);
    }
    Ok(runtime.block_on(work))
}

/// A [`crate::Session`] usable from synchronous code.
#[derive(Debug, Clone)]
pub struct Session {
    inner: crate::Session,
    runtime: Arc<Runtime>,
}

impl Session {
    /// Wraps a configured async session.
    pub fn new(session: crate::Session) -> Result<Self, SdkError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(SdkError::Runtime)?;
        Ok(Self {
            inner: session,
            runtime: Arc::new(runtime),
        })
    }

    pub fn from_credentials_file(path: impl AsRef<Path>) -> Result<Self, SdkError> {
        Self::new(crate::Session::from_credentials_file(path)?)
    }

    pub fn from_default_credentials() -> Result<Self, SdkError> {
        Self::new(crate::Session::from_default_credentials()?)
    }

    pub fn from_env() -> Result<Self, SdkError> {
        Self::new(crate::Session::from_env()?)
    }

    /// See [`crate::Session::authenticate`].
    pub fn authenticate(&self) -> Result<(), SdkError> {
        block_on(&self.runtime, self.inner.authenticate())?
    }

    pub fn as_async(&self) -> &crate::Session {
        &self.inner
    }
}

/// A [`crate::VisualizationJob`] usable from synchronous code.
#[derive(Debug, Clone)]
pub struct VisualizationJob {
    inner: crate::VisualizationJob,
    runtime: Arc<Runtime>,
}

impl VisualizationJob {
    pub fn new(session: &Session, visualization_id: impl ToString) -> Self {
        Self {
            inner: crate::VisualizationJob::new(&session.inner, visualization_id),
            runtime: session.runtime.clone(),
        }
    }

    fn wrap(runtime: &Arc<Runtime>, inner: crate::VisualizationJob) -> Self {
        Self {
            inner,
            runtime: runtime.clone(),
        }
    }

    pub fn job_id(&self) -> &str {
        self.inner.job_id()
    }

    pub fn job_name(&self) -> Option<&str> {
        self.inner.job_name()
    }

    pub fn create_time(&self) -> Option<i64> {
        self.inner.create_time()
    }

    pub fn status(&self) -> Option<JobStatus> {
        self.inner.status()
    }

    pub fn service_url(&self) -> Option<&str> {
        self.inner.service_url()
    }

    pub fn as_async(&self) -> &crate::VisualizationJob {
        &self.inner
    }

    pub fn create_visualization_job(
        session: &Session,
        spec: &VisualizationJobSpec,
    ) -> Result<ApiResponse<VisualizationJob>, SdkError> {
        let answer = block_on(
            &session.runtime,
            crate::VisualizationJob::create_visualization_job(&session.inner, spec),
        )??;
        Ok(answer.map(|job| Self::wrap(&session.runtime, job)))
    }

    /// See [`crate::VisualizationJob::create_visualization_job_json`].
    pub fn create_visualization_job_json(
        session: &Session,
        body: &serde_json::Value,
    ) -> Result<ApiResponse<serde_json::Value>, SdkError> {
        block_on(
            &session.runtime,
            crate::VisualizationJob::create_visualization_job_json(&session.inner, body),
        )?
    }

    /// See [`crate::VisualizationJob::get_visualization_job_list_json`].
    pub fn get_visualization_job_list_json(
        session: &Session,
        query: &[(&str, String)],
    ) -> Result<ApiResponse<serde_json::Value>, SdkError> {
        block_on(
            &session.runtime,
            crate::VisualizationJob::get_visualization_job_list_json(&session.inner, query),
        )?
    }

    pub fn get_visualization_job_list(
        session: &Session,
        filters: &ListFilters,
    ) -> Result<ApiResponse<ListJobsResponse>, SdkError> {
        block_on(
            &session.runtime,
            crate::VisualizationJob::get_visualization_job_list(&session.inner, filters),
        )?
    }

    pub fn get_visualization_job_object_list(
        session: &Session,
        filters: &ListFilters,
    ) -> Result<ApiResponse<Vec<VisualizationJob>>, SdkError> {
        let answer = block_on(
            &session.runtime,
            crate::VisualizationJob::get_visualization_job_object_list(&session.inner, filters),
        )??;
        Ok(answer.map(|jobs| {
            jobs.into_iter()
                .map(|job| Self::wrap(&session.runtime, job))
                .collect()
        }))
    }

    pub fn get_visualization_job_info(&self) -> Result<ApiResponse<Job>, SdkError> {
        block_on(&self.runtime, self.inner.get_visualization_job_info())?
    }

    pub fn refresh(&mut self) -> Result<ApiResponse<Job>, SdkError> {
        block_on(&self.runtime, self.inner.refresh())?
    }

    pub fn update_visualization_job(
        &self,
        job_desc: impl Into<String>,
    ) -> Result<ApiResponse<SuccessBody>, SdkError> {
        block_on(&self.runtime, self.inner.update_visualization_job(job_desc))?
    }

    pub fn stop_visualization_job(&self) -> Result<ApiResponse<SuccessBody>, SdkError> {
        block_on(&self.runtime, self.inner.stop_visualization_job())?
    }

    pub fn restart_visualization_job(&self) -> Result<ApiResponse<SuccessBody>, SdkError> {
        block_on(&self.runtime, self.inner.restart_visualization_job())?
    }

    pub fn delete_visualization_job(&self) -> Result<ApiResponse<SuccessBody>, SdkError> {
        block_on(&self.runtime, self.inner.delete_visualization_job())?
    }

    pub fn wait_for_status(
        &mut self,
        wanted: JobStatus,
        timeout: Duration,
        poll: Duration,
    ) -> Result<ApiResponse<Job>, SdkError> {
        block_on(
            &self.runtime,
            self.inner.wait_for_status(wanted, timeout, poll),
        )?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        let inner = crate::Session::builder()
            .endpoint("http://127.0.0.1:1")
            .project_id("p1")
            .token("t")
            .retry_policy(crate::RetryPolicy::never())
            .build()
            .unwrap();
        Session::new(inner).unwrap()
    }

    #[test]
    fn a_refused_connection_is_a_typed_error() {
        let job = VisualizationJob::new(&session(), 1);
        let err = job.get_visualization_job_info().unwrap_err();
        assert!(matches!(err, SdkError::Transport { .. }), "{err:?}");
    }

    #[test]
    fn refuses_to_block_inside_a_runtime() {
        let session = session();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err =
            rt.block_on(async { VisualizationJob::new(&session, 1).delete_visualization_job() });
        assert!(matches!(err, Err(SdkError::BlockingInAsyncContext)));
    }
}
