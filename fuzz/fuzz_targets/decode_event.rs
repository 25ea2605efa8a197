//! Protobuf decoding of one record payload, TensorBoard and MindSpore formats (events and
//! lineage).
//!
//! Properties: it never panics, and decoding is deterministic (the fast path and the prost path
//! agree with themselves on a second pass).

#![no_main]

use libfuzzer_sys::fuzz_target;
use vizjobs_events::{EventFormat, decode_event};
use vizjobs_fuzz::CountingSink;

fuzz_target!(|input: &[u8]| {
    let Some((&selector, payload)) = input.split_first() else {
        return;
    };
    // Even: TensorBoard, as the saved inputs from before lineage records were chosen.
    let format = match selector % 4 {
        3 => EventFormat::MindSporeLineage,
        s if s & 1 == 0 => EventFormat::TensorBoard,
        _ => EventFormat::MindSpore,
    };
    let mut first = CountingSink::default();
    let first_ok = decode_event(format, payload, &mut first).is_ok();
    let mut second = CountingSink::default();
    let second_ok = decode_event(format, payload, &mut second).is_ok();
    assert_eq!(first_ok, second_ok);
    assert_eq!(
        (first.events, first.checksum),
        (second.events, second.checksum)
    );
});
