//! serde helpers for the parts of the index that serde cannot derive. (Byte columns, which
//! a restore shares with the mapped entry, are [`crate::column`].)

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
