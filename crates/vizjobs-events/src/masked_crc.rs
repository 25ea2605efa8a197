//! Masked CRC-32C, the checksum of the TFRecord framing.
//!
//! A record stores `mask(crc32c(bytes))` rather than the CRC itself, so that a CRC computed over
//! data that itself contains CRCs does not degenerate. The mask rotates right by 15 bits and adds
//! the constant `0xA282EAD8` (wrapping).

/// The masked CRC-32C of some bytes, as stored in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskedCrc(pub u32);

const MASK_DELTA: u32 = 0xA282_EAD8;

impl MaskedCrc {
    /// Computes the masked CRC-32C (Castagnoli) of `bytes`.
    pub fn compute(bytes: &[u8]) -> Self {
        let crc = crc32c::crc32c(bytes);
        MaskedCrc(crc.rotate_right(15).wrapping_add(MASK_DELTA))
    }

    /// Reads a stored masked CRC (little-endian `u32`).
    pub fn from_le_bytes(bytes: [u8; 4]) -> Self {
        MaskedCrc(u32::from_le_bytes(bytes))
    }

    /// Whether this stored value is the masked CRC of `bytes`.
    pub fn verifies(self, bytes: &[u8]) -> bool {
        Self::compute(bytes) == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmasked_check_value_is_castagnoli() {
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
}
