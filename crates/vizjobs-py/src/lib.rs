//! `vizjobs._native`: the Rust half of the `vizjobs` Python package (`python/`).
//!
//! - [`run_cli`]: the `vizjobs` command line (`vizjobs_cli::run`), for the console script;
//! - [`read_scalars`] / [`read_runs`]: a logdir read by the engine's [`Board`], scalars handed
//!   to pyarrow as one record batch through the Arrow C Data Interface (no copy, no Python loop);
//! - [`Client`]: the jobs API through `vizjobs_sdk`'s blocking facade, answers as the API's JSON.
//!
//! The GIL is released while Rust works (`Python::detach`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arrow_array::builder::{Float32Builder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, to_ffi};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Schema};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyNotADirectoryError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use vizjobs_engine::{Board, EngineConfig};
use vizjobs_sdk::blocking::{Session, VisualizationJob};
use vizjobs_sdk::{ApiResponse, CredentialsFile, SdkError};

create_exception!(
    vizjobs._native,
    VizjobsError,
    PyException,
    "A vizjobs call could not get an answer: the server is unreachable, the credentials are \
     missing or refused, the answer is unreadable, or a logdir cannot be read."
);

/// Runs the `vizjobs` command line with `argv` (argv[0] is the program name) and returns its
/// exit status. The GIL is released meanwhile; SIGINT (Ctrl-C) and SIGTERM stop `serve` and
/// `board` gracefully.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(move || vizjobs_cli::run(argv))
}

// ---- logs

/// A board over `logdir` (a local folder or `s3://bucket/prefix`) after its first full load.
fn load(py: Python<'_>, logdir: &str) -> PyResult<Arc<Board>> {
    let config = EngineConfig {
        // One pass: the reader returns a snapshot, it does not follow the files.
        reload_interval: Duration::from_secs(24 * 3600),
        ..EngineConfig::default()
    };
    let board = if let Some(rest) = logdir.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(PyValueError::new_err(format!(
                "{logdir}: an s3:// logdir names a bucket: s3://bucket/prefix"
            )));
        }
        let config_s3 = vizjobs_cli::s3_config_from_env()
            .map_err(|e| VizjobsError::new_err(format!("object storage settings: {e:#}")))?;
        let storage = vizjobs_objstore::ObjectStorage::new(config_s3)
            .map_err(|e| VizjobsError::new_err(format!("object storage: {e}")))?;
        let source = storage
            .source(bucket, prefix)
            .map_err(|e| VizjobsError::new_err(format!("object storage: {e}")))?;
        let url = source.url();
        Board::open_source(url, Box::new(source), config)
    } else {
        let path = PathBuf::from(logdir);
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PyFileNotFoundError::new_err((
                    2,
                    "No such logdir".to_owned(),
                    logdir.to_owned(),
                )));
            }
            Err(e) => {
                return Err(VizjobsError::new_err(format!("{logdir}: {e}")));
            }
            Ok(m) if !m.is_dir() => {
                return Err(PyNotADirectoryError::new_err((
                    20,
                    "The logdir is not a directory".to_owned(),
                    logdir.to_owned(),
                )));
            }
            Ok(_) => {}
        }
        Board::open(path, config)
    };
    let waited = py.detach(|| -> std::io::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        rt.block_on(board.wait_first_load());
        board.close();
        Ok(())
    });
    waited.map_err(|e| VizjobsError::new_err(format!("cannot start a runtime: {e}")))?;
    if let Some(error) = board.logdir_error() {
        return Err(VizjobsError::new_err(format!(
            "cannot read the logdir {logdir}: {error}"
        )));
    }
    Ok(board)
}

/// The scalar columns, filled under each run's read lock in turn.
struct ScalarColumns {
    run: StringBuilder,
    tag: StringBuilder,
    step: Int64Builder,
    wall_time: Float64Builder,
    value: Float32Builder,
}

fn scalar_batch(
    board: &Board,
    runs: Option<&[String]>,
    tags: Option<&[String]>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let selected: Vec<_> = board
        .runs()
        .into_iter()
        .filter(|r| runs.is_none_or(|wanted| wanted.contains(&r.name)))
        .collect();
    // Sizes first, so that every column is allocated once.
    let mut rows = 0;
    let mut run_bytes = 0;
    let mut tag_bytes = 0;
    for run in &selected {
        let index = run.index.read();
        for (tag, series) in index.scalars.iter() {
            if tags.is_none_or(|wanted| wanted.iter().any(|t| t == tag)) {
                rows += series.len();
                run_bytes += series.len() * run.name.len();
                tag_bytes += series.len() * tag.len();
            }
        }
    }
    let mut c = ScalarColumns {
        run: StringBuilder::with_capacity(rows, run_bytes),
        tag: StringBuilder::with_capacity(rows, tag_bytes),
        step: Int64Builder::with_capacity(rows),
        wall_time: Float64Builder::with_capacity(rows),
        value: Float32Builder::with_capacity(rows),
    };
    for run in &selected {
        let index = run.index.read();
        let mut series: Vec<_> = index
            .scalars
            .iter()
            .filter(|(tag, _)| tags.is_none_or(|wanted| wanted.iter().any(|t| t == tag)))
            .collect();
        // As `data/tags` lists them: by tag name.
        series.sort_by(|a, b| a.0.cmp(b.0));
        for (tag, s) in series {
            for p in s.all() {
                c.run.append_value(&run.name);
                c.tag.append_value(tag);
                c.step.append_value(p.step);
                c.wall_time.append_value(p.wall_time);
                c.value.append_value(p.value);
            }
        }
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("run", DataType::Utf8, false),
        Field::new("tag", DataType::Utf8, false),
        Field::new("step", DataType::Int64, false),
        Field::new("wall_time", DataType::Float64, false),
        Field::new("value", DataType::Float32, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(c.run.finish()),
        Arc::new(c.tag.finish()),
        Arc::new(c.step.finish()),
        Arc::new(c.wall_time.finish()),
        Arc::new(c.value.finish()),
    ];
    RecordBatch::try_new(schema, columns)
}

/// Hands `batch` to pyarrow without copying its buffers (Arrow C Data Interface).
fn to_pyarrow<'py>(py: Python<'py>, batch: RecordBatch) -> PyResult<Bound<'py, PyAny>> {
    let data = StructArray::from(batch).into_data();
    let (array, schema) = to_ffi(&data).map_err(|e| VizjobsError::new_err(e.to_string()))?;
    let array: Box<FFI_ArrowArray> = Box::new(array);
    let schema: Box<FFI_ArrowSchema> = Box::new(schema);
    let array_ptr = &*array as *const FFI_ArrowArray as usize;
    let schema_ptr = &*schema as *const FFI_ArrowSchema as usize;
    // pyarrow moves both structures out (taking over their release callbacks); what is left
    // behind is released, which then does nothing.
    py.import("pyarrow")?
        .getattr("RecordBatch")?
        .call_method1("_import_from_c", (array_ptr, schema_ptr))
}

/// Every point of every scalar series of `logdir` (of `runs` and `tags` when given), as a
/// `pyarrow.RecordBatch` with columns `run`, `tag` (utf8), `step` (int64), `wall_time`
/// (float64) and `value` (float32, as logged), sorted by run, tag and step.
#[pyfunction]
#[pyo3(signature = (logdir, runs=None, tags=None))]
fn read_scalars<'py>(
    py: Python<'py>,
    logdir: &str,
    runs: Option<Vec<String>>,
    tags: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let board = load(py, logdir)?;
    let batch = py
        .detach(|| scalar_batch(&board, runs.as_deref(), tags.as_deref()))
        .map_err(|e| VizjobsError::new_err(e.to_string()))?;
    drop(board);
    to_pyarrow(py, batch)
}

/// The runs of `logdir`, sorted by name: `data/runs`' answer for each (`name`, `format`,
/// `status`, `data_loss`, `last_update`, `problems`: `file`, `offset`, `kind`, `message`) with
/// its `data/tags` answer as `tags` (`scalars`, `histograms`, `images`, ...).
#[pyfunction]
fn read_runs<'py>(py: Python<'py>, logdir: &str) -> PyResult<Bound<'py, PyAny>> {
    let board = load(py, logdir)?;
    let text = py.detach(|| -> serde_json::Result<String> {
        let mut tags = board.run_tags();
        let mut out = Vec::new();
        for info in board.run_infos() {
            let mut run = serde_json::to_value(&info)?;
            let run_tags = tags.remove(&info.name).unwrap_or_default();
            if let Value::Object(fields) = &mut run {
                fields.insert("tags".to_owned(), serde_json::to_value(&run_tags)?);
            }
            out.push(run);
        }
        serde_json::to_string(&out)
    });
    let text = text.map_err(|e| VizjobsError::new_err(e.to_string()))?;
    json_loads(py, &text)
}

// ---- the jobs API

fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

fn json_dumps(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let text: String = py
        .import("json")?
        .call_method1("dumps", (value,))?
        .extract()?;
    serde_json::from_str(&text).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn sdk_error(err: SdkError) -> PyErr {
    if let SdkError::CredentialsFile { path, source } = &err
        && source.kind() == std::io::ErrorKind::NotFound
    {
        return PyFileNotFoundError::new_err((
            2,
            format!("No credentials file (set VIZJOBS_CREDENTIALS or pass credentials): {err}"),
            path.display().to_string(),
        ));
    }
    VizjobsError::new_err(err.to_string())
}

/// Codes that say the caller's credentials were refused (none, an expired or wrong token, a bad
/// signature, another project's): the call cannot succeed as made.
const REFUSED_CREDENTIALS: [&str; 5] = [
    "ModelArts.0201",
    "ModelArts.0202",
    "ModelArts.0203",
    "ModelArts.0206",
    "ModelArts.0210",
];

/// The API's answer as a dict; refused credentials (a bad signature, a wrong or expired
/// token, IAM's 401) raise [`VizjobsError`] instead.
fn answer<'py, T>(
    py: Python<'py>,
    result: Result<ApiResponse<T>, SdkError>,
) -> PyResult<Bound<'py, PyAny>> {
    let answer = result.map_err(sdk_error)?;
    if !answer.is_success
        && (answer.http_status == 401
            || answer
                .error_code
                .as_deref()
                .is_some_and(|c| REFUSED_CREDENTIALS.contains(&c)))
    {
        return Err(VizjobsError::new_err(format!(
            "the credentials were refused: {}: {} (HTTP {})",
            answer.error_code.as_deref().unwrap_or("unknown error"),
            answer.error_msg.as_deref().unwrap_or(""),
            answer.http_status
        )));
    }
    json_loads(py, &answer.json.to_string())
}

/// A session with the jobs API (`vizjobs_sdk`). Every method answers the API's JSON as a dict:
/// `is_success`, `error_code` and `error_msg` on a refusal, the job's fields on success.
#[pyclass(frozen, module = "vizjobs._native")]
struct Client {
    session: Session,
}

impl Client {
    fn job(&self, job_id: &str) -> VisualizationJob {
        VisualizationJob::new(&self.session, job_id)
    }
}

#[pymethods]
impl Client {
    /// With no argument: the credentials file at `$VIZJOBS_CREDENTIALS`, else
    /// `./vizjobs-data/credentials.json`. `credentials_path` names another file. Explicit
    /// arguments override the file's values (the file is then optional): `access_key` with
    /// `secret_key` sign requests (AK/SK), else `username` with `password` (and `account`,
    /// default: the user name) log in for an IAM token. `region_name` is the signing region.
    #[new]
    #[pyo3(signature = (*, credentials_path=None, endpoint=None, access_key=None, secret_key=None,
        project_id=None, username=None, password=None, account=None, region_name=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        credentials_path: Option<PathBuf>,
        endpoint: Option<String>,
        access_key: Option<String>,
        secret_key: Option<String>,
        project_id: Option<String>,
        username: Option<String>,
        password: Option<String>,
        account: Option<String>,
        region_name: Option<String>,
    ) -> PyResult<Self> {
        let explicit_credential = access_key.is_some() || username.is_some();
        let mut file = match credentials_path {
            Some(path) => CredentialsFile::load(path).map_err(sdk_error)?,
            None => {
                let path = CredentialsFile::default_path();
                match CredentialsFile::load(&path) {
                    Ok(file) => file,
                    Err(SdkError::CredentialsFile { source, .. })
                        if explicit_credential && source.kind() == std::io::ErrorKind::NotFound =>
                    {
                        CredentialsFile::default()
                    }
                    Err(e) => return Err(sdk_error(e)),
                }
            }
        };
        if endpoint.is_some() {
            file.endpoint = endpoint;
        }
        if project_id.is_some() {
            file.project_id = project_id;
        }
        if access_key.is_some() || secret_key.is_some() {
            file.access_key = access_key;
            file.secret_key = secret_key;
        } else if username.is_some() || password.is_some() {
            // A password given here wins over the file's keys.
            file.access_key = None;
            file.secret_key = None;
            file.account = account.or_else(|| username.clone());
            file.username = username;
            file.password = password;
        } else if account.is_some() {
            file.account = account;
        }
        let mut builder = file.session_builder().map_err(sdk_error)?;
        if let Some(region) = region_name {
            let endpoint = file.endpoint.clone().unwrap_or_default();
            builder = builder.set_endpoint(endpoint.clone(), endpoint, region);
        }
        let session = py
            .detach(|| builder.build().and_then(Session::new))
            .map_err(sdk_error)?;
        Ok(Client { session })
    }

    /// The project every call addresses.
    #[getter]
    fn project_id(&self) -> String {
        self.session.as_async().project_id().to_owned()
    }

    /// The API's base URL.
    #[getter]
    fn endpoint(&self) -> String {
        self.session.as_async().endpoints().modelarts.to_string()
    }

    /// `POST /v1/{project_id}/visualization-jobs` with `body` as the request body.
    fn create_job<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = json_dumps(py, body.as_any())?;
        let result =
            py.detach(|| VisualizationJob::create_visualization_job_json(&self.session, &body));
        answer(py, result)
    }

    /// `GET /v1/{project_id}/visualization-jobs/{job_id}`.
    fn get_job<'py>(&self, py: Python<'py>, job_id: &str) -> PyResult<Bound<'py, PyAny>> {
        let job = self.job(job_id);
        answer(py, py.detach(|| job.get_visualization_job_info()))
    }

    /// `GET /v1/{project_id}/visualization-jobs?...` with `query`'s keys `status`,
    /// `per_page`, `page`, `sort_by` (sent as `sortBy`), `order` and `search_content`; values
    /// are sent as text and checked by the server.
    fn list_jobs<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (key, value) in query.iter() {
            let key: String = key.extract()?;
            let name = match key.as_str() {
                "status" => "status",
                "per_page" => "per_page",
                "page" => "page",
                "sort_by" | "sortBy" => "sortBy",
                "order" => "order",
                "search_content" => "search_content",
                other => {
                    return Err(PyValueError::new_err(format!(
                        "unknown list filter {other:?} (status, per_page, page, sort_by, order, search_content)"
                    )));
                }
            };
            if value.is_none() {
                continue;
            }
            let text = if value.is_instance_of::<PyList>() {
                let items: Vec<String> = value
                    .try_iter()?
                    .map(|item| item.and_then(|i| Ok(i.str()?.to_string())))
                    .collect::<PyResult<_>>()?;
                items.join(",")
            } else {
                value.str()?.to_string()
            };
            pairs.push((name, text));
        }
        let result =
            py.detach(|| VisualizationJob::get_visualization_job_list_json(&self.session, &pairs));
        answer(py, result)
    }

    /// `PUT /v1/{project_id}/visualization-jobs/{job_id}` with `{"job_desc": job_desc}`.
    fn update_job<'py>(
        &self,
        py: Python<'py>,
        job_id: &str,
        job_desc: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let job = self.job(job_id);
        answer(py, py.detach(|| job.update_visualization_job(job_desc)))
    }

    /// `POST /v1/{project_id}/visualization-jobs/{job_id}/stop`.
    fn stop_job<'py>(&self, py: Python<'py>, job_id: &str) -> PyResult<Bound<'py, PyAny>> {
        let job = self.job(job_id);
        answer(py, py.detach(|| job.stop_visualization_job()))
    }

    /// `POST /v1/{project_id}/visualization-jobs/{job_id}/restart`.
    fn restart_job<'py>(&self, py: Python<'py>, job_id: &str) -> PyResult<Bound<'py, PyAny>> {
        let job = self.job(job_id);
        answer(py, py.detach(|| job.restart_visualization_job()))
    }

    /// `DELETE /v1/{project_id}/visualization-jobs/{job_id}`.
    fn delete_job<'py>(&self, py: Python<'py>, job_id: &str) -> PyResult<Bound<'py, PyAny>> {
        let job = self.job(job_id);
        answer(py, py.detach(|| job.delete_visualization_job()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Client(endpoint={:?}, project_id={:?})",
            self.endpoint(),
            self.project_id()
        )
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("VizjobsError", m.py().get_type::<VizjobsError>())?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(read_scalars, m)?)?;
    m.add_function(wrap_pyfunction!(read_runs, m)?)?;
    m.add_class::<Client>()?;
    Ok(())
}
