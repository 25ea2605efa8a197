//! Just enough of the protobuf wire format to walk scalar events without allocating.
//!
//! A field is a varint key `(field_number << 3) | wire_type` followed by its value: wire type 0
//! is a varint, 1 eight little-endian bytes, 2 a varint length then that many bytes, 5 four
//! little-endian bytes. Anything this walker does not understand makes it give up (`None`), and
//! the caller falls back to full prost decoding.

/// Wire types.
pub const VARINT: u8 = 0;
pub const FIXED64: u8 = 1;
pub const LEN: u8 = 2;
pub const FIXED32: u8 = 5;

/// A cursor over one message's bytes.
pub struct Cursor<'a> {
    bytes: &'a [u8],
}

/// One field's value, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Len(&'a [u8]),
    Fixed32([u8; 4]),
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes }
    }

    /// The next `(field_number, value)`, `Some(None)`-free: `None` at the end *or* on malformed
    /// input — callers tell them apart with [`Cursor::is_empty`].
    pub fn next_field(&mut self) -> Option<(u32, Field<'a>)> {
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).ok()?;
        let value = match (key & 7) as u8 {
            VARINT => Field::Varint(self.varint()?),
            FIXED64 => Field::Fixed64(self.take(8)?.try_into().ok()?),
            LEN => {
                let len = usize::try_from(self.varint()?).ok()?;
                Field::Len(self.take(len)?)
            }
            FIXED32 => Field::Fixed32(self.take(4)?.try_into().ok()?),
            _ => return None,
        };
        Some((number, value))
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for (i, &b) in self.bytes.iter().enumerate().take(10) {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Some(value);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_all_wire_types() {
        // field 1 fixed64, field 2 varint 300, field 3 "hi", field 4 fixed32
        let mut bytes = vec![0x09];
        bytes.extend_from_slice(&1.5f64.to_le_bytes());
        bytes.extend_from_slice(&[0x10, 0xac, 0x02, 0x1a, 0x02, b'h', b'i', 0x25]);
        bytes.extend_from_slice(&2.5f32.to_le_bytes());
        let mut c = Cursor::new(&bytes);
        assert!(
            matches!(c.next_field(), Some((1, Field::Fixed64(b))) if f64::from_le_bytes(b) == 1.5)
        );
        assert!(matches!(c.next_field(), Some((2, Field::Varint(300)))));
        assert!(matches!(c.next_field(), Some((3, Field::Len(b"hi")))));
        assert!(
            matches!(c.next_field(), Some((4, Field::Fixed32(b))) if f32::from_le_bytes(b) == 2.5)
        );
        assert!(c.next_field().is_none() && c.is_empty());
    }

    #[test]
    fn truncated_input_is_rejected() {
        let mut c = Cursor::new(&[0x1a, 0x05, b'a']);
        assert!(c.next_field().is_none());
        assert!(!c.is_empty());
    }
}
