//! One handler per data API path, each with its OpenAPI description. Each takes a snapshot under
//! the run's read lock and encodes after releasing it where the answer can be large.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use vizjobs_events::LineageValue;
use vizjobs_events::proto::tensorboard as tb;

use super::answers::*;
use super::json::{scalars_csv, scalars_json};
use super::{DataError, Params, unknown_tag};
use crate::board::Shared;
use crate::loader::TrackedRun;
use crate::reservoir::{Reservoir, Stepped};
use crate::run::{AudioItem, ImageItem, RunIndex};
use crate::series::downsample;

fn all_runs(shared: &Shared) -> Vec<Arc<TrackedRun>> {
    shared.runs.read().values().cloned().collect()
}

/// The runs of the logdir, sorted by name, with their status and what was lost reading them.
#[utoipa::path(get, path = "/data/runs", operation_id = "data_runs", tag = "data",
    responses((status = 200, body = Vec<RunInfo>)))]
pub(crate) async fn runs(State(shared): State<Arc<Shared>>) -> Json<Vec<RunInfo>> {
    Json(run_infos(&shared))
}

/// The answer of `data/runs`.
pub(crate) fn run_infos(shared: &Shared) -> Vec<RunInfo> {
    let mut out = Vec::new();
    for run in all_runs(shared) {
        let loaded = run.loaded.load(Ordering::Acquire);
        // Notes derived from the files: empty ones hold nothing yet.
        let (empty_files, file_formats): (Vec<Problem>, Vec<_>) = match run.files.try_lock() {
            Some(files) => (
                files
                    .iter()
                    .filter(|f| f.size == 0)
                    .map(|f| Problem {
                        file: f.rel_path.clone(),
                        kind: ProblemKind::EmptyFile,
                        message: "the file is empty".to_owned(),
                        offset: 0,
                    })
                    .collect(),
                files.iter().map(|f| f.format).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let index = run.index.read();
        let mut problems = index.problems.clone();
        problems.extend(empty_files);
        // An I/O error is reported only while it lasts, so it makes the run's status an error
        // for that long (storage down, say), even with data loaded before.
        let unreadable = problems.iter().any(|p| p.kind == ProblemKind::IoError);
        let status = if !loaded {
            RunStatus::Loading
        } else if unreadable || (index.records == 0 && !problems.is_empty()) {
            RunStatus::Error
        } else {
            RunStatus::Ready
        };
        let format = index.format().unwrap_or_else(|| {
            let tb = file_formats.contains(&vizjobs_events::EventFormat::TensorBoard);
            let ms = file_formats.contains(&vizjobs_events::EventFormat::MindSpore)
                || file_formats.contains(&vizjobs_events::EventFormat::MindSporeLineage);
            match (tb, ms) {
                (true, true) => RunFormat::Mixed,
                (false, true) => RunFormat::Mindspore,
                _ => RunFormat::Tensorboard,
            }
        });
        out.push(RunInfo {
            data_loss: index.data_loss,
            format,
            last_update: index.last_update.map(Num),
            name: run.name.clone(),
            problems,
            status,
        });
    }
    out
}

fn keys<T>(map: &BTreeMap<String, T>) -> Vec<String> {
    map.keys().cloned().collect()
}

/// The tags of every run, per plugin.
#[utoipa::path(get, path = "/data/tags", operation_id = "data_tags", tag = "data",
    responses((status = 200, body = BTreeMap<String, RunTags>, description = "by run name")))]
pub(crate) async fn tags(State(shared): State<Arc<Shared>>) -> Json<BTreeMap<String, RunTags>> {
    Json(run_tags(&shared))
}

/// The answer of `data/tags`.
pub(crate) fn run_tags(shared: &Shared) -> BTreeMap<String, RunTags> {
    let mut out = BTreeMap::new();
    for run in all_runs(shared) {
        let d = run.index.read();
        let mut scalars: Vec<String> = d.scalars.iter().map(|(tag, _)| tag.to_owned()).collect();
        scalars.sort();
        let tags = RunTags {
            audio: keys(&d.audio),
            custom_scalars: d.custom_scalars.is_some(),
            graph: d.graph,
            histograms: keys(&d.histograms),
            hparams: d.experiment.is_some() || d.session_start.is_some() || d.lineage.is_some(),
            images: keys(&d.images),
            pr_curves: keys(&d.pr_curves),
            scalars,
            tensors: keys(&d.tensors),
            text: keys(&d.text),
        };
        out.insert(run.name.clone(), tags);
    }
    out
}

/// Every point of a scalar series in step order, a downsampled view, or a range of steps.
#[utoipa::path(get, path = "/data/scalars", operation_id = "data_scalars", tag = "data",
    params(ScalarsQuery),
    responses(
        (status = 200, description = "the points in step order", content(
            (Vec<ScalarRow> = "application/json"),
            (String = "text/csv; charset=utf-8"),
            (String = "application/vnd.vizjobs.scalar-columns"),
        )),
        (status = 400, body = DataErrorBody, description = "a bad parameter"),
        (status = 404, body = DataErrorBody, description = "no such run or tag"),
    ))]
pub(crate) async fn scalars(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Response, DataError> {
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
        let d = run.index.read();
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
                .map_err(|e| DataError::bad_request(e.to_string()))?;
            ([(header::CONTENT_TYPE, super::columns::CONTENT_TYPE)], body).into_response()
        }
        Some(other) => return Err(DataError::bad_request(format!("unknown format `{other}`"))),
    })
}

/// The histograms of a tag in step order (MindSpore's left/width buckets as left/left+width).
#[utoipa::path(get, path = "/data/histograms", operation_id = "data_histograms", tag = "data",
    params(RunTagQuery),
    responses((status = 200, body = Vec<HistogramRow>),
        (status = 400, body = DataErrorBody), (status = 404, body = DataErrorBody)))]
pub(crate) async fn histograms(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<Vec<HistogramRow>>, DataError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.index.read();
    let r = d.histograms.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |step, wall_time, h| {
        let buckets = h.buckets();
        let buckets = buckets.map(|b| Bucket(b[0].into(), b[1].into(), b[2].into()));
        HistogramRow(step, wall_time, buckets.collect())
    })))
}

/// The rows of a reservoir in step order (stable for equal steps).
fn step_rows<T, R>(r: &Reservoir<T>, row: impl Fn(i64, Num, &T) -> R) -> Vec<R> {
    let mut samples: Vec<&Stepped<T>> = r.items().iter().collect();
    samples.sort_by_key(|s| s.step);
    samples
        .into_iter()
        .map(|s| row(s.step, Num(s.wall_time), &s.item))
        .collect()
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

/// A sample whose bytes `data/blob` serves: an image or an audio clip.
trait BlobSample {
    fn content_type(&self) -> &str;
    fn bytes(&self) -> &[u8];
    /// Width and height; 0 for audio.
    fn size(&self) -> (u32, u32);
}

impl BlobSample for ImageItem {
    fn content_type(&self) -> &str {
        &self.content_type
    }
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

impl BlobSample for AudioItem {
    fn content_type(&self) -> &str {
        &self.content_type
    }
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    fn size(&self) -> (u32, u32) {
        (0, 0)
    }
}

fn image_entries<T: BlobSample>(r: &Reservoir<Vec<T>>, run: &str, tag: &str) -> Vec<ImageEntry> {
    let mut out = Vec::new();
    for s in r.items() {
        for (index, sample) in s.item.iter().enumerate() {
            let (width, height) = sample.size();
            out.push(ImageEntry {
                content_type: sample.content_type().to_owned(),
                height,
                index,
                step: s.step,
                url: blob_url(run, tag, s.step, index),
                wall_time: Num(s.wall_time),
                width,
            });
        }
    }
    out.sort_by_key(|e| (e.step, e.index));
    out
}

/// The content type and bytes of the newest sample kept at `step`, `index`.
fn find_blob<T: BlobSample>(
    r: &Reservoir<Vec<T>>,
    step: i64,
    index: usize,
) -> Option<(&str, Vec<u8>)> {
    let sample = r
        .items()
        .iter()
        .rev()
        .find(|s| s.step == step)
        .and_then(|s| s.item.get(index))?;
    Some((sample.content_type(), sample.bytes().to_vec()))
}

/// The images of a tag in (step, index) order, or the clips of an audio tag, with the URLs of
/// their bytes.
#[utoipa::path(get, path = "/data/images", operation_id = "data_images", tag = "data",
    params(RunTagQuery),
    responses((status = 200, body = Vec<ImageEntry>),
        (status = 400, body = DataErrorBody), (status = 404, body = DataErrorBody)))]
pub(crate) async fn images(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<Vec<ImageEntry>>, DataError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.index.read();
    if let Some(r) = d.images.get(tag) {
        Ok(Json(image_entries(r, &run.name, tag)))
    } else if let Some(r) = d.audio.get(tag) {
        Ok(Json(image_entries(r, &run.name, tag)))
    } else {
        Err(unknown_tag(tag))
    }
}

fn blob_of(
    d: &RunIndex,
    tag: &str,
    step: i64,
    index: usize,
) -> Result<Option<(String, Vec<u8>)>, DataError> {
    let found = if let Some(r) = d.images.get(tag) {
        find_blob(r, step, index)
    } else if let Some(r) = d.audio.get(tag) {
        find_blob(r, step, index)
    } else {
        return Err(unknown_tag(tag));
    };
    Ok(found.map(|(t, b)| (t.to_owned(), b)))
}

/// The bytes of one image or audio clip. Only well-known image and audio types are served as
/// themselves; anything else (HTML, SVG, ...) as an opaque download. Always sandboxed.
#[utoipa::path(get, path = "/data/blob", operation_id = "data_blob", tag = "data",
    params(BlobQuery),
    responses(
        (status = 200, description = "the bytes, with their content type (image/png, audio/wav, ... or application/octet-stream as an attachment)",
            content_type = "application/octet-stream", body = String),
        (status = 400, body = DataErrorBody),
        (status = 404, body = DataErrorBody, description = "no such run or tag, or that sample was not kept"),
    ))]
pub(crate) async fn blob(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Response, DataError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let step: i64 = q
        .int("step")?
        .ok_or_else(|| DataError::bad_request("missing parameter `step`"))?;
    let index: usize = q.int("index")?.unwrap_or(0);
    let (written_type, bytes) = blob_of(&run.index.read(), tag, step, index)?
        .ok_or_else(|| DataError::not_found(format!("no blob at step {step}, index {index}")))?;
    let content_type = served_blob_type(&written_type);
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
        bytes,
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

/// The text summaries of a tag in step order, as markdown.
#[utoipa::path(get, path = "/data/text", operation_id = "data_text", tag = "data",
    params(RunTagQuery),
    responses((status = 200, body = Vec<TextRow>),
        (status = 400, body = DataErrorBody), (status = 404, body = DataErrorBody)))]
pub(crate) async fn text(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<Vec<TextRow>>, DataError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.index.read();
    let r = d.text.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |step, wall_time, markdown| {
        TextRow(step, wall_time, markdown.clone())
    })))
}

fn nums(column: &[f64]) -> Vec<Num> {
    column.iter().copied().map(Num).collect()
}

/// The PR curves of a tag in step order.
#[utoipa::path(get, path = "/data/pr_curves", operation_id = "data_pr_curves", tag = "data",
    params(RunTagQuery),
    responses((status = 200, body = Vec<PrCurveRow>),
        (status = 400, body = DataErrorBody), (status = 404, body = DataErrorBody)))]
pub(crate) async fn pr_curves(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<Vec<PrCurveRow>>, DataError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.index.read();
    let r = d.pr_curves.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |step, wall_time, pr| {
        let [precision, recall, thresholds, tp, fp, tn, fn_] = &pr.columns;
        let columns = PrCurveColumns {
            false_negatives: nums(fn_),
            false_positives: nums(fp),
            precision: nums(precision),
            recall: nums(recall),
            thresholds: nums(thresholds),
            true_negatives: nums(tn),
            true_positives: nums(tp),
        };
        PrCurveRow(step, wall_time, columns)
    })))
}

/// The tensors of a tag in step order (MindSpore tensor summaries, and tags of no known plugin).
#[utoipa::path(get, path = "/data/tensors", operation_id = "data_tensors", tag = "data",
    params(RunTagQuery),
    responses((status = 200, body = Vec<TensorRow>),
        (status = 400, body = DataErrorBody), (status = 404, body = DataErrorBody)))]
pub(crate) async fn tensors(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<Vec<TensorRow>>, DataError> {
    let (run, tag) = q.run_and_tag(&shared)?;
    let d = run.index.read();
    let r = d.tensors.get(tag).ok_or_else(|| unknown_tag(tag))?;
    Ok(Json(step_rows(r, |step, wall_time, t| {
        let values = match &t.values {
            vizjobs_events::TensorValues::Float(v) => TensorValues::Float(nums(v)),
            vizjobs_events::TensorValues::Int(v) => TensorValues::Int(v.clone()),
            vizjobs_events::TensorValues::Bool(v) => TensorValues::Bool(v.clone()),
            vizjobs_events::TensorValues::Bytes(v) => TensorValues::Text(
                v.iter()
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .collect(),
            ),
        };
        let tensor = TensorEntry {
            dtype: t.dtype.to_owned(),
            shape: t.shape.clone(),
            values,
        };
        TensorRow(step, wall_time, tensor)
    })))
}

fn hparam_type(t: i32) -> HparamType {
    match t {
        1 => HparamType::String,
        2 => HparamType::Bool,
        3 => HparamType::Float64,
        _ => HparamType::Unset,
    }
}

fn session_status(s: i32) -> SessionStatus {
    match s {
        1 => SessionStatus::Success,
        2 => SessionStatus::Failure,
        3 => SessionStatus::Running,
        _ => SessionStatus::Unknown,
    }
}

/// The experiment's hparams and metrics, and one session per run with session info or MindSpore
/// lineage. Hparams and metrics come from every run's experiment record, then from the lineage
/// records, then any other hparam a session uses. A session's metric is its lineage's value of
/// that name, else the last value of that scalar tag in the session's run or below it.
#[utoipa::path(get, path = "/data/hparams", operation_id = "data_hparams", tag = "data",
    responses((status = 200, body = Hparams)))]
pub(crate) async fn hparams(State(shared): State<Arc<Shared>>) -> Json<Hparams> {
    let runs = all_runs(&shared);
    let mut hparams: Vec<HparamInfo> = Vec::new();
    let mut metric_tags: Vec<String> = Vec::new();
    let mut add_metric = |tag: &String| {
        if !metric_tags.contains(tag) {
            metric_tags.push(tag.clone());
        }
    };
    // Every run's experiment record, not only the first: a sweep written by tensorboardX's
    // `add_hparams` gives each session its own, with its own keys and metrics, and all of them
    // belong in the view (the first record of a name decides its type).
    for run in &runs {
        let d = run.index.read();
        if let Some(e) = &d.experiment {
            for h in &e.hparam_infos {
                if !hparams.iter().any(|known| known.name == h.name) {
                    hparams.push(HparamInfo {
                        name: h.name.clone(),
                        kind: hparam_type(h.r#type),
                    });
                }
            }
            e.metric_infos
                .iter()
                .filter_map(|m| m.name.as_ref().map(|n| &n.tag))
                .for_each(&mut add_metric);
        }
        if let Some(lineage) = &d.lineage {
            lineage.metrics.keys().for_each(&mut add_metric);
        }
    }
    let mut sessions = Vec::new();
    for run in &runs {
        let d = run.index.read();
        if d.session_start.is_none() && d.lineage.is_none() {
            continue;
        }
        let mut values = BTreeMap::new();
        for (name, v) in d.session_start.iter().flat_map(|s| &s.hparams) {
            let value = if let Some(n) = v.number_value {
                HparamValue::Number(Num(n))
            } else if let Some(s) = &v.string_value {
                HparamValue::Text(s.clone())
            } else if let Some(b) = v.bool_value {
                HparamValue::Bool(b)
            } else {
                HparamValue::Null
            };
            values.insert(name.clone(), value);
        }
        for (name, v) in d.lineage.iter().flat_map(|l| &l.params) {
            let value = match v {
                LineageValue::Number(n) => HparamValue::Number(Num(*n)),
                LineageValue::Text(t) => HparamValue::Text(t.clone()),
            };
            values.insert(name.clone(), value);
        }
        let lineage_metrics = d.lineage.as_ref().map(|l| l.metrics.clone());
        let status = d
            .session_end
            .as_ref()
            .map_or(SessionStatus::Unknown, |e| session_status(e.status));
        drop(d);
        let mut metrics = BTreeMap::new();
        // The session's run and the runs below it, found by bisection in the sorted names (a
        // sweep has as many sessions as runs: a scan per session would be quadratic).
        let prefix = format!("{}/", run.name);
        let below = runs.partition_point(|r| r.name.as_str() < prefix.as_str());
        let below_end = below + runs[below..].partition_point(|r| r.name.starts_with(&prefix));
        let own: Vec<&Arc<TrackedRun>> = std::iter::once(run)
            .chain(runs[below..below_end].iter())
            .collect();
        for tag in &metric_tags {
            if let Some(v) = lineage_metrics.as_ref().and_then(|m| m.get(tag)) {
                metrics.insert(tag.clone(), Num(*v));
                continue;
            }
            let last = own
                .iter()
                .filter_map(|r| r.index.read().scalars.get(tag).and_then(|s| s.last()))
                .max_by(|a, b| a.wall_time.total_cmp(&b.wall_time));
            if let Some(p) = last {
                metrics.insert(tag.clone(), Num::from(p.value));
            }
        }
        sessions.push(SessionInfo {
            hparams: values,
            metrics,
            run: run.name.clone(),
            status,
        });
    }
    // Hparams no experiment record describes (lineage settings, sessions written without one):
    // described from the values, in name order, the user's own lineage keys (`[U]…`) last.
    let mut undescribed = BTreeMap::new();
    for s in &sessions {
        for (name, value) in &s.hparams {
            if !hparams.iter().any(|known| &known.name == name) {
                undescribed
                    .entry((name.starts_with("[U]"), name.clone()))
                    .or_insert_with(|| value.wire_type());
            }
        }
    }
    hparams.extend(
        undescribed
            .into_iter()
            .map(|((_, name), kind)| HparamInfo { name, kind }),
    );
    let metrics = metric_tags
        .into_iter()
        .map(|tag| MetricInfo { tag })
        .collect();
    Json(Hparams {
        hparams,
        metrics,
        sessions,
    })
}

fn layout_categories(layout: &tb::Layout) -> impl Iterator<Item = LayoutCategory> + '_ {
    layout.category.iter().map(|c| {
        let charts = c.chart.iter().map(|ch| {
            let tags: Vec<String> = match (&ch.multiline, &ch.margin) {
                (Some(m), _) => m.tag.clone(),
                (None, Some(m)) => m
                    .series
                    .iter()
                    .flat_map(|s| [s.value.clone(), s.lower.clone(), s.upper.clone()])
                    .collect(),
                (None, None) => Vec::new(),
            };
            let margin = match (&ch.multiline, &ch.margin) {
                (None, Some(m)) => Some(
                    m.series
                        .iter()
                        .map(|s| MarginSeries {
                            value: s.value.clone(),
                            lower: s.lower.clone(),
                            upper: s.upper.clone(),
                        })
                        .collect(),
                ),
                _ => None,
            };
            LayoutChart {
                tags,
                title: ch.title.clone(),
                margin,
            }
        });
        LayoutCategory {
            charts: charts.collect(),
            title: c.title.clone(),
        }
    })
}

/// The custom-scalars layout of one run, or of every run.
#[utoipa::path(get, path = "/data/custom_scalars", operation_id = "data_custom_scalars", tag = "data",
    params(CustomScalarsQuery),
    responses((status = 200, body = CustomScalars),
        (status = 404, body = DataErrorBody, description = "no such run")))]
pub(crate) async fn custom_scalars(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<CustomScalars>, DataError> {
    let runs = match q.optional("run") {
        Some(_) => vec![q.run(&shared)?],
        None => all_runs(&shared),
    };
    // Runs often write the same layout (every process of a job, every restart): categories of
    // one title are merged, and a chart already in its category is not repeated.
    let mut categories: Vec<LayoutCategory> = Vec::new();
    for run in runs {
        if let Some(layout) = &run.index.read().custom_scalars {
            for category in layout_categories(layout) {
                match categories.iter_mut().find(|c| c.title == category.title) {
                    Some(known) => {
                        for chart in category.charts {
                            if !known.charts.contains(&chart) {
                                known.charts.push(chart);
                            }
                        }
                    }
                    None => categories.push(category),
                }
            }
        }
    }
    Ok(Json(CustomScalars { categories }))
}

/// Settings for the page.
#[utoipa::path(get, path = "/data/config", operation_id = "data_config", tag = "data",
    responses((status = 200, body = DashboardConfig)))]
pub(crate) async fn config(State(shared): State<Arc<Shared>>) -> Json<DashboardConfig> {
    let c = &shared.config;
    Json(DashboardConfig {
        job_type: c.job_type,
        reload_interval_secs: c.reload_interval.as_secs_f64(),
        title: c.title.clone(),
    })
}

/// The state of the logdir as a whole: whether it can be listed at all (a job whose storage is
/// unreachable from the start has no run to report it on), and the loading progress. Runs keep
/// what they loaded; the status returns to `ready` once a listing succeeds.
#[utoipa::path(get, path = "/data/logdir", operation_id = "data_logdir", tag = "data",
    responses((status = 200, body = LogdirState)))]
pub(crate) async fn logdir(State(shared): State<Arc<Shared>>) -> Json<LogdirState> {
    let error = shared.logdir_error.lock().clone();
    let progress = shared.progress();
    let status = if error.is_some() {
        LogdirStatus::Error
    } else if progress.first_load_done {
        LogdirStatus::Ready
    } else {
        LogdirStatus::Loading
    };
    Json(LogdirState {
        bytes_read: progress.bytes_read,
        bytes_total: progress.bytes_total,
        error,
        files: progress.files,
        runs: progress.runs,
        status,
    })
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
