//! The TFRecord reader over a file that grows in arbitrary pieces.
//!
//! Properties: it never panics; every record it hands out lies inside the bytes it was given,
//! at strictly increasing offsets; and how the bytes were split into fills does not change what
//! comes out (a writer caught mid-record must cost nothing).

#![no_main]

use libfuzzer_sys::fuzz_target;
use vizjobs_events::{EventFormat, Next, RecordReader, decode_event};
use vizjobs_fuzz::CountingSink;

#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Record { offset: u64, payload: Vec<u8> },
    Problem { offset: u64, kind: &'static str },
}

fn drain(reader: &mut RecordReader, fed: u64, out: &mut Vec<Seen>) {
    loop {
        match reader.next_record() {
            Next::Record(record) => {
                let end = record.offset + 16 + record.payload.len() as u64;
                assert!(end <= fed, "record ends at {end}, past the {fed} bytes fed");
                let mut sink = CountingSink::default();
                let _ = decode_event(EventFormat::TensorBoard, record.payload, &mut sink);
                out.push(Seen::Record {
                    offset: record.offset,
                    payload: record.payload.to_vec(),
                });
            }
            Next::Problem(problem) => out.push(Seen::Problem {
                offset: problem.offset,
                kind: problem.kind.as_str(),
            }),
            Next::NeedMore => return,
        }
        assert!(reader.consumed_to() <= fed);
    }
}

fn read(data: &[u8], piece: usize) -> Vec<Seen> {
    let mut reader = RecordReader::new();
    let mut out = Vec::new();
    let mut fed = 0u64;
    for chunk in data.chunks(piece.max(1)) {
        reader.extend(chunk);
        fed += chunk.len() as u64;
        drain(&mut reader, fed, &mut out);
    }
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&piece, data)) = input.split_first() else {
        return;
    };
    let whole = read(data, data.len());
    let offsets: Vec<u64> = whole
        .iter()
        .filter_map(|s| match s {
            Seen::Record { offset, .. } => Some(*offset),
            Seen::Problem { .. } => None,
        })
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
    let pieces = read(data, usize::from(piece % 32) + 1);
    let records = |seen: &[Seen]| -> Vec<(u64, Vec<u8>)> {
        seen.iter()
            .filter_map(|s| match s {
                Seen::Record { offset, payload } => Some((*offset, payload.clone())),
                Seen::Problem { .. } => None,
            })
            .collect()
    };
    assert_eq!(
        records(&whole),
        records(&pieces),
        "fills changed the records"
    );
});
