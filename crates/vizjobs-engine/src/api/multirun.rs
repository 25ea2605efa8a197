//! `POST data/scalars_multirun`: one scalar tag of many runs in one answer, so a chart of a
//! 10,000-run sweep costs one request rather than one per run.
//!
//! The parameters come as a form body (`application/x-www-form-urlencoded`, as TensorBoard's
//! endpoint of the same name takes them) and may also be given in the query string (the web
//! dashboard puts `format=binary` there); every parameter but `runs` may be given once:
//!
//! - `tag` (required);
//! - the runs: `runs=NAME` repeated, or `run_regex=RE` (a Rust regex searched anywhere in the
//!   name; an empty one selects every run), not both;
//! - `points`, `since_step`, `start_step`, `end_step` as for `data/scalars` (`points`
//!   downsamples each run's series on its own), and `format=json` (the default) or `binary`.
//!
//! The answer holds every selected run that has the tag, in name order: as JSON an object
//! `{"run": [[step, wall_time, value], ...], ...}` (each series exactly what `data/scalars`
//! answers for it), or in the binary form framed as below (`format=binary`). Runs asked for by name that the logdir does not have, and selected runs
//! without the tag, are never dropped silently: they are named in the headers
//! [`UNKNOWN_RUNS_HEADER`] and [`WITHOUT_TAG_HEADER`] (each name percent-encoded as in a query
//! string, comma-separated, at most [`HEADER_NAME_BYTES`] of names), with their full counts in
//! the `...-Count` headers.
//!
//! ## The binary form (`application/vnd.vizjobs.scalar-columns-multirun`)
//!
//! Every number little-endian; each run's series is a complete `VJS1` body of
//! [`columns`](super::columns), placed at a multiple of 8 bytes so a browser views its columns
//! in place:
//!
//! | bytes | content |
//! |---|---|
//! | 4 | magic `VJM1` |
//! | 4 | `r`, the number of runs (`u32`) |
//! | then `r` entries, each starting at a multiple of 8: | |
//! | 4 | `len`, the byte length of the run's name (`u32`) |
//! | len | the name, UTF-8 |
//! | 0–7 | zeros, up to the next multiple of 8 |
//! | 8 + 20·n | the run's series as a `VJS1` body |
//! | 0–7 | zeros, up to the next multiple of 8 |
//!
//! A body that does not end exactly after the last entry is damaged.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rayon::prelude::*;

use super::DataError;
use super::answers::{DataErrorBody, MultirunForm, ScalarRow};
use super::columns;
use super::json::scalars_json;
use crate::board::Shared;
use crate::loader::TrackedRun;
use crate::series::{Point, downsample};

/// The media type of the binary form.
pub const CONTENT_TYPE: &str = "application/vnd.vizjobs.scalar-columns-multirun";
pub const MAGIC: &[u8; 4] = b"VJM1";
/// Names asked for that the logdir does not have.
pub const UNKNOWN_RUNS_HEADER: &str = "x-vizjobs-unknown-runs";
/// Selected runs that do not have the tag.
pub const WITHOUT_TAG_HEADER: &str = "x-vizjobs-runs-without-tag";
/// Names listed per header at most, in bytes (percent-encoded): HTTP clients limit header
/// lines (Python's to 64 KiB); the `-Count` headers always give the whole count.
pub const HEADER_NAME_BYTES: usize = 16 * 1024;
/// The largest form body read: 10,000 run names of 100 bytes fit with room to spare.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// How big a compiled `run_regex` may grow.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// What a request selects.
#[derive(Debug)]
enum Selection {
    Names(BTreeSet<String>),
    Regex(regex::Regex),
}

/// The parsed parameters.
#[derive(Debug)]
struct Query {
    tag: String,
    selection: Selection,
    points: Option<usize>,
    lo: i64,
    hi: i64,
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Binary,
}

impl Query {
    /// Parses the query string's and the form body's pairs together.
    fn parse(query: &str, body: &[u8]) -> Result<Query, DataError> {
        let mut runs: Vec<String> = Vec::new();
        let mut single: std::collections::HashMap<String, String> = Default::default();
        let pairs =
            url::form_urlencoded::parse(query.as_bytes()).chain(url::form_urlencoded::parse(body));
        for (key, value) in pairs {
            if key == "runs" {
                runs.push(value.into_owned());
            } else if single.insert(key.to_string(), value.into_owned()).is_some() {
                return Err(DataError::bad_request(format!(
                    "parameter `{key}` is given more than once"
                )));
            }
        }
        let tag = single
            .remove("tag")
            .ok_or_else(|| DataError::bad_request("missing parameter `tag`"))?;
        let selection = match (single.remove("run_regex"), runs.is_empty()) {
            (Some(_), false) => {
                return Err(DataError::bad_request(
                    "give either `runs` or `run_regex`, not both",
                ));
            }
            (Some(pattern), true) => Selection::Regex(
                regex::RegexBuilder::new(&pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| DataError::bad_request(format!("bad `run_regex`: {e}")))?,
            ),
            (None, false) => Selection::Names(runs.into_iter().collect()),
            (None, true) => {
                return Err(DataError::bad_request(
                    "missing parameter `runs` (repeated) or `run_regex`",
                ));
            }
        };
        let int = |name: &str| -> Result<Option<i64>, DataError> {
            single
                .get(name)
                .map(|v| {
                    v.parse().map_err(|_| {
                        DataError::bad_request(format!("parameter `{name}` must be an integer"))
                    })
                })
                .transpose()
        };
        let since = int("since_step")?;
        let lo = int("start_step")?
            .unwrap_or(i64::MIN)
            .max(since.map_or(i64::MIN, |s| s.saturating_add(1)));
        let hi = int("end_step")?.unwrap_or(i64::MAX);
        let points =
            match int("points")? {
                Some(n) => Some(usize::try_from(n).map_err(|_| {
                    DataError::bad_request("parameter `points` must not be negative")
                })?),
                None => None,
            };
        let format = match single.get("format").map(String::as_str) {
            None | Some("json") => Format::Json,
            Some("binary") => Format::Binary,
            Some(other) => {
                return Err(DataError::bad_request(format!("unknown format `{other}`")));
            }
        };
        for key in single.keys() {
            if !matches!(
                key.as_str(),
                "since_step" | "start_step" | "end_step" | "points" | "format"
            ) {
                return Err(DataError::bad_request(format!("unknown parameter `{key}`")));
            }
        }
        Ok(Query {
            tag,
            selection,
            points,
            lo,
            hi,
            format,
        })
    }
}

/// The runs a query selects, in name order, and the names that select nothing.
struct Selected {
    runs: Vec<Arc<TrackedRun>>,
    unknown: Vec<String>,
}

fn select(shared: &Shared, selection: &Selection) -> Selected {
    let all = shared.runs.read();
    match selection {
        Selection::Names(names) => {
            let mut runs = Vec::with_capacity(names.len());
            let mut unknown = Vec::new();
            for name in names {
                match all.get(name) {
                    Some(run) => runs.push(run.clone()),
                    None => unknown.push(name.clone()),
                }
            }
            Selected { runs, unknown }
        }
        Selection::Regex(re) => Selected {
            runs: all
                .iter()
                .filter(|(name, _)| re.is_match(name))
                .map(|(_, run)| run.clone())
                .collect(),
            unknown: Vec::new(),
        },
    }
}

/// One selected run's points, or `None` when it lacks the tag.
fn points_of(run: &TrackedRun, q: &Query) -> Option<Vec<Point>> {
    let points = {
        let d = run.index.read();
        d.scalars.get(&q.tag)?.range(q.lo, q.hi)
    };
    Some(match q.points {
        Some(n) => downsample(&points, n),
        None => points,
    })
}

/// Appends zeros up to the next multiple of 8.
fn pad8(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(8), 0);
}

/// One run's entry of the binary form (see the module docs), starting at a multiple of 8.
fn binary_entry(name: &str, points: &[Point]) -> Result<Vec<u8>, DataError> {
    let name_len =
        u32::try_from(name.len()).map_err(|_| DataError::bad_request("a run name is too long"))?;
    let mut out = Vec::with_capacity(16 + name.len() + 8 + points.len() * 20);
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    pad8(&mut out);
    columns::encode_into(&mut out, points).map_err(|e| DataError::bad_request(e.to_string()))?;
    pad8(&mut out);
    Ok(out)
}

/// One run's member of the JSON object: `"name":[...]`.
fn json_member(name: &str, points: &[Point]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 4 + points.len() * 36);
    // Serialising a string cannot fail.
    out.extend_from_slice(serde_json::to_string(name).unwrap_or_default().as_bytes());
    out.push(b':');
    out.extend_from_slice(&scalars_json(points));
    out
}

/// The encoded answer: what goes before, between and after the runs' parts, the runs without
/// the tag, and the media type.
struct Encoded {
    head: Vec<u8>,
    parts: Vec<Vec<u8>>,
    separator: &'static [u8],
    tail: &'static [u8],
    without_tag: Vec<String>,
    content_type: &'static str,
}

impl Encoded {
    /// Joins the parts, freeing each once copied, so the answer is held about once.
    fn into_body(self) -> Vec<u8> {
        let total = self.head.len()
            + self.tail.len()
            + self
                .parts
                .iter()
                .map(|p| p.len() + self.separator.len())
                .sum::<usize>();
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&self.head);
        for (i, part) in self.parts.into_iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(self.separator);
            }
            out.extend_from_slice(&part);
        }
        out.extend_from_slice(self.tail);
        out
    }
}

fn encode(runs: &[Arc<TrackedRun>], q: &Query) -> Result<Encoded, DataError> {
    // Each run is read and encoded on its own (in parallel): no run's points outlive its part.
    let per_run: Vec<Result<Option<Vec<u8>>, DataError>> = runs
        .par_iter()
        .map(|run| {
            let Some(points) = points_of(run, q) else {
                return Ok(None);
            };
            Ok(Some(match q.format {
                Format::Binary => binary_entry(&run.name, &points)?,
                Format::Json => json_member(&run.name, &points),
            }))
        })
        .collect();
    let mut parts = Vec::with_capacity(per_run.len());
    let mut without_tag = Vec::new();
    for (run, part) in runs.iter().zip(per_run) {
        match part? {
            None => without_tag.push(run.name.clone()),
            Some(bytes) => parts.push(bytes),
        }
    }
    let count = u32::try_from(parts.len()).map_err(|_| DataError::bad_request("too many runs"))?;
    let (head, separator, tail, content_type): (Vec<u8>, &'static [u8], &'static [u8], _) =
        match q.format {
            Format::Binary => {
                let mut head = MAGIC.to_vec();
                head.extend_from_slice(&count.to_le_bytes());
                (head, b"", b"", CONTENT_TYPE)
            }
            Format::Json => (b"{".to_vec(), b",", b"}", "application/json"),
        };
    Ok(Encoded {
        head,
        parts,
        separator,
        tail,
        without_tag,
        content_type,
    })
}

/// `names` as a header value (see the module docs): percent-encoded, comma-separated, cut at
/// [`HEADER_NAME_BYTES`].
fn names_header(names: &[String]) -> Option<HeaderValue> {
    let mut value = String::new();
    for name in names {
        let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        if value.len() + encoded.len() + 1 > HEADER_NAME_BYTES {
            break;
        }
        if !value.is_empty() {
            value.push(',');
        }
        value.push_str(&encoded);
    }
    HeaderValue::from_str(&value).ok()
}

fn report(headers: &mut HeaderMap, name: &'static str, names: &[String]) {
    if names.is_empty() {
        return;
    }
    if let Some(value) = names_header(names) {
        headers.insert(name, value);
    }
    let count_name = match name {
        UNKNOWN_RUNS_HEADER => "x-vizjobs-unknown-runs-count",
        _ => "x-vizjobs-runs-without-tag-count",
    };
    headers.insert(count_name, HeaderValue::from(names.len()));
}

/// One tag of many runs; see the module docs.
#[utoipa::path(post, path = "/data/scalars_multirun", operation_id = "data_scalars_multirun",
    tag = "data",
    request_body(content = MultirunForm, content_type = "application/x-www-form-urlencoded",
        description = "`tag`, and `runs` repeated or `run_regex`; the other parameters may \
            also be given in the query string"),
    responses(
        (status = 200, description = "every selected run that has the tag, by run name in name \
            order. Runs asked for that the logdir does not have are named in \
            `X-Vizjobs-Unknown-Runs`, selected runs without the tag in \
            `X-Vizjobs-Runs-Without-Tag` (percent-encoded names, comma-separated, at most \
            16 KiB), with their counts in `X-Vizjobs-Unknown-Runs-Count` and \
            `X-Vizjobs-Runs-Without-Tag-Count`",
            headers(
                ("X-Vizjobs-Unknown-Runs" = String, description = "names asked for that the logdir does not have"),
                ("X-Vizjobs-Unknown-Runs-Count" = u64, description = "how many"),
                ("X-Vizjobs-Runs-Without-Tag" = String, description = "selected runs that do not have the tag"),
                ("X-Vizjobs-Runs-Without-Tag-Count" = u64, description = "how many"),
            ),
            content(
                (std::collections::BTreeMap<String, Vec<ScalarRow>> = "application/json"),
                (String = "application/vnd.vizjobs.scalar-columns-multirun"),
            )),
        (status = 400, body = DataErrorBody, description = "a bad parameter"),
        (status = 413, body = DataErrorBody, description = "a body over 8 MiB"),
        (status = 415, body = DataErrorBody, description = "a body that is not a form"),
    ))]
pub(crate) async fn scalars_multirun(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Result<Response, DataError> {
    let (parts, body) = request.into_parts();
    if let Some(kind) = parts.headers.get(header::CONTENT_TYPE) {
        let essence = kind
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(DataError {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "send the parameters as application/x-www-form-urlencoded".to_owned(),
            });
        }
    }
    let body: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| DataError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!("the form body is over {MAX_BODY_BYTES} bytes (or was cut short)"),
        })?;
    let query = Query::parse(parts.uri.query().unwrap_or_default(), &body)?;
    // Reading and encoding thousands of series is CPU work: keep it off the async workers.
    let (encoded, unknown) = tokio::task::spawn_blocking(move || {
        let selected = select(&shared, &query.selection);
        encode(&selected.runs, &query).map(|e| (e, selected.unknown))
    })
    .await
    .map_err(|e| DataError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("the answer could not be built: {e}"),
    })??;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoded.content_type),
    );
    report(&mut headers, UNKNOWN_RUNS_HEADER, &unknown);
    report(&mut headers, WITHOUT_TAG_HEADER, &encoded.without_tag);
    Ok((headers, Body::from(encoded.into_body())).into_response())
}

/// Why a body is not the binary multi-run form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a scalar-columns-multirun body (bad magic)")]
    BadMagic,
    #[error("the body ends inside the entry of run {0}")]
    Truncated(usize),
    #[error("the name of run {0} is not UTF-8")]
    BadName(usize),
    #[error("the series of run {index}: {source}")]
    BadSeries {
        index: usize,
        source: columns::DecodeError,
    },
    #[error("{0} bytes after the last entry")]
    TrailingBytes(usize),
}

/// Decodes a body of the binary form into `(run, points)` in order (for Rust clients and tests).
pub fn decode(body: &[u8]) -> Result<Vec<(String, Vec<Point>)>, DecodeError> {
    if body.len() < 8 || &body[..4] != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    let count = u32::from_le_bytes(body[4..8].try_into().expect("4 bytes")) as usize;
    let mut out = Vec::with_capacity(count.min(body.len() / 16));
    let mut at = 8usize;
    let u32_at = |at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    for index in 0..count {
        let name_len = u32_at(at).ok_or(DecodeError::Truncated(index))?;
        let name_end = (at + 4)
            .checked_add(name_len)
            .ok_or(DecodeError::Truncated(index))?;
        let name = body
            .get(at + 4..name_end)
            .ok_or(DecodeError::Truncated(index))?;
        let name = std::str::from_utf8(name).map_err(|_| DecodeError::BadName(index))?;
        let series_at = name_end.next_multiple_of(8);
        let n = u32_at(series_at + 4).ok_or(DecodeError::Truncated(index))?;
        let series_end = series_at
            .checked_add(8 + 20 * n)
            .ok_or(DecodeError::Truncated(index))?;
        let series = body
            .get(series_at..series_end)
            .ok_or(DecodeError::Truncated(index))?;
        let points =
            columns::decode(series).map_err(|source| DecodeError::BadSeries { index, source })?;
        out.push((name.to_owned(), points));
        at = series_end.next_multiple_of(8);
    }
    if at != body.len() {
        return Err(DecodeError::TrailingBytes(body.len().saturating_sub(at)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(step: i64, value: f32) -> Point {
        Point {
            step,
            wall_time: 1.5e9 + step as f64,
            value,
        }
    }

    #[test]
    fn the_binary_form_aligns_every_column_and_round_trips() {
        let a: Vec<Point> = (0..3).map(|i| pt(i, i as f32)).collect();
        let b = vec![pt(7, f32::NAN)];
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&2u32.to_le_bytes());
        let first = binary_entry("a", &a).expect("fits");
        let second = binary_entry("sweep/lr=0.1 é", &b).expect("fits");
        assert_eq!(first.len() % 8, 0);
        assert_eq!(second.len() % 8, 0);
        // Entry: name length, "a", padding to 8, then VJS1 at offset 8 of the entry.
        assert_eq!(&first[8..12], b"VJS1");
        body.extend_from_slice(&first);
        body.extend_from_slice(&second);
        let back = decode(&body).expect("valid");
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].0, "a");
        assert_eq!(back[0].1, a);
        assert_eq!(back[1].0, "sweep/lr=0.1 é");
        assert!(back[1].1[0].value.is_nan());
        // A byte more or less is damage, never a misread.
        let mut longer = body.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(DecodeError::TrailingBytes(1)));
        assert_eq!(
            decode(&body[..body.len() - 8]),
            Err(DecodeError::Truncated(1))
        );
        assert_eq!(decode(b"VJS1\0\0\0\0"), Err(DecodeError::BadMagic));
    }

    #[test]
    fn parameters_are_checked() {
        let parse = |q: &str, b: &str| {
            Query::parse(q, b.as_bytes())
                .map(|_| ())
                .map_err(|e| e.message)
        };
        assert!(parse("format=binary", "tag=loss&runs=a&runs=b").is_ok());
        assert!(parse("", "tag=loss&run_regex=").is_ok());
        assert!(parse("", "tag=loss").unwrap_err().contains("runs"));
        assert!(parse("", "runs=a").unwrap_err().contains("tag"));
        assert!(
            parse("tag=x", "tag=loss&runs=a")
                .unwrap_err()
                .contains("more than once")
        );
        assert!(
            parse("", "tag=t&runs=a&run_regex=a")
                .unwrap_err()
                .contains("not both")
        );
        assert!(
            parse("", "tag=t&run_regex=(")
                .unwrap_err()
                .contains("run_regex")
        );
        assert!(
            parse("", "tag=t&runs=a&points=-1")
                .unwrap_err()
                .contains("points")
        );
        assert!(
            parse("", "tag=t&runs=a&format=xml")
                .unwrap_err()
                .contains("xml")
        );
        assert!(
            parse("", "tag=t&runs=a&run=b")
                .unwrap_err()
                .contains("unknown parameter")
        );
    }

    #[test]
    fn long_name_lists_are_cut_but_counted() {
        let names: Vec<String> = (0..5000).map(|i| format!("run/{i:05}")).collect();
        let value = names_header(&names).expect("ASCII");
        assert!(value.len() <= HEADER_NAME_BYTES);
        assert!(
            value
                .to_str()
                .unwrap_or_default()
                .starts_with("run%2F00000,run%2F00001,")
        );
        let mut headers = HeaderMap::new();
        report(&mut headers, UNKNOWN_RUNS_HEADER, &names);
        assert_eq!(headers["x-vizjobs-unknown-runs-count"], "5000");
    }
}
