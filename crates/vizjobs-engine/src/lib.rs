//! The dashboard engine: finds the runs of a logdir, reads TensorBoard event files and MindSpore
//! summaries into an in-memory index that follows the files as training appends to them, and
//! serves the data API of `docs/DATA_API.md`.
//!
//! - [`discovery`]: which files are event files, and which run each belongs to;
//! - [`source`]: file access (local disk; object storage later behind the same trait);
//! - [`loader`]: resumable per-run load passes; [`board`]: the reload loop and public handle;
//! - [`run`], [`scalar_table`], [`series`], [`reservoir`]: the in-memory index (every scalar
//!   point, compactly; bulky kinds sampled), its bytes in [`column`]s that a restore shares with
//!   the mapped cache entry;
//! - [`graph`]: model graphs (TensorFlow, MindSpore, Keras), decoded on arrival and arranged in
//!   scopes and series for the Graphs view;
//! - [`cache`]: the persistent index, restoring a run's parsed data instead of reading its
//!   files again;
//! - [`api`]: the axum router of the data API, and its encoders: JSON and CSV ([`api::json`]),
//!   and the binary columns of a scalar series ([`api::columns`]).

pub mod api;
pub mod board;
pub mod cache;
pub mod column;
pub mod config;
pub mod discovery;
pub mod graph;
pub mod loader;
pub mod reservoir;
pub mod run;
pub mod scalar_table;
pub mod series;
pub mod source;

pub use board::{Board, LoadProgress};
pub use cache::{CacheSettings, CacheStats, RunCache};
pub use config::{EngineConfig, EngineStats, SampleLimits};
pub use source::{LocalDisk, LogSource, SourceFile};
