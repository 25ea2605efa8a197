//! The three graph formats turned into one plain list of nodes ([`GraphModel`]).
//!
//! - TensorFlow `GraphDef` (also inside a `MetaGraphDef`): one node per `NodeDef`, its name,
//!   op, inputs and device as the file holds them; attributes rendered as short text (a large
//!   constant's values are never copied, only its type and shape); output shapes from the
//!   `_output_shapes` attribute. Nodes of the function library are listed per function.
//! - MindSpore `GraphProto`: one node per `NodeProto` (`name` is its id in the graph, `scope`
//!   its name scope, placed in the hierarchy at `scope/OpType-op<id>` as MindInsight names it),
//!   plus one node per parameter and constant that some node reads.
//! - Keras model config (JSON): one node per layer, `class_name` as its op, inputs from the
//!   layer's inbound nodes (Keras 2 and Keras 3 forms) or, in a `Sequential` model, the layer
//!   before; nested models become scopes.

use std::collections::{BTreeMap, HashSet};

use prost::Message;
use vizjobs_events::proto::{ms_graph as ms, tensorboard as tbs, tf_graph as tf};

/// Which format a graph came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GraphKind {
    /// A TensorFlow `GraphDef`.
    Tensorboard,
    /// A MindSpore `GraphProto`.
    Mindspore,
    /// A Keras model config: a conceptual graph of layers.
    Keras,
}

/// One node as the file describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelNode {
    /// The name as the file holds it (a MindSpore node's id).
    pub name: String,
    pub op: String,
    /// The inputs as the file holds them, in order (`^ctrl`, `name:N` in TensorFlow).
    pub inputs: Vec<String>,
    pub device: String,
    pub attrs: BTreeMap<String, String>,
    pub output_shapes: Vec<String>,
    /// MindSpore's `scope` field.
    pub scope: Option<String>,
    /// Where the node sits in the hierarchy: `/`-separated scopes, then its own label.
    pub path: String,
}

/// A function of a TensorFlow graph's library.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFunction {
    pub name: String,
    pub nodes: Vec<ModelNode>,
}

/// A decoded graph of any format.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphModel {
    pub kind: GraphKind,
    pub nodes: Vec<ModelNode>,
    pub functions: Vec<ModelFunction>,
}

/// Why a graph cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("the graph cannot be decoded ({0}); it may be truncated or not a graph")]
    Undecodable(String),
    #[error("the Keras model config is not valid JSON: {0}")]
    KerasJson(String),
    #[error("the Keras model config holds no layers")]
    KerasNoLayers,
}

/// An input reference of a TensorFlow node: `(source node, output index, control)`.
pub fn parse_tf_input(input: &str) -> (&str, u32, bool) {
    if let Some(source) = input.strip_prefix('^') {
        return (source, 0, true);
    }
    match input.rsplit_once(':') {
        Some((source, index)) if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) => {
            (source, index.parse().unwrap_or(0), false)
        }
        _ => (input, 0, false),
    }
}

// ---- TensorFlow

const TF_TYPES: [(i32, &str); 23] = [
    (1, "float32"),
    (2, "float64"),
    (3, "int32"),
    (4, "uint8"),
    (5, "int16"),
    (6, "int8"),
    (7, "string"),
    (8, "complex64"),
    (9, "int64"),
    (10, "bool"),
    (11, "qint8"),
    (12, "quint8"),
    (13, "qint32"),
    (14, "bfloat16"),
    (15, "qint16"),
    (16, "quint16"),
    (17, "uint16"),
    (18, "complex128"),
    (19, "float16"),
    (20, "resource"),
    (21, "variant"),
    (22, "uint32"),
    (23, "uint64"),
];

fn tf_type(t: i32) -> String {
    let base = if t > 100 { t - 100 } else { t };
    let name = TF_TYPES
        .iter()
        .find(|(v, _)| *v == base)
        .map_or_else(|| format!("type {base}"), |(_, n)| (*n).to_owned());
    if t > 100 { format!("{name}_ref") } else { name }
}

fn tf_shape(shape: &tf::TensorShape) -> String {
    if shape.unknown_rank {
        return "?".to_owned();
    }
    let dims: Vec<String> = shape
        .dim
        .iter()
        .map(|d| {
            if d.size < 0 {
                "?".to_owned()
            } else {
                d.size.to_string()
            }
        })
        .collect();
    format!("[{}]", dims.join(","))
}

fn summary_shape(shape: Option<&tbs::TensorShapeProto>) -> String {
    let dims: Vec<String> = shape
        .map(|s| s.dim.iter().map(|d| d.size.to_string()).collect())
        .unwrap_or_default();
    format!("[{}]", dims.join(","))
}

/// A tensor attribute: its type and shape, and its values when there are only a few.
fn tf_tensor(t: &tbs::TensorProto) -> String {
    const SHOWN: usize = 8;
    let head = format!(
        "{} {}",
        tf_type(t.dtype),
        summary_shape(t.tensor_shape.as_ref())
    );
    fn first<T: ToString>(values: &[T]) -> Vec<String> {
        values.iter().take(SHOWN + 1).map(T::to_string).collect()
    }
    let values: Vec<String> = if !t.float_val.is_empty() {
        first(&t.float_val)
    } else if !t.double_val.is_empty() {
        first(&t.double_val)
    } else if !t.int_val.is_empty() {
        first(&t.int_val)
    } else if !t.int64_val.is_empty() {
        first(&t.int64_val)
    } else if !t.bool_val.is_empty() {
        first(&t.bool_val)
    } else if !t.string_val.is_empty() {
        t.string_val
            .iter()
            .take(SHOWN + 1)
            .map(|v| format!("{:?}", short(&String::from_utf8_lossy(v))))
            .collect()
    } else {
        Vec::new()
    };
    if values.is_empty() {
        return head;
    }
    let more = if values.len() > SHOWN { ", …" } else { "" };
    let shown = values
        .into_iter()
        .take(SHOWN)
        .collect::<Vec<_>>()
        .join(", ");
    format!("{head} = [{shown}{more}]")
}

/// Text longer than 200 characters, cut.
fn short(text: &str) -> String {
    const MAX: usize = 200;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

fn tf_attr(a: &tf::AttrValue) -> String {
    if let Some(list) = &a.list {
        const SHOWN: usize = 16;
        let mut items: Vec<String> = Vec::new();
        items.extend(list.s.iter().map(|s| short(&String::from_utf8_lossy(s))));
        items.extend(list.i.iter().map(|v| v.to_string()));
        items.extend(list.f.iter().map(|v| v.to_string()));
        items.extend(list.b.iter().map(|v| v.to_string()));
        items.extend(list.r#type.iter().map(|&t| tf_type(t)));
        items.extend(list.shape.iter().map(tf_shape));
        items.extend(list.tensor.iter().map(tf_tensor));
        items.extend(list.func.iter().map(|f| f.name.clone()));
        let more = if items.len() > SHOWN { ", …" } else { "" };
        items.truncate(SHOWN);
        return format!("[{}{more}]", items.join(", "));
    }
    if let Some(s) = &a.s {
        return short(&String::from_utf8_lossy(s));
    }
    if let Some(i) = a.i {
        return i.to_string();
    }
    if let Some(f) = a.f {
        return f.to_string();
    }
    if let Some(b) = a.b {
        return b.to_string();
    }
    if let Some(t) = a.r#type {
        return tf_type(t);
    }
    if let Some(shape) = &a.shape {
        return tf_shape(shape);
    }
    if let Some(t) = &a.tensor {
        return tf_tensor(t);
    }
    if let Some(p) = &a.placeholder {
        return format!("${p}");
    }
    if let Some(f) = &a.func {
        return format!("function {}", f.name);
    }
    String::new()
}

fn tf_node(n: &tf::NodeDef, path_prefix: &str) -> ModelNode {
    let output_shapes = n
        .attr
        .get("_output_shapes")
        .and_then(|a| a.list.as_ref())
        .map(|l| l.shape.iter().map(tf_shape).collect())
        .unwrap_or_default();
    ModelNode {
        name: n.name.clone(),
        op: n.op.clone(),
        inputs: n.input.clone(),
        device: n.device.clone(),
        attrs: n
            .attr
            .iter()
            .map(|(k, v)| (k.clone(), tf_attr(v)))
            .collect(),
        output_shapes,
        scope: None,
        path: format!("{path_prefix}{}", n.name),
    }
}

/// The scope that holds a graph's function library in the hierarchy.
pub const FUNCTIONS_SCOPE: &str = "__function_library__";

fn from_graph_def(g: &tf::GraphDef) -> GraphModel {
    let nodes = g.node.iter().map(|n| tf_node(n, "")).collect();
    let functions = g
        .library
        .iter()
        .flat_map(|l| &l.function)
        .map(|f| {
            let name = f
                .signature
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let prefix = format!("{FUNCTIONS_SCOPE}/{name}/");
            ModelFunction {
                nodes: f.node_def.iter().map(|n| tf_node(n, &prefix)).collect(),
                name,
            }
        })
        .collect();
    GraphModel {
        kind: GraphKind::Tensorboard,
        nodes,
        functions,
    }
}

/// Decodes a serialized `GraphDef`.
pub fn decode_graph_def(bytes: &[u8]) -> Result<GraphModel, ModelError> {
    let g = tf::GraphDef::decode(bytes).map_err(|e| ModelError::Undecodable(e.to_string()))?;
    Ok(from_graph_def(&g))
}

/// Decodes a serialized `MetaGraphDef`'s graph.
pub fn decode_meta_graph_def(bytes: &[u8]) -> Result<GraphModel, ModelError> {
    let m = tf::MetaGraphDef::decode(bytes).map_err(|e| ModelError::Undecodable(e.to_string()))?;
    Ok(from_graph_def(&m.graph_def.unwrap_or_default()))
}

// ---- MindSpore

fn ms_type_name(t: i32) -> String {
    vizjobs_events::proto::mindspore::DATA_TYPE_NAMES
        .get(usize::try_from(t).unwrap_or(usize::MAX))
        .map_or_else(|| format!("type {t}"), |n| (*n).to_owned())
}

/// The shapes a MindSpore type describes: one for a tensor, one per element of a tuple.
fn ms_shapes(t: &ms::TypeProto, out: &mut Vec<String>) {
    if let Some(tensor) = &t.tensor_type {
        let dims: Vec<String> = tensor
            .shape
            .iter()
            .flat_map(|s| &s.dim)
            .map(|d| {
                if d.size < 0 {
                    "?".to_owned()
                } else {
                    d.size.to_string()
                }
            })
            .collect();
        out.push(format!("[{}]", dims.join(",")));
    } else if let Some(seq) = &t.sequence_type {
        for e in &seq.elem_types {
            ms_shapes(e, out);
        }
    }
}

fn ms_value(v: &ms::ValueProto) -> String {
    if let Some(b) = v.bool_val {
        return b.to_string();
    }
    if let Some(i) = v.int_val {
        return i.to_string();
    }
    if let Some(u) = v.uint_val {
        return u.to_string();
    }
    if let Some(f) = v.float_val {
        return f.to_string();
    }
    if let Some(d) = v.double_val {
        return d.to_string();
    }
    if let Some(s) = &v.str_val {
        return short(s);
    }
    if let Some(t) = &v.tensor_val {
        let dims: Vec<String> = t.dims.iter().map(|d| d.to_string()).collect();
        return format!("{} [{}]", ms_type_name(t.data_type), dims.join(","));
    }
    let mut items: Vec<String> = Vec::new();
    items.extend(v.bool_vals.iter().map(|x| x.to_string()));
    items.extend(v.int_vals.iter().map(|x| x.to_string()));
    items.extend(v.uint_vals.iter().map(|x| x.to_string()));
    items.extend(v.float_vals.iter().map(|x| x.to_string()));
    items.extend(v.double_vals.iter().map(|x| x.to_string()));
    items.extend(v.str_vals.iter().map(|x| short(x)));
    items.extend(v.values.iter().map(ms_value));
    if !items.is_empty() {
        items.truncate(16);
        return format!("[{}]", items.join(", "));
    }
    if let Some(t) = &v.type_val {
        return ms_type_name(t.data_type);
    }
    String::new()
}

/// Decodes a serialized MindSpore `GraphProto`.
pub fn decode_mindspore(bytes: &[u8]) -> Result<GraphModel, ModelError> {
    let g = ms::GraphProto::decode(bytes).map_err(|e| ModelError::Undecodable(e.to_string()))?;
    let mut nodes = Vec::with_capacity(g.node.len() + g.parameters.len());
    let mut node_names: HashSet<&str> = HashSet::new();
    for n in &g.node {
        node_names.insert(&n.name);
    }
    // Parameters and constants become nodes in the scope of their first reader.
    let mut reader_scope: BTreeMap<&str, &str> = BTreeMap::new();
    for n in &g.node {
        for i in &n.input {
            if !node_names.contains(i.name.as_str()) {
                reader_scope.entry(&i.name).or_insert(&n.scope);
            }
        }
    }
    let in_scope = |scope: &str, label: &str| {
        if scope.is_empty() {
            label.to_owned()
        } else {
            format!("{scope}/{label}")
        }
    };
    for p in &g.parameters {
        let mut output_shapes = Vec::new();
        if let Some(t) = &p.r#type {
            ms_shapes(t, &mut output_shapes);
        }
        let scope = reader_scope.get(p.name.as_str()).copied().unwrap_or("");
        nodes.push(ModelNode {
            name: p.name.clone(),
            op: "Parameter".to_owned(),
            output_shapes,
            path: in_scope(scope, &p.name),
            ..ModelNode::default()
        });
    }
    for c in &g.const_vals {
        if !reader_scope.contains_key(c.key.as_str()) {
            continue;
        }
        let scope = reader_scope.get(c.key.as_str()).copied().unwrap_or("");
        let mut attrs = BTreeMap::new();
        if let Some(v) = &c.value {
            attrs.insert("value".to_owned(), ms_value(v));
        }
        nodes.push(ModelNode {
            name: c.key.clone(),
            op: "Const".to_owned(),
            attrs,
            path: in_scope(scope, &c.key),
            ..ModelNode::default()
        });
    }
    for n in &g.node {
        let mut output_shapes = Vec::new();
        if let Some(t) = &n.output_type {
            ms_shapes(t, &mut output_shapes);
        }
        let attrs = n
            .attribute
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.value.as_ref().map(ms_value).unwrap_or_default(),
                )
            })
            .collect();
        let inputs = n
            .input
            .iter()
            .map(|i| {
                if i.r#type == ms::CONTROL_EDGE {
                    format!("^{}", i.name)
                } else {
                    i.name.clone()
                }
            })
            .collect();
        nodes.push(ModelNode {
            name: n.name.clone(),
            op: n.op_type.clone(),
            inputs,
            device: String::new(),
            attrs,
            output_shapes,
            scope: Some(n.scope.clone()),
            path: in_scope(&n.scope, &format!("{}-op{}", n.op_type, n.name)),
        });
    }
    Ok(GraphModel {
        kind: GraphKind::Mindspore,
        nodes,
        functions: Vec::new(),
    })
}

// ---- Keras

/// Layer names an inbound-nodes value refers to, in order: Keras 2 writes
/// `[[["layer", 0, 0, {}], ...]]`, Keras 3 `[{"args": [{"config": {"keras_history": ["layer", 0, 0]}}]}]`.
fn keras_inbound(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Array(items) => {
            if let [
                serde_json::Value::String(name),
                serde_json::Value::Number(_),
                ..,
            ] = items.as_slice()
            {
                out.push(name.clone());
                return;
            }
            for item in items {
                keras_inbound(item, out);
            }
        }
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Array(h)) = map.get("keras_history")
                && let Some(serde_json::Value::String(name)) = h.first()
            {
                out.push(name.clone());
                return;
            }
            for v in map.values() {
                keras_inbound(v, out);
            }
        }
        _ => {}
    }
}

fn keras_layers(model: &serde_json::Value, prefix: &str, out: &mut Vec<ModelNode>) {
    let config = model.get("config").unwrap_or(model);
    let Some(layers) = config.get("layers").and_then(|l| l.as_array()) else {
        return;
    };
    let sequential = model.get("class_name").and_then(|c| c.as_str()) == Some("Sequential");
    let mut previous: Option<String> = None;
    for layer in layers {
        let class = layer
            .get("class_name")
            .and_then(|c| c.as_str())
            .unwrap_or("Layer")
            .to_owned();
        let layer_config = layer.get("config");
        let name = layer
            .get("name")
            .and_then(|n| n.as_str())
            .or_else(|| {
                layer_config
                    .and_then(|c| c.get("name"))
                    .and_then(|n| n.as_str())
            })
            .unwrap_or("layer")
            .to_owned();
        let mut inputs = Vec::new();
        if let Some(inbound) = layer.get("inbound_nodes") {
            keras_inbound(inbound, &mut inputs);
        }
        if inputs.is_empty()
            && sequential
            && let Some(p) = &previous
        {
            inputs.push(p.clone());
        }
        let inputs: Vec<String> = inputs.into_iter().map(|i| format!("{prefix}{i}")).collect();
        let full_name = format!("{prefix}{name}");
        let nested = layer_config.and_then(|c| c.get("layers")).is_some();
        if nested {
            keras_layers(layer, &format!("{full_name}/"), out);
        }
        let mut attrs = BTreeMap::new();
        let mut output_shapes = Vec::new();
        if let Some(serde_json::Value::Object(c)) = layer_config {
            for (k, v) in c {
                if k == "layers" || k == "name" || k == "input_layers" || k == "output_layers" {
                    continue;
                }
                let text = match v {
                    serde_json::Value::String(s) => short(s),
                    other => short(&other.to_string()),
                };
                if (k == "batch_input_shape" || k == "batch_shape") && !v.is_null() {
                    output_shapes.push(text.replace("null", "?").replace(' ', ""));
                }
                attrs.insert(k.clone(), text);
            }
        }
        out.push(ModelNode {
            name: full_name.clone(),
            op: class,
            inputs,
            attrs,
            output_shapes,
            path: full_name.clone(),
            ..ModelNode::default()
        });
        previous = Some(full_name);
    }
}

/// Parses a Keras model config (`model.to_json()`) into a graph of layers.
pub fn decode_keras(json: &str) -> Result<GraphModel, ModelError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| ModelError::KerasJson(e.to_string()))?;
    let mut nodes = Vec::new();
    keras_layers(&value, "", &mut nodes);
    if nodes.is_empty() {
        return Err(ModelError::KerasNoLayers);
    }
    Ok(GraphModel {
        kind: GraphKind::Keras,
        nodes,
        functions: Vec::new(),
    })
}

/// Per-node compute time and memory from a serialized `RunMetadata`'s step stats, by node name
/// (summed over devices and executions).
pub fn decode_step_stats(bytes: &[u8]) -> Result<BTreeMap<String, NodeStats>, ModelError> {
    let m = tf::RunMetadata::decode(bytes).map_err(|e| ModelError::Undecodable(e.to_string()))?;
    let mut out: BTreeMap<String, NodeStats> = BTreeMap::new();
    for dev in m.step_stats.iter().flat_map(|s| &s.dev_stats) {
        for n in &dev.node_stats {
            let s = out.entry(n.node_name.clone()).or_default();
            s.compute_micros += n.all_end_rel_micros.max(0) as f64;
            s.memory_bytes += n.memory.iter().map(|m| m.total_bytes.max(0)).sum::<i64>();
            if s.device.is_empty() {
                s.device = dev.device.clone();
            }
        }
    }
    Ok(out)
}

/// What a `RunMetadata` says of one node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeStats {
    pub compute_micros: f64,
    pub memory_bytes: i64,
    pub device: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_inputs_parse_control_and_output_forms() {
        assert_eq!(parse_tf_input("a/b"), ("a/b", 0, false));
        assert_eq!(parse_tf_input("a/b:2"), ("a/b", 2, false));
        assert_eq!(parse_tf_input("^a/b"), ("a/b", 0, true));
        assert_eq!(parse_tf_input("x:"), ("x:", 0, false));
        assert_eq!(parse_tf_input("x:y"), ("x:y", 0, false));
    }

    #[test]
    fn keras_inbound_forms() {
        let k2: serde_json::Value =
            serde_json::from_str(r#"[[["in", 0, 0, {}], ["other", 1, 0, {}]]]"#)
                .unwrap_or_default();
        let mut out = Vec::new();
        keras_inbound(&k2, &mut out);
        assert_eq!(out, ["in", "other"]);
        let k3: serde_json::Value = serde_json::from_str(
            r#"[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["input_layer", 0, 0]}}], "kwargs": {}}]"#,
        )
        .unwrap_or_default();
        let mut out = Vec::new();
        keras_inbound(&k3, &mut out);
        assert_eq!(out, ["input_layer"]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode_graph_def(&[0x0a, 0xff, 0xff]).is_err());
        assert!(decode_mindspore(&[0x0a, 0x05, 0x01]).is_err());
        assert!(decode_keras("{").is_err());
        assert!(matches!(decode_keras("{}"), Err(ModelError::KerasNoLayers)));
    }
}
