//! JSON and CSV encoding details of the data API: non-finite floats become the strings
//! `"NaN"`, `"Infinity"`, `"-Infinity"`; scalar values are printed as the shortest decimal that
//! reads back to the same `f32`, which keeps large answers small.

use crate::series::Point;

/// The string a non-finite float is written as (`"NaN"`, `"Infinity"`, `"-Infinity"`), or
/// `None` for a finite one, which is written as a number.
pub(crate) fn non_finite(x: f64) -> Option<&'static str> {
    if x.is_finite() {
        None
    } else if x.is_nan() {
        Some("NaN")
    } else if x > 0.0 {
        Some("Infinity")
    } else {
        Some("-Infinity")
    }
}

fn push_f64(out: &mut Vec<u8>, x: f64, quote: bool) {
    match non_finite(x) {
        None => out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes()),
        Some(text) if quote => {
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
        }
        Some(text) => out.extend_from_slice(text.as_bytes()),
    }
}

fn push_f32(out: &mut Vec<u8>, x: f32, quote: bool) {
    if x.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else {
        push_f64(out, f64::from(x), quote);
    }
}

/// `[[step, wall_time, value], ...]` ([`ScalarRow`](super::answers::ScalarRow)s), written
/// directly rather than through serde: a series can be millions of points.
pub fn scalars_json(points: &[Point]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + points.len() * 36);
    out.push(b'[');
    let mut itoa = itoa::Buffer::new();
    for (i, p) in points.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        out.extend_from_slice(itoa.format(p.step).as_bytes());
        out.push(b',');
        push_f64(&mut out, p.wall_time, true);
        out.push(b',');
        push_f32(&mut out, p.value, true);
        out.push(b']');
    }
    out.push(b']');
    out
}

/// CSV with header `step,wall_time,value`.
pub fn scalars_csv(points: &[Point]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + points.len() * 34);
    out.extend_from_slice(b"step,wall_time,value\n");
    let mut itoa = itoa::Buffer::new();
    for p in points {
        out.extend_from_slice(itoa.format(p.step).as_bytes());
        out.push(b',');
        push_f64(&mut out, p.wall_time, false);
        out.push(b',');
        push_f32(&mut out, p.value, false);
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn scalars_are_exact_and_non_finite_quoted() {
        let pts = [
            Point {
                step: 3,
                wall_time: 1_795_812_867.814_344_6,
                value: 0.1,
            },
            Point {
                step: 4,
                wall_time: 1.0,
                value: f32::NAN,
            },
            Point {
                step: 5,
                wall_time: 2.0,
                value: f32::NEG_INFINITY,
            },
        ];
        let text = String::from_utf8(scalars_json(&pts)).unwrap_or_default();
        assert_eq!(
            text,
            r#"[[3,1795812867.8143446,0.1],[4,1.0,"NaN"],[5,2.0,"-Infinity"]]"#
        );
        let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(parsed[0][2].as_f64().map(|v| v as f32), Some(0.1f32));
        let csv = String::from_utf8(scalars_csv(&pts[..1])).unwrap_or_default();
        assert_eq!(csv, "step,wall_time,value\n3,1795812867.8143446,0.1\n");
    }
}
