//! MindSpore's summary `Event` (package `mindspore.irpb`): same framing and same top-level field
//! numbers 1–3 and 5 as TensorFlow's, but different `Summary.Value`, histogram and tensor
//! messages. See `shared/spec/mindspore-summary-format.md`.

#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// `MindSpore.Event:1` in the first record.
    #[prost(string, optional, tag = "3")]
    pub version: Option<String>,
    /// A serialized `GraphProto` (`anf_ir.proto`, see [`super::ms_graph`]).
    #[prost(bytes = "vec", optional, tag = "4")]
    pub graph_def: Option<Vec<u8>>,
    #[prost(message, optional, tag = "5")]
    pub summary: Option<Summary>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<Value>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(string, tag = "1")]
    pub tag: String,
    #[prost(float, optional, tag = "3")]
    pub scalar_value: Option<f32>,
    #[prost(message, optional, tag = "4")]
    pub image: Option<Image>,
    #[prost(message, optional, tag = "8")]
    pub tensor: Option<TensorProto>,
    #[prost(message, optional, tag = "9")]
    pub histogram: Option<Histogram>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Image {
    #[prost(int32, tag = "1")]
    pub height: i32,
    #[prost(int32, tag = "2")]
    pub width: i32,
    #[prost(int32, tag = "3")]
    pub colorspace: i32,
    #[prost(bytes = "vec", tag = "4")]
    pub encoded_image: Vec<u8>,
}

/// Buckets are `[left, left + width)`, the last one closed.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    #[prost(message, repeated, tag = "1")]
    pub buckets: Vec<HistogramBucket>,
    #[prost(int64, tag = "2")]
    pub nan_count: i64,
    #[prost(int64, tag = "3")]
    pub pos_inf_count: i64,
    #[prost(int64, tag = "4")]
    pub neg_inf_count: i64,
    /// Note the order: `max` is 5, `min` is 6.
    #[prost(double, tag = "5")]
    pub max: f64,
    #[prost(double, tag = "6")]
    pub min: f64,
    #[prost(double, tag = "7")]
    pub sum: f64,
    #[prost(int64, tag = "8")]
    pub count: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramBucket {
    #[prost(double, tag = "1")]
    pub left: f64,
    #[prost(double, tag = "2")]
    pub width: f64,
    #[prost(int64, tag = "3")]
    pub count: i64,
}

/// `mindspore.irpb.TensorProto` (from `anf_ir.proto`), not TensorFlow's.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// Written unpacked (one tag per dim); prost accepts both encodings.
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    #[prost(float, repeated, tag = "3")]
    pub float_data: Vec<f32>,
    #[prost(int32, repeated, tag = "4")]
    pub int32_data: Vec<i32>,
    #[prost(int64, repeated, tag = "5")]
    pub int64_data: Vec<i64>,
    #[prost(double, repeated, tag = "6")]
    pub double_data: Vec<f64>,
    #[prost(uint64, repeated, tag = "7")]
    pub uint64_data: Vec<u64>,
    #[prost(bytes = "vec", tag = "8")]
    pub raw_data: Vec<u8>,
}

/// `mindspore.irpb.DataType` names, indexed by value (`DT_UNDEFINED` = 0 … `DT_STRING` = 13).
pub const DATA_TYPE_NAMES: [&str; 14] = [
    "undefined",
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "string",
];
