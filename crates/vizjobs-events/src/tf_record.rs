//! A resumable reader of TFRecord framing over a file that may still be growing.
//!
//! Each record on disk is:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | payload length `N`, little-endian `u64` |
//! | 4 | masked CRC-32C of those 8 length bytes |
//! | N | payload |
//! | 4 | masked CRC-32C of the payload |
//!
//! The reader is push-based: the caller hands it bytes (in file order, starting at offset 0 or at
//! [`RecordReader::resume_at`]) with [`RecordReader::fill_from`], and pulls records with
//! [`RecordReader::next_record`]. Invariants:
//!
//! - A record that is not complete yet yields [`Next::NeedMore`] and is retried from the same
//!   offset once more bytes arrive, so a writer caught mid-record costs nothing.
//! - A bad payload CRC loses exactly that record (its length was verified, so the next record
//!   starts right after it).
//! - A bad length CRC means the record boundary is unknown: the reader scans forward byte by byte
//!   for the next offset where the length, its CRC *and* the payload CRC all verify, and resumes
//!   there. Everything in between is reported once as lost.

use std::io::{self, Read};

use crate::masked_crc::MaskedCrc;

const HEADER_LEN: usize = 12;
const FOOTER_LEN: usize = 4;
/// A verified length above this is treated as corrupt rather than waited for.
const MAX_PAYLOAD: u64 = 1 << 30;
/// Bytes read from the source per fill, unless a larger record needs more. Small enough that the
/// buffer is still in the CPU's cache when the records are decoded after the kernel's copy.
const DEFAULT_CHUNK: usize = 1 << 17;

/// One intact record.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// File offset of the record's header.
    pub offset: u64,
    /// The payload (one serialized event).
    pub payload: &'a [u8],
}

/// What went wrong with the framing at some offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The payload CRC did not match: one record lost.
    BadDataCrc,
    /// The length CRC did not match: the reader re-synchronises on the next valid record.
    BadLengthCrc,
    /// The very first header of the file is invalid: probably not an event file at all.
    NotAnEventFile,
}

impl ProblemKind {
    /// Stable snake-case name, as shown in the data API.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::BadDataCrc => "bad_data_crc",
            ProblemKind::BadLengthCrc => "bad_length_crc",
            ProblemKind::NotAnEventFile => "not_an_event_file",
        }
    }
}

/// A framing problem found at a file offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramingProblem {
    pub offset: u64,
    pub kind: ProblemKind,
}

/// Result of asking for the next record.
#[derive(Debug)]
pub enum Next<'a> {
    Record(Record<'a>),
    Problem(FramingProblem),
    /// The buffered bytes end inside a record (or are all consumed): fill and ask again.
    NeedMore,
}

/// Where a reader stands between two fills, as far as a new reader needs to know to go on
/// exactly as this one would (a persistent cache keeps it): the first byte not yet consumed, and
/// whether the reader is looking for the next valid record after damage. Bytes of a record not
/// yet complete are not part of it: a reader made with [`RecordReader::resume_from`] reads them
/// again from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumePoint {
    pub offset: u64,
    pub resynchronising: bool,
}

/// Resumable TFRecord reader; see the module docs.
#[derive(Debug, Default)]
pub struct RecordReader {
    /// Buffered file bytes; `buf[..filled]` is valid.
    buf: Vec<u8>,
    filled: usize,
    /// First unconsumed byte in `buf`.
    start: usize,
    /// File offset of `buf[0]`.
    base: u64,
    /// While re-synchronising: the next candidate position in `buf`.
    scan: Option<usize>,
    /// Bytes the pending record needs in total, when known.
    pending_len: usize,
}

impl RecordReader {
    /// A reader positioned at the start of a file.
    pub fn new() -> Self {
        Self::default()
    }

    /// A reader that goes on from `point` (taken from another reader by
    /// [`resume_point`](Self::resume_point)); fill it from `point.offset`.
    pub fn resume_from(point: ResumePoint) -> Self {
        RecordReader {
            base: point.offset,
            scan: point.resynchronising.then_some(0),
            ..Self::default()
        }
    }

    /// Where this reader stands, for [`resume_from`](Self::resume_from). Meaningful once
    /// [`next_record`](Self::next_record) has answered [`Next::NeedMore`] (every buffered
    /// record drained): the scan position then equals the consumed offset.
    pub fn resume_point(&self) -> ResumePoint {
        ResumePoint {
            offset: self.consumed_to(),
            resynchronising: self.scan.is_some(),
        }
    }

    /// The consumed bytes still buffered and the file offset of the first: what the reader
    /// went past since its last fill. They stay until the next fill, so a caller that wants to
    /// remember the bytes just before [`consumed_to`](Self::consumed_to) takes them here.
    pub fn consumed_bytes(&self) -> (u64, &[u8]) {
        (self.base, &self.buf[..self.start])
    }

    /// File offset where the next [`fill_from`](Self::fill_from) must continue reading.
    pub fn resume_at(&self) -> u64 {
        self.base + self.filled as u64
    }

    /// File offset of the first byte not yet consumed as a record (or skipped as damaged).
    pub fn consumed_to(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Reads the next chunk from `source`, which must be positioned at [`resume_at`](Self::resume_at).
    /// Returns the number of bytes read; 0 means the source is at its end for now.
    pub fn fill_from(&mut self, source: &mut impl Read) -> io::Result<usize> {
        self.compact();
        let want = DEFAULT_CHUNK.max(self.pending_len);
        if self.buf.len() < self.filled + want {
            self.buf.resize(self.filled + want, 0);
        }
        loop {
            match source.read(&mut self.buf[self.filled..]) {
                Ok(n) => {
                    self.filled += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Appends bytes directly (for sources that are not `Read`).
    pub fn extend(&mut self, bytes: &[u8]) {
        self.compact();
        if self.buf.len() < self.filled + bytes.len() {
            self.buf.resize(self.filled + bytes.len(), 0);
        }
        self.buf[self.filled..self.filled + bytes.len()].copy_from_slice(bytes);
        self.filled += bytes.len();
    }

    /// Frees the buffer, keeping only a pending partial record. Call when a file goes idle.
    pub fn release(&mut self) {
        self.compact();
        let mut kept = self.buf[..self.filled].to_vec();
        kept.shrink_to_fit();
        self.buf = kept;
    }

    /// Bytes of heap held.
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity()
    }

    fn compact(&mut self) {
        if self.start == 0 {
            return;
        }
        self.buf.copy_within(self.start..self.filled, 0);
        self.filled -= self.start;
        if let Some(scan) = self.scan.as_mut() {
            *scan -= self.start;
        }
        self.base += self.start as u64;
        self.start = 0;
    }

    /// Returns the next record, problem, or [`Next::NeedMore`].
    pub fn next_record(&mut self) -> Next<'_> {
        if let Some(from) = self.scan {
            match self.find_sync_point(from) {
                Some(at) => {
                    self.scan = None;
                    self.start = at;
                }
                None => return Next::NeedMore,
            }
        }
        let data = &self.buf[self.start..self.filled];
        if data.len() < HEADER_LEN {
            return Next::NeedMore;
        }
        let offset = self.consumed_to();
        let Some(payload_len) = verified_length(data) else {
            let kind = if offset == 0 {
                ProblemKind::NotAnEventFile
            } else {
                ProblemKind::BadLengthCrc
            };
            self.scan = Some(self.start + 1);
            return Next::Problem(FramingProblem { offset, kind });
        };
        let total = HEADER_LEN + payload_len + FOOTER_LEN;
        if data.len() < total {
            self.pending_len = total;
            return Next::NeedMore;
        }
        self.pending_len = 0;
        let record_start = self.start;
        self.start += total;
        let payload = &self.buf[record_start + HEADER_LEN..record_start + HEADER_LEN + payload_len];
        let footer = crc_at(&self.buf, record_start + HEADER_LEN + payload_len);
        if footer.verifies(payload) {
            Next::Record(Record { offset, payload })
        } else {
            Next::Problem(FramingProblem {
                offset,
                kind: ProblemKind::BadDataCrc,
            })
        }
    }

    /// Scans `buf[from..filled]` for a position holding a fully valid record. On `None`, the scan
    /// position is saved so the search resumes there once more bytes arrive.
    fn find_sync_point(&mut self, from: usize) -> Option<usize> {
        let mut at = from;
        while at + HEADER_LEN <= self.filled {
            let data = &self.buf[at..self.filled];
            if let Some(payload_len) = verified_length(data) {
                let total = HEADER_LEN + payload_len + FOOTER_LEN;
                if data.len() < total {
                    // Plausibly a real record still being written: wait for it here.
                    self.scan = Some(at);
                    self.start = at;
                    self.pending_len = total;
                    return None;
                }
                if crc_at(data, HEADER_LEN + payload_len)
                    .verifies(&data[HEADER_LEN..HEADER_LEN + payload_len])
                {
                    return Some(at);
                }
            }
            at += 1;
        }
        self.scan = Some(at);
        // Everything before the scan position is lost; let compaction drop it.
        self.start = at;
        None
    }
}

/// The payload length of the header at the start of `data`, if its CRC verifies and it is sane.
fn verified_length(data: &[u8]) -> Option<usize> {
    let len_bytes: [u8; 8] = data.get(..8)?.try_into().ok()?;
    if !crc_at(data, 8).verifies(&len_bytes) {
        return None;
    }
    let len = u64::from_le_bytes(len_bytes);
    if len > MAX_PAYLOAD {
        return None;
    }
    usize::try_from(len).ok()
}

fn crc_at(data: &[u8], at: usize) -> MaskedCrc {
    let mut b = [0u8; 4];
    b.copy_from_slice(&data[at..at + 4]);
    MaskedCrc::from_le_bytes(b)
}

/// Frames `payload` as one record (used by writers and tests).
pub fn encode_record(payload: &[u8], out: &mut Vec<u8>) {
    let len = (payload.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&MaskedCrc::compute(&len).0.to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&MaskedCrc::compute(payload).0.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            encode_record(p, &mut out);
        }
        out
    }

    fn drain(reader: &mut RecordReader) -> (Vec<Vec<u8>>, Vec<FramingProblem>) {
        let mut records = Vec::new();
        let mut problems = Vec::new();
        loop {
            match reader.next_record() {
                Next::Record(r) => records.push(r.payload.to_vec()),
                Next::Problem(p) => problems.push(p),
                Next::NeedMore => return (records, problems),
            }
        }
    }

    #[test]
    fn a_reader_resumed_from_a_point_goes_on_as_the_original() {
        // Good records, damage in the middle of the stream, then more good records: cut the
        // stream at every offset, carry the reader over at the cut, and compare with one pass.
        let mut bytes = framed(&[b"alpha", b"beta"]);
        bytes.extend_from_slice(b"\x07garbage that is not a record header at all");
        bytes.extend(framed(&[b"gamma", b"delta", b"epsilon"]));
        let mut whole = RecordReader::new();
        whole.extend(&bytes);
        let want = drain(&mut whole);
        for cut in 0..=bytes.len() {
            let mut first = RecordReader::new();
            first.extend(&bytes[..cut]);
            let (mut records, mut problems) = drain(&mut first);
            let point = first.resume_point();
            let mut second = RecordReader::resume_from(point);
            second.extend(&bytes[point.offset as usize..]);
            let (more_records, more_problems) = drain(&mut second);
            records.extend(more_records);
            problems.extend(more_problems);
            assert_eq!((records, problems), want, "cut at {cut}");
        }
    }

    #[test]
    fn byte_by_byte_delivery_yields_each_record_once() {
        let bytes = framed(&[b"one", b"two", b"three"]);
        let mut reader = RecordReader::new();
        let mut got = Vec::new();
        for b in &bytes {
            reader.extend(std::slice::from_ref(b));
            got.extend(drain(&mut reader).0);
        }
        assert_eq!(
            got,
            vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
        );
        assert_eq!(reader.resume_at(), bytes.len() as u64);
        assert_eq!(reader.consumed_to(), bytes.len() as u64);
    }

    #[test]
    fn bad_payload_crc_loses_one_record() {
        let mut bytes = framed(&[b"one", b"two", b"three"]);
        let second_payload = 12 + 3 + 4 + 12;
        bytes[second_payload] ^= 0xff;
        let mut reader = RecordReader::new();
        reader.extend(&bytes);
        let (records, problems) = drain(&mut reader);
        assert_eq!(records, vec![b"one".to_vec(), b"three".to_vec()]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::BadDataCrc);
        assert_eq!(problems[0].offset, 19);
    }

    #[test]
    fn bad_length_crc_resynchronises() {
        let mut bytes = framed(&[b"one", b"two", b"three", b"four"]);
        bytes[19 + 9] ^= 0x01; // length CRC of the second record
        let mut reader = RecordReader::new();
        // Deliver in two halves so the scan has to resume.
        reader.extend(&bytes[..25]);
        let (mut records, mut problems) = drain(&mut reader);
        reader.extend(&bytes[25..]);
        let (r2, p2) = drain(&mut reader);
        records.extend(r2);
        problems.extend(p2);
        assert_eq!(
            records,
            vec![b"one".to_vec(), b"three".to_vec(), b"four".to_vec()]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::BadLengthCrc);
    }

    #[test]
    fn garbage_at_start_is_flagged_and_yields_nothing() {
        let garbage: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut reader = RecordReader::new();
        reader.extend(&garbage);
        let (records, problems) = drain(&mut reader);
        assert!(records.is_empty());
        assert_eq!(problems[0].kind, ProblemKind::NotAnEventFile);
        reader.release();
        assert!(reader.heap_bytes() < 16, "garbage is not kept buffered");
    }
}
