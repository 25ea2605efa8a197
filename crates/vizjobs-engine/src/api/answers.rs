//! The data API's answers and queries as types: what the handlers serialise, and what the
//! OpenAPI document ([`super::DataApiDoc`]) describes, so the contract is written once.
//!
//! Two rules of the wire format shape these types:
//! - floats go through [`Num`], which writes NaN and ±Inf as the strings `"NaN"`, `"Infinity"`,
//!   `"-Infinity"`;
//! - the fields of every object are declared in alphabetical order, the order the answers have
//!   always had (they used to be built as `serde_json` maps, which sort their keys).
//!
//! Series are arrays of `[step, wall_time, item]` rows ([`ScalarRow`], [`HistogramRow`], ...),
//! described as tuples (`prefixItems`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, ArrayItems, ObjectBuilder, OneOfBuilder,
};
use utoipa::openapi::{Ref, RefOr, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

pub use crate::run::{Problem, ProblemKind, RunFormat};

/// A float as the data API writes it: a JSON number, or the string `"NaN"`, `"Infinity"` or
/// `"-Infinity"` for a value JSON cannot hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl From<f64> for Num {
    fn from(x: f64) -> Self {
        Num(x)
    }
}

impl From<f32> for Num {
    fn from(x: f32) -> Self {
        Num(f64::from(x))
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match super::json::non_finite(self.0) {
            None => serializer.serialize_f64(self.0),
            Some(text) => serializer.serialize_str(text),
        }
    }
}

impl PartialSchema for Num {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["NaN", "Infinity", "-Infinity"])),
            )
            .description(Some(
                "A float; NaN and infinities as the strings \"NaN\", \"Infinity\", \"-Infinity\"",
            ))
            .into()
    }
}

impl ToSchema for Num {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Num")
    }
}

/// The schema of one position of a row: a reference to a named schema, a plain type inline, or
/// an array of a named schema.
fn named<T: ToSchema>(description: &str) -> Schema {
    AllOfBuilder::new()
        .item(Ref::from_schema_name(T::name()))
        .description(Some(description))
        .into()
}

fn list_of<T: ToSchema>(description: &str) -> Schema {
    ArrayBuilder::new()
        .items(Ref::from_schema_name(T::name()))
        .description(Some(description))
        .into()
}

fn inline<T: PartialSchema>(description: &str) -> Schema {
    match T::schema() {
        RefOr::T(Schema::Object(o)) => {
            let mut o = o;
            o.description = Some(description.to_owned());
            Schema::Object(o)
        }
        RefOr::T(Schema::Array(mut a)) => {
            a.description = Some(description.to_owned());
            Schema::Array(a)
        }
        RefOr::T(other) => other,
        RefOr::Ref(r) => AllOfBuilder::new()
            .item(r)
            .description(Some(description))
            .into(),
    }
}

/// A tuple struct serialised as a fixed-length array, described as a tuple (`prefixItems`).
/// Each position is `named Type` (a named schema, referenced), `list_of Type` (an array of one)
/// or `inline Type`; the Rust type of a `list_of` position is a `Vec` of it.
macro_rules! row {
    (
        $(#[$doc:meta])*
        $name:ident ( $( $how:ident $ty:ty : $desc:literal ),+ $(,)? )
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct $name($(pub row!(@type $how $ty)),+);

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let items = [$( $how::<$ty>($desc) ),+];
                let n = items.len();
                ArrayBuilder::new()
                    .prefix_items(items)
                    .items(ArrayItems::False)
                    .min_items(Some(n))
                    .max_items(Some(n))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }

            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                $( row!(@collect $how $ty, schemas); )+
            }
        }
    };
    (@type list_of $ty:ty) => { Vec<$ty> };
    (@type $how:ident $ty:ty) => { $ty };
    (@collect list_of $ty:ty, $schemas:ident) => {
        row!(@collect named $ty, $schemas);
    };
    (@collect named $ty:ty, $schemas:ident) => {
        $schemas.push((<$ty as ToSchema>::name().into_owned(), <$ty as PartialSchema>::schema()));
        <$ty as ToSchema>::schemas($schemas);
    };
    (@collect inline $ty:ty, $schemas:ident) => {
        <$ty as ToSchema>::schemas($schemas);
    };
}

// ---- data/runs

/// Whether a run is readable (`data/runs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// The first pass over the run is not over.
    Loading,
    Ready,
    /// Nothing readable yet, or an `io_error` reported now (storage unreachable, a file gone).
    Error,
}

/// One run of the logdir (`data/runs`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RunInfo {
    /// Records (or spans of bytes) lost to damage.
    pub data_loss: u64,
    pub format: RunFormat,
    /// Wall time of the newest event, or null before any.
    #[schema(required = true)]
    pub last_update: Option<Num>,
    pub name: String,
    /// At most 100 distinct ones kept per run.
    pub problems: Vec<Problem>,
    pub status: RunStatus,
}

// ---- data/tags

/// The tags of one run, per plugin, each list sorted (`data/tags`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct RunTags {
    /// Audio tags, whose samples `data/images` answers.
    pub audio: Vec<String>,
    pub custom_scalars: bool,
    pub graph: bool,
    pub histograms: Vec<String>,
    pub hparams: bool,
    pub images: Vec<String>,
    pub pr_curves: Vec<String>,
    pub scalars: Vec<String>,
    pub tensors: Vec<String>,
    pub text: Vec<String>,
}

// ---- data/scalars

row! {
    /// One point of a scalar series: `[step, wall_time, value]`.
    ScalarRow(inline i64: "step", named Num: "wall_time, seconds since the epoch", named Num: "value, as logged (an f32)")
}

// ---- data/histograms

row! {
    /// One histogram bucket: `[left, right, count]`.
    Bucket(named Num: "left edge", named Num: "right edge", named Num: "count")
}

row! {
    /// One histogram: `[step, wall_time, buckets]`.
    HistogramRow(inline i64: "step", named Num: "wall_time", list_of Bucket: "buckets")
}

// ---- data/images

/// One image or audio sample (`data/images`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ImageEntry {
    /// As sniffed from an image's bytes; as the writer gave it for audio (`audio/wav` if none).
    pub content_type: String,
    /// 0 for audio.
    pub height: u32,
    /// The sample's position among the step's samples.
    pub index: usize,
    pub step: i64,
    /// The bytes, relative to the base: `data/blob?run=..&tag=..&step=..&index=..`.
    pub url: String,
    pub wall_time: Num,
    /// 0 for audio.
    pub width: u32,
}

// ---- data/text

row! {
    /// One text summary: `[step, wall_time, markdown]`.
    TextRow(inline i64: "step", named Num: "wall_time", inline String: "markdown (a string tensor with several elements as a table or list)")
}

// ---- data/pr_curves

/// The columns of one PR curve, one entry per threshold.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PrCurveColumns {
    #[serde(rename = "fn")]
    #[schema(rename = "fn")]
    pub false_negatives: Vec<Num>,
    #[serde(rename = "fp")]
    #[schema(rename = "fp")]
    pub false_positives: Vec<Num>,
    pub precision: Vec<Num>,
    pub recall: Vec<Num>,
    pub thresholds: Vec<Num>,
    #[serde(rename = "tn")]
    #[schema(rename = "tn")]
    pub true_negatives: Vec<Num>,
    #[serde(rename = "tp")]
    #[schema(rename = "tp")]
    pub true_positives: Vec<Num>,
}

row! {
    /// One PR curve: `[step, wall_time, columns]`.
    PrCurveRow(inline i64: "step", named Num: "wall_time", named PrCurveColumns: "the curve")
}

// ---- data/tensors

/// A tensor's values, flattened in row-major order: all of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TensorValues {
    Float(Vec<Num>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    /// Byte strings, as UTF-8 (invalid sequences replaced).
    Text(Vec<String>),
}

/// One tensor.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TensorEntry {
    /// e.g. `float32`, `int64`, `string`.
    pub dtype: String,
    pub shape: Vec<i64>,
    pub values: TensorValues,
}

row! {
    /// One tensor: `[step, wall_time, tensor]`.
    TensorRow(inline i64: "step", named Num: "wall_time", named TensorEntry: "the tensor")
}

// ---- data/hparams

/// The type of a hyperparameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HparamType {
    String,
    Bool,
    Float64,
    Unset,
}

/// A hyperparameter of the experiment.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HparamInfo {
    pub name: String,
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: HparamType,
}

/// A metric of the experiment: a scalar tag.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MetricInfo {
    pub tag: String,
}

/// The value of a hyperparameter in a session.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum HparamValue {
    Number(Num),
    Text(String),
    Bool(bool),
    /// The writer gave no value.
    Null,
}

impl HparamValue {
    /// The type this value is listed with when no experiment record gives the types: what its
    /// JSON is (so a non-finite number, written as a string, counts as a string).
    pub fn wire_type(&self) -> HparamType {
        match self {
            HparamValue::Text(_) => HparamType::String,
            HparamValue::Number(n) if !n.0.is_finite() => HparamType::String,
            HparamValue::Bool(_) => HparamType::Bool,
            HparamValue::Number(_) | HparamValue::Null => HparamType::Float64,
        }
    }
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Success,
    Failure,
    Running,
    Unknown,
}

/// One session: a run with session info or MindSpore lineage.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Hyperparameter values by name.
    pub hparams: BTreeMap<String, HparamValue>,
    /// The last value of each metric's scalar tag in the session's run or below it.
    pub metrics: BTreeMap<String, Num>,
    pub run: String,
    pub status: SessionStatus,
}

/// The hparams of the logdir (`data/hparams`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Hparams {
    /// From the runs' experiment records, then the hparams the sessions use that no record
    /// describes (MindSpore lineage settings among them), typed by their values.
    pub hparams: Vec<HparamInfo>,
    pub metrics: Vec<MetricInfo>,
    pub sessions: Vec<SessionInfo>,
}

// ---- data/custom_scalars

/// One chart of the custom-scalars layout.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LayoutChart {
    /// Regular expressions of scalar tags (of a margin chart: every value, lower and upper tag).
    pub tags: Vec<String>,
    pub title: String,
    /// Present for a margin chart: each series' value tag drawn with a band between its lower
    /// and upper tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<Vec<MarginSeries>>,
}

/// One series of a margin chart: exact scalar tag names.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MarginSeries {
    pub value: String,
    pub lower: String,
    pub upper: String,
}

/// One category of the custom-scalars layout.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LayoutCategory {
    pub charts: Vec<LayoutChart>,
    pub title: String,
}

/// The custom-scalars layout (`data/custom_scalars`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CustomScalars {
    pub categories: Vec<LayoutCategory>,
}

// ---- data/config

/// Settings for the page (`data/config`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DashboardConfig {
    /// The job's type; null in `vizjobs board`, which serves no job.
    #[schema(required = true)]
    pub job_type: Option<vizjobs_api::JobType>,
    pub reload_interval_secs: f64,
    pub title: String,
}

// ---- data/logdir

/// Whether the logdir can be listed (`data/logdir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogdirStatus {
    /// The first pass is not over.
    Loading,
    Ready,
    /// The logdir itself cannot be listed (missing folder, storage unreachable, access denied).
    Error,
}

/// The logdir as a whole (`data/logdir`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LogdirState {
    pub bytes_read: u64,
    /// Size of every event file at the last listing.
    pub bytes_total: u64,
    /// Why the logdir cannot be listed, or null.
    #[schema(required = true)]
    pub error: Option<String>,
    pub files: usize,
    pub runs: usize,
    pub status: LogdirStatus,
}

// ---- data/graphs, data/graph, data/graph/view, data/graph/search, data/graph/node

pub use crate::graph::GraphKind;

/// Which of a run's graphs a `data/graph…` request reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GraphSelector {
    /// The op graph: a TensorFlow `GraphDef` or a MindSpore `GraphProto` (the default).
    Op,
    /// The Keras model config, as a graph of layers.
    Keras,
}

/// A graph a run holds (`data/graphs`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphSummary {
    /// Why the graph cannot be shown (undecodable, truncated), or null.
    #[schema(required = true)]
    pub error: Option<String>,
    pub kind: GraphKind,
    /// Nodes in the graph (0 when it cannot be decoded).
    pub nodes: usize,
    pub step: i64,
    pub wall_time: Num,
}

/// A `RunMetadata` a run holds (`data/graphs`): per-node compute time and memory of a step.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RunMetadataSummary {
    pub step: i64,
    pub tag: String,
    pub wall_time: Num,
}

/// The graphs of one run (`data/graphs`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RunGraphs {
    /// The Keras model config, or null.
    #[schema(required = true)]
    pub keras: Option<GraphSummary>,
    /// The op graph, or null.
    #[schema(required = true)]
    pub op: Option<GraphSummary>,
    pub run: String,
    pub run_metadata: Vec<RunMetadataSummary>,
}

/// One node exactly as the file holds it (`data/graph`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphNode {
    /// Attributes rendered as short text (types, shapes, small constants; a large tensor only
    /// as its type and shape).
    pub attrs: BTreeMap<String, String>,
    pub device: String,
    /// In file order, in the file's form: `name`, `name:N` (output N), `^name` (control).
    pub inputs: Vec<String>,
    /// As in the file (a MindSpore node's id within the graph).
    pub name: String,
    pub op: String,
    /// Shapes of the outputs (`[?,224,224,3]`), where the file records them.
    pub output_shapes: Vec<String>,
    /// MindSpore's `scope` field; null for other formats.
    #[schema(required = true)]
    pub scope: Option<String>,
}

/// A function of a TensorFlow graph's library.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphFunction {
    pub name: String,
    pub nodes: Vec<GraphNode>,
}

/// A run's graph as a list of nodes (`data/graph`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphAnswer {
    pub functions: Vec<GraphFunction>,
    pub kind: GraphKind,
    pub nodes: Vec<GraphNode>,
    /// Index of the first node answered (`offset`).
    pub offset: usize,
    /// Nodes in the graph.
    pub total: usize,
}

/// What a visible item of a graph view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GraphItemKind {
    Op,
    /// A name scope.
    Scope,
    /// Siblings that differ only in a trailing number (`conv_1` … `conv_9`).
    Series,
}

/// Compute time and memory from a `RunMetadata`, summed over the ops of an item.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphStats {
    pub compute_micros: Num,
    pub memory_bytes: i64,
}

/// A visible item of a graph view: an op, or a scope or series (expanded or not).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphItem {
    /// Scopes, series and ops directly inside (0 for an op).
    pub child_count: u32,
    /// Inputs naming no node of the graph (at most 10), as written.
    pub dangling_inputs: Vec<String>,
    /// The device, or "" when none or (for a group) its ops differ.
    pub device: String,
    pub expanded: bool,
    /// `o:<name>` (op), `f:<path>` (node of a function), `g:<path>` (scope), `s:…` (series).
    pub id: String,
    pub kind: GraphItemKind,
    pub label: String,
    /// Ops inside (1 for an op).
    pub node_count: u32,
    /// The op type; for a group, the most frequent one inside.
    pub op: String,
    /// The first output's shape, where known.
    #[schema(required = true)]
    pub output_shape: Option<String>,
    /// The id of the expanded group holding the item; null at the top level.
    #[schema(required = true)]
    pub parent: Option<String>,
    /// With `stats=<tag>`: what the run metadata says of the ops inside, or null.
    #[schema(required = true)]
    pub stats: Option<GraphStats>,
}

/// Op-level edges between two visible items, merged.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphEdge {
    /// A control dependency (`^input`).
    pub control: bool,
    /// Op-level edges merged into this one.
    pub count: u32,
    /// The tensor shape, when every merged edge carries the same known one.
    #[schema(required = true)]
    pub shape: Option<String>,
    pub source: String,
    pub target: String,
}

/// What is visible with some groups expanded (`data/graph/view`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphView {
    pub edges: Vec<GraphEdge>,
    /// Top-level items first, then the children of each expanded group, breadth first.
    pub items: Vec<GraphItem>,
    pub kind: GraphKind,
    /// Nodes in the whole graph.
    pub total_nodes: usize,
    /// Some expanded groups were answered collapsed: the view would have grown too large.
    pub truncated: bool,
}

/// A node whose name matches a search (`data/graph/search`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphSearchHit {
    pub id: String,
    pub name: String,
    pub op: String,
    /// The groups to expand to see it, top down.
    pub path: Vec<String>,
}

/// The answer of `data/graph/search`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphSearch {
    pub hits: Vec<GraphSearchHit>,
    /// All matches, of which `hits` are the best.
    pub total: usize,
}

/// One input of a node, resolved (`data/graph/node`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphNodeInput {
    pub control: bool,
    /// As written in the file.
    pub input: String,
    #[schema(required = true)]
    pub shape: Option<String>,
    /// The id of the node it names, or null when there is no such node (a dangling input).
    #[schema(required = true)]
    pub source: Option<String>,
}

/// A node reading one of this node's outputs.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphNodeOutput {
    pub control: bool,
    pub id: String,
    pub name: String,
}

/// One node with its neighbours (`data/graph/node`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GraphNodeDetail {
    pub attrs: BTreeMap<String, String>,
    pub device: String,
    pub id: String,
    pub inputs: Vec<GraphNodeInput>,
    pub name: String,
    pub op: String,
    pub output_shapes: Vec<String>,
    pub outputs: Vec<GraphNodeOutput>,
    /// The groups holding it, top down.
    pub path: Vec<String>,
    #[schema(required = true)]
    pub scope: Option<String>,
    #[schema(required = true)]
    pub stats: Option<GraphStats>,
}

/// The query of `data/graph`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    pub run: String,
    pub kind: Option<GraphSelector>,
    /// Answer nodes from this index on (default 0).
    pub offset: Option<u64>,
    /// Answer at most this many nodes (default all).
    pub limit: Option<u64>,
}

/// The query of `data/graph/view`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphViewQuery {
    pub run: String,
    pub kind: Option<GraphSelector>,
    /// The expanded groups' ids as a JSON array of strings (default none: the top level).
    pub expanded: Option<String>,
    /// A run-metadata tag whose compute time and memory to add to the items.
    pub stats: Option<String>,
}

/// The query of `data/graph/search`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphSearchQuery {
    pub run: String,
    pub kind: Option<GraphSelector>,
    /// Matched case-insensitively anywhere in a node's hierarchical name.
    pub q: String,
    /// At most this many hits (default 50, at most 1000).
    pub limit: Option<u32>,
}

/// The query of `data/graph/node`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphNodeQuery {
    pub run: String,
    pub kind: Option<GraphSelector>,
    /// The node's id (`o:<name>`) or its name.
    pub node: String,
    pub stats: Option<String>,
}

// ---- errors

/// The body of every 400 and 404 of the data API.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DataErrorBody {
    pub error: String,
}

// ---- queries (documentation of what the handlers read with `Params`)

/// A run and one of its tags.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunTagQuery {
    pub run: String,
    pub tag: String,
}

/// How `data/scalars` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScalarFormat {
    /// `[[step, wall_time, value], ...]` (the default).
    Json,
    /// `text/csv`, header `step,wall_time,value`.
    Csv,
    /// `application/vnd.vizjobs.scalar-columns`: three little-endian columns (docs/DATA_API.md).
    Binary,
}

/// The query of `data/scalars`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScalarsQuery {
    pub run: String,
    pub tag: String,
    /// Downsample to about this many points, keeping each bucket's first, last, min and max.
    pub points: Option<u32>,
    /// Only steps after this one.
    pub since_step: Option<i64>,
    /// Only steps from this one (inclusive), for zooming at full resolution.
    pub start_step: Option<i64>,
    /// Only steps up to this one (inclusive).
    pub end_step: Option<i64>,
    pub format: Option<ScalarFormat>,
}

/// The form of `data/scalars_multirun` (`application/x-www-form-urlencoded`). Every field but
/// `runs` may be given once, here or in the query string.
#[derive(Debug, Clone, ToSchema)]
pub struct MultirunForm {
    pub tag: String,
    /// Run names, the field repeated once per run (`runs=a&runs=b`); or give `run_regex`.
    pub runs: Option<Vec<String>>,
    /// A regular expression (Rust syntax) searched in every run's name, instead of `runs`;
    /// empty selects every run.
    pub run_regex: Option<String>,
    /// Downsample each run's series to about this many points, keeping each bucket's first,
    /// last, min and max.
    pub points: Option<u32>,
    /// Only steps after this one.
    pub since_step: Option<i64>,
    /// Only steps from this one (inclusive), for zooming at full resolution.
    pub start_step: Option<i64>,
    /// Only steps up to this one (inclusive).
    pub end_step: Option<i64>,
    /// `json` (the default) or `binary`
    /// (`application/vnd.vizjobs.scalar-columns-multirun`, docs/DATA_API.md).
    pub format: Option<String>,
}

/// The query of `data/blob`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlobQuery {
    pub run: String,
    pub tag: String,
    pub step: i64,
    /// The sample's index within the step (default 0).
    pub index: Option<u32>,
}

/// The query of `data/custom_scalars`.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomScalarsQuery {
    /// Only this run's layout; every run's when absent.
    pub run: Option<String>,
}
