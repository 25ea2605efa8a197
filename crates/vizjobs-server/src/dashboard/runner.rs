//! The runner interface: how a job's dashboard is started, stopped and served.
//!
//! The lifecycle manager knows nothing of dashboards; it calls a [`Runner`]. A runner must be
//! idempotent (start twice = start once, stop of a stopped job is fine) because the lifecycle
//! is level-triggered: after a crash it simply calls `start` again for every RUNNING job.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vizjobs_api::JobType;

/// Where a job's logs are, as resolved from its `train_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLocation {
    /// A directory on the server's disk, under one of the allowed roots: the one in `root`
    /// (canonical). Links in the directory are followed only as far as `root`.
    Local { dir: PathBuf, root: PathBuf },
    /// A prefix in S3-compatible object storage.
    Object { bucket: String, prefix: String },
}

/// What a runner needs to know of a job.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub id: i64,
    pub project_id: String,
    pub name: String,
    pub train_url: String,
    pub job_type: JobType,
    pub location: LogLocation,
}

/// Why a job's dashboard cannot start; the job is marked FAILED with this message.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The job's `train_url` no longer resolves (the roots changed, say).
    #[error(transparent)]
    Location(#[from] vizjobs_api::ApiError),
    #[error("{} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("the log root {} is unreadable: {source}", root.display())]
    UnreadableRoot {
        root: PathBuf,
        source: std::io::Error,
    },
    #[error("object storage logs are not readable: none is configured")]
    NoObjectStorage,
    #[error("object storage: {0}")]
    ObjectStorage(String),
}

/// What a runner holds in this process, for `/metrics`: with job-affine routing each RUNNING
/// job's board is loaded in one replica, which these figures show per replica.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BoardCounts {
    /// Jobs whose dashboard is started here (loaded or not).
    pub registered: usize,
    /// Of those, the ones whose logs are loaded in memory.
    pub loaded: usize,
    /// Heap bytes the loaded boards hold.
    pub memory_bytes: usize,
}

/// What a runner's boards read and restored since the process started, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadCounters {
    /// Bytes read from the logs' storage (disk or object storage).
    pub bytes_fetched: u64,
    /// Runs restored from the persistent cache.
    pub cache_hits: u64,
    /// Runs read fresh with the cache on; of them, `cache_rejected` had an entry that was
    /// damaged, of another format, or out of date with the files.
    pub cache_misses: u64,
    pub cache_rejected: u64,
    /// Bytes of cache entries restored, and written.
    pub cache_bytes_restored: u64,
    pub cache_bytes_saved: u64,
    /// Entries deleted to keep the cache under its size limit.
    pub cache_evicted: u64,
}

#[async_trait]
pub trait Runner: Send + Sync + 'static {
    /// Makes the job's dashboard available. An error marks the job FAILED with its message.
    async fn start(&self, job: &JobSpec) -> Result<(), RunnerError>;
    /// Releases everything the job's dashboard holds.
    async fn stop(&self, job_id: i64);
    /// Answers a request under the job's `service_url`; the request's path is relative to it
    /// (`/` is the dashboard's front page). Called only while the job is RUNNING.
    async fn serve(&self, job: &JobSpec, request: Request<Body>) -> Response;
    /// What this runner holds now; a runner that loads nothing holds nothing.
    fn boards(&self) -> BoardCounts {
        BoardCounts::default()
    }
    /// What this runner's boards read and restored; a runner that loads nothing reads nothing.
    fn load_counters(&self) -> LoadCounters {
        LoadCounters::default()
    }
}

/// A runner that serves a page naming the job and its logs. Useful to test the lifecycle on its
/// own, and as the fallback when no dashboard engine is configured.
#[derive(Default)]
pub struct PlaceholderRunner {
    started: Mutex<HashMap<i64, JobSpec>>,
}

#[async_trait]
impl Runner for PlaceholderRunner {
    async fn start(&self, job: &JobSpec) -> Result<(), RunnerError> {
        if let LogLocation::Local { dir, .. } = &job.location
            && dir.exists()
            && !dir.is_dir()
        {
            return Err(RunnerError::NotADirectory(dir.clone()));
        }
        self.started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(job.id, job.clone());
        Ok(())
    }

    async fn stop(&self, job_id: i64) {
        self.started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&job_id);
    }

    async fn serve(&self, job: &JobSpec, request: Request<Body>) -> Response {
        if request.uri().path() != "/" {
            return StatusCode::NOT_FOUND.into_response();
        }
        let page = format!(
            "<!doctype html><meta charset=utf-8><title>{name}</title>\
             <h1>Visualization job {name}</h1><p>Job {id} reads its logs from <code>{url}</code>.</p>",
            name = html_escape(&job.name),
            id = job.id,
            url = html_escape(&job.train_url),
        );
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
    }
}

/// Escapes text for an HTML text node or a quoted attribute.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            html_escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
