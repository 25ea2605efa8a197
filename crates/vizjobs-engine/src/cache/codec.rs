//! serde helpers for the parts of the index that serde cannot derive, or not compactly.

/// A `Vec<f32>` as one byte string of little-endian values: one copy instead of a call per value.
pub mod f32_bytes {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f32], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        s.serialize_bytes(&bytes)
    }

    /// Straight from the entry's bytes into the column: no intermediate byte buffer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        d.deserialize_byte_buf(Column)
    }

    struct Column;

    impl serde::de::Visitor<'_> for Column {
        type Value = Vec<f32>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("little-endian f32 values")
        }

        fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<f32>, E> {
            if !bytes.len().is_multiple_of(4) {
                return Err(E::custom("f32 column of a length not a multiple of 4"));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        }

        fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<f32>, E> {
            self.visit_bytes(&bytes)
        }
    }
}

/// A histogram's `[left, right, count]` buckets as one byte string of little-endian `f32`s,
/// three per bucket: decoded in one pass into an allocation of the exact size, rather than a
/// sequence of three-element tuples checked one value at a time (the per-value decoding was
/// the costliest user-space part of a restore: a reference run holds 400 histograms of about
/// 600 buckets).
pub mod f32_triples {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(triples: &[[f32; 3]], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = triples
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[[f32; 3]]>, D::Error> {
        d.deserialize_byte_buf(Triples)
    }

    struct Triples;

    impl serde::de::Visitor<'_> for Triples {
        type Value = Box<[[f32; 3]]>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("little-endian f32 triples")
        }

        fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
            if !bytes.len().is_multiple_of(12) {
                return Err(E::custom("f32 triples of a length not a multiple of 12"));
            }
            let value = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            Ok(bytes
                .chunks_exact(12)
                .map(|t| [value(&t[..4]), value(&t[4..8]), value(&t[8..])])
                .collect())
        }

        fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Self::Value, E> {
            self.visit_bytes(&bytes)
        }
    }
}

/// An optional protobuf message as its own encoding (the messages are prost types, not serde).
pub mod prost_message {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<M: prost::Message, S: Serializer>(
        message: &Option<M>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        message
            .as_ref()
            .map(|m| serde_bytes::ByteBuf::from(m.encode_to_vec()))
            .serialize(s)
    }

    pub fn deserialize<'de, M: prost::Message + Default, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<M>, D::Error> {
        Option::<serde_bytes::ByteBuf>::deserialize(d)?
            .map(|bytes| M::decode(bytes.as_slice()).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Buckets(#[serde(with = "super::f32_triples")] Box<[[f32; 3]]>);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Column(#[serde(with = "super::f32_bytes")] Vec<f32>);

    #[test]
    fn triples_round_trip_bit_for_bit() {
        let buckets = Buckets(
            vec![
                [-1.5, 0.25, 3.0],
                [f32::MIN_POSITIVE, f32::MAX, 0.0],
                [-0.0, f32::INFINITY, 1e-30],
            ]
            .into(),
        );
        let bytes = postcard::to_allocvec(&buckets).unwrap();
        // A length prefix and 12 bytes a bucket: nothing per value.
        assert_eq!(bytes.len(), 1 + 36);
        let back: Buckets = postcard::from_bytes(&bytes).unwrap();
        let bits =
            |b: &Buckets| -> Vec<u32> { b.0.iter().flatten().map(|v| v.to_bits()).collect() };
        assert_eq!(bits(&back), bits(&buckets));
        let empty: Buckets =
            postcard::from_bytes(&postcard::to_allocvec(&Buckets(Box::new([]))).unwrap()).unwrap();
        assert!(empty.0.is_empty());
    }

    #[test]
    fn byte_strings_of_the_wrong_length_are_refused() {
        // A byte string of 13 bytes: a bucket and one byte.
        let mut bytes = vec![13u8];
        bytes.extend([0u8; 13]);
        let err = postcard::from_bytes::<Buckets>(&bytes).unwrap_err();
        assert!(matches!(err, postcard::Error::SerdeDeCustom), "{err}");
        let mut bytes = vec![6u8];
        bytes.extend([0u8; 6]);
        assert!(postcard::from_bytes::<Column>(&bytes).is_err());
        let column = Column(vec![1.0, -2.5]);
        let back: Column = postcard::from_bytes(&postcard::to_allocvec(&column).unwrap()).unwrap();
        assert_eq!(back, column);
    }
}
