//! Jobs as stored, and the operations on them.

use async_trait::async_trait;
use vizjobs_api::{JobStatus, JobType, ListQuery};

use crate::Result;

const MS_PER_HOUR: i64 = 3_600_000;

/// A job to insert. The store assigns the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub project_id: String,
    pub name: String,
    pub desc: String,
    pub train_url: String,
    /// Stored as its text (`tensorboard`, `mindinsight`).
    pub job_type: JobType,
    pub flavor: Option<String>,
    /// Auto-stop after this many hours of running; 0 means never.
    pub schedule_hours: u32,
    pub create_time_ms: i64,
}

/// A stored job.
///
/// Running time is kept as `run_ms_before` (the sum of finished running periods) plus the open
/// period since `running_since_ms`, so that `duration` is exact across restarts and across a
/// server restart alike, without a background writer ticking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: i64,
    pub project_id: String,
    pub name: String,
    pub desc: String,
    pub train_url: String,
    pub job_type: JobType,
    pub flavor: Option<String>,
    pub schedule_hours: u32,
    pub status: JobStatus,
    pub create_time_ms: i64,
    /// Milliseconds of running time in earlier, finished running periods.
    pub run_ms_before: i64,
    /// When the current running period began, while RUNNING.
    pub running_since_ms: Option<i64>,
    /// When the job auto-stops, while RUNNING with a schedule. An absolute time, so it survives
    /// a server restart unchanged.
    pub stop_deadline_ms: Option<i64>,
    /// Why the job failed, for FAILED jobs; empty otherwise.
    pub status_message: String,
}

impl JobRecord {
    /// Total running time in milliseconds at `now_ms`.
    pub fn duration_ms(&self, now_ms: i64) -> i64 {
        let open = self
            .running_since_ms
            .map(|since| (now_ms - since).max(0))
            .unwrap_or(0);
        self.run_ms_before + open
    }

    /// The fields that change when this job moves to `to` at `now_ms`: entering RUNNING opens a
    /// running period and sets the auto-stop deadline; leaving it closes the period.
    pub fn change_to(&self, to: JobStatus, now_ms: i64, message: &str) -> JobChange {
        let entering = to == JobStatus::Running && self.status != JobStatus::Running;
        let leaving = to != JobStatus::Running && self.status == JobStatus::Running;
        let (run_ms_before, running_since_ms, stop_deadline_ms) = if entering {
            let deadline = (self.schedule_hours > 0)
                .then(|| now_ms + i64::from(self.schedule_hours) * MS_PER_HOUR);
            (self.run_ms_before, Some(now_ms), deadline)
        } else if leaving {
            (self.duration_ms(now_ms), None, None)
        } else {
            (
                self.run_ms_before,
                self.running_since_ms,
                self.stop_deadline_ms,
            )
        };
        JobChange {
            expected: self.status,
            status: to,
            run_ms_before,
            running_since_ms,
            stop_deadline_ms,
            status_message: message.to_owned(),
        }
    }
}

/// A compare-and-set update of a job's status and timing fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobChange {
    /// The row changes only if its status is still this one.
    pub expected: JobStatus,
    pub status: JobStatus,
    pub run_ms_before: i64,
    pub running_since_ms: Option<i64>,
    pub stop_deadline_ms: Option<i64>,
    pub status_message: String,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Inserts a job unless the project already holds `quota` jobs (checked atomically with the
    /// insert: two concurrent creates cannot both take the last slot).
    async fn create_job(&self, job: NewJob, quota: i64) -> Result<JobRecord>;

    /// A job of this project, or `None` (also when it belongs to another project).
    async fn get_job(&self, project_id: &str, id: i64) -> Result<Option<JobRecord>>;

    /// One page of a project's jobs, filtered and sorted as the query says, and the number of
    /// jobs matching the filter (all pages). `now_ms` is used to sort by duration. Ties in the
    /// sort key are broken by id, so paging returns every job exactly once.
    async fn list_jobs(
        &self,
        project_id: &str,
        query: &ListQuery,
        now_ms: i64,
    ) -> Result<(Vec<JobRecord>, i64)>;

    /// How many jobs the project holds, in any status.
    async fn count_jobs(&self, project_id: &str) -> Result<i64>;

    /// Sets the description; false when there is no such job in this project.
    async fn update_job_desc(&self, project_id: &str, id: i64, desc: &str) -> Result<bool>;

    /// Applies `change` if the job's status is still `change.expected`; returns the new row, or
    /// `None` when the job is gone or its status moved on.
    async fn change_job(&self, id: i64, change: &JobChange) -> Result<Option<JobRecord>> {
        // A batch of one: the same statement, and one commit either way.
        let mut outcomes = self.change_jobs(&[(id, change.clone())]).await?;
        Ok(outcomes.pop().flatten())
    }

    /// Applies several changes, each exactly as [`JobStore::change_job`] would (one whose job
    /// moved on is skipped, answered `None`), in one transaction: one durable commit for all,
    /// which is what lets the lifecycle keep up with bursts of creates. All or none are written.
    async fn change_jobs(&self, changes: &[(i64, JobChange)]) -> Result<Vec<Option<JobRecord>>>;

    /// Deletes the job if its status is still `expected`; false otherwise.
    async fn delete_job(&self, project_id: &str, id: i64, expected: JobStatus) -> Result<bool>;

    /// Every job (of every project) in one of these statuses, by id. Used at start-up to resume
    /// the lifecycle, and by the auto-stop timer.
    async fn jobs_in_status(&self, statuses: &[JobStatus]) -> Result<Vec<JobRecord>>;

    /// The number of jobs per status, across projects (for `/metrics`).
    async fn count_by_status(&self) -> Result<Vec<(JobStatus, i64)>>;

    /// A cheap round trip, for `/readyz`.
    async fn ping(&self) -> Result<()>;
}
