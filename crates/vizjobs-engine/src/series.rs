//! Compact storage of a scalar series: every point kept, about 7–8 bytes each.
//!
//! Points live in chunks of up to [`CHUNK_POINTS`]. Within a chunk, values are plain `f32`
//! (exactly what the file holds, little-endian) and `(step, wall_time)` pairs are a byte stream of two zig-zag
//! varints per point: the change in step delta and the change in the delta of the wall time's
//! IEEE-754 bit pattern (delta-of-delta), against the previous points of the chunk. Bit patterns
//! make the wall time round-trip exactly; delta-of-delta makes a regular series (constant step
//! stride, steady pace) cost one byte each, and an irregular one 2–4 bytes. A full
//! chunk is shrunk to its exact size, so only the open chunk carries slack. Each chunk records
//! its step range, so range queries skip whole chunks. Both are byte [`Column`]s, so a series
//! restored from the persistent cache reads them straight from the mapped entry.

use crate::column::Column;

/// Points per chunk.
pub const CHUNK_POINTS: usize = 1024;
/// Room made for a series' first chunk, which grows as points come.
const FIRST_CHUNK_POINTS: usize = 128;

/// One point as served.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub step: i64,
    pub wall_time: f64,
    pub value: f32,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Chunk {
    /// Little-endian `f32`s.
    values: Column,
    stamps: Column,
    min_step: i64,
    max_step: i64,
    /// Previous point's step and wall-time bits, and the deltas that led to them.
    prev_step: i64,
    prev_wall_bits: i64,
    prev_step_delta: i64,
    prev_wall_delta: i64,
}

impl Chunk {
    /// An empty chunk with room for `points` regular points (it grows beyond if needed).
    fn open(points: usize) -> Self {
        Chunk {
            values: Column::with_capacity(points * 4),
            stamps: Column::with_capacity(points * 4),
            min_step: i64::MAX,
            max_step: i64::MIN,
            ..Default::default()
        }
    }

    #[inline]
    fn push(&mut self, p: Point) {
        let wall_bits = p.wall_time.to_bits() as i64;
        let step_delta = p.step.wrapping_sub(self.prev_step);
        let wall_delta = wall_bits.wrapping_sub(self.prev_wall_bits);
        let step_change = zigzag(step_delta.wrapping_sub(self.prev_step_delta));
        let wall_change = zigzag(wall_delta.wrapping_sub(self.prev_wall_delta));
        let stamps = self.stamps.make_owned();
        if step_change < 0x80 && wall_change < 0x80 {
            // The usual case for a steady series: one byte each.
            stamps.extend_from_slice(&[step_change as u8, wall_change as u8]);
        } else {
            put_varint(stamps, step_change);
            put_varint(stamps, wall_change);
        }
        self.prev_step = p.step;
        self.prev_wall_bits = wall_bits;
        self.prev_step_delta = step_delta;
        self.prev_wall_delta = wall_delta;
        self.values
            .make_owned()
            .extend_from_slice(&p.value.to_le_bytes());
        self.min_step = self.min_step.min(p.step);
        self.max_step = self.max_step.max(p.step);
    }

    /// The chunk's latest point, if any.
    fn last(&self) -> Option<Point> {
        Some(Point {
            step: self.prev_step,
            wall_time: f64::from_bits(self.prev_wall_bits as u64),
            value: self.values().next_back()?,
        })
    }

    fn len(&self) -> usize {
        self.values.len() / 4
    }

    fn values(&self) -> impl DoubleEndedIterator<Item = f32> + '_ {
        self.values
            .as_slice()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn seal(&mut self) {
        self.values.shrink_to_fit();
        self.stamps.shrink_to_fit();
    }

    fn points(&self) -> impl Iterator<Item = Point> + '_ {
        let mut pos = 0usize;
        let (mut step, mut step_delta) = (0i64, 0i64);
        let (mut wall_bits, mut wall_delta) = (0i64, 0i64);
        let stamps = self.stamps.as_slice();
        self.values().map_while(move |value| {
            step_delta = step_delta.wrapping_add(unzigzag(get_varint(stamps, &mut pos)?));
            wall_delta = wall_delta.wrapping_add(unzigzag(get_varint(stamps, &mut pos)?));
            step = step.wrapping_add(step_delta);
            wall_bits = wall_bits.wrapping_add(wall_delta);
            Some(Point {
                step,
                wall_time: f64::from_bits(wall_bits as u64),
                value,
            })
        })
    }

    fn heap_bytes(&self) -> usize {
        self.values.held_bytes() + self.stamps.held_bytes()
    }
}

/// Every point of one scalar tag of one run. The persistent cache saves the chunks as they are
/// (compact bytes), so a restored series costs what it did in memory.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ScalarSeries {
    chunks: Vec<Chunk>,
    len: usize,
    /// Whether steps never decreased; otherwise reads sort by step.
    in_step_order: bool,
    /// The step of the latest point (`i64::MIN` before any).
    last_step: i64,
}

impl Default for ScalarSeries {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarSeries {
    pub fn new() -> Self {
        ScalarSeries {
            chunks: Vec::new(),
            len: 0,
            in_step_order: true,
            last_step: i64::MIN,
        }
    }

    #[inline]
    pub fn push(&mut self, p: Point) {
        if p.step < self.last_step {
            self.in_step_order = false;
        }
        self.last_step = p.step;
        self.len += 1;
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK_POINTS => c.push(p),
            _ => self.open_chunk().push(p),
        }
    }

    /// Seals the full chunk (if any) and opens a new one.
    #[cold]
    fn open_chunk(&mut self) -> &mut Chunk {
        if let Some(full) = self.chunks.last_mut() {
            full.seal();
        }
        // A series' first chunk starts small: a sweep of 10,000 runs has 50,000 short series,
        // and a full chunk's room for each (8 KiB) would be touched once and, shrunk at the end
        // of the pass, left as holes the allocator cannot return (400 MB of peak memory).
        let room = if self.chunks.is_empty() {
            FIRST_CHUNK_POINTS
        } else {
            CHUNK_POINTS
        };
        self.chunks.push(Chunk::open(room));
        self.chunks.last_mut().expect("pushed above")
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most recently appended point.
    pub fn last(&self) -> Option<Point> {
        self.chunks.last()?.last()
    }

    /// Points with `lo <= step <= hi`, in step order (stable for equal steps).
    pub fn range(&self, lo: i64, hi: i64) -> Vec<Point> {
        let mut out: Vec<Point> = self
            .chunks
            .iter()
            .filter(|c| c.max_step >= lo && c.min_step <= hi)
            .flat_map(|c| c.points())
            .filter(|p| p.step >= lo && p.step <= hi)
            .collect();
        if !self.in_step_order {
            out.sort_by_key(|p| p.step);
        }
        out
    }

    /// Every point, in step order.
    pub fn all(&self) -> Vec<Point> {
        self.range(i64::MIN, i64::MAX)
    }

    /// Drops every point with `step >= from` (a restarted writer supersedes them).
    pub fn purge_from(&mut self, from: i64) {
        if self.chunks.iter().all(|c| c.max_step < from) {
            return;
        }
        let kept: Vec<Point> = self
            .chunks
            .iter()
            .flat_map(|c| c.points())
            .filter(|p| p.step < from)
            .collect();
        *self = ScalarSeries::new();
        for p in kept {
            self.push(p);
        }
        self.shrink();
    }

    /// Releases the open chunk's slack (call when a load pass ends).
    pub fn shrink(&mut self) {
        if let Some(c) = self.chunks.last_mut() {
            c.seal();
        }
        self.chunks.shrink_to_fit();
    }

    pub fn heap_bytes(&self) -> usize {
        self.chunks.iter().map(Chunk::heap_bytes).sum::<usize>()
            + self.chunks.capacity() * std::mem::size_of::<Chunk>()
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// Downsamples to about `target` points, keeping each bucket's first, last, minimum and maximum
/// so spikes survive. Returns the input when it is already small enough.
pub fn downsample(points: &[Point], target: usize) -> Vec<Point> {
    if target == 0 || points.len() <= target {
        return points.to_vec();
    }
    let buckets = (target / 4).max(1);
    let mut out = Vec::with_capacity(buckets * 4);
    for b in 0..buckets {
        let lo = b * points.len() / buckets;
        let hi = (b + 1) * points.len() / buckets;
        let slice = &points[lo..hi];
        if slice.is_empty() {
            continue;
        }
        let mut min_i = 0;
        let mut max_i = 0;
        for (i, p) in slice.iter().enumerate() {
            // NaN never wins a comparison, so it is kept only as first/last.
            if p.value < slice[min_i].value {
                min_i = i;
            }
            if p.value > slice[max_i].value {
                max_i = i;
            }
        }
        let mut picks = [0, min_i, max_i, slice.len() - 1];
        picks.sort_unstable();
        let mut prev = None;
        for i in picks {
            if prev != Some(i) {
                out.push(slice[i]);
                prev = Some(i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(step: i64, wall_time: f64, value: f32) -> Point {
        Point {
            step,
            wall_time,
            value,
        }
    }

    #[test]
    fn round_trips_exactly_across_chunks() {
        let mut s = ScalarSeries::new();
        let pts: Vec<Point> = (0..3000)
            .map(|i| {
                pt(
                    i * 3,
                    1_795_812_867.814_344_6 + i as f64 * 0.000_137,
                    (i as f32).sin(),
                )
            })
            .collect();
        for &p in &pts {
            s.push(p);
        }
        s.shrink();
        let got = s.all();
        assert_eq!(got.len(), pts.len());
        for (a, b) in got.iter().zip(&pts) {
            assert_eq!(a.step, b.step);
            assert_eq!(a.wall_time.to_bits(), b.wall_time.to_bits());
            assert_eq!(a.value.to_bits(), b.value.to_bits());
        }
        let per_point = s.heap_bytes() as f64 / pts.len() as f64;
        assert!(per_point <= 6.5, "{per_point} bytes per point");
        let last = s.last().expect("a last point");
        let want = pts[pts.len() - 1];
        assert_eq!(
            (last.step, last.wall_time.to_bits(), last.value.to_bits()),
            (want.step, want.wall_time.to_bits(), want.value.to_bits())
        );
        assert!(ScalarSeries::new().last().is_none());
    }

    #[test]
    fn irregular_stamps_take_the_long_varint_path_and_round_trip() {
        // Jumps in step and wall time that do not fit one byte of delta-of-delta.
        let pts: Vec<Point> = (0..2100i64)
            .map(|i| {
                pt(
                    i * i * 7 - 5_000,
                    1.0e9 + (i % 13) as f64 * 1e5,
                    -(i as f32),
                )
            })
            .collect();
        let mut s = ScalarSeries::new();
        for &p in &pts {
            s.push(p);
        }
        let got = s.all();
        assert_eq!(got, pts);
    }

    #[test]
    fn range_and_purge() {
        let mut s = ScalarSeries::new();
        for i in 0..2500 {
            s.push(pt(i, 1.0e9 + i as f64, i as f32));
        }
        let r = s.range(1000, 1030);
        assert_eq!(r.len(), 31);
        assert_eq!(r[0].step, 1000);
        s.purge_from(6);
        assert_eq!(
            s.all().iter().map(|p| p.step).collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 4, 5]
        );
        s.push(pt(6, 5.0, 106.0));
        assert_eq!(s.len(), 7);
    }

    #[test]
    fn out_of_order_steps_are_served_sorted() {
        let mut s = ScalarSeries::new();
        for step in [5, 1, 3] {
            s.push(pt(step, 0.0, step as f32));
        }
        assert_eq!(
            s.all().iter().map(|p| p.step).collect::<Vec<_>>(),
            vec![1, 3, 5]
        );
    }

    #[test]
    fn downsampling_keeps_extremes() {
        let mut pts: Vec<Point> = (0..10_000).map(|i| pt(i, 0.0, 0.0)).collect();
        pts[5_555].value = 99.0;
        pts[7_777].value = -99.0;
        let d = downsample(&pts, 100);
        assert!(d.len() <= 100);
        assert!(d.iter().any(|p| p.value == 99.0) && d.iter().any(|p| p.value == -99.0));
        assert_eq!(d.first().map(|p| p.step), Some(0));
        assert_eq!(d.last().map(|p| p.step), Some(9_999));
    }
}
