//! Everything one run holds in memory, and how decoded events land in it.
//!
//! Scalars are kept in full ([`ScalarTable`]); bulky kinds are reservoir-sampled per tag. A
//! tag's plugin is decided by the first metadata seen for it (writers usually attach metadata
//! only to a tag's first value) and remembered. `SessionLog.START` at step `s` drops every
//! point with step ≥ `s` already read, as TensorBoard does for restarted training.

use std::collections::BTreeMap;

use prost::Message;
use rustc_hash::FxHashMap;
use vizjobs_events::proto::{hparams as hp, tensorboard as tb};
use vizjobs_events::{
    EventFormat, EventSink, Histogram, Lineage, LineageValue, Stamp, TaggedValue, Tensor,
    TensorValues, ValueData,
};

use crate::column::Column;
use crate::config::SampleLimits;
use crate::reservoir::Reservoir;
use crate::scalar_table::ScalarTable;
use crate::series::Point;

/// At most this many problems are kept per run (the count in `data_loss` goes on).
pub const MAX_PROBLEMS: usize = 100;

/// A damaged or unreadable spot in a run's files, or a note about one (`data/runs`).
///
/// Fields in alphabetical order: the order the answer has always had.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// The file, relative to the logdir.
    pub file: String,
    pub kind: ProblemKind,
    pub message: String,
    /// Byte offset in the file where the problem is.
    pub offset: u64,
}

/// What a [`Problem`] is. All but `io_error` and the two notes count in `data_loss`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A record whose payload checksum fails: that record is lost.
    BadDataCrc,
    /// A damaged length: the bytes up to the next valid record are lost.
    BadLengthCrc,
    /// No valid record at offset 0.
    NotAnEventFile,
    /// A framed record whose payload is not an event.
    DecodeError,
    /// A file that cannot be read (reported while it lasts), or that shrank (stays).
    IoError,
    /// A note: a MindSpore `*_explain` file, not read.
    Skipped,
    /// A note: an event file of 0 bytes so far.
    EmptyFile,
}

impl From<vizjobs_events::ProblemKind> for ProblemKind {
    fn from(kind: vizjobs_events::ProblemKind) -> Self {
        match kind {
            vizjobs_events::ProblemKind::BadDataCrc => ProblemKind::BadDataCrc,
            vizjobs_events::ProblemKind::BadLengthCrc => ProblemKind::BadLengthCrc,
            vizjobs_events::ProblemKind::NotAnEventFile => ProblemKind::NotAnEventFile,
        }
    }
}

/// The log format(s) a run's records came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunFormat {
    Tensorboard,
    Mindspore,
    /// Both formats.
    Mixed,
}

/// A histogram as kept: `[left, right, count]` in `f32`, the precision TensorBoard itself
/// serves buckets in, at half the memory of `f64`; little-endian in a byte [`Column`], so a
/// restored histogram reads them straight from the mapped cache entry.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredHistogram {
    buckets: Column,
}

impl StoredHistogram {
    pub fn buckets(&self) -> impl Iterator<Item = [f32; 3]> + '_ {
        self.buckets.as_slice().chunks_exact(12).map(|b| {
            let f = |at: usize| f32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            [f(0), f(4), f(8)]
        })
    }

    pub fn held_bytes(&self) -> usize {
        self.buckets.held_bytes()
    }
}

impl From<Histogram> for StoredHistogram {
    fn from(h: Histogram) -> Self {
        let mut bytes = Vec::with_capacity(h.buckets.len() * 12);
        for b in &h.buckets {
            for edge in b {
                bytes.extend_from_slice(&(*edge as f32).to_le_bytes());
            }
        }
        StoredHistogram {
            buckets: bytes.into(),
        }
    }
}

/// One image of an image summary.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ImageItem {
    pub width: u32,
    pub height: u32,
    /// Sniffed from the bytes (or as the writer gave it).
    pub content_type: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// One clip of an audio summary.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AudioItem {
    /// As the writer gave it; `audio/wav` if none.
    pub content_type: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PrCurve {
    /// `precision`, `recall`, `thresholds`, `tp`, `fp`, `tn`, `fn`, in that order.
    pub columns: [Vec<f64>; 7],
}

/// Which plugin owns a tag.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum PluginKind {
    Scalars,
    Histograms,
    Images,
    Audio,
    Text,
    PrCurves {
        num_thresholds: u32,
    },
    CustomScalars,
    HParams,
    /// A Keras model config (`graph_keras_model`): JSON in a string tensor.
    KerasModel,
    Other,
}

impl PluginKind {
    fn from_metadata(name: &str, content: &[u8]) -> Self {
        match name {
            "scalars" => PluginKind::Scalars,
            "histograms" => PluginKind::Histograms,
            "images" => PluginKind::Images,
            "audio" => PluginKind::Audio,
            "text" => PluginKind::Text,
            "pr_curves" => PluginKind::PrCurves {
                num_thresholds: tb::PrCurvePluginData::decode(content)
                    .map(|d| d.num_thresholds)
                    .unwrap_or(0),
            },
            "custom_scalars" => PluginKind::CustomScalars,
            "hparams" => PluginKind::HParams,
            "graph_keras_model" => PluginKind::KerasModel,
            _ => PluginKind::Other,
        }
    }
}

/// The in-memory index of one run.
///
/// The persistent cache (`crate::cache`) saves and restores it whole through serde, so every
/// field is covered by construction: a new field needs `Serialize` and `Deserialize` (protobuf
/// messages go through `crate::cache::codec::prost_message`). What it saves is checked against
/// a fresh read by `tests/cache.rs`, answer by answer.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RunIndex {
    pub scalars: ScalarTable,
    pub histograms: BTreeMap<String, Reservoir<StoredHistogram>>,
    pub images: BTreeMap<String, Reservoir<Vec<ImageItem>>>,
    pub audio: BTreeMap<String, Reservoir<Vec<AudioItem>>>,
    pub text: BTreeMap<String, Reservoir<String>>,
    pub pr_curves: BTreeMap<String, Reservoir<PrCurve>>,
    pub tensors: BTreeMap<String, Reservoir<Tensor>>,
    #[serde(with = "crate::cache::codec::prost_message")]
    pub custom_scalars: Option<tb::Layout>,
    #[serde(with = "crate::cache::codec::prost_message")]
    pub experiment: Option<hp::Experiment>,
    #[serde(with = "crate::cache::codec::prost_message")]
    pub session_start: Option<hp::SessionStartInfo>,
    #[serde(with = "crate::cache::codec::prost_message")]
    pub session_end: Option<hp::SessionEndInfo>,
    /// What MindSpore's lineage records say (settings and results), merged over the run's
    /// records: a later record's value of a name replaces an earlier one.
    pub lineage: Option<RunLineage>,
    /// Whether the run holds a graph of any kind (op graph, Keras config, run metadata).
    pub graph: bool,
    /// The graphs themselves (see [`crate::graph`]).
    pub graphs: crate::graph::RunGraphs,
    pub problems: Vec<Problem>,
    /// Records (or spans of bytes) lost to damage.
    pub data_loss: u64,
    /// Valid records read.
    pub records: u64,
    pub last_update: Option<f64>,
    pub saw_tensorboard: bool,
    pub saw_mindspore: bool,
    tag_plugins: FxHashMap<String, PluginKind>,
}

/// A run's MindSpore lineage (see [`vizjobs_events::Lineage`] for the names).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunLineage {
    pub params: BTreeMap<String, LineageValue>,
    pub metrics: BTreeMap<String, f64>,
}

impl RunIndex {
    /// Records a problem; `lost` says whether data was lost (rather than a note).
    pub fn add_problem(&mut self, problem: Problem, lost: bool) {
        if lost {
            self.data_loss += 1;
        }
        if self.problems.len() < MAX_PROBLEMS && !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    /// Forgets the problems of `kind` reported for `file`: conditions that have ended, like an
    /// I/O error once the file reads again. Returns whether any was forgotten.
    pub fn clear_problems(&mut self, file: &str, kind: ProblemKind) -> bool {
        let before = self.problems.len();
        self.problems
            .retain(|p| !(p.file == file && p.kind == kind));
        self.problems.len() != before
    }

    /// The formats of the records read, or `None` before any record.
    pub fn format(&self) -> Option<RunFormat> {
        match (self.saw_tensorboard, self.saw_mindspore) {
            (true, true) => Some(RunFormat::Mixed),
            (true, false) => Some(RunFormat::Tensorboard),
            (false, true) => Some(RunFormat::Mindspore),
            (false, false) => None,
        }
    }

    pub fn note_format(&mut self, format: EventFormat) {
        match format {
            EventFormat::TensorBoard => self.saw_tensorboard = true,
            EventFormat::MindSpore | EventFormat::MindSporeLineage => self.saw_mindspore = true,
        }
    }

    /// Releases growth slack after a load pass.
    pub fn shrink(&mut self) {
        for s in self.scalars.series_mut() {
            s.shrink();
        }
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        let scalars = self.scalars.heap_bytes();
        let hist: usize = self
            .histograms
            .values()
            .flat_map(|r| r.items())
            .map(|s| s.item.held_bytes() + 48)
            .sum();
        let images: usize = self
            .images
            .values()
            .flat_map(|r| r.items())
            .flat_map(|s| &s.item)
            .map(|i| i.bytes.capacity() + 64)
            .sum::<usize>()
            + self
                .audio
                .values()
                .flat_map(|r| r.items())
                .flat_map(|s| &s.item)
                .map(|i| i.bytes.capacity() + 64)
                .sum::<usize>();
        let text: usize = self
            .text
            .values()
            .flat_map(|r| r.items())
            .map(|s| s.item.capacity() + 48)
            .sum();
        let pr: usize = self
            .pr_curves
            .values()
            .flat_map(|r| r.items())
            .map(|s| {
                s.item
                    .columns
                    .iter()
                    .map(|c| c.capacity() * 8)
                    .sum::<usize>()
            })
            .sum();
        let tensors: usize = self
            .tensors
            .values()
            .flat_map(|r| r.items())
            .map(|s| s.item.values.len() * 8 + 64)
            .sum();
        scalars + hist + images + text + pr + tensors + self.graphs.heap_bytes()
    }

    fn purge_from(&mut self, step: i64) {
        for s in self.scalars.series_mut() {
            s.purge_from(step);
        }
        self.histograms
            .values_mut()
            .for_each(|r| r.purge_from(step));
        self.images.values_mut().for_each(|r| r.purge_from(step));
        self.audio.values_mut().for_each(|r| r.purge_from(step));
        self.text.values_mut().for_each(|r| r.purge_from(step));
        self.pr_curves.values_mut().for_each(|r| r.purge_from(step));
        self.tensors.values_mut().for_each(|r| r.purge_from(step));
    }

    fn push_scalar(&mut self, at: Stamp, tag: &[u8], value: f32) {
        let point = Point {
            step: at.step,
            wall_time: at.wall_time,
            value,
        };
        // A refused point (a tag that is not UTF-8, as protobuf's own string decoding refuses,
        // or a tag beyond the table's capacity) counts as lost.
        if self.scalars.push(tag, point).is_err() {
            self.data_loss += 1;
        }
    }
}

/// Feeds decoded events of one file into a run.
pub struct Ingest<'a> {
    pub data: &'a mut RunIndex,
    pub limits: &'a SampleLimits,
}

fn reservoir<'m, T>(
    map: &'m mut BTreeMap<String, Reservoir<T>>,
    tag: &str,
    cap: usize,
) -> &'m mut Reservoir<T> {
    if !map.contains_key(tag) {
        map.insert(tag.to_owned(), Reservoir::new(cap));
    }
    map.get_mut(tag).expect("inserted above")
}

impl Ingest<'_> {
    fn touch(&mut self, at: Stamp) {
        self.data.records += 1;
        if self.data.last_update.is_none_or(|t| at.wall_time > t) {
            self.data.last_update = Some(at.wall_time);
        }
    }

    fn tensor(&mut self, at: Stamp, tag: String, kind: PluginKind, t: Tensor) {
        let d = &mut *self.data;
        let l = self.limits;
        match kind {
            PluginKind::Scalars => {
                if let Some(v) = t.values.first_f32() {
                    d.push_scalar(at, tag.as_bytes(), v);
                }
            }
            PluginKind::Histograms => {
                if let Some(h) = Histogram::from_tensor(&t) {
                    reservoir(&mut d.histograms, &tag, l.histograms).offer(
                        at.step,
                        at.wall_time,
                        h.into(),
                    );
                }
            }
            PluginKind::Images => {
                if let TensorValues::Bytes(b) = &t.values {
                    let dim = |i: usize| {
                        b.get(i)
                            .and_then(|s| std::str::from_utf8(s).ok())
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(0)
                    };
                    let (width, height) = (dim(0), dim(1));
                    let items = b
                        .iter()
                        .skip(2)
                        .map(|img| ImageItem {
                            width,
                            height,
                            content_type: vizjobs_events::value::sniff_image_type(img).to_owned(),
                            bytes: img.clone(),
                        })
                        .collect();
                    reservoir(&mut d.images, &tag, l.images).offer(at.step, at.wall_time, items);
                }
            }
            PluginKind::Audio => {
                if let TensorValues::Bytes(b) = &t.values {
                    // A [k, 2] tensor of (encoded audio, label) rows.
                    let cols = t.shape.get(1).copied().unwrap_or(1).max(1) as usize;
                    let items = b
                        .iter()
                        .step_by(cols)
                        .map(|clip| AudioItem {
                            content_type: "audio/wav".to_owned(),
                            bytes: clip.clone(),
                        })
                        .collect();
                    reservoir(&mut d.audio, &tag, l.audio).offer(at.step, at.wall_time, items);
                }
            }
            PluginKind::Text => {
                let md = text_markdown(&t);
                reservoir(&mut d.text, &tag, l.text).offer(at.step, at.wall_time, md);
            }
            PluginKind::PrCurves { num_thresholds } => {
                if let Some(curve) = pr_curve(&t, num_thresholds) {
                    reservoir(&mut d.pr_curves, &tag, l.pr_curves).offer(
                        at.step,
                        at.wall_time,
                        curve,
                    );
                }
            }
            PluginKind::CustomScalars => {
                if let TensorValues::Bytes(b) = &t.values
                    && let Some(layout) = b
                        .first()
                        .and_then(|s| tb::Layout::decode(s.as_slice()).ok())
                {
                    d.custom_scalars = Some(layout);
                }
            }
            PluginKind::HParams => {}
            PluginKind::KerasModel => {
                if let TensorValues::Bytes(b) = &t.values
                    && let Some(json) = b.first()
                {
                    d.graph = true;
                    let json = String::from_utf8_lossy(json).into_owned();
                    d.graphs.set_keras(json, at.step, at.wall_time);
                }
            }
            PluginKind::Other => {
                reservoir(&mut d.tensors, &tag, l.tensors).offer(at.step, at.wall_time, t);
            }
        }
    }
}

impl EventSink for Ingest<'_> {
    fn scalar(&mut self, at: Stamp, tag: &[u8], value: f32) {
        self.touch(at);
        self.data.push_scalar(at, tag, value);
    }

    fn value(&mut self, at: Stamp, value: TaggedValue) {
        self.touch(at);
        let TaggedValue { tag, plugin, data } = value;
        let kind = match plugin {
            Some(p) => {
                let kind = PluginKind::from_metadata(&p.plugin_name, &p.content);
                if kind == PluginKind::HParams {
                    self.hparams(&p.content);
                }
                self.data
                    .tag_plugins
                    .entry(tag.clone())
                    .or_insert(kind)
                    .clone()
            }
            None => self
                .data
                .tag_plugins
                .get(&tag)
                .cloned()
                .unwrap_or(PluginKind::Other),
        };
        let l = self.limits;
        let d = &mut *self.data;
        match data {
            ValueData::Histogram(h) => reservoir(&mut d.histograms, &tag, l.histograms).offer(
                at.step,
                at.wall_time,
                h.into(),
            ),
            ValueData::Image(img) => {
                let item = ImageItem {
                    width: img.width,
                    height: img.height,
                    content_type: img.content_type().to_owned(),
                    bytes: img.encoded,
                };
                reservoir(&mut d.images, &tag, l.images).offer(at.step, at.wall_time, vec![item]);
            }
            ValueData::Audio(a) => {
                let content_type = if a.content_type.is_empty() {
                    "audio/wav".to_owned()
                } else {
                    a.content_type
                };
                let item = AudioItem {
                    content_type,
                    bytes: a.encoded,
                };
                reservoir(&mut d.audio, &tag, l.audio).offer(at.step, at.wall_time, vec![item]);
            }
            ValueData::Tensor(t) => self.tensor(at, tag, kind, t),
            ValueData::MetadataOnly => {}
        }
    }

    fn file_version(&mut self, at: Stamp, _version: &str) {
        self.touch(at);
    }

    fn session_start(&mut self, at: Stamp) {
        self.touch(at);
        self.data.purge_from(at.step);
    }

    fn graph(&mut self, at: Stamp) {
        self.touch(at);
        self.data.graph = true;
    }

    fn lineage(&mut self, at: Stamp, lineage: Lineage) {
        self.touch(at);
        let merged = self.data.lineage.get_or_insert_with(RunLineage::default);
        merged.params.extend(lineage.params);
        merged.metrics.extend(lineage.metrics);
    }

    fn graph_record(&mut self, at: Stamp, record: vizjobs_events::GraphRecord) {
        self.graph(at);
        self.data.graphs.set_op_graph(record, at.step, at.wall_time);
    }

    fn run_metadata(&mut self, at: Stamp, tag: String, run_metadata: Vec<u8>) {
        self.touch(at);
        self.data.graph = true;
        self.data
            .graphs
            .set_run_metadata(tag, run_metadata, at.step, at.wall_time);
    }
}

impl Ingest<'_> {
    fn hparams(&mut self, content: &[u8]) {
        let Ok(data) = hp::HParamsPluginData::decode(content) else {
            return;
        };
        if let Some(e) = data.experiment {
            self.data.experiment = Some(e);
        }
        if let Some(s) = data.session_start_info {
            self.data.session_start = Some(s);
        }
        if let Some(e) = data.session_end_info {
            self.data.session_end = Some(e);
        }
    }
}

/// A string tensor as markdown: a scalar as is, a vector as a list, a matrix as a table.
fn text_markdown(t: &Tensor) -> String {
    let TensorValues::Bytes(b) = &t.values else {
        return String::new();
    };
    let cells: Vec<String> = b
        .iter()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    match t.shape.as_slice() {
        [] | [1] => cells.into_iter().next().unwrap_or_default(),
        [_] => cells
            .iter()
            .map(|c| format!("- {c}"))
            .collect::<Vec<_>>()
            .join("\n"),
        [_, cols, ..] => {
            let cols = (*cols).max(1) as usize;
            let mut out = String::new();
            for (i, row) in cells.chunks(cols).enumerate() {
                out.push_str(&format!("| {} |\n", row.join(" | ")));
                if i == 0 {
                    out.push_str(&format!("|{}\n", "---|".repeat(cols)));
                }
            }
            out
        }
    }
}

/// A `[6, n]` PR-curve tensor (rows tp, fp, tn, fn, precision, recall) with its thresholds.
fn pr_curve(t: &Tensor, num_thresholds: u32) -> Option<PrCurve> {
    let v = t.values.as_f64()?;
    let n = usize::try_from(*t.shape.get(1)?).ok()?;
    if t.shape.first() != Some(&6) || v.len() != 6 * n {
        return None;
    }
    let row = |i: usize| v[i * n..(i + 1) * n].to_vec();
    let steps = if num_thresholds > 1 {
        num_thresholds as usize
    } else {
        n
    };
    let thresholds = (0..n)
        .map(|i| i as f64 / (steps.max(2) - 1) as f64)
        .collect();
    Some(PrCurve {
        columns: [row(4), row(5), thresholds, row(0), row(1), row(2), row(3)],
    })
}
