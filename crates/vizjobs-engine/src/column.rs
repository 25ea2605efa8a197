//! Byte columns: the compact bytes of a scalar chunk or a histogram, either owned (and growable
//! while records come in) or a shared slice of a persistent-cache entry mapped from disk.
//!
//! A restore maps the entry's file and decodes it in place: each column of the entry becomes a
//! [`Column::Shared`] slice of the mapping rather than a copy. That is what makes a restore in a
//! fresh process cheap: copies would need fresh memory, and a fresh page costs the kernel a
//! fault, zeroing and accounting (about 2 µs, twice the copy itself), where the entry's pages
//! are already in the page cache and are mapped 16 at a time. A shared column that must grow
//! (the open chunk of a series that gains points) becomes owned first, by copying it.
//!
//! On the wire (postcard) a column is a byte string, as `serde_bytes` writes a `Vec<u8>`.

use std::cell::RefCell;

use bytes::Bytes;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Bytes owned or shared with a mapped cache entry.
#[derive(Debug, Clone)]
pub enum Column {
    Owned(Vec<u8>),
    Shared(Bytes),
}

impl Default for Column {
    fn default() -> Self {
        Column::Owned(Vec::new())
    }
}

impl Column {
    pub fn with_capacity(bytes: usize) -> Self {
        Column::Owned(Vec::with_capacity(bytes))
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            Column::Owned(v) => v,
            Column::Shared(b) => b,
        }
    }

    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.make_owned().extend_from_slice(bytes);
    }

    /// The bytes to append to, copied out of the entry first if shared.
    pub fn make_owned(&mut self) -> &mut Vec<u8> {
        if let Column::Shared(b) = self {
            *self = Column::Owned(b.to_vec());
        }
        match self {
            Column::Owned(v) => v,
            Column::Shared(_) => unreachable!("made owned above"),
        }
    }

    pub fn shrink_to_fit(&mut self) {
        if let Column::Owned(v) = self {
            v.shrink_to_fit();
        }
    }

    /// Memory held: an owned column's allocation, or the part of the mapped entry it spans.
    pub fn held_bytes(&self) -> usize {
        match self {
            Column::Owned(v) => v.capacity(),
            Column::Shared(b) => b.len(),
        }
    }
}

impl From<Vec<u8>> for Column {
    fn from(v: Vec<u8>) -> Self {
        Column::Owned(v)
    }
}

thread_local! {
    /// The mapped entry being decoded on this thread (see [`decoding_entry`]).
    static ENTRY: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// Runs `decode` with `entry` as the entry being decoded: columns borrowed from it while
/// decoding become shared slices of it.
pub(crate) fn decoding_entry<T>(entry: &Bytes, decode: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ENTRY.with_borrow_mut(|e| *e = None);
        }
    }
    ENTRY.with_borrow_mut(|e| *e = Some(entry.clone()));
    let _reset = Reset;
    decode()
}

/// A slice of the entry being decoded, or a copy when `bytes` is not part of one.
fn share(bytes: &[u8]) -> Column {
    ENTRY.with_borrow(|entry| match entry {
        Some(e) if within(e, bytes) => Column::Shared(e.slice_ref(bytes)),
        _ => Column::Owned(bytes.to_vec()),
    })
}

fn within(outer: &[u8], inner: &[u8]) -> bool {
    let outer = outer.as_ptr_range();
    let inner = inner.as_ptr_range();
    outer.start <= inner.start && inner.end <= outer.end
}

impl Serialize for Column {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.as_slice())
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ColumnVisitor;
        impl<'de> Visitor<'de> for ColumnVisitor {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, bytes: &'de [u8]) -> Result<Column, E> {
                Ok(share(bytes))
            }
            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Column, E> {
                Ok(Column::Owned(bytes.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Column, E> {
                Ok(Column::Owned(bytes))
            }
        }
        d.deserialize_bytes(ColumnVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_decoded_from_an_entry_share_it_and_copy_on_growth() {
        let columns = vec![Column::from(vec![1, 2, 3]), Column::from(vec![4, 5])];
        let entry = Bytes::from(postcard::to_stdvec(&columns).expect("encodes"));
        let decoded: Vec<Column> =
            decoding_entry(&entry, || postcard::from_bytes(&entry).expect("decodes"));
        assert!(decoded.iter().all(|c| matches!(c, Column::Shared(_))));
        assert_eq!(decoded[0].as_slice(), [1, 2, 3]);
        assert_eq!(decoded[1].as_slice(), [4, 5]);
        let mut grown = decoded[1].clone();
        grown.extend_from_slice(&[6]);
        assert!(matches!(grown, Column::Owned(_)));
        assert_eq!(grown.as_slice(), [4, 5, 6]);
        // The entry is untouched, and outside a decode, columns are copies.
        assert_eq!(decoded[1].as_slice(), [4, 5]);
        let copied: Vec<Column> = postcard::from_bytes(&entry).expect("decodes");
        assert!(copied.iter().all(|c| matches!(c, Column::Owned(_))));
    }
}
