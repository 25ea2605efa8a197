//! One handler per data API path. Each takes a snapshot under the run's read lock and encodes
//! after releasing it where the answer can be large.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use vizjobs_events::TensorValues;
use vizjobs_events::proto::tensorboard as tb;

use super::json::{num, scalars_csv, scalars_json};
use super::{ApiError, Params, unknown_tag};
use crate::board::Shared;
use crate::loader::Run;
use crate::reservoir::{Reservoir, Stepped};
use crate::run::{PR_COLUMN_NAMES, Problem};
use crate::series::downsample;

type Shared_ = State<Arc<Shared>>;

fn all_runs(shared: &Shared) -> Vec<Arc<Run>> {
    shared.runs.read().values().cloned().collect()
}

pub(crate) async fn runs(State(shared): Shared_) -> Json<Value> {
    let mut out = Vec::new();
    for run in all_runs(&shared) {
        let loaded = run.loaded.load(Ordering::Acquire);
        // Notes derived from the files: empty ones hold nothing yet.
        let (empty_files, file_formats): (Vec<Problem>, Vec<_>) = match run.files.try_lock() {
            Some(files) => (
                files
                    .iter()
                    .filter(|f| f.size == 0)
                    .map(|f| Problem {
                        file: f.rel_path.clone(),
                        offset: 0,
                        kind: "empty_file",
                        message: "the file is empty".to_owned(),
                    })
                    .collect(),
                files.iter().map(|f| f.format).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let data = run.data.read();
        let mut problems = data.problems.clone();
        problems.extend(empty_files);
        // An I/O error is reported only while it lasts, so it makes the run's status an error
        // for that long (storage down, say), even with data loaded before.
        let unreadable = problems.iter().any(|p| p.kind == "io_error");
        let status = if !loaded {
            "loading"
        } else if unreadable || (data.records == 0 && !problems.is_empty()) {
            "error"
        } else {
            "ready"
        };
        let format = data.format().unwrap_or_else(|| {
            let tb = file_formats.contains(&vizjobs_events::EventFormat::TensorBoard);
            let ms = file_formats.contains(&vizjobs_events::EventFormat::MindSpore);
            match (tb, ms) {
                (true, true) => "mixed",
                (false, true) => "mindspore",
                _ => "tensorboard",
            }
        });
        out.push(json!({
            "name": run.name,
            "status": status,
            "format": format,
            "data_loss": data.data_loss,
            "problems": problems,
            "last_update": data.last_update.map(num),
        }));
    }
    Json(Value::Array(out))
}

pub(crate) async fn tags(State(shared): Shared_) -> Json<Value> {
    let mut out = serde_json::Map::new();
    for run in all_runs(&shared) {
        let d = run.data.read();
        let mut scalars: Vec<&str> = d.scalars.iter().map(|(tag, _)| tag).collect();
        scalars.sort();
        out.insert(
            run.name.clone(),
            json!({
                "scalars": scalars,
                "histograms": d.histograms.keys().collect::<Vec<_>>(),
                "images": d.images.keys().collect::<Vec<_>>(),
                "audio": d.audio.keys().collect::<Vec<_>>(),
                "text": d.text.keys().collect::<Vec<_>>(),
                "pr_curves": d.pr_curves.keys().collect::<Vec<_>>(),
                "tensors": d.tensors.keys().collect::<Vec<_>>(),
                "hparams": d.experiment.is_some() || d.session_start.is_some(),
                "custom_scalars": d.custom_scalars.is_some(),
                "graph": d.graph,
            }),
        );
    }
    Json(Value::Object(out))
}

pub(crate) async fn scalars(State(shared): Shared_, q: Params) -> Result<Response, ApiError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let since: Option<i64> = q.int("since_step")?;
    let start: Option<i64> = q.int("start_step")?;
    let end: Option<i64> = q.int("end_step")?;
    let target: Option<usize> = q.int("points")?;
    let lo = start
        .unwrap_or(i64::MIN)
        .max(since.map_or(i64::MIN, |s| s.saturating_add(1)));
    let hi = end.unwrap_or(i64::MAX);
    let points = {
        let d = run.data.read();
        let series = d.scalars.get(tag).ok_or_else(|| unknown_tag(tag))?;
        series.range(lo, hi)
    };
    let points = match target {
        Some(n) => downsample(&points, n),
        None => points,
    };
    Ok(match q.optional("format") {
        Some("csv") => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            scalars_csv(&points),
        )
            .into_response(),
        None | Some("json") => (
            [(header::CONTENT_TYPE, "application/json")],
            scalars_json(&points),
        )
            .into_response(),
        Some("binary") => {
            let body = super::columns::encode(&points)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            ([(header::CONTENT_TYPE, super::columns::CONTENT_TYPE)], body).into_response()
        }
        Some(other) => return Err(ApiError::bad_request(format!("unknown format `{other}`"))),
    })
}

pub(crate) async fn histograms(State(shared): Shared_, q: Params) -> Result<Json<Value>, ApiError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.data.read();
    let r = d.histograms.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |h| {
        let buckets = h.buckets.iter().map(|b| {
            json!([
                num(f64::from(b[0])),
                num(f64::from(b[1])),
                num(f64::from(b[2]))
            ])
        });
        Value::Array(buckets.collect())
    })))
}

/// `[[step, wall_time, item], ...]` of a reservoir, in step order (stable for equal steps).
fn step_rows<T>(r: &Reservoir<T>, item: impl Fn(&T) -> Value) -> Value {
    let mut samples: Vec<&Stepped<T>> = r.items().iter().collect();
    samples.sort_by_key(|s| s.step);
    let rows = samples
        .into_iter()
        .map(|s| json!([s.step, num(s.wall_time), item(&s.item)]));
    Value::Array(rows.collect())
}

fn blob_url(run: &str, tag: &str, step: i64, index: usize) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("run", run)
        .append_pair("tag", tag)
        .append_pair("step", &step.to_string())
        .append_pair("index", &index.to_string())
        .finish();
    format!("data/blob?{query}")
}

pub(crate) async fn images(State(shared): Shared_, q: Params) -> Result<Json<Value>, ApiError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.data.read();
    let r = d
        .images
        .get(tag)
        .or_else(|| d.audio.get(tag))
        .ok_or_else(|| unknown_tag(tag))?;
    let mut out = Vec::new();
    for s in r.items() {
        for (index, img) in s.item.iter().enumerate() {
            out.push(json!({
                "step": s.step,
                "wall_time": num(s.wall_time),
                "index": index,
                "width": img.width,
                "height": img.height,
                "content_type": img.content_type,
                "url": blob_url(&run.name, tag, s.step, index),
            }));
        }
    }
    out.sort_by_key(|v| {
        (
            v["step"].as_i64().unwrap_or(i64::MIN),
            v["index"].as_u64().unwrap_or(0),
        )
    });
    Ok(Json(Value::Array(out)))
}

pub(crate) async fn blob(State(shared): Shared_, q: Params) -> Result<Response, ApiError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let step: i64 = q
        .int("step")?
        .ok_or_else(|| ApiError::bad_request("missing parameter `step`"))?;
    let index: usize = q.int("index")?.unwrap_or(0);
    let d = run.data.read();
    let r = d
        .images
        .get(tag)
        .or_else(|| d.audio.get(tag))
        .ok_or_else(|| unknown_tag(tag))?;
    let item = r
        .items()
        .iter()
        .rev()
        .find(|s| s.step == step)
        .and_then(|s| s.item.get(index))
        .ok_or_else(|| ApiError::not_found(format!("no blob at step {step}, index {index}")))?;
    let content_type = served_blob_type(&item.content_type);
    let disposition = if content_type == OPAQUE_BLOB_TYPE {
        "attachment"
    } else {
        "inline"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'",
            ),
        ],
        item.bytes.clone(),
    )
        .into_response())
}

const OPAQUE_BLOB_TYPE: &str = "application/octet-stream";

/// The media types a blob is served as, exactly as written here. The type comes from the event
/// file, which anyone who can write to a logdir controls: served verbatim, `text/html` or
/// `image/svg+xml` would run script on the server's origin. Anything else is an opaque download.
const SERVED_BLOB_TYPES: [&str; 16] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/avif",
    "audio/wav",
    "audio/x-wav",
    "audio/wave",
    "audio/vnd.wave",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "audio/flac",
    "audio/webm",
    "audio/aac",
];

fn served_blob_type(written: &str) -> &'static str {
    let essence = written.split(';').next().unwrap_or_default().trim();
    SERVED_BLOB_TYPES
        .into_iter()
        .find(|t| t.eq_ignore_ascii_case(essence))
        .unwrap_or(OPAQUE_BLOB_TYPE)
}

pub(crate) async fn text(State(shared): Shared_, q: Params) -> Result<Json<Value>, ApiError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.data.read();
    let r = d.text.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |markdown| json!(markdown))))
}

pub(crate) async fn pr_curves(State(shared): Shared_, q: Params) -> Result<Json<Value>, ApiError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.data.read();
    let r = d.pr_curves.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |pr| {
        let columns = PR_COLUMN_NAMES
            .iter()
            .zip(&pr.columns)
            .map(|(name, column)| {
                let values = column.iter().map(|&x| num(x)).collect();
                ((*name).to_owned(), Value::Array(values))
            });
        Value::Object(columns.collect())
    })))
}

pub(crate) async fn tensors(State(shared): Shared_, q: Params) -> Result<Json<Value>, ApiError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.data.read();
    let r = d.tensors.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |t| {
        let values: Vec<Value> = match &t.values {
            TensorValues::Float(v) => v.iter().map(|&x| num(x)).collect(),
            TensorValues::Int(v) => v.iter().map(|&x| json!(x)).collect(),
            TensorValues::Bool(v) => v.iter().map(|&x| json!(x)).collect(),
            TensorValues::Bytes(v) => v
                .iter()
                .map(|x| json!(String::from_utf8_lossy(x)))
                .collect(),
        };
        json!({"shape": t.shape, "dtype": t.dtype, "values": values})
    })))
}

fn hparam_type(t: i32) -> &'static str {
    match t {
        1 => "string",
        2 => "bool",
        3 => "float64",
        _ => "unset",
    }
}

fn session_status(s: i32) -> &'static str {
    match s {
        1 => "success",
        2 => "failure",
        3 => "running",
        _ => "unknown",
    }
}

/// Experiment definition from whichever run holds it; one session per run with session info.
/// A session's metric is the last value of that scalar tag in the session's run or below it.
pub(crate) async fn hparams(State(shared): Shared_) -> Json<Value> {
    let runs = all_runs(&shared);
    let mut hparams: Vec<Value> = Vec::new();
    let mut metric_tags: Vec<String> = Vec::new();
    for run in &runs {
        if let Some(e) = &run.data.read().experiment {
            for h in &e.hparam_infos {
                hparams.push(json!({"name": h.name, "type": hparam_type(h.r#type)}));
            }
            metric_tags.extend(
                e.metric_infos
                    .iter()
                    .filter_map(|m| m.name.as_ref().map(|n| n.tag.clone())),
            );
            break;
        }
    }
    let mut sessions = Vec::new();
    for run in &runs {
        let d = run.data.read();
        let Some(start) = &d.session_start else {
            continue;
        };
        let mut values = serde_json::Map::new();
        let mut names: Vec<&String> = start.hparams.keys().collect();
        names.sort();
        for name in names {
            let v = &start.hparams[name];
            let value = if let Some(n) = v.number_value {
                num(n)
            } else if let Some(s) = &v.string_value {
                json!(s)
            } else if let Some(b) = v.bool_value {
                json!(b)
            } else {
                Value::Null
            };
            values.insert(name.clone(), value);
        }
        let status = d
            .session_end
            .as_ref()
            .map_or("unknown", |e| session_status(e.status));
        drop(d);
        let mut metrics = serde_json::Map::new();
        for tag in &metric_tags {
            let prefix = format!("{}/", run.name);
            let last = runs
                .iter()
                .filter(|r| r.name == run.name || r.name.starts_with(&prefix))
                .filter_map(|r| r.data.read().scalars.get(tag).and_then(|s| s.last()))
                .max_by(|a, b| a.wall_time.total_cmp(&b.wall_time));
            if let Some(p) = last {
                metrics.insert(tag.clone(), num(f64::from(p.value)));
            }
        }
        sessions.push(
            json!({"run": run.name, "hparams": values, "metrics": metrics, "status": status}),
        );
    }
    if hparams.is_empty() {
        // No experiment record: describe the hparams the sessions use.
        let mut seen = BTreeMap::new();
        for s in &sessions {
            if let Some(h) = s["hparams"].as_object() {
                for (k, v) in h {
                    let t = if v.is_string() {
                        "string"
                    } else if v.is_boolean() {
                        "bool"
                    } else {
                        "float64"
                    };
                    seen.entry(k.clone()).or_insert(t);
                }
            }
        }
        hparams = seen
            .into_iter()
            .map(|(name, t)| json!({"name": name, "type": t}))
            .collect();
    }
    let metrics: Vec<Value> = metric_tags.iter().map(|t| json!({"tag": t})).collect();
    Json(json!({"hparams": hparams, "metrics": metrics, "sessions": sessions}))
}

fn layout_json(layout: &tb::Layout) -> Vec<Value> {
    layout
        .category
        .iter()
        .map(|c| {
            let charts: Vec<Value> = c
                .chart
                .iter()
                .map(|ch| {
                    let tags: Vec<String> = match (&ch.multiline, &ch.margin) {
                        (Some(m), _) => m.tag.clone(),
                        (None, Some(m)) => m
                            .series
                            .iter()
                            .flat_map(|s| [s.value.clone(), s.lower.clone(), s.upper.clone()])
                            .collect(),
                        (None, None) => Vec::new(),
                    };
                    json!({"title": ch.title, "tags": tags})
                })
                .collect();
            json!({"title": c.title, "charts": charts})
        })
        .collect()
}

pub(crate) async fn custom_scalars(
    State(shared): Shared_,
    q: Params,
) -> Result<Json<Value>, ApiError> {
    let runs = match q.optional("run") {
        Some(_) => vec![q.run(&shared)?],
        None => all_runs(&shared),
    };
    let mut categories = Vec::new();
    for run in runs {
        if let Some(layout) = &run.data.read().custom_scalars {
            categories.extend(layout_json(layout));
        }
    }
    Ok(Json(json!({ "categories": categories })))
}

pub(crate) async fn config(State(shared): Shared_) -> Json<Value> {
    let c = &shared.config;
    Json(json!({
        "reload_interval_secs": c.reload_interval.as_secs_f64(),
        "job_type": c.job_type,
        "title": c.title,
    }))
}

/// The state of the logdir as a whole: whether it can be listed at all (a job whose storage is
/// unreachable from the start has no run to report it on), and the loading progress.
pub(crate) async fn logdir(State(shared): Shared_) -> Json<Value> {
    let error = shared.logdir_error.lock().clone();
    let progress = shared.progress();
    Json(json!({
        "status": if error.is_some() { "error" } else if progress.first_load_done { "ready" } else { "loading" },
        "error": error,
        "runs": progress.runs,
        "files": progress.files,
        "bytes_total": progress.bytes_total,
        "bytes_read": progress.bytes_read,
    }))
}

#[cfg(test)]
mod tests {
    use super::served_blob_type;

    #[test]
    fn only_listed_media_types_are_served_as_themselves() {
        assert_eq!(served_blob_type("image/png"), "image/png");
        assert_eq!(served_blob_type("Audio/WAV; codecs=1"), "audio/wav");
        for hostile in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/html; x=image/png",
            "",
            "image/png\r\nX: y",
        ] {
            assert_eq!(
                served_blob_type(hostile),
                "application/octet-stream",
                "{hostile}"
            );
        }
    }
}
