//! The job lifecycle: INIT → WAITING → RUNNING, then KILLING → KILLED, COMPLETED or FAILED.
//!
//! API calls only record intent (a durable status change) and wake the manager; the manager
//! then moves jobs on in the background. It is level-triggered, like a controller: each pass reads
//! every job that is not at rest and does whatever its status calls for. That one loop covers
//! the normal path, auto-stop deadlines, and recovery after a crash or `kill -9` (a RUNNING job
//! whose dashboard this process has not started gets it started again). Status changes are
//! compare-and-set, so several replicas sharing a database never apply one twice.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use vizjobs_api::JobStatus;
use vizjobs_store::{JobRecord, Store, StoreError};

use crate::clock::Clock;
use crate::dashboard::runner::{JobSpec, Runner, RunnerError};
use crate::train_url::StorageRoots;

/// Statuses the manager has work for.
const ACTIVE: [JobStatus; 4] = [
    JobStatus::Init,
    JobStatus::Waiting,
    JobStatus::Running,
    JobStatus::Killing,
];

#[derive(Debug, Clone)]
pub struct LifecycleConfig {
    /// How often the manager looks at every active job even when nobody woke it.
    pub tick: Duration,
    /// The most jobs RUNNING at once in the deployment; more wait in WAITING. `None`: no limit.
    pub max_running: Option<i64>,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(1),
            max_running: None,
        }
    }
}

pub struct Lifecycle {
    store: Arc<dyn Store>,
    runner: Arc<dyn Runner>,
    roots: Arc<StorageRoots>,
    clock: Arc<dyn Clock>,
    config: LifecycleConfig,
    wake: Notify,
    /// Jobs whose dashboard this process has started.
    started_here: Mutex<HashSet<i64>>,
}

impl Lifecycle {
    pub fn new(
        store: Arc<dyn Store>,
        runner: Arc<dyn Runner>,
        roots: Arc<StorageRoots>,
        clock: Arc<dyn Clock>,
        config: LifecycleConfig,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            runner,
            roots,
            clock,
            config,
            wake: Notify::new(),
            started_here: Mutex::new(HashSet::new()),
        })
    }

    pub fn runner(&self) -> &Arc<dyn Runner> {
        &self.runner
    }

    /// Asks for a pass soon (after an API call changed a status).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs passes until `shutdown` resolves: a full pass every tick, and a quick pass over the
    /// jobs in transition whenever an API call wakes the manager, so that a burst of creates
    /// does not re-read every RUNNING job once per create.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut full = true;
        let mut passes: u64 = 0;
        loop {
            let result = if full {
                passes += 1;
                if passes % 600 == 1 {
                    self.forget_expired_tokens().await;
                }
                self.pass().await
            } else {
                self.quick_pass().await
            };
            if let Err(err) = result {
                tracing::warn!("lifecycle pass failed, retrying: {err}");
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.wake.notified() => full = false,
                _ = tokio::time::sleep(self.config.tick) => full = true,
            }
        }
    }

    /// Expired tokens and sessions are useless; dropping them keeps the table small.
    async fn forget_expired_tokens(&self) {
        match self.store.delete_expired_tokens(self.clock.now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(count = n, "forgot expired tokens"),
            Err(err) => tracing::warn!("cannot drop expired tokens: {err}"),
        }
    }

    /// A pass over the jobs that are between two statuses (not the RUNNING ones).
    pub async fn quick_pass(&self) -> Result<(), StoreError> {
        const MOVING: [JobStatus; 3] = [JobStatus::Init, JobStatus::Waiting, JobStatus::Killing];
        let jobs = self.store.jobs_in_status(&MOVING).await?;
        let running = match self.config.max_running {
            Some(_) => self
                .store
                .count_by_status()
                .await?
                .into_iter()
                .find(|(s, _)| *s == JobStatus::Running)
                .map_or(0, |(_, n)| n),
            None => 0,
        };
        self.advance(jobs, running).await
    }

    /// A pass over every active job, RUNNING ones included (deadlines, recovery), and then over
    /// the dashboards this process runs for jobs that are no longer active.
    pub async fn pass(&self) -> Result<(), StoreError> {
        let jobs = self.store.jobs_in_status(&ACTIVE).await?;
        let active: HashSet<i64> = jobs.iter().map(|j| j.id).collect();
        let (running_jobs, moving): (Vec<JobRecord>, Vec<JobRecord>) = jobs
            .into_iter()
            .partition(|j| j.status == JobStatus::Running);
        let mut running = running_jobs.len() as i64;
        for job in running_jobs {
            if let Err(err) = self.keep_running(job, &mut running).await {
                tracing::warn!("lifecycle step failed: {err}");
            }
        }
        if let Err(err) = self.advance(moving, running).await {
            tracing::warn!("lifecycle step failed: {err}");
        }
        // Jobs deleted, or stopped by another replica, release their dashboards here too.
        let orphans: Vec<i64> = self
            .started()
            .iter()
            .copied()
            .filter(|id| !active.contains(id))
            .collect();
        for id in orphans {
            self.stop_runner(id).await;
        }
        Ok(())
    }

    /// Moves INIT jobs to WAITING, WAITING ones to RUNNING (or FAILED) as capacity allows, and
    /// KILLING ones to KILLED. Each step is one batch of compare-and-set changes in one
    /// transaction, so a burst of creates costs a few durable commits per pass rather than two
    /// per job. `running` is how many jobs are RUNNING now.
    async fn advance(&self, jobs: Vec<JobRecord>, mut running: i64) -> Result<(), StoreError> {
        let mut waiting = Vec::new();
        let mut init = Vec::new();
        let mut killing = Vec::new();
        for job in jobs {
            match job.status {
                JobStatus::Init => init.push(job),
                JobStatus::Waiting => waiting.push(job),
                JobStatus::Killing => killing.push(job),
                _ => {}
            }
        }

        let now = self.clock.now_ms();
        let to_waiting: Vec<_> = init
            .iter()
            .map(|j| (j.id, j.change_to(JobStatus::Waiting, now, "")))
            .collect();
        let queued = self.apply(&to_waiting).await?;
        waiting.extend(queued.into_iter().map(|(_, job)| job));
        waiting.sort_by_key(|j| j.id);

        let mut starts = Vec::new();
        for job in waiting {
            if self.config.max_running.is_some_and(|max| running >= max) {
                break;
            }
            let now = self.clock.now_ms();
            match self.start_runner(&job).await {
                Ok(()) => {
                    running += 1;
                    starts.push((job.id, job.change_to(JobStatus::Running, now, "")));
                }
                Err(err) => {
                    let message = err.to_string();
                    starts.push((job.id, job.change_to(JobStatus::Failed, now, &message)))
                }
            }
        }
        let started: HashSet<i64> = match self.apply(&starts).await {
            Ok(applied) => applied.into_iter().map(|(id, _)| id).collect(),
            Err(err) => {
                // Nothing was written: the jobs stay WAITING and the next pass starts them again
                // (starting is idempotent); meanwhile their dashboards must not serve.
                for (id, change) in &starts {
                    if change.status == JobStatus::Running {
                        self.stop_runner(*id).await;
                    }
                }
                return Err(err);
            }
        };
        for (id, change) in &starts {
            // Another replica moved the job on (or it was stopped meanwhile): not ours to serve.
            if change.status == JobStatus::Running && !started.contains(id) {
                self.stop_runner(*id).await;
            }
        }

        for job in &killing {
            self.stop_runner(job.id).await;
        }
        let now = self.clock.now_ms();
        let to_killed: Vec<_> = killing
            .iter()
            .map(|j| (j.id, j.change_to(JobStatus::Killed, now, "")))
            .collect();
        self.apply(&to_killed).await?;
        Ok(())
    }

    /// Writes a batch of changes; returns the jobs they applied to, as they are now.
    async fn apply(
        &self,
        changes: &[(i64, vizjobs_store::JobChange)],
    ) -> Result<Vec<(i64, JobRecord)>, StoreError> {
        let outcomes = self.store.change_jobs(changes).await?;
        let mut applied = Vec::new();
        for ((id, change), outcome) in changes.iter().zip(outcomes) {
            if let Some(job) = outcome {
                tracing::info!(job_id = id, from = %change.expected, to = %change.status, "job status changed");
                applied.push((*id, job));
            }
        }
        Ok(applied)
    }

    /// A RUNNING job: auto-stopped once its deadline has passed, its dashboard started again if
    /// this process does not run it (after a restart, say).
    async fn keep_running(&self, job: JobRecord, running: &mut i64) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        let next = if job.stop_deadline_ms.is_some_and(|deadline| now >= deadline) {
            self.stop_runner(job.id).await;
            *running -= 1;
            job.change_to(JobStatus::Completed, now, "")
        } else if !self.started().contains(&job.id) {
            match self.start_runner(&job).await {
                Ok(()) => return Ok(()),
                Err(err) => {
                    *running -= 1;
                    job.change_to(JobStatus::Failed, now, &err.to_string())
                }
            }
        } else {
            return Ok(());
        };
        self.apply(&[(job.id, next)]).await?;
        Ok(())
    }

    fn started(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.started_here.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn start_runner(&self, job: &JobRecord) -> Result<(), RunnerError> {
        let spec = self.spec(job)?;
        self.runner.start(&spec).await?;
        self.started().insert(job.id);
        Ok(())
    }

    async fn stop_runner(&self, job_id: i64) {
        self.runner.stop(job_id).await;
        self.started().remove(&job_id);
    }

    /// The runner's view of a job.
    pub fn spec(&self, job: &JobRecord) -> Result<JobSpec, vizjobs_api::ApiError> {
        Ok(JobSpec {
            id: job.id,
            project_id: job.project_id.clone(),
            name: job.name.clone(),
            train_url: job.train_url.clone(),
            job_type: job.job_type,
            location: self.roots.resolve(&job.project_id, &job.train_url)?,
        })
    }
}
