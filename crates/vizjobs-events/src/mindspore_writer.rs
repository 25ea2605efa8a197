//! Writing MindSpore summary records, byte for byte as MindSpore's `SummaryRecord` does.
//!
//! Used to generate large or damaged MindSpore logs for tests and benchmarks; the tests check
//! its output against the records of real MindSpore files (`shared/fixtures/mindspore`).
//!
//! MindSpore's messages are proto2, so every field the writer sets is on the wire even when it
//! holds a zero (a histogram's `nan_count = 0`, a bucket's `count = 0`), fields in number order.
//! A file is one version event (`wall_time`, `version`; no step) followed by one summary event
//! per recorded step holding every value of that step. Tensors carry their dims unpacked (one
//! tag each) and their values as packed `float_data`, as MindSpore writes them.

use std::io::{self, Write};

use prost::encoding::{self, WireType};

use crate::tf_record::encode_record;

/// The version string of the first record.
pub const VERSION: &str = "MindSpore.Event:1";

/// One summary value to write.
#[derive(Debug, Clone, Copy)]
pub enum MsValue<'a> {
    Scalar(f32),
    Image(&'a MsImage),
    Histogram(&'a MsHistogram),
    Tensor(&'a MsTensor),
}

/// `Summary.Image`: an encoded PNG and its canvas size; MindSpore always writes colorspace 3.
#[derive(Debug, Clone, PartialEq)]
pub struct MsImage {
    pub height: i32,
    pub width: i32,
    pub colorspace: i32,
    pub encoded_image: Vec<u8>,
}

/// One bucket `[left, left + width)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MsBucket {
    pub left: f64,
    pub width: f64,
    pub count: i64,
}

/// `Summary.Histogram`, every field set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MsHistogram {
    pub buckets: Vec<MsBucket>,
    pub nan_count: i64,
    pub pos_inf_count: i64,
    pub neg_inf_count: i64,
    pub max: f64,
    pub min: f64,
    pub sum: f64,
    pub count: i64,
}

/// `anf_ir.TensorProto` as the summary writer fills it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MsTensor {
    pub dims: Vec<i64>,
    /// `mindspore.irpb.DataType` (11 = float32).
    pub data_type: i32,
    pub float_data: Vec<f32>,
}

/// The payload of the version event.
pub fn version_event(wall_time: f64) -> Vec<u8> {
    let mut out = Vec::with_capacity(28);
    encoding::double::encode(1, &wall_time, &mut out);
    encoding::string::encode(3, &VERSION.to_owned(), &mut out);
    out
}

/// The payload of a graph event: `wall_time` and a serialized `GraphProto` (no step), as
/// `SummaryRecord(network=...)` writes it after the version event.
pub fn graph_event(wall_time: f64, graph_proto: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(graph_proto.len() + 16);
    encoding::double::encode(1, &wall_time, &mut out);
    encode_bytes(4, graph_proto, &mut out);
    out
}

/// The payload of one summary event holding `values` (in the order given).
pub fn summary_event(wall_time: f64, step: i64, values: &[(&str, MsValue<'_>)]) -> Vec<u8> {
    let mut summary = Vec::new();
    let mut value = Vec::new();
    for (tag, v) in values {
        value.clear();
        encode_bytes(1, tag.as_bytes(), &mut value);
        match v {
            MsValue::Scalar(x) => encoding::float::encode(3, x, &mut value),
            MsValue::Image(image) => encode_message(4, &image_message(image), &mut value),
            MsValue::Tensor(tensor) => encode_message(8, &tensor_message(tensor), &mut value),
            MsValue::Histogram(h) => encode_message(9, &histogram_message(h), &mut value),
        }
        encode_message(1, &value, &mut summary);
    }
    let mut out = Vec::with_capacity(summary.len() + 24);
    encoding::double::encode(1, &wall_time, &mut out);
    encoding::int64::encode(2, &step, &mut out);
    encode_message(5, &summary, &mut out);
    out
}

fn image_message(image: &MsImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.encoded_image.len() + 24);
    encoding::int32::encode(1, &image.height, &mut out);
    encoding::int32::encode(2, &image.width, &mut out);
    encoding::int32::encode(3, &image.colorspace, &mut out);
    encode_bytes(4, &image.encoded_image, &mut out);
    out
}

fn histogram_message(h: &MsHistogram) -> Vec<u8> {
    let mut out = Vec::with_capacity(h.buckets.len() * 24 + 48);
    let mut bucket = Vec::with_capacity(24);
    for b in &h.buckets {
        bucket.clear();
        encoding::double::encode(1, &b.left, &mut bucket);
        encoding::double::encode(2, &b.width, &mut bucket);
        encoding::int64::encode(3, &b.count, &mut bucket);
        encode_message(1, &bucket, &mut out);
    }
    encoding::int64::encode(2, &h.nan_count, &mut out);
    encoding::int64::encode(3, &h.pos_inf_count, &mut out);
    encoding::int64::encode(4, &h.neg_inf_count, &mut out);
    encoding::double::encode(5, &h.max, &mut out);
    encoding::double::encode(6, &h.min, &mut out);
    encoding::double::encode(7, &h.sum, &mut out);
    encoding::int64::encode(8, &h.count, &mut out);
    out
}

fn tensor_message(t: &MsTensor) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.float_data.len() * 4 + 16);
    encoding::int64::encode_repeated(1, &t.dims, &mut out);
    encoding::int32::encode(2, &t.data_type, &mut out);
    encoding::float::encode_packed(3, &t.float_data, &mut out);
    out
}

/// A length-delimited field holding an already-encoded message.
fn encode_message(tag: u32, message: &[u8], out: &mut Vec<u8>) {
    encode_bytes(tag, message, out);
}

fn encode_bytes(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    encoding::encode_key(tag, WireType::LengthDelimited, out);
    encoding::encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// Writes framed MindSpore records to any `Write` (a file named `*.summary.<seconds>.*`).
#[derive(Debug)]
pub struct MindSporeWriter<W: Write> {
    out: W,
    framed: Vec<u8>,
}

impl<W: Write> MindSporeWriter<W> {
    /// Starts a file: writes the version event.
    pub fn new(out: W, wall_time: f64) -> io::Result<Self> {
        let mut writer = MindSporeWriter {
            out,
            framed: Vec::new(),
        };
        writer.write_payload(&version_event(wall_time))?;
        Ok(writer)
    }

    /// Writes one step's values as one event.
    pub fn write_step(
        &mut self,
        wall_time: f64,
        step: i64,
        values: &[(&str, MsValue<'_>)],
    ) -> io::Result<()> {
        self.write_payload(&summary_event(wall_time, step, values))
    }

    /// Writes a graph event holding a serialized `GraphProto` (see [`crate::proto::ms_graph`]).
    pub fn write_graph(&mut self, wall_time: f64, graph_proto: &[u8]) -> io::Result<()> {
        self.write_payload(&graph_event(wall_time, graph_proto))
    }

    fn write_payload(&mut self, payload: &[u8]) -> io::Result<()> {
        self.framed.clear();
        encode_record(payload, &mut self.framed);
        self.out.write_all(&self.framed)
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
