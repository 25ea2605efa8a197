//! A [`Board`]: one logdir, loaded into memory and followed as it grows.
//!
//! A dedicated thread runs load passes: list the logdir, adopt new runs and files, then read
//! every run's new bytes, runs in parallel on the rayon pool. Between passes it sleeps for the
//! reload interval, or until [`Board::close`]. The thread owns only an `Arc` of the shared
//! state; closing stops it at the next chunk boundary, and memory goes with the last `Arc`.
//! With a persistent cache, the thread saves every run that changed since its last save before
//! it ends.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use parking_lot::{Condvar, Mutex, RwLock};
use rayon::prelude::*;

use crate::config::EngineConfig;
use crate::discovery::{FileKind, classify, run_of};
use crate::loader::{PassContext, TrackedFile, TrackedRun, load_run, save_run};
use crate::run::{Problem, ProblemKind};
use crate::source::{LocalDisk, LogSource};

/// Loading progress, for a terminal progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadProgress {
    /// Size of every event file at the last listing.
    pub bytes_total: u64,
    /// Bytes read so far.
    pub bytes_read: u64,
    pub runs: usize,
    pub files: usize,
    /// Whether the first full pass is over.
    pub first_load_done: bool,
}

/// State shared by the loader thread and the data API.
pub(crate) struct Shared {
    /// Where the logs are read from, for messages: a path, or an `s3://` URL.
    pub location: String,
    /// The logdir as the persistent cache names it (a canonical path, or the URL).
    cache_location: String,
    pub config: EngineConfig,
    source: Box<dyn LogSource>,
    pub runs: RwLock<BTreeMap<String, Arc<TrackedRun>>>,
    /// Bumped on every change of served data; the data API's ETags derive from it.
    pub generation: AtomicU64,
    bytes_read: AtomicU64,
    bytes_total: AtomicU64,
    files: AtomicUsize,
    /// Why the logdir itself cannot be listed, if it cannot.
    pub logdir_error: Mutex<Option<String>>,
    stop: AtomicBool,
    sleep_lock: Mutex<()>,
    wake: Condvar,
    first_load: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn progress(&self) -> LoadProgress {
        LoadProgress {
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            runs: self.runs.read().len(),
            files: self.files.load(Ordering::Relaxed),
            first_load_done: self.first_load_done(),
        }
    }

    /// One load pass; see the module docs.
    fn pass(&self) {
        let listing = match self.source.list() {
            Ok(l) => {
                if self.logdir_error.lock().take().is_some() {
                    tracing::info!(logdir = %self.location, "the logdir is readable again");
                    self.generation.fetch_add(1, Ordering::Relaxed);
                }
                l
            }
            Err(e) => {
                let message = e.to_string();
                let mut error = self.logdir_error.lock();
                if error.as_deref() != Some(message.as_str()) {
                    tracing::warn!(logdir = %self.location, error = %message, "cannot list the logdir");
                    *error = Some(message);
                    self.generation.fetch_add(1, Ordering::Relaxed);
                }
                return;
            }
        };
        let mut bytes_total = 0;
        let mut file_count = 0;
        let mut notes: Vec<(String, Problem)> = Vec::new();
        {
            let mut runs = self.runs.write();
            for file in listing {
                let (run_name, file_name) = run_of(&file.rel_path);
                match classify(file_name) {
                    FileKind::Events { format, order } => {
                        bytes_total += file.size;
                        file_count += 1;
                        let run = runs
                            .entry(run_name.to_owned())
                            .or_insert_with(|| {
                                self.generation.fetch_add(1, Ordering::Relaxed);
                                Arc::new(TrackedRun::new(run_name.to_owned()))
                            })
                            .clone();
                        let mut files = run.files.lock();
                        if let Some(known) = files.iter_mut().find(|f| f.rel_path == file.rel_path)
                        {
                            known.listed_size = file.size;
                            known.version = file.version.clone();
                        } else {
                            files.push(TrackedFile::new(
                                file.rel_path.clone(),
                                format,
                                order,
                                file.size,
                                file.version.clone(),
                            ));
                            files.sort_by(|a, b| a.order.cmp(&b.order));
                        }
                    }
                    FileKind::Skipped(why) => notes.push((
                        run_name.to_owned(),
                        Problem {
                            file: file.rel_path.clone(),
                            offset: 0,
                            kind: ProblemKind::Skipped,
                            message: why.to_owned(),
                        },
                    )),
                    FileKind::Other => {}
                }
            }
            for (run_name, note) in notes {
                if let Some(run) = runs.get(&run_name) {
                    run.index.write().add_problem(note, false);
                }
            }
        }
        self.bytes_total.store(bytes_total, Ordering::Relaxed);
        self.files.store(file_count, Ordering::Relaxed);
        let runs: Vec<Arc<TrackedRun>> = self.runs.read().values().cloned().collect();
        let ctx = PassContext {
            source: self.source.as_ref(),
            limits: &self.config.samples,
            bytes_read: &self.bytes_read,
            generation: &self.generation,
            stop: &self.stop,
            stats: &self.config.stats,
            cache: self
                .config
                .cache
                .as_deref()
                .map(|c| (c, self.cache_location.as_str())),
        };
        runs.par_iter().for_each(|run| load_run(run, &ctx));
    }

    fn run_loop(&self) {
        while !self.stop.load(Ordering::Relaxed) {
            self.pass();
            self.first_load.send_replace(true);
            // After the first pass is announced, so saving never delays a first view.
            self.save_changed(false);
            let mut guard = self.sleep_lock.lock();
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            self.wake.wait_for(&mut guard, self.config.reload_interval);
        }
        self.save_changed(true);
    }

    /// Saves the runs that changed since their last save: those due (never saved, or not for
    /// the save interval), or all of them when `now` (the board is closing).
    fn save_changed(&self, now: bool) {
        let Some(cache) = self.config.cache.as_deref() else {
            return;
        };
        let runs: Vec<Arc<TrackedRun>> = self.runs.read().values().cloned().collect();
        runs.par_iter().for_each(|run| {
            let files = run.files.lock();
            save_run(
                run,
                &files,
                cache,
                &self.cache_location,
                &self.config.samples,
                now,
            );
        });
    }

    pub fn first_load_done(&self) -> bool {
        *self.first_load.borrow()
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _guard = self.sleep_lock.lock();
        self.wake.notify_all();
    }
}

/// One logdir, loaded in memory, following growth. See the crate docs.
pub struct Board {
    pub(crate) shared: Arc<Shared>,
    loader: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Board {
    /// Starts loading `logdir` in the background and returns at once.
    pub fn open(logdir: PathBuf, config: EngineConfig) -> Arc<Board> {
        let location = logdir.display().to_string();
        let cache_location = logdir
            .canonicalize()
            .map_or_else(|_| location.clone(), |p| p.display().to_string());
        let source = Box::new(LocalDisk::new(logdir));
        Self::open_with(location, cache_location, source, config)
    }

    /// Like [`Board::open`], reading through any [`LogSource`] (object storage, say);
    /// `location` names the logdir in messages (a path, or a URL).
    /// The persistent cache (if `config` has one) knows the logdir by `location`.
    pub fn open_source(
        location: impl Into<String>,
        source: Box<dyn crate::source::LogSource>,
        config: EngineConfig,
    ) -> Arc<Board> {
        let location = location.into();
        Self::open_with(location.clone(), location, source, config)
    }

    fn open_with(
        location: String,
        cache_location: String,
        source: Box<dyn crate::source::LogSource>,
        config: EngineConfig,
    ) -> Arc<Board> {
        let shared = Arc::new(Shared {
            location,
            cache_location,
            config,
            source,
            runs: RwLock::new(BTreeMap::new()),
            generation: AtomicU64::new(1),
            bytes_read: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            files: AtomicUsize::new(0),
            logdir_error: Mutex::new(None),
            stop: AtomicBool::new(false),
            sleep_lock: Mutex::new(()),
            wake: Condvar::new(),
            first_load: tokio::sync::watch::Sender::new(false),
        });
        let worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("vizjobs-board-loader".to_owned())
            .spawn(move || worker.run_loop());
        let loader = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::error!(error = %e, "cannot start the board loader thread");
                *shared.logdir_error.lock() = Some(format!("cannot start loader: {e}"));
                shared.first_load.send_replace(true);
                None
            }
        };
        Arc::new(Board {
            shared,
            loader: Mutex::new(loader),
        })
    }

    /// The data API (`/data/...` paths, relative to the dashboard's base URL).
    pub fn router(self: &Arc<Self>) -> axum::Router {
        crate::api::router(self.shared.clone())
    }

    /// Waits until the first full pass over the logdir is done.
    pub async fn wait_first_load(&self) {
        let mut rx = self.shared.first_load.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = rx.wait_for(|done| *done).await;
    }

    pub fn progress(&self) -> LoadProgress {
        self.shared.progress()
    }

    /// Approximate heap bytes held by the loaded data and read buffers.
    pub fn memory_bytes(&self) -> usize {
        let runs: Vec<Arc<TrackedRun>> = self.shared.runs.read().values().cloned().collect();
        runs.iter()
            .map(|r| {
                let files: usize = r
                    .files
                    .try_lock()
                    .map(|f| f.iter().map(TrackedFile::heap_bytes).sum())
                    .unwrap_or(0);
                r.index.read().heap_bytes() + files + r.name.capacity()
            })
            .sum()
    }

    /// Stops background loading. Served data stays until the last handle is dropped. The
    /// loader thread finishes its chunk (and, with a cache, saves what changed) on its own.
    pub fn close(&self) {
        self.shared.stop();
    }

    /// Like [`close`](Self::close), and waits until the loader thread has ended, its last
    /// saves to the cache done. Blocks: call it off an async runtime's threads.
    pub fn close_and_wait(&self) {
        self.shared.stop();
        if let Some(handle) = self.loader.lock().take()
            && handle.join().is_err()
        {
            tracing::error!(logdir = %self.shared.location, "the board loader thread panicked");
        }
    }

    /// The runs found so far, sorted by name.
    pub fn runs(&self) -> Vec<Arc<TrackedRun>> {
        self.shared.runs.read().values().cloned().collect()
    }

    /// What `data/runs` answers now: every run, sorted by name, with its format, status and
    /// problems.
    pub fn run_infos(&self) -> Vec<crate::api::answers::RunInfo> {
        crate::api::run_infos(&self.shared)
    }

    /// What `data/tags` answers now: the tags of every run, per plugin, by run name.
    pub fn run_tags(&self) -> BTreeMap<String, crate::api::answers::RunTags> {
        crate::api::run_tags(&self.shared)
    }

    /// Why the logdir itself cannot be listed, if it could not be at the last pass.
    pub fn logdir_error(&self) -> Option<String> {
        self.shared.logdir_error.lock().clone()
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        self.close();
    }
}
