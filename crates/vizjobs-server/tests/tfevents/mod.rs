//! A minimal TensorBoard event writer for the reliability tests: TFRecord framing (length,
//! masked CRC-32C of the length, payload, masked CRC-32C of the payload) around hand-encoded
//! `tensorflow.Event` messages. The server crate does not depend on `vizjobs-events`, and these
//! few encoders keep it that way.

#![allow(dead_code)]

fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn masked(bytes: &[u8]) -> [u8; 4] {
    let crc = crc32c(bytes);
    (crc.rotate_right(15).wrapping_add(0xa282_ead8)).to_le_bytes()
}

pub fn frame(payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u64).to_le_bytes();
    let mut out = len.to_vec();
    out.extend_from_slice(&masked(&len));
    out.extend_from_slice(payload);
    out.extend_from_slice(&masked(payload));
    out
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(field: u32, bytes: &[u8], out: &mut Vec<u8>) {
    varint(u64::from(field << 3 | 2), out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

fn event(step: i64, summary_value: &[u8]) -> Vec<u8> {
    let mut summary = Vec::new();
    bytes_field(1, summary_value, &mut summary);
    let mut out = vec![0x09];
    out.extend_from_slice(&1_700_000_000f64.to_le_bytes());
    out.push(0x10);
    varint(step as u64, &mut out);
    bytes_field(5, &summary, &mut out);
    out
}

/// `Summary.Value{tag, simple_value}`.
pub fn scalar(step: i64, tag: &str, value: f32) -> Vec<u8> {
    let mut v = Vec::new();
    bytes_field(1, tag.as_bytes(), &mut v);
    v.push(0x15);
    v.extend_from_slice(&value.to_le_bytes());
    frame(&event(step, &v))
}

/// A text summary: a DT_STRING tensor under the `text` plugin.
pub fn text(step: i64, tag: &str, markdown: &str) -> Vec<u8> {
    let mut plugin = Vec::new();
    bytes_field(1, b"text", &mut plugin);
    let mut metadata = Vec::new();
    bytes_field(1, &plugin, &mut metadata);
    let mut tensor = vec![0x08, 0x07];
    bytes_field(8, markdown.as_bytes(), &mut tensor);
    let mut v = Vec::new();
    bytes_field(1, tag.as_bytes(), &mut v);
    bytes_field(8, &tensor, &mut v);
    bytes_field(9, &metadata, &mut v);
    frame(&event(step, &v))
}
