//! The state every handler shares.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use vizjobs_store::Store;

use crate::auth::Auth;
use crate::clock::Clock;
use crate::config::ServerConfig;
use crate::error::AppResult;
use crate::lifecycle::Lifecycle;
use crate::metrics::Metrics;
use crate::train_url::StorageRoots;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub lifecycle: Arc<Lifecycle>,
    pub roots: Arc<StorageRoots>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ServerConfig>,
    pub metrics: Arc<Metrics>,
    pub auth: Arc<Auth>,
    /// Set once shutdown was asked for: `/readyz` then answers 503 while requests are still
    /// served, for `ServerConfig::shutdown_delay`.
    pub draining: Arc<AtomicBool>,
}

impl AppState {
    /// Where a job's dashboard is served.
    pub fn service_url(&self, project_id: &str, job_id: i64) -> String {
        format!(
            "{}/vj/{project_id}/{job_id}/",
            self.config.public_url.trim_end_matches('/')
        )
    }

    /// The most jobs the project may hold.
    pub async fn job_quota(&self, project_id: &str) -> AppResult<i64> {
        let project = self.store.get_project(project_id).await?;
        Ok(project
            .and_then(|p| p.job_quota)
            .unwrap_or(self.config.default_job_quota))
    }
}
