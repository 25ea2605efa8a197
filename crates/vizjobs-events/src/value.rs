//! Format-neutral decoded values: what a TensorBoard or MindSpore summary value means, with the
//! protobuf details (typed value fields, packed tensor bytes, bucket conventions) resolved.

use crate::proto::{mindspore as ms, tensorboard as tb};

/// When an event happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    /// Seconds since the epoch.
    pub wall_time: f64,
    pub step: i64,
}

/// The summary metadata that says which plugin owns a tag.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PluginInfo {
    pub plugin_name: String,
    /// Plugin-specific serialized content (e.g. `PrCurvePluginData`, `HParamsPluginData`).
    pub content: Vec<u8>,
    pub display_name: String,
    pub description: String,
}

/// A non-scalar summary value with its tag.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedValue {
    pub tag: String,
    /// Present when the writer attached metadata (usually only on a tag's first value).
    pub plugin: Option<PluginInfo>,
    pub data: ValueData,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueData {
    Histogram(Histogram),
    Image(ImageData),
    Audio(AudioData),
    Tensor(Tensor),
    /// Metadata and nothing else (e.g. the hparams plugin's session records).
    MetadataOnly,
}

/// Buckets as `[left, right, count]`, plus the non-finite counts MindSpore reports.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histogram {
    pub buckets: Vec<[f64; 3]>,
    pub nan_count: i64,
    pub pos_inf_count: i64,
    pub neg_inf_count: i64,
}

impl Histogram {
    /// Sum of the bucket counts plus the non-finite counts.
    pub fn total_count(&self) -> f64 {
        self.buckets.iter().map(|b| b[2]).sum::<f64>()
            + (self.nan_count + self.pos_inf_count + self.neg_inf_count) as f64
    }

    /// A TF1 `HistogramProto`: bucket `i` spans `(limit[i-1], limit[i]]`. The first bucket's
    /// lower edge is not stored: it is the observed min (or the first limit when that bucket is
    /// empty and lies below the min, as tensorboardX writes). TensorFlow closes the last bucket
    /// with a `DBL_MAX` sentinel, replaced by the observed max.
    pub fn from_tf(h: &tb::HistogramProto) -> Self {
        let n = h.bucket.len().min(h.bucket_limit.len());
        let buckets = (0..n)
            .map(|i| {
                let limit = h.bucket_limit[i];
                let left = if i == 0 {
                    h.min.min(limit)
                } else {
                    h.bucket_limit[i - 1]
                };
                let right = if i + 1 == n && (limit.is_nan() || limit.abs() >= 1e300) {
                    h.max
                } else {
                    limit
                };
                [left, right, h.bucket[i]]
            })
            .collect();
        Histogram {
            buckets,
            ..Default::default()
        }
    }

    /// A TF2 `k×3` tensor of `[left, right, count]` rows.
    pub fn from_tensor(t: &Tensor) -> Option<Self> {
        let values = t.values.as_f64()?;
        if t.shape.len() != 2 || t.shape[1] != 3 {
            return (values.is_empty()).then(Histogram::default);
        }
        let buckets = values.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        Some(Histogram {
            buckets,
            ..Default::default()
        })
    }

    /// A MindSpore histogram: buckets `[left, left + width)`.
    pub fn from_mindspore(h: &ms::Histogram) -> Self {
        Histogram {
            buckets: h
                .buckets
                .iter()
                .map(|b| [b.left, b.left + b.width, b.count as f64])
                .collect(),
            nan_count: h.nan_count,
            pos_inf_count: h.pos_inf_count,
            neg_inf_count: h.neg_inf_count,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageData {
    pub width: u32,
    pub height: u32,
    pub encoded: Vec<u8>,
}

impl ImageData {
    /// The MIME type, from the encoded bytes' magic number.
    pub fn content_type(&self) -> &'static str {
        sniff_image_type(&self.encoded)
    }
}

/// The MIME type of encoded image bytes (PNG, JPEG, GIF, BMP, WebP), or
/// `application/octet-stream`.
pub fn sniff_image_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else if bytes.starts_with(b"BM") {
        "image/bmp"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "application/octet-stream"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AudioData {
    pub sample_rate: f32,
    pub encoded: Vec<u8>,
    pub content_type: String,
}

/// A dense tensor with its values widened to one of four kinds.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Tensor {
    /// e.g. `float32`, `int64`, `string`.
    pub dtype: &'static str,
    pub shape: Vec<i64>,
    pub values: TensorValues,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TensorValues {
    Float(Vec<f64>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    Bytes(Vec<Vec<u8>>),
}

impl TensorValues {
    pub fn len(&self) -> usize {
        match self {
            TensorValues::Float(v) => v.len(),
            TensorValues::Int(v) => v.len(),
            TensorValues::Bool(v) => v.len(),
            TensorValues::Bytes(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Numeric values as `f64` (`None` for strings).
    pub fn as_f64(&self) -> Option<std::borrow::Cow<'_, [f64]>> {
        match self {
            TensorValues::Float(v) => Some(v.as_slice().into()),
            TensorValues::Int(v) => Some(v.iter().map(|&x| x as f64).collect::<Vec<_>>().into()),
            TensorValues::Bool(v) => Some(
                v.iter()
                    .map(|&x| f64::from(u8::from(x)))
                    .collect::<Vec<_>>()
                    .into(),
            ),
            TensorValues::Bytes(_) => None,
        }
    }

    /// The first element as `f32`, the way TensorBoard reads a scalar summary.
    pub fn first_f32(&self) -> Option<f32> {
        match self {
            TensorValues::Float(v) => v.first().map(|&x| x as f32),
            TensorValues::Int(v) => v.first().map(|&x| x as f32),
            TensorValues::Bool(v) => v.first().map(|&x| f32::from(u8::from(x))),
            TensorValues::Bytes(_) => None,
        }
    }
}

/// Elements a shape holds; `None` if a dimension is negative or the product overflows.
fn element_count(shape: &[i64]) -> Option<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?))
}

/// Repeats the last element until `v` has `n` elements: TensorFlow's convention for typed value
/// fields shorter than the shape (e.g. one value filling a whole tensor).
fn broadcast<T: Clone>(mut v: Vec<T>, n: usize) -> Vec<T> {
    if let Some(last) = v.last().cloned()
        && v.len() < n
        && n <= MAX_BROADCAST
    {
        v.resize(n, last);
    }
    v
}

/// Guards against a tiny proto claiming a huge shape.
const MAX_BROADCAST: usize = 1 << 24;

impl Tensor {
    /// Converts a TensorFlow `TensorProto`.
    pub fn from_tf(t: &tb::TensorProto) -> Self {
        use tb::dtype as d;
        let shape: Vec<i64> = t
            .tensor_shape
            .as_ref()
            .map(|s| s.dim.iter().map(|d| d.size).collect())
            .unwrap_or_default();
        let n = element_count(&shape).unwrap_or(0);
        let raw = &t.tensor_content;
        let values = if !raw.is_empty() && t.dtype != d::STRING {
            from_raw(t.dtype, raw)
        } else {
            match t.dtype {
                d::FLOAT => TensorValues::Float(broadcast(
                    t.float_val.iter().map(|&x| f64::from(x)).collect(),
                    n,
                )),
                d::DOUBLE => TensorValues::Float(broadcast(t.double_val.clone(), n)),
                d::INT32 | d::INT16 | d::INT8 | d::UINT8 | d::UINT16 => TensorValues::Int(
                    broadcast(t.int_val.iter().map(|&x| i64::from(x)).collect(), n),
                ),
                d::INT64 => TensorValues::Int(broadcast(t.int64_val.clone(), n)),
                d::UINT32 => TensorValues::Int(broadcast(
                    t.uint32_val.iter().map(|&x| i64::from(x)).collect(),
                    n,
                )),
                d::UINT64 => TensorValues::Int(broadcast(
                    t.uint64_val.iter().map(|&x| x as i64).collect(),
                    n,
                )),
                d::BOOL => TensorValues::Bool(broadcast(t.bool_val.clone(), n)),
                d::HALF => TensorValues::Float(broadcast(
                    t.half_val
                        .iter()
                        .map(|&x| f64::from(f16_to_f32(x as u16)))
                        .collect(),
                    n,
                )),
                d::BFLOAT16 => TensorValues::Float(broadcast(
                    t.half_val
                        .iter()
                        .map(|&x| f64::from(f32::from_bits(u32::from(x as u16) << 16)))
                        .collect(),
                    n,
                )),
                d::STRING => TensorValues::Bytes(t.string_val.clone()),
                _ => TensorValues::Float(Vec::new()),
            }
        };
        Tensor {
            dtype: tf_dtype_name(t.dtype),
            shape,
            values,
        }
    }

    /// Converts a MindSpore `TensorProto` (its writer puts every dtype's values in `float_data`).
    pub fn from_mindspore(t: &ms::TensorProto) -> Self {
        let values = if !t.float_data.is_empty() {
            TensorValues::Float(t.float_data.iter().map(|&x| f64::from(x)).collect())
        } else if !t.double_data.is_empty() {
            TensorValues::Float(t.double_data.clone())
        } else if !t.int64_data.is_empty() {
            TensorValues::Int(t.int64_data.clone())
        } else if !t.int32_data.is_empty() {
            TensorValues::Int(t.int32_data.iter().map(|&x| i64::from(x)).collect())
        } else {
            TensorValues::Int(t.uint64_data.iter().map(|&x| x as i64).collect())
        };
        let dtype = usize::try_from(t.data_type)
            .ok()
            .and_then(|i| ms::DATA_TYPE_NAMES.get(i).copied())
            .unwrap_or("undefined");
        Tensor {
            dtype,
            shape: t.dims.clone(),
            values,
        }
    }
}

fn from_raw(dtype: i32, raw: &[u8]) -> TensorValues {
    use tb::dtype as d;
    fn each<const N: usize, T>(raw: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
        raw.chunks_exact(N)
            .map(|c| {
                let mut b = [0u8; N];
                b.copy_from_slice(c);
                f(b)
            })
            .collect()
    }
    match dtype {
        d::FLOAT => TensorValues::Float(each(raw, |b| f64::from(f32::from_le_bytes(b)))),
        d::DOUBLE => TensorValues::Float(each(raw, f64::from_le_bytes)),
        d::HALF => TensorValues::Float(each(raw, |b| f64::from(f16_to_f32(u16::from_le_bytes(b))))),
        d::BFLOAT16 => TensorValues::Float(each(raw, |b: [u8; 2]| {
            f64::from(f32::from_bits(u32::from(u16::from_le_bytes(b)) << 16))
        })),
        d::INT32 => TensorValues::Int(each(raw, |b| i64::from(i32::from_le_bytes(b)))),
        d::INT64 => TensorValues::Int(each(raw, i64::from_le_bytes)),
        d::INT16 => TensorValues::Int(each(raw, |b| i64::from(i16::from_le_bytes(b)))),
        d::UINT16 => TensorValues::Int(each(raw, |b| i64::from(u16::from_le_bytes(b)))),
        d::INT8 => TensorValues::Int(each(raw, |b: [u8; 1]| i64::from(b[0] as i8))),
        d::UINT8 => TensorValues::Int(each(raw, |b: [u8; 1]| i64::from(b[0]))),
        d::UINT32 => TensorValues::Int(each(raw, |b| i64::from(u32::from_le_bytes(b)))),
        d::UINT64 => TensorValues::Int(each(raw, |b| u64::from_le_bytes(b) as i64)),
        d::BOOL => TensorValues::Bool(each(raw, |b: [u8; 1]| b[0] != 0)),
        _ => TensorValues::Float(Vec::new()),
    }
}

/// The `'static` name equal to `name` among those a [`Tensor::dtype`] takes, to rebuild a
/// tensor from a saved copy; `None` for a name no decoder gives.
pub fn known_dtype_name(name: &str) -> Option<&'static str> {
    (0..=32)
        .map(tf_dtype_name)
        .chain(ms::DATA_TYPE_NAMES.iter().copied())
        .chain(["undefined"])
        .find(|known| *known == name)
}

/// A [`Tensor`] as saved, its dtype name not yet the decoders' `'static` one.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct SavedTensor {
    dtype: String,
    shape: Vec<i64>,
    values: TensorValues,
}

/// Written by hand: a derived impl would borrow the `&'static str` from the input.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Tensor {
    /// A dtype name no decoder gives is refused.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let saved = SavedTensor::deserialize(d)?;
        let dtype = known_dtype_name(&saved.dtype).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown tensor dtype {:?}", saved.dtype))
        })?;
        Ok(Tensor {
            dtype,
            shape: saved.shape,
            values: saved.values,
        })
    }
}

fn tf_dtype_name(dtype: i32) -> &'static str {
    use tb::dtype as d;
    match dtype {
        d::FLOAT => "float32",
        d::DOUBLE => "float64",
        d::INT32 => "int32",
        d::UINT8 => "uint8",
        d::INT16 => "int16",
        d::INT8 => "int8",
        d::STRING => "string",
        d::INT64 => "int64",
        d::BOOL => "bool",
        d::BFLOAT16 => "bfloat16",
        d::UINT16 => "uint16",
        d::HALF => "float16",
        d::UINT32 => "uint32",
        d::UINT64 => "uint64",
        _ => "unsupported",
    }
}

/// IEEE 754 binary16 to binary32 (exact: every half is representable).
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = frac * 2^-24.
            let v = frac as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (frac << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

/// What one MindSpore lineage record says about its run: the settings the training ran with and
/// the results it reached, by name.
///
/// Names: `optimizer`, `learning_rate`, `loss_function`, `epoch`, `parallel_mode`, `device_num`,
/// `batch_size`, `network`, `train_dataset_path`, `train_dataset_size`, `model_size`,
/// `valid_dataset_path`, `valid_dataset_size`, and each key `k` of the user's
/// `custom_lineage_data` as `[U]k` (MindInsight's marking, which also keeps a user's key apart
/// from the built-in names). Results: `loss` (the training loss at the end) and each metric `m`
/// of the evaluation as `metric/m`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lineage {
    pub params: Vec<(String, LineageValue)>,
    pub metrics: Vec<(String, f64)>,
}

/// A lineage setting's value.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LineageValue {
    Number(f64),
    Text(String),
}

impl Lineage {
    /// The lineage an event carries; `None` for an event with none (the dataset graph, say).
    pub fn from_mindspore(event: &crate::proto::lineage::LineageEvent) -> Option<Self> {
        let mut out = Lineage::default();
        if let Some(train) = &event.train_lineage {
            if let Some(h) = &train.hyper_parameters {
                out.text("optimizer", &h.optimizer);
                out.number("learning_rate", h.learning_rate.map(f32_as_written));
                out.text("loss_function", &h.loss_function);
                out.number("epoch", h.epoch.map(f64::from));
                out.text("parallel_mode", &h.parallel_mode);
                out.number("device_num", h.device_num.map(f64::from));
                out.number("batch_size", h.batch_size.map(f64::from));
            }
            if let Some(a) = &train.algorithm {
                out.text("network", &a.network);
                if let Some(loss) = a.loss {
                    out.metrics.push(("loss".to_owned(), f32_as_written(loss)));
                }
            }
            if let Some(d) = &train.train_dataset {
                out.text("train_dataset_path", &d.train_dataset_path);
                out.number("train_dataset_size", d.train_dataset_size.map(f64::from));
            }
            if let Some(m) = &train.model {
                out.number("model_size", m.size.map(|s| s as f64));
            }
        }
        if let Some(eval) = &event.evaluation_lineage {
            if let Some(d) = &eval.valid_dataset {
                out.text("valid_dataset_path", &d.valid_dataset_path);
                out.number("valid_dataset_size", d.valid_dataset_size.map(f64::from));
            }
            if let Some(json) = &eval.metric {
                out.metrics.extend(
                    metric_numbers(json).map(|(name, value)| (format!("metric/{name}"), value)),
                );
            }
        }
        if let Some(user) = &event.user_defined_info {
            user_params(user, &mut out.params);
        }
        (!out.params.is_empty() || !out.metrics.is_empty()).then_some(out)
    }

    fn text(&mut self, name: &str, value: &Option<String>) {
        // MindSpore leaves unknown settings out; an empty string (an unset proto3-style field
        // from another writer) says nothing either.
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            self.params
                .push((name.to_owned(), LineageValue::Text(v.clone())));
        }
    }

    fn number(&mut self, name: &str, value: Option<f64>) {
        if let Some(v) = value {
            self.params.push((name.to_owned(), LineageValue::Number(v)));
        }
    }
}

/// An `f32` as the writer's Python code wrote it (`0.1`, not `0.10000000149011612`): the
/// shortest decimal that reads back as the same `f32`.
fn f32_as_written(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// The numbers of a JSON object such as `{"Accuracy": 0.93, "Loss": 0.19}`. Python's `json`
/// writes non-finite numbers as the bare words `NaN`, `Infinity` and `-Infinity`, which JSON
/// has not: those become NaN and infinities here rather than costing the other metrics.
fn metric_numbers(json: &str) -> impl Iterator<Item = (String, f64)> {
    type Object = serde_json::Map<String, serde_json::Value>;
    let object = serde_json::from_str::<Object>(json)
        .or_else(|_| serde_json::from_str::<Object>(&quote_non_finite(json)))
        .unwrap_or_default();
    object.into_iter().filter_map(|(name, value)| {
        let number = match value {
            serde_json::Value::Number(n) => n.as_f64()?,
            // Only the words `quote_non_finite` quoted: a string metric is not a number.
            serde_json::Value::String(s) => match s.as_str() {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                _ => return None,
            },
            _ => return None,
        };
        Some((name, number))
    })
}

/// `json` with Python's bare `NaN`, `Infinity` and `-Infinity` (outside strings) quoted.
fn quote_non_finite(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = json;
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if let Some(word) = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|w| rest.starts_with(w))
        {
            out.push('"');
            out.push_str(word);
            out.push('"');
            rest = &rest[word.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `custom_lineage_data`: each `user_info` entry holds one key in the map of its type.
fn user_params(
    info: &crate::proto::lineage::UserDefinedInfo,
    out: &mut Vec<(String, LineageValue)>,
) {
    for (key, v) in &info.map_int32 {
        out.push((format!("[U]{key}"), LineageValue::Number(f64::from(*v))));
    }
    for (key, v) in &info.map_double {
        out.push((format!("[U]{key}"), LineageValue::Number(*v)));
    }
    for (key, v) in &info.map_str {
        out.push((format!("[U]{key}"), LineageValue::Text(v.clone())));
    }
    for nested in &info.user_info {
        user_params(nested, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_convert_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0xfc00), f32::NEG_INFINITY);
    }

    #[test]
    fn typed_values_broadcast_to_shape() {
        let t = tb::TensorProto {
            dtype: tb::dtype::FLOAT,
            tensor_shape: Some(tb::TensorShapeProto {
                dim: vec![
                    tb::TensorShapeDim { size: 2 },
                    tb::TensorShapeDim { size: 2 },
                ],
            }),
            float_val: vec![0.5],
            ..Default::default()
        };
        assert_eq!(
            Tensor::from_tf(&t).values,
            TensorValues::Float(vec![0.5; 4])
        );
    }

    #[test]
    fn tf1_histogram_edges_use_min_and_max() {
        let h = tb::HistogramProto {
            min: -1.0,
            max: 3.0,
            bucket_limit: vec![0.0, 2.0, f64::MAX],
            bucket: vec![1.0, 2.0, 3.0],
            ..Default::default()
        };
        let got = Histogram::from_tf(&h);
        assert_eq!(
            got.buckets,
            vec![[-1.0, 0.0, 1.0], [0.0, 2.0, 2.0], [2.0, 3.0, 3.0]]
        );
        assert_eq!(got.total_count(), 6.0);
    }

    #[test]
    fn evaluation_metrics_survive_python_non_finite_numbers() {
        let got: Vec<(String, f64)> = metric_numbers(
            r#"{"Accuracy": 0.5, "Loss": NaN, "Top5": Infinity, "NaNs": -Infinity}"#,
        )
        .collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], ("Accuracy".to_owned(), 0.5));
        assert!(got[1].1.is_nan());
        assert_eq!(got[2].1, f64::NEG_INFINITY, "{got:?}");
        assert_eq!(got[3].1, f64::INFINITY);
        // A string value is not a metric, even one that reads as a number.
        assert_eq!(metric_numbers(r#"{"a": "1.5", "b": 2}"#).count(), 1);
        // Not an object, or not JSON: no metrics, and no panic.
        assert_eq!(metric_numbers("[1, 2]").count(), 0);
        assert_eq!(metric_numbers("{\"a\": ").count(), 0);
    }

    #[test]
    fn lineage_floats_read_as_the_writer_wrote_them() {
        use crate::proto::lineage as l;
        let event = l::LineageEvent {
            train_lineage: Some(l::TrainLineage {
                hyper_parameters: Some(l::HyperParameters {
                    learning_rate: Some(0.1),
                    optimizer: Some(String::new()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let lineage = Lineage::from_mindspore(&event).expect("a setting");
        // An empty optimizer name says nothing and is left out.
        assert_eq!(
            lineage.params,
            vec![("learning_rate".to_owned(), LineageValue::Number(0.1))]
        );
        assert_eq!(Lineage::from_mindspore(&l::LineageEvent::default()), None);
    }
}
