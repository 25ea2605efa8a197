//! Events holding many scalar values (MindSpore writes every value of a step in one event) are
//! emitted whole and in order, whether they fit the decoder's staging buffer or not, and an
//! event with any non-scalar value goes through full decoding without losing its scalars.

use vizjobs_events::mindspore_writer::{MsHistogram, MsValue, summary_event};
use vizjobs_events::{EventFormat, EventSink, Stamp, TaggedValue, decode_event};

#[derive(Default)]
struct Collect {
    scalars: Vec<(i64, String, f32)>,
    others: usize,
}

impl EventSink for Collect {
    fn scalar(&mut self, at: Stamp, tag: &[u8], value: f32) {
        self.scalars
            .push((at.step, String::from_utf8_lossy(tag).into_owned(), value));
    }
    fn value(&mut self, _at: Stamp, _value: TaggedValue) {
        self.others += 1;
    }
    fn file_version(&mut self, _at: Stamp, _version: &str) {}
    fn session_start(&mut self, _at: Stamp) {}
    fn graph(&mut self, _at: Stamp) {}
}

fn decode(values: &[(&str, MsValue<'_>)]) -> Collect {
    let payload = summary_event(1_800_000_000.5, 7, values);
    let mut sink = Collect::default();
    decode_event(EventFormat::MindSpore, &payload, &mut sink).expect("decodes");
    sink
}

fn scalar_values(n: usize) -> (Vec<String>, Vec<f32>) {
    let tags = (0..n).map(|i| format!("tag_{i:03}")).collect();
    let values = (0..n).map(|i| i as f32 * 0.25).collect();
    (tags, values)
}

#[test]
fn few_and_many_scalars_are_all_emitted_in_order() {
    for n in [1, 3, 64, 65, 200] {
        let (tags, values) = scalar_values(n);
        let event: Vec<(&str, MsValue<'_>)> = tags
            .iter()
            .zip(&values)
            .map(|(t, v)| (t.as_str(), MsValue::Scalar(*v)))
            .collect();
        let got = decode(&event).scalars;
        let want: Vec<(i64, String, f32)> = tags
            .iter()
            .zip(&values)
            .map(|(t, v)| (7, t.clone(), *v))
            .collect();
        assert_eq!(got, want, "{n} scalars");
    }
}

#[test]
fn a_histogram_beside_scalars_keeps_both() {
    let histogram = MsHistogram {
        count: 3,
        ..Default::default()
    };
    let got = decode(&[
        ("loss", MsValue::Scalar(0.5)),
        ("w", MsValue::Histogram(&histogram)),
        ("acc", MsValue::Scalar(0.75)),
    ]);
    assert_eq!(
        got.scalars,
        vec![(7, "loss".to_owned(), 0.5), (7, "acc".to_owned(), 0.75)]
    );
    assert_eq!(got.others, 1);
}
