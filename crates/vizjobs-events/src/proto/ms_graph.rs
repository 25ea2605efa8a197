//! MindSpore's graph messages from `anf_ir.proto` (package `mindspore.irpb`): the `GraphProto`
//! a summary's `graph_def` event holds, with its nodes, parameters, outputs and constants.
//! Field numbers are MindSpore's; only what the Graphs view shows is declared.

use super::mindspore::TensorProto;

/// `mindspore.irpb.GraphProto`: nodes in topological order.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "3")]
    pub parameters: Vec<ParameterProto>,
    #[prost(message, repeated, tag = "4")]
    pub outputs: Vec<OutputProto>,
    #[prost(message, repeated, tag = "5")]
    pub const_vals: Vec<NamedValueProto>,
}

/// `mindspore.irpb.NodeProto`. `name` is the node's id within the graph (inputs refer to it);
/// `scope` is its name scope (`Default/network-WithLossCell/...`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
    #[prost(message, repeated, tag = "1")]
    pub input: Vec<InputProto>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub op_type: String,
    #[prost(string, tag = "4")]
    pub scope: String,
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
    #[prost(message, optional, tag = "6")]
    pub output_type: Option<TypeProto>,
    #[prost(uint64, tag = "7")]
    pub output_i: u64,
    #[prost(string, tag = "8")]
    pub full_name: String,
    #[prost(string, tag = "10")]
    pub instance_name: String,
}

/// `mindspore.irpb.InputProto`: `type` 0 is a data edge, 1 a control edge.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InputProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(int32, tag = "2")]
    pub r#type: i32,
}

/// The `EdgeType` of a control edge.
pub const CONTROL_EDGE: i32 = 1;

/// `mindspore.irpb.AttributeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub value: Option<ValueProto>,
}

/// `mindspore.irpb.NamedValueProto`: a constant of the graph.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NamedValueProto {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(message, optional, tag = "2")]
    pub value: Option<ValueProto>,
}

/// `mindspore.irpb.ValueProto`: `dtype` says which field is used.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueProto {
    #[prost(int32, tag = "1")]
    pub dtype: i32,
    #[prost(bool, optional, tag = "2")]
    pub bool_val: Option<bool>,
    #[prost(int64, optional, tag = "3")]
    pub int_val: Option<i64>,
    #[prost(uint64, optional, tag = "4")]
    pub uint_val: Option<u64>,
    #[prost(float, optional, tag = "5")]
    pub float_val: Option<f32>,
    #[prost(double, optional, tag = "6")]
    pub double_val: Option<f64>,
    #[prost(string, optional, tag = "7")]
    pub str_val: Option<String>,
    #[prost(message, optional, tag = "8")]
    pub tensor_val: Option<TensorProto>,
    #[prost(bool, repeated, tag = "10")]
    pub bool_vals: Vec<bool>,
    #[prost(int64, repeated, tag = "11")]
    pub int_vals: Vec<i64>,
    #[prost(uint64, repeated, tag = "12")]
    pub uint_vals: Vec<u64>,
    #[prost(float, repeated, tag = "13")]
    pub float_vals: Vec<f32>,
    #[prost(double, repeated, tag = "14")]
    pub double_vals: Vec<f64>,
    #[prost(string, repeated, tag = "15")]
    pub str_vals: Vec<String>,
    #[prost(message, repeated, tag = "18")]
    pub values: Vec<ValueProto>,
    #[prost(message, optional, tag = "20")]
    pub type_val: Option<TypeProto>,
}

/// `mindspore.irpb.TypeProto`: a tensor type with its shape, or a tuple of types.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
    /// A `mindspore.irpb.DataType` (`DT_TENSOR` = 14, `DT_TUPLE` = 31; names of 0–13 in `DATA_TYPE_NAMES`).
    #[prost(int32, tag = "1")]
    pub data_type: i32,
    #[prost(message, optional, tag = "2")]
    pub tensor_type: Option<TensorType>,
    #[prost(message, optional, tag = "3")]
    pub sequence_type: Option<SequenceType>,
}

/// `mindspore.irpb.TypeProto.Tensor`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorType {
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

/// `mindspore.irpb.TypeProto.Sequence`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SequenceType {
    #[prost(message, repeated, tag = "1")]
    pub elem_types: Vec<TypeProto>,
}

/// `mindspore.irpb.TensorShapeProto` (note: `dim` is field 1 here, 2 in TensorFlow's).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

/// `mindspore.irpb.TensorShapeProto.Dimension`; -1 is an unknown size.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dimension {
    #[prost(int64, tag = "1")]
    pub size: i64,
    #[prost(string, tag = "2")]
    pub name: String,
}

/// `mindspore.irpb.ParameterProto`: a graph input or weight.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ParameterProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
}

/// `mindspore.irpb.OutputProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OutputProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
}
