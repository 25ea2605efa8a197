//! Our MindSpore writer against real MindSpore output: every record of the fixture files that
//! the writer can express (version and summary events; not graphs) is decoded, written again,
//! and must come out identical to the fixture's framed bytes, CRCs included.

use std::path::PathBuf;

use prost::Message;
use vizjobs_events::mindspore_writer::{
    MsBucket, MsHistogram, MsImage, MsTensor, MsValue, summary_event, version_event,
};
use vizjobs_events::proto::mindspore as ms;
use vizjobs_events::tf_record::encode_record;
use vizjobs_events::{Next, RecordReader};

fn fixture_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("VIZJOBS_SHARED")).join("fixtures/mindspore");
    let mut files = Vec::new();
    for run in std::fs::read_dir(&root).expect("fixtures present") {
        for file in std::fs::read_dir(run.expect("entry").path()).expect("run dir") {
            files.push(file.expect("entry").path());
        }
    }
    files.sort();
    files
}

/// `(offset, payload)` of every record of a file (the fixtures are intact).
fn records(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut reader = RecordReader::new();
    reader.extend(bytes);
    let mut out = Vec::new();
    loop {
        match reader.next_record() {
            Next::Record(r) => out.push((r.offset as usize, r.payload.to_vec())),
            Next::Problem(p) => panic!("fixture damaged at {}", p.offset),
            Next::NeedMore => return out,
        }
    }
}

/// Writes `event` again with our writer; `None` for what the writer does not write (graphs).
fn rewrite(event: &ms::Event) -> Option<Vec<u8>> {
    if event.version.is_some() {
        return Some(version_event(event.wall_time));
    }
    let summary = event.summary.as_ref()?;
    let owned: Vec<(String, Owned)> = summary
        .value
        .iter()
        .map(|v| {
            let value = if let Some(x) = v.scalar_value {
                Owned::Scalar(x)
            } else if let Some(i) = &v.image {
                Owned::Image(MsImage {
                    height: i.height,
                    width: i.width,
                    colorspace: i.colorspace,
                    encoded_image: i.encoded_image.clone(),
                })
            } else if let Some(h) = &v.histogram {
                Owned::Histogram(MsHistogram {
                    buckets: h
                        .buckets
                        .iter()
                        .map(|b| MsBucket {
                            left: b.left,
                            width: b.width,
                            count: b.count,
                        })
                        .collect(),
                    nan_count: h.nan_count,
                    pos_inf_count: h.pos_inf_count,
                    neg_inf_count: h.neg_inf_count,
                    max: h.max,
                    min: h.min,
                    sum: h.sum,
                    count: h.count,
                })
            } else if let Some(t) = &v.tensor {
                Owned::Tensor(MsTensor {
                    dims: t.dims.clone(),
                    data_type: t.data_type,
                    float_data: t.float_data.clone(),
                })
            } else {
                panic!("fixture value `{}` of an unexpected kind", v.tag)
            };
            (v.tag.clone(), value)
        })
        .collect();
    let values: Vec<(&str, MsValue<'_>)> = owned
        .iter()
        .map(|(tag, v)| {
            let v = match v {
                Owned::Scalar(x) => MsValue::Scalar(*x),
                Owned::Image(i) => MsValue::Image(i),
                Owned::Histogram(h) => MsValue::Histogram(h),
                Owned::Tensor(t) => MsValue::Tensor(t),
            };
            (tag.as_str(), v)
        })
        .collect();
    Some(summary_event(event.wall_time, event.step, &values))
}

enum Owned {
    Scalar(f32),
    Image(MsImage),
    Histogram(MsHistogram),
    Tensor(MsTensor),
}

#[test]
fn writer_reproduces_fixture_records_byte_for_byte() {
    let (mut compared, mut graphs) = (0, 0);
    let mut kinds = [0usize; 4];
    for path in fixture_files() {
        let bytes = std::fs::read(&path).expect("fixture readable");
        for (offset, payload) in records(&bytes) {
            let event = ms::Event::decode(payload.as_slice()).expect("fixture decodes");
            let Some(ours) = rewrite(&event) else {
                assert!(event.graph_def.is_some(), "only graphs are not rewritten");
                graphs += 1;
                continue;
            };
            for v in event.summary.iter().flat_map(|s| &s.value) {
                let kind = [
                    v.scalar_value.is_some(),
                    v.image.is_some(),
                    v.histogram.is_some(),
                    v.tensor.is_some(),
                ];
                for (count, present) in kinds.iter_mut().zip(kind) {
                    *count += usize::from(present);
                }
            }
            let mut framed = Vec::new();
            encode_record(&ours, &mut framed);
            let theirs = &bytes[offset..offset + framed.len().min(bytes.len() - offset)];
            assert_eq!(
                framed,
                theirs,
                "record at {offset} of {} differs",
                path.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "compared {compared} records");
    assert_eq!(graphs, 1, "graph_run holds one graph record");
    assert!(
        kinds.iter().all(|&k| k > 0),
        "scalars, images, histograms, tensors all covered: {kinds:?}"
    );
}
