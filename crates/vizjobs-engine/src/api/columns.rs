//! The binary form of a scalar series (`format=binary`): three columns a client views as typed
//! arrays, with nothing to parse.
//!
//! A full series is 20,000 points or more, and as JSON most of a client's time goes into
//! parsing numbers (see `bench/README.md`). This form costs 20 bytes per point and no parsing.
//! Layout, every number little-endian:
//!
//! | offset | bytes | content |
//! |---|---|---|
//! | 0 | 4 | magic `VJS1` |
//! | 4 | 4 | `n`, the number of points (`u32`) |
//! | 8 | 8·n | steps (`i64`) |
//! | 8 + 8·n | 8·n | wall times in seconds (`f64`) |
//! | 8 + 16·n | 4·n | values (`f32`, exactly as logged, NaN and infinities included) |
//!
//! Each column starts at a multiple of its element size, so a browser can view the body with
//! `BigInt64Array`, `Float64Array` and `Float32Array` in place.

use crate::series::Point;

/// The media type of the binary form.
pub const CONTENT_TYPE: &str = "application/vnd.vizjobs.scalar-columns";
pub const MAGIC: &[u8; 4] = b"VJS1";
const HEADER_LEN: usize = 8;
const BYTES_PER_POINT: usize = 20;

/// More points than the form's `u32` count can say (an answer of over 80 GB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} points do not fit one binary answer; ask for a step range or `points=N`")]
pub struct TooManyPoints(pub usize);

/// Encodes points.
pub fn encode(points: &[Point]) -> Result<Vec<u8>, TooManyPoints> {
    let mut out = Vec::with_capacity(HEADER_LEN + points.len() * BYTES_PER_POINT);
    encode_into(&mut out, points)?;
    Ok(out)
}

/// Appends the encoded points to `out` (the multi-run form frames one such body per run).
/// The columns are aligned in `out` when it ends at a multiple of 8.
pub fn encode_into(out: &mut Vec<u8>, points: &[Point]) -> Result<(), TooManyPoints> {
    let n = u32::try_from(points.len()).map_err(|_| TooManyPoints(points.len()))?;
    out.reserve(HEADER_LEN + points.len() * BYTES_PER_POINT);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend(points.iter().flat_map(|p| p.step.to_le_bytes()));
    out.extend(points.iter().flat_map(|p| p.wall_time.to_le_bytes()));
    out.extend(points.iter().flat_map(|p| p.value.to_le_bytes()));
    Ok(())
}

/// Why a body is not the binary form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a scalar-columns body (bad magic)")]
    BadMagic,
    #[error("scalar-columns body of {got} bytes, expected {expected}")]
    BadLength { got: usize, expected: usize },
}

/// Decodes a body written by [`encode`] (for Rust clients and tests).
pub fn decode(body: &[u8]) -> Result<Vec<Point>, DecodeError> {
    if body.get(..4) != Some(MAGIC.as_slice()) || body.len() < HEADER_LEN {
        return Err(DecodeError::BadMagic);
    }
    let n = u32::from_le_bytes(body[4..8].try_into().expect("4 bytes")) as usize;
    let expected = HEADER_LEN + n * BYTES_PER_POINT;
    if body.len() != expected {
        return Err(DecodeError::BadLength {
            got: body.len(),
            expected,
        });
    }
    let (steps, rest) = body[HEADER_LEN..].split_at(8 * n);
    let (walls, values) = rest.split_at(8 * n);
    Ok(steps
        .chunks_exact(8)
        .zip(walls.chunks_exact(8))
        .zip(values.chunks_exact(4))
        .map(|((s, w), v)| Point {
            step: i64::from_le_bytes(s.try_into().expect("8 bytes")),
            wall_time: f64::from_le_bytes(w.try_into().expect("8 bytes")),
            value: f32::from_le_bytes(v.try_into().expect("4 bytes")),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_bit_including_non_finite_values() {
        let points = [
            Point {
                step: -3,
                wall_time: 1_795_812_867.814_344_6,
                value: f32::NAN,
            },
            Point {
                step: i64::MAX,
                wall_time: 0.5,
                value: f32::NEG_INFINITY,
            },
            Point {
                step: 7,
                wall_time: f64::MIN_POSITIVE,
                value: 0.1,
            },
        ];
        let body = encode(&points).expect("3 points fit");
        assert_eq!(body.len(), 8 + 3 * 20);
        assert_eq!(&body[..8], b"VJS1\x03\0\0\0");
        // Columns: the second step starts at 16, the first wall time at 32, the values at 56.
        assert_eq!(&body[16..24], &i64::MAX.to_le_bytes());
        assert_eq!(&body[56..60], &f32::NAN.to_le_bytes());
        let back = decode(&body).expect("valid body");
        assert_eq!(back.len(), 3);
        for (a, b) in points.iter().zip(&back) {
            assert_eq!(a.step, b.step);
            assert_eq!(a.wall_time.to_bits(), b.wall_time.to_bits());
            assert_eq!(a.value.to_bits(), b.value.to_bits());
        }
    }

    #[test]
    fn rejects_a_wrong_magic_or_length() {
        assert_eq!(decode(b"VJS2\0\0\0\0"), Err(DecodeError::BadMagic));
        assert_eq!(decode(b"VJS"), Err(DecodeError::BadMagic));
        assert_eq!(
            decode(b"VJS1\x01\0\0\0"),
            Err(DecodeError::BadLength {
                got: 8,
                expected: 28
            })
        );
        assert_eq!(decode(&encode(&[]).expect("0 points fit")), Ok(vec![]));
    }
}
