//! The default runner: the dashboard engine, many jobs in one process.
//!
//! Starting a job only registers it; its logs are loaded on the first request for data, and a
//! board nobody has looked at for `idle_evict` is closed and dropped, so a thousand RUNNING jobs
//! cost memory only for the few people are looking at. Stopping a job drops its board at once.
//!
//! Logs in object storage are read through [`ObjectStorage`], when the server has one: the board
//! is the same, only its source differs. Storage errors never fail a request; they show in the
//! runs' problems (`/data/runs`) and in this process's log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use vizjobs_engine::{Board, EngineConfig, LocalDisk};
pub use vizjobs_objstore::ObjectStorage;

use crate::dashboard::runner::{
    BoardCounts, JobSpec, LoadCounters, LogLocation, Runner, RunnerError,
};
use crate::static_files::dashboard_page;

#[derive(Debug, Clone)]
pub struct EngineRunnerConfig {
    pub engine: EngineConfig,
    /// A loaded board unused this long is dropped (it loads again on the next view).
    pub idle_evict: Duration,
    /// Where object storage `train_url`s are read; `None`: such jobs are refused.
    pub object_storage: Option<Arc<ObjectStorage>>,
    /// The persistent cache of parsed runs, opened by [`EngineRunnerConfig::open_cache`] into
    /// `engine.cache`; `None`: off.
    pub cache: Option<CacheLocation>,
}

/// Where the persistent cache lives, and its settings.
#[derive(Debug, Clone)]
pub struct CacheLocation {
    pub dir: std::path::PathBuf,
    pub settings: vizjobs_engine::CacheSettings,
}

impl EngineRunnerConfig {
    /// Opens the cache directory (creating it) so boards save to it and restore from it.
    pub fn open_cache(&mut self) -> Result<(), vizjobs_engine::cache::CacheError> {
        if let Some(location) = &self.cache {
            let cache = vizjobs_engine::RunCache::open(&location.dir, location.settings.clone())?;
            tracing::info!(dir = %location.dir.display(), max_bytes = location.settings.max_bytes, "parsed logs are cached");
            self.engine.cache = Some(Arc::new(cache));
        }
        Ok(())
    }
}

impl Default for EngineRunnerConfig {
    fn default() -> Self {
        Self {
            engine: EngineConfig::default(),
            idle_evict: Duration::from_secs(15 * 60),
            object_storage: None,
            cache: None,
        }
    }
}

struct Loaded {
    board: Arc<Board>,
    router: axum::Router,
    last_used: Instant,
}

#[derive(Default)]
struct Entry {
    loaded: Option<Loaded>,
}

/// How long a request may wait for a board's first load before it is answered with what is
/// loaded so far.
const FIRST_LOAD_WAIT: Duration = Duration::from_secs(20);

pub struct EngineRunner {
    config: EngineRunnerConfig,
    jobs: Mutex<HashMap<i64, Entry>>,
}

/// Closes a board and, once its loader has stopped (its last saves to the cache written) and
/// the board and its router are dropped, returns the memory it held to the system (unless a
/// request in flight still holds the router: then the allocator reuses that memory later).
fn release(loaded: Loaded) {
    loaded.board.close();
    tokio::task::spawn_blocking(move || {
        loaded.board.close_and_wait();
        // The router holds the board's data too: both go before the memory is handed back.
        drop(loaded);
        return_freed_memory();
    });
}

/// Hands the memory the allocator holds free back to the system: an evicted board frees
/// hundreds of MiB at once, which glibc keeps for reuse otherwise. Without it a board opened
/// again (restored from the cache by mapping its entries, see `vizjobs_engine::column`) would
/// sit in the process beside that unused memory, and the process would look twice its size.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free memory of glibc's arenas; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl EngineRunner {
    /// A runner whose idle boards are evicted by a background task (on the current runtime).
    pub fn new(config: EngineRunnerConfig) -> Arc<Self> {
        let runner = Arc::new(Self {
            config,
            jobs: Mutex::new(HashMap::new()),
        });
        let weak = Arc::downgrade(&runner);
        let period = (runner.config.idle_evict / 4).max(Duration::from_millis(100));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                match weak.upgrade() {
                    Some(runner) => runner.evict_idle(),
                    None => break,
                }
            }
        });
        runner
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Entry>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops the boards nobody used within `idle_evict`. A board still in its first load is in
    /// use (its first request waits for it), so it stays: closing it would stop the load half
    /// way and serve the half.
    pub fn evict_idle(&self) {
        let now = Instant::now();
        for (id, entry) in self.jobs().iter_mut() {
            if entry.loaded.as_ref().is_some_and(|l| {
                now.duration_since(l.last_used) >= self.config.idle_evict
                    && l.board.progress().first_load_done
            }) && let Some(loaded) = entry.loaded.take()
            {
                release(loaded);
                tracing::info!(job_id = id, "evicted an idle dashboard");
            }
        }
    }

    /// Closes every loaded board and waits for their loader threads, so that each saves what
    /// changed to the cache (the server is stopping). Blocks: call it off the async threads.
    pub fn close_all(&self) {
        let boards: Vec<Arc<Board>> = self
            .jobs()
            .values_mut()
            .filter_map(|e| e.loaded.take())
            .map(|l| l.board)
            .collect();
        for board in &boards {
            board.close();
        }
        for board in &boards {
            board.close_and_wait();
        }
    }

    /// Jobs registered, and how many of them hold a loaded board.
    pub fn counts(&self) -> (usize, usize) {
        let jobs = self.jobs();
        (
            jobs.len(),
            jobs.values().filter(|e| e.loaded.is_some()).count(),
        )
    }

    /// Heap bytes held by loaded boards.
    pub fn memory_bytes(&self) -> usize {
        self.jobs()
            .values()
            .filter_map(|e| e.loaded.as_ref())
            .map(|l| l.board.memory_bytes())
            .sum()
    }

    /// The data router of the job's board, loading it when needed.
    fn router_for(&self, job: &JobSpec) -> Result<(axum::Router, Arc<Board>), RunnerError> {
        let mut jobs = self.jobs();
        let entry = jobs.entry(job.id).or_default();
        let loaded = match &mut entry.loaded {
            Some(loaded) => loaded,
            empty => {
                let board = self.open_board(job)?;
                let router = board.router();
                empty.insert(Loaded {
                    board,
                    router,
                    last_used: Instant::now(),
                })
            }
        };
        loaded.last_used = Instant::now();
        Ok((loaded.router.clone(), loaded.board.clone()))
    }

    fn open_board(&self, job: &JobSpec) -> Result<Arc<Board>, RunnerError> {
        let mut config = self.config.engine.clone();
        config.job_type = Some(job.job_type);
        config.title = job.name.clone();
        match &job.location {
            LogLocation::Local { dir, root } => {
                let source = LocalDisk::confined(dir.clone(), root).map_err(|source| {
                    RunnerError::UnreadableRoot {
                        root: root.clone(),
                        source,
                    }
                })?;
                Ok(Board::open_source(
                    dir.display().to_string(),
                    Box::new(source),
                    config,
                ))
            }
            LogLocation::Object { bucket, prefix } => {
                let storage = self.object_storage()?;
                let source = storage
                    .source(bucket, prefix)
                    .map_err(|e| RunnerError::ObjectStorage(e.to_string()))?
                    .labelled(format!("job {}", job.id));
                let url = source.url();
                tracing::info!(job_id = job.id, location = %url, "loading logs from object storage");
                Ok(Board::open_source(url, Box::new(source), config))
            }
        }
    }

    fn object_storage(&self) -> Result<&Arc<ObjectStorage>, RunnerError> {
        self.config
            .object_storage
            .as_ref()
            .ok_or(RunnerError::NoObjectStorage)
    }
}

#[async_trait]
impl Runner for EngineRunner {
    async fn start(&self, job: &JobSpec) -> Result<(), RunnerError> {
        match &job.location {
            LogLocation::Local { dir, .. } if dir.exists() && !dir.is_dir() => {
                return Err(RunnerError::NotADirectory(dir.clone()));
            }
            LogLocation::Local { .. } => {}
            LogLocation::Object { .. } => {
                self.object_storage()?;
            }
        }
        self.jobs().entry(job.id).or_default();
        Ok(())
    }

    async fn stop(&self, job_id: i64) {
        let entry = self.jobs().remove(&job_id);
        if let Some(loaded) = entry.and_then(|e| e.loaded) {
            release(loaded);
        }
    }

    async fn serve(&self, job: &JobSpec, request: Request<Body>) -> Response {
        let path = request.uri().path();
        if path == "/" || path == "/index.html" {
            return dashboard_page();
        }
        if !path.starts_with("/data/") {
            return StatusCode::NOT_FOUND.into_response();
        }
        match self.router_for(job) {
            Ok((router, board)) => {
                // A job's first view waits (boundedly) for its first load, so the page meets
                // the runs rather than an empty board that fills a moment later.
                if !board.progress().first_load_done {
                    let _ = tokio::time::timeout(FIRST_LOAD_WAIT, board.wait_first_load()).await;
                }
                match router.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            }
            Err(err) => (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
        }
    }

    fn load_counters(&self) -> LoadCounters {
        use std::sync::atomic::Ordering::Relaxed;
        let engine = &self.config.engine;
        let mut counters = LoadCounters {
            bytes_fetched: engine.stats.bytes_fetched.load(Relaxed),
            ..LoadCounters::default()
        };
        if let Some(cache) = &engine.cache {
            let s = cache.stats();
            counters.cache_hits = s.hits.load(Relaxed);
            counters.cache_misses = s.misses.load(Relaxed);
            counters.cache_rejected = s.rejected.load(Relaxed);
            counters.cache_bytes_restored = s.bytes_restored.load(Relaxed);
            counters.cache_bytes_saved = s.bytes_saved.load(Relaxed);
            counters.cache_evicted = s.evicted.load(Relaxed);
        }
        counters
    }

    fn boards(&self) -> BoardCounts {
        let (registered, loaded) = self.counts();
        BoardCounts {
            registered,
            loaded,
            memory_bytes: self.memory_bytes(),
        }
    }
}
