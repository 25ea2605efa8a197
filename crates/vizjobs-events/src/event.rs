//! Decoding one record's payload into calls on an [`EventSink`].
//!
//! Two payload formats share the TFRecord framing: TensorFlow's `Event` and MindSpore's. Most
//! records in real logs are one scalar each, so both go through an allocation-free fast path
//! that walks the wire format directly and hands out the tag as a borrowed `&str`; any record it
//! does not fully understand is decoded again with prost. A record is never half-emitted: the
//! fast path validates the whole record before emitting anything.

use prost::Message;

use crate::proto::{lineage, mindspore as ms, tensorboard as tb};
use crate::value::{AudioData, Lineage};
use crate::value::{Histogram, ImageData, PluginInfo, Stamp, TaggedValue, Tensor, ValueData};
use crate::wire::{Cursor, Field};

/// Which protobuf message a file's records hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFormat {
    /// `tensorflow.Event` (`*tfevents*` files).
    TensorBoard,
    /// `mindspore.irpb.Event` (`*summary.<digits>*` files).
    MindSpore,
    /// `mindspore.irpb.LineageEvent` (`*summary.<digits>*_lineage` files).
    MindSporeLineage,
}

/// A record whose payload is not a valid event.
#[derive(Debug, thiserror::Error)]
#[error("undecodable event: {0}")]
pub struct DecodeError(#[from] prost::DecodeError);

/// Receives what one event holds.
pub trait EventSink {
    /// A scalar point (TF1 `simple_value` or MindSpore `scalar_value`). The tag's bytes are
    /// not UTF-8-validated on the fast path (that would dominate the cost of a scalar record):
    /// the sink validates a tag once, when it first sees it.
    fn scalar(&mut self, at: Stamp, tag: &[u8], value: f32);
    /// Any other summary value.
    fn value(&mut self, at: Stamp, value: TaggedValue);
    /// The file's version record (`brain.Event:2`, `MindSpore.Event:1`).
    fn file_version(&mut self, at: Stamp, version: &str);
    /// `SessionLog.START`: training (re)started at `at.step`.
    fn session_start(&mut self, at: Stamp);
    /// A graph (`graph_def` or `meta_graph_def`) was recorded.
    fn graph(&mut self, at: Stamp);
    /// A graph record with its serialized bytes, still undecoded: a large graph is decoded
    /// only when someone looks at it. By default only its presence is reported ([`Self::graph`]).
    fn graph_record(&mut self, at: Stamp, record: GraphRecord) {
        let _ = record;
        self.graph(at);
    }
    /// A `RunMetadata` recorded under `tag` (`Event.tagged_run_metadata`), undecoded. Ignored
    /// by default.
    fn run_metadata(&mut self, at: Stamp, tag: String, run_metadata: Vec<u8>) {
        let _ = (at, tag, run_metadata);
    }
    /// A MindSpore lineage record: the run's settings and results. Ignored by default.
    fn lineage(&mut self, at: Stamp, lineage: Lineage) {
        let _ = (at, lineage);
    }
}

/// A graph as an event carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphRecord {
    /// A serialized `tensorflow.GraphDef` (`Event.graph_def`).
    TfGraphDef(Vec<u8>),
    /// A serialized `tensorflow.MetaGraphDef` (`Event.meta_graph_def`), whose `graph_def` is
    /// the graph.
    TfMetaGraphDef(Vec<u8>),
    /// A serialized `mindspore.irpb.GraphProto` (MindSpore's `Event.graph_def`).
    MindSpore(Vec<u8>),
}

/// Decodes one record payload of the given format.
pub fn decode_event(
    format: EventFormat,
    payload: &[u8],
    sink: &mut impl EventSink,
) -> Result<(), DecodeError> {
    match format {
        EventFormat::TensorBoard => {
            if let Some((at, tag, value)) = one_scalar(payload, TF_SIMPLE_VALUE_KEY) {
                sink.scalar(at, tag, value);
                return Ok(());
            }
            if fast_scalars(payload, TF_SIMPLE_VALUE, TF_NODE_NAME, sink) {
                return Ok(());
            }
            decode_tf(payload, sink)
        }
        EventFormat::MindSpore => {
            if let Some((at, tag, value)) = one_scalar(payload, MS_SCALAR_VALUE_KEY) {
                sink.scalar(at, tag, value);
                return Ok(());
            }
            if fast_scalars(payload, MS_SCALAR_VALUE, None, sink) {
                return Ok(());
            }
            decode_ms(payload, sink)
        }
        EventFormat::MindSporeLineage => {
            let event = lineage::LineageEvent::decode(payload)?;
            if let Some(found) = Lineage::from_mindspore(&event) {
                let at = Stamp {
                    wall_time: event.wall_time,
                    step: event.step,
                };
                sink.lineage(at, found);
            }
            Ok(())
        }
    }
}

const EVENT_WALL_TIME: u32 = 1;
const EVENT_STEP: u32 = 2;
const EVENT_SUMMARY: u32 = 5;
const SUMMARY_VALUE: u32 = 1;
const VALUE_TAG: u32 = 1;
const TF_SIMPLE_VALUE: u32 = 2;
const TF_NODE_NAME: Option<u32> = Some(7);
const MS_SCALAR_VALUE: u32 = 3;
/// Field keys (number << 3 | wire type) as single bytes, for [`one_scalar`].
const TF_SIMPLE_VALUE_KEY: u8 = 0x15;
const MS_SCALAR_VALUE_KEY: u8 = 0x1d;

/// The most common record of all, matched byte by byte: `wall_time`, optional `step`, and a
/// summary holding one value made of a tag and a scalar, with every length fitting one byte —
/// `09 <f64> [10 <varint>] 2a L 0a L 0a L <tag> <key> <f32>`. `None` for anything else.
#[inline]
fn one_scalar(p: &[u8], value_key: u8) -> Option<(Stamp, &[u8], f32)> {
    let mut at = Stamp {
        wall_time: 0.0,
        step: 0,
    };
    let mut i = 0;
    if *p.first()? == 0x09 {
        at.wall_time = f64::from_le_bytes(p.get(1..9)?.try_into().ok()?);
        i = 9;
    }
    if *p.get(i)? == 0x10 {
        i += 1;
        let mut step = 0u64;
        let mut shift = 0;
        loop {
            let b = *p.get(i)?;
            i += 1;
            step |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
        at.step = step as i64;
    }
    // Summary, then its single Value, each spanning exactly the rest of the payload.
    let [0x2a, summary_len, 0x0a, value_len, 0x0a, tag_len, ..] = *p.get(i..i + 6)? else {
        return None;
    };
    let (summary_len, value_len, tag_len) = (
        usize::from(summary_len),
        usize::from(value_len),
        usize::from(tag_len),
    );
    if summary_len >= 0x80 || value_len >= 0x80 || tag_len >= 0x80 {
        return None;
    }
    if i + 2 + summary_len != p.len()
        || summary_len != value_len + 2
        || value_len != tag_len + 2 + 5
    {
        return None;
    }
    let tag_start = i + 6;
    let tag = p.get(tag_start..tag_start + tag_len)?;
    let rest = p.get(tag_start + tag_len..)?;
    if rest.len() != 5 || rest[0] != value_key {
        return None;
    }
    let value = f32::from_le_bytes(rest[1..5].try_into().ok()?);
    Some((at, tag, value))
}

/// Emits the scalars of an event made only of `wall_time`, `step` and a summary of scalar values.
/// Returns `false` (having emitted nothing) for anything else.
fn fast_scalars(
    payload: &[u8],
    scalar_field: u32,
    ignored_field: Option<u32>,
    sink: &mut impl EventSink,
) -> bool {
    let mut at = Stamp {
        wall_time: 0.0,
        step: 0,
    };
    let mut summary = None;
    let mut c = Cursor::new(payload);
    while let Some((number, field)) = c.next_field() {
        match (number, field) {
            (EVENT_WALL_TIME, Field::Fixed64(b)) => at.wall_time = f64::from_le_bytes(b),
            (EVENT_STEP, Field::Varint(v)) => at.step = v as i64,
            (EVENT_SUMMARY, Field::Len(b)) if summary.is_none() => summary = Some(b),
            _ => return false,
        }
    }
    let Some(summary) = summary else { return false };
    if !c.is_empty() {
        return false;
    }
    let scalars = || {
        let mut c = Cursor::new(summary);
        std::iter::from_fn(move || match c.next_field() {
            Some((SUMMARY_VALUE, Field::Len(v))) => {
                Some(scalar_value(v, scalar_field, ignored_field))
            }
            Some(_) => Some(None),
            None if c.is_empty() => None,
            None => Some(None),
        })
    };
    // One walk for the usual event (up to `STAGED` values): stage, then emit. A larger one is
    // validated in a first walk and emitted in a second.
    const STAGED: usize = 64;
    let mut staged: [(&[u8], f32); STAGED] = [(&[], 0.0); STAGED];
    let mut count = 0;
    for s in scalars() {
        let Some(s) = s else { return false };
        if let Some(slot) = staged.get_mut(count) {
            *slot = s;
        }
        count += 1;
    }
    if count <= STAGED {
        for &(tag, value) in &staged[..count] {
            sink.scalar(at, tag, value);
        }
    } else {
        for (tag, value) in scalars().flatten() {
            sink.scalar(at, tag, value);
        }
    }
    true
}

/// `(tag, value)` of a summary value holding only a tag and a scalar.
fn scalar_value(
    bytes: &[u8],
    scalar_field: u32,
    ignored_field: Option<u32>,
) -> Option<(&[u8], f32)> {
    let mut tag = None;
    let mut value = None;
    let mut c = Cursor::new(bytes);
    while let Some((number, field)) = c.next_field() {
        match (number, field) {
            (VALUE_TAG, Field::Len(b)) => tag = Some(b),
            (n, Field::Fixed32(b)) if n == scalar_field => value = Some(f32::from_le_bytes(b)),
            (n, Field::Len(_)) if Some(n) == ignored_field => {}
            _ => return None,
        }
    }
    if !c.is_empty() {
        return None;
    }
    Some((tag?, value?))
}

fn decode_tf(payload: &[u8], sink: &mut impl EventSink) -> Result<(), DecodeError> {
    let event = tb::Event::decode(payload)?;
    let at = Stamp {
        wall_time: event.wall_time,
        step: event.step,
    };
    if let Some(version) = &event.file_version {
        sink.file_version(at, version);
    }
    // TensorBoard shows the `graph_def` when an event has both.
    if let Some(graph) = event.graph_def {
        sink.graph_record(at, GraphRecord::TfGraphDef(graph));
    } else if let Some(meta) = event.meta_graph_def {
        sink.graph_record(at, GraphRecord::TfMetaGraphDef(meta));
    }
    if let Some(tagged) = event.tagged_run_metadata {
        sink.run_metadata(at, tagged.tag, tagged.run_metadata);
    }
    if event
        .session_log
        .as_ref()
        .is_some_and(|s| s.status == tb::SESSION_LOG_START)
    {
        sink.session_start(at);
    }
    for value in event.summary.map(|s| s.value).unwrap_or_default() {
        if let Some(v) = value.simple_value {
            sink.scalar(at, value.tag.as_bytes(), v);
            continue;
        }
        let plugin = value.metadata.map(|m| {
            let (plugin_name, content) = m
                .plugin_data
                .map(|p| (p.plugin_name, p.content))
                .unwrap_or_default();
            PluginInfo {
                plugin_name,
                content,
                display_name: m.display_name,
                description: m.summary_description,
            }
        });
        let data = if let Some(h) = &value.histo {
            ValueData::Histogram(Histogram::from_tf(h))
        } else if let Some(image) = value.image {
            ValueData::Image(ImageData {
                width: u32::try_from(image.width).unwrap_or(0),
                height: u32::try_from(image.height).unwrap_or(0),
                encoded: image.encoded_image_string,
            })
        } else if let Some(audio) = value.audio {
            ValueData::Audio(AudioData {
                sample_rate: audio.sample_rate,
                encoded: audio.encoded_audio_string,
                content_type: audio.content_type,
            })
        } else if let Some(t) = &value.tensor {
            ValueData::Tensor(Tensor::from_tf(t))
        } else if plugin.is_some() {
            ValueData::MetadataOnly
        } else {
            continue;
        };
        sink.value(
            at,
            TaggedValue {
                tag: value.tag,
                plugin,
                data,
            },
        );
    }
    Ok(())
}

fn decode_ms(payload: &[u8], sink: &mut impl EventSink) -> Result<(), DecodeError> {
    let event = ms::Event::decode(payload)?;
    let at = Stamp {
        wall_time: event.wall_time,
        step: event.step,
    };
    if let Some(version) = &event.version {
        sink.file_version(at, version);
    }
    if let Some(graph) = event.graph_def {
        sink.graph_record(at, GraphRecord::MindSpore(graph));
    }
    for value in event.summary.map(|s| s.value).unwrap_or_default() {
        if let Some(v) = value.scalar_value {
            sink.scalar(at, value.tag.as_bytes(), v);
            continue;
        }
        let data = if let Some(h) = &value.histogram {
            ValueData::Histogram(Histogram::from_mindspore(h))
        } else if let Some(image) = value.image {
            ValueData::Image(ImageData {
                width: u32::try_from(image.width).unwrap_or(0),
                height: u32::try_from(image.height).unwrap_or(0),
                encoded: image.encoded_image,
            })
        } else if let Some(t) = &value.tensor {
            ValueData::Tensor(Tensor::from_mindspore(t))
        } else {
            continue;
        };
        sink.value(
            at,
            TaggedValue {
                tag: value.tag,
                plugin: None,
                data,
            },
        );
    }
    Ok(())
}
