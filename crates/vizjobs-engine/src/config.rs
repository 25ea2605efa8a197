//! Engine settings.

use std::time::Duration;

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
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            reload_interval: Duration::from_secs(5),
            samples: SampleLimits::default(),
            job_type: None,
            title: "vizjobs".to_owned(),
        }
    }
}
