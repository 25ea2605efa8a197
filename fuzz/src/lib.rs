//! Pieces the fuzz targets share: an event sink that touches everything it is given, so the
//! decoder's output is really built and read rather than optimised away.

use vizjobs_events::{EventSink, Lineage, Stamp, TaggedValue};

/// Counts what a decoder emitted; `checksum` mixes in lengths so nothing is dead code.
#[derive(Debug, Default)]
pub struct CountingSink {
    pub events: usize,
    pub checksum: u64,
}

impl EventSink for CountingSink {
    fn scalar(&mut self, at: Stamp, tag: &[u8], value: f32) {
        self.events += 1;
        self.checksum = self
            .checksum
            .wrapping_add(tag.len() as u64)
            .wrapping_add(u64::from(value.to_bits()))
            .wrapping_add(at.step as u64);
    }

    fn value(&mut self, at: Stamp, value: TaggedValue) {
        self.events += 1;
        let rendered = format!("{value:?}");
        self.checksum = self
            .checksum
            .wrapping_add(rendered.len() as u64)
            .wrapping_add(at.step as u64);
    }

    fn file_version(&mut self, _at: Stamp, version: &str) {
        self.events += 1;
        self.checksum = self.checksum.wrapping_add(version.len() as u64);
    }

    fn session_start(&mut self, at: Stamp) {
        self.events += 1;
        self.checksum = self.checksum.wrapping_add(at.step as u64);
    }

    fn graph(&mut self, _at: Stamp) {
        self.events += 1;
    }

    fn lineage(&mut self, at: Stamp, lineage: Lineage) {
        self.events += 1;
        let rendered = format!("{lineage:?}");
        self.checksum = self
            .checksum
            .wrapping_add(rendered.len() as u64)
            .wrapping_add(at.step as u64);
    }
}
