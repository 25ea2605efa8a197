//! The fuzz targets' properties (see `fuzz/fuzz_targets/record_reader.rs` and `decode_event.rs`),
//! checked in CI over every input the fuzzer ever failed on (`tests/fuzz_inputs/<target>-*`,
//! byte for byte as libFuzzer saved them) and over the shared damaged fixtures.
//!
//! Properties: the record reader never panics, keeps every record inside the bytes it was
//! given, and returns the same records however the bytes were split into fills; decoding a
//! payload in any format never panics and is deterministic.

use std::path::{Path, PathBuf};

use vizjobs_events::{
    EventFormat, EventSink, Lineage, Next, RecordReader, Stamp, TaggedValue, decode_event,
};

#[derive(Default)]
struct Counting {
    events: usize,
}

impl EventSink for Counting {
    fn scalar(&mut self, _: Stamp, _: &[u8], _: f32) {
        self.events += 1;
    }
    fn value(&mut self, _: Stamp, _: TaggedValue) {
        self.events += 1;
    }
    fn file_version(&mut self, _: Stamp, _: &str) {
        self.events += 1;
    }
    fn session_start(&mut self, _: Stamp) {
        self.events += 1;
    }
    fn graph(&mut self, _: Stamp) {
        self.events += 1;
    }
    fn lineage(&mut self, _: Stamp, lineage: Lineage) {
        self.events += 1 + lineage.params.len() + lineage.metrics.len();
    }
}

/// Reads `data` handed over in `piece`-byte fills; returns each record's (offset, payload).
fn records(data: &[u8], piece: usize) -> Vec<(u64, Vec<u8>)> {
    let mut reader = RecordReader::new();
    let mut out = Vec::new();
    let mut fed = 0u64;
    for chunk in data.chunks(piece.max(1)) {
        reader.extend(chunk);
        fed += chunk.len() as u64;
        loop {
            match reader.next_record() {
                Next::Record(record) => {
                    assert!(record.offset + 16 + record.payload.len() as u64 <= fed);
                    out.push((record.offset, record.payload.to_vec()));
                }
                Next::Problem(_) => {}
                Next::NeedMore => break,
            }
        }
    }
    out
}

fn check_reader(data: &[u8], piece: usize) -> usize {
    let whole = records(data, data.len());
    assert!(whole.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(
        whole,
        records(data, piece),
        "fills of {piece} bytes changed the records"
    );
    for (_, payload) in &whole {
        check_decode(EventFormat::TensorBoard, payload);
        check_decode(EventFormat::MindSpore, payload);
        check_decode(EventFormat::MindSporeLineage, payload);
    }
    whole.len()
}

fn check_decode(format: EventFormat, payload: &[u8]) {
    let (mut a, mut b) = (Counting::default(), Counting::default());
    let first = decode_event(format, payload, &mut a).is_ok();
    let second = decode_event(format, payload, &mut b).is_ok();
    assert_eq!((first, a.events), (second, b.events));
}

fn saved_inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_inputs");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&format!("{target}-")))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Inputs as the fuzz targets take them: a leading selector byte, then the data.
#[test]
fn saved_fuzz_inputs_hold_the_properties() {
    for path in saved_inputs("record_reader") {
        let input = std::fs::read(&path).expect("saved input");
        if let Some((&piece, data)) = input.split_first() {
            check_reader(data, usize::from(piece % 32) + 1);
        }
    }
    for path in saved_inputs("decode_event") {
        let input = std::fs::read(&path).expect("saved input");
        if let Some((&selector, payload)) = input.split_first() {
            // As `fuzz/fuzz_targets/decode_event.rs` chooses.
            let format = match selector % 4 {
                3 => EventFormat::MindSporeLineage,
                s if s & 1 == 0 => EventFormat::TensorBoard,
                _ => EventFormat::MindSpore,
            };
            check_decode(format, payload);
        }
    }
}

/// The shared fixtures, damaged ones included, through the same properties at several fill
/// sizes. Intact fixtures must yield records, so the check cannot pass by reading nothing.
#[test]
fn fixtures_hold_the_reader_properties_at_any_fill_size() {
    let root = Path::new(env!("VIZJOBS_SHARED")).join("fixtures");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("fixtures")
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().contains("tfevents")
                || path.to_string_lossy().contains("summary.")
            {
                files.push(path);
            }
        }
    }
    assert!(!files.is_empty(), "no fixtures under {}", root.display());
    let mut total = 0;
    for file in files {
        let data = std::fs::read(&file).expect("fixture");
        for piece in [1, 7, 13, 4096] {
            total += check_reader(&data, piece);
        }
    }
    assert!(total > 100, "the fixtures yielded only {total} records");
}
