//! Masked CRC-32C, the checksum of the TFRecord framing.
//!
//! A record stores `mask(crc32c(bytes))` rather than the CRC itself, so that a CRC computed over
//! data that itself contains CRCs does not degenerate. The mask rotates right by 15 bits and adds
//! the constant `0xA282EAD8` (wrapping).
//!
//! Every record costs two checksums, over 8 length bytes and over a payload that is usually a
//! few dozen bytes (one scalar event). The `crc32c` crate is built for long buffers: it aligns
//! its input with one-byte steps and pays a dispatch per call, which made checksums a quarter of
//! the load time of a typical logdir. Inputs up to [`SHORT_INPUT`] bytes therefore take a
//! small kernel of unaligned 8-byte steps on the SSE 4.2 `crc32` instruction; longer ones, and
//! CPUs without it, go to the crate.

/// The masked CRC-32C of some bytes, as stored in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskedCrc(pub u32);

const MASK_DELTA: u32 = 0xA282_EAD8;

/// Inputs up to this length use the short-input kernel (where the crate's alignment prologue
/// and epilogue dominate); beyond it the crate's 3-way interleaved kernel is faster.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const SHORT_INPUT: usize = 256;

impl MaskedCrc {
    /// Computes the masked CRC-32C (Castagnoli) of `bytes`.
    #[inline]
    pub fn compute(bytes: &[u8]) -> Self {
        let crc = crc32c(bytes);
        MaskedCrc(crc.rotate_right(15).wrapping_add(MASK_DELTA))
    }

    /// Reads a stored masked CRC (little-endian `u32`).
    pub fn from_le_bytes(bytes: [u8; 4]) -> Self {
        MaskedCrc(u32::from_le_bytes(bytes))
    }

    /// Whether this stored value is the masked CRC of `bytes`.
    #[inline]
    pub fn verifies(self, bytes: &[u8]) -> bool {
        Self::compute(bytes) == self
    }
}

/// Plain (unmasked) CRC-32C.
#[inline]
fn crc32c(bytes: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() <= SHORT_INPUT && std::arch::is_x86_feature_detected!("sse4.2") {
        // SAFETY: the CPU supports SSE 4.2, checked just above.
        return unsafe { short_sse42(bytes) };
    }
    crc32c::crc32c(bytes)
}

/// CRC-32C of a short input: unaligned 8-byte steps, then 4, 2 and 1 for the tail. x86 loads
/// need no alignment, so there is no byte-wise prologue.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn short_sse42(bytes: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_crc32_u8, _mm_crc32_u16, _mm_crc32_u32, _mm_crc32_u64};
    let mut crc = u64::from(!0u32);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("chunks of 8"));
        crc = _mm_crc32_u64(crc, w);
    }
    let mut crc = crc as u32;
    let mut tail = words.remainder();
    if tail.len() >= 4 {
        let (w, rest) = tail.split_at(4);
        crc = _mm_crc32_u32(crc, u32::from_le_bytes(w.try_into().expect("4 bytes")));
        tail = rest;
    }
    if tail.len() >= 2 {
        let (w, rest) = tail.split_at(2);
        crc = _mm_crc32_u16(crc, u16::from_le_bytes(w.try_into().expect("2 bytes")));
        tail = rest;
    }
    if let Some(&b) = tail.first() {
        crc = _mm_crc32_u8(crc, b);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmasked_check_value_is_castagnoli() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn mindspore_version_record_length_crc() {
        // The first 12 bytes of every MindSpore summary: length 28 and its masked CRC.
        let len = 28u64.to_le_bytes();
        assert_eq!(
            MaskedCrc::compute(&len),
            MaskedCrc::from_le_bytes([0xc8, 0xc1, 0x95, 0x1d])
        );
    }

    #[test]
    fn short_kernel_agrees_with_the_crate_at_every_length_and_alignment() {
        // Pseudo-random bytes (xorshift), so every tail shape sees varied data.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let data: Vec<u8> = (0..SHORT_INPUT + 64)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for start in 0..8 {
            for len in 0..=SHORT_INPUT + 40 {
                let slice = &data[start..start + len];
                assert_eq!(
                    crc32c(slice),
                    crc32c::crc32c(slice),
                    "start {start}, len {len}"
                );
            }
        }
    }
}
