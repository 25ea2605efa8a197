//! Engine settings.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use crate::cache::RunCache;

/// How many items of each sampled kind are kept per run and tag (0 = keep all).
///
/// Scalars are never sampled. The defaults follow TensorBoard's `samples_per_plugin` where it
/// has one (images, audio: 10; histograms: 500) and keep more text and tensors, which are small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleLimits {
    pub images: usize,
    pub audio: usize,
    pub histograms: usize,
    pub text: usize,
    pub pr_curves: usize,
    pub tensors: usize,
}

impl Default for SampleLimits {
    fn default() -> Self {
        SampleLimits {
            images: 10,
            audio: 10,
            histograms: 500,
            text: 100,
            pr_curves: 100,
            tensors: 100,
        }
    }
}

/// Settings of one [`Board`](crate::Board).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How often the logdir is rescanned for new runs, files and records.
    pub reload_interval: Duration,
    pub samples: SampleLimits,
    /// The job's type when the board serves a job; `None` for `vizjobs board`. Only the page's
    /// label depends on it: both formats are always read.
    pub job_type: Option<vizjobs_api::JobType>,
    /// Title shown by the dashboard.
    pub title: String,
    /// Where parsed runs are saved and restored from; `None`: every open reads the files.
    pub cache: Option<Arc<RunCache>>,
    /// Counters shared by every board opened with (a clone of) this configuration.
    pub stats: Arc<EngineStats>,
}

/// Counters of the boards sharing one configuration, for `/metrics`.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Bytes read from the logs' storage: new records, and the checks of restored files.
    pub bytes_fetched: AtomicU64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            reload_interval: Duration::from_secs(5),
            samples: SampleLimits::default(),
            job_type: None,
            title: "vizjobs".to_owned(),
            cache: None,
            stats: Arc::default(),
        }
    }
}
