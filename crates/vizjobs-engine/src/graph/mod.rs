//! Model graphs: what a run holds of them, and the decoded form the Graphs view reads.
//!
//! A run keeps, as plain owned data ([`RunGraphs`]): the latest op graph as its serialized bytes
//! (a TensorFlow `GraphDef` or `MetaGraphDef`, or a MindSpore `GraphProto`; a graph written
//! again, say on restart, replaces it), the latest Keras model config (JSON text), and the
//! latest `RunMetadata` of each tag (bytes). Decoding happens once per graph: [`model`] turns
//! each format into one list of nodes, [`hierarchy`] arranges them in scopes and series and
//! answers views, searches and node details. The decoded form is cached beside the bytes and
//! rebuilt from them when missing, so only the bytes need keeping.
//!
//! A graph that cannot be decoded is kept with its error: the run gets a `decode_error` problem
//! and the Graphs view says why.

pub mod hierarchy;
pub mod model;

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use vizjobs_events::GraphRecord;

pub use hierarchy::Hierarchy;
pub use model::{GraphKind, ModelError, NodeStats};

/// How a stored op graph is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GraphEncoding {
    TfGraphDef,
    TfMetaGraphDef,
    MindSpore,
}

/// A stored op graph or Keras config, undecoded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredGraph {
    pub encoding: GraphEncoding,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    pub step: i64,
    pub wall_time: f64,
}

/// A stored Keras model config.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredKeras {
    pub json: String,
    pub step: i64,
    pub wall_time: f64,
}

/// A stored `RunMetadata`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredRunMetadata {
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    pub step: i64,
    pub wall_time: f64,
}

/// Which of a run's graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphChoice {
    /// The op graph (TensorFlow or MindSpore).
    Op,
    /// The Keras conceptual graph.
    Keras,
}

type Decoded = Arc<Result<Hierarchy, ModelError>>;
/// Per-node stats of one `RunMetadata`, by node name, or why they cannot be read.
pub type DecodedStats = Arc<Result<BTreeMap<String, NodeStats>, ModelError>>;

/// Decoded forms, derived from the stored bytes: never persisted, rebuilt when empty.
#[derive(Default)]
pub struct DecodedCache {
    op: Mutex<Option<Decoded>>,
    keras: Mutex<Option<Decoded>>,
    stats: Mutex<BTreeMap<String, DecodedStats>>,
}

impl std::fmt::Debug for DecodedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecodedCache")
    }
}

/// The graphs of one run.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RunGraphs {
    pub op_graph: Option<StoredGraph>,
    pub keras: Option<StoredKeras>,
    pub run_metadata: BTreeMap<String, StoredRunMetadata>,
    /// An op graph that failed to decode, not yet reported as a run problem.
    #[serde(skip)]
    pub unreported_error: Option<String>,
    /// Derived from the fields above; rebuilt on demand.
    #[serde(skip)]
    pub cache: DecodedCache,
}

fn decode_op(stored: &StoredGraph) -> Result<Hierarchy, ModelError> {
    let model = match stored.encoding {
        GraphEncoding::TfGraphDef => model::decode_graph_def(&stored.bytes)?,
        GraphEncoding::TfMetaGraphDef => model::decode_meta_graph_def(&stored.bytes)?,
        GraphEncoding::MindSpore => model::decode_mindspore(&stored.bytes)?,
    };
    Ok(Hierarchy::build(model))
}

impl RunGraphs {
    /// Keeps a new op graph (replacing any earlier one) and decodes it at once, so that a
    /// damaged graph is reported when it is read, not when someone opens the view.
    pub fn set_op_graph(&mut self, record: GraphRecord, step: i64, wall_time: f64) {
        let (encoding, bytes) = match record {
            GraphRecord::TfGraphDef(b) => (GraphEncoding::TfGraphDef, b),
            GraphRecord::TfMetaGraphDef(b) => (GraphEncoding::TfMetaGraphDef, b),
            GraphRecord::MindSpore(b) => (GraphEncoding::MindSpore, b),
        };
        let stored = StoredGraph {
            encoding,
            bytes,
            step,
            wall_time,
        };
        let decoded = decode_op(&stored);
        self.unreported_error = decoded.as_ref().err().map(|e| e.to_string());
        *self.cache.op.lock() = Some(Arc::new(decoded));
        self.op_graph = Some(stored);
    }

    pub fn set_keras(&mut self, json: String, step: i64, wall_time: f64) {
        *self.cache.keras.lock() = None;
        self.keras = Some(StoredKeras {
            json,
            step,
            wall_time,
        });
    }

    pub fn set_run_metadata(&mut self, tag: String, bytes: Vec<u8>, step: i64, wall_time: f64) {
        self.cache.stats.lock().remove(&tag);
        self.run_metadata.insert(
            tag,
            StoredRunMetadata {
                bytes,
                step,
                wall_time,
            },
        );
    }

    /// The decoded graph, or `None` when the run has none of that kind.
    pub fn decoded(&self, choice: GraphChoice) -> Option<Decoded> {
        match choice {
            GraphChoice::Op => {
                let stored = self.op_graph.as_ref()?;
                let mut slot = self.cache.op.lock();
                Some(
                    slot.get_or_insert_with(|| Arc::new(decode_op(stored)))
                        .clone(),
                )
            }
            GraphChoice::Keras => {
                let stored = self.keras.as_ref()?;
                let mut slot = self.cache.keras.lock();
                Some(
                    slot.get_or_insert_with(|| {
                        Arc::new(model::decode_keras(&stored.json).map(Hierarchy::build))
                    })
                    .clone(),
                )
            }
        }
    }

    /// The per-node stats of a `RunMetadata` tag, or `None` for an unknown tag.
    pub fn stats(&self, tag: &str) -> Option<DecodedStats> {
        let stored = self.run_metadata.get(tag)?;
        let mut cache = self.cache.stats.lock();
        Some(
            cache
                .entry(tag.to_owned())
                .or_insert_with(|| Arc::new(model::decode_step_stats(&stored.bytes)))
                .clone(),
        )
    }

    /// Approximate heap bytes of the stored forms and of what is decoded from them.
    pub fn heap_bytes(&self) -> usize {
        let decoded = |slot: &Mutex<Option<Decoded>>| {
            slot.try_lock()
                .and_then(|d| {
                    d.as_ref()
                        .map(|d| d.as_ref().as_ref().map_or(0, Hierarchy::heap_bytes))
                })
                .unwrap_or(0)
        };
        decoded(&self.cache.op)
            + decoded(&self.cache.keras)
            + self.op_graph.as_ref().map_or(0, |g| g.bytes.capacity())
            + self.keras.as_ref().map_or(0, |k| k.json.capacity())
            + self
                .run_metadata
                .values()
                .map(|m| m.bytes.capacity())
                .sum::<usize>()
    }
}
