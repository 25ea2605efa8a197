//! TensorBoard event records for the reliability tests, built from `vizjobs-events`' own
//! message types and TFRecord framing, so the tests write exactly what the reader reads.

#![allow(dead_code)]

use prost::Message;
use vizjobs_events::proto::tensorboard::{
    Event, PluginData, Summary, SummaryMetadata, TensorProto, Value,
};
use vizjobs_events::tf_record::encode_record;

/// One framed record holding an event at `step` with one summary value.
fn record(step: i64, value: Value) -> Vec<u8> {
    let event = Event {
        wall_time: 1_700_000_000.0,
        step,
        summary: Some(Summary { value: vec![value] }),
        ..Event::default()
    };
    let mut out = Vec::new();
    encode_record(&event.encode_to_vec(), &mut out);
    out
}

/// `Summary.Value{tag, simple_value}`.
pub fn scalar(step: i64, tag: &str, value: f32) -> Vec<u8> {
    record(
        step,
        Value {
            tag: tag.to_owned(),
            simple_value: Some(value),
            ..Value::default()
        },
    )
}

/// A text summary: a DT_STRING tensor under the `text` plugin.
pub fn text(step: i64, tag: &str, markdown: &str) -> Vec<u8> {
    const DT_STRING: i32 = 7;
    record(
        step,
        Value {
            tag: tag.to_owned(),
            tensor: Some(TensorProto {
                dtype: DT_STRING,
                string_val: vec![markdown.as_bytes().to_vec()],
                ..TensorProto::default()
            }),
            metadata: Some(SummaryMetadata {
                plugin_data: Some(PluginData {
                    plugin_name: "text".to_owned(),
                    content: Vec::new(),
                }),
                ..SummaryMetadata::default()
            }),
            ..Value::default()
        },
    )
}
