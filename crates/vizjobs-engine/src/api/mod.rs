//! The data API of `docs/DATA_API.md`: an axum router with relative `/data/...` paths, its
//! answers as types ([`answers`]), its OpenAPI document ([`DataApiDoc`]), and the hand-written
//! encoders of scalar series ([`json`], [`columns`]).
//!
//! Every answer carries an `ETag` derived from the board's data generation (bumped whenever
//! loaded data changes), so `If-None-Match` answers 304 without rebuilding anything.

pub mod answers;
pub mod columns;
mod graph;
mod handlers;
pub mod multirun;

pub(crate) use handlers::{run_infos, run_tags};
pub mod json;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::board::Shared;
use crate::loader::TrackedRun;

/// The OpenAPI document of the data API, with paths relative to the dashboard's base URL
/// (`/data/runs`, ...). The server nests it under each job's `service_url` in its
/// `/openapi.json`; the web dashboard's TypeScript types are generated from that.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "vizjobs data API",
        description = "What a job's dashboard reads (docs/DATA_API.md). Every answer carries an \
            ETag; If-None-Match answers 304 while nothing changed."
    ),
    paths(
        handlers::runs, handlers::tags, handlers::scalars, handlers::histograms,
        handlers::images, handlers::blob, handlers::text, handlers::pr_curves,
        handlers::hparams, handlers::custom_scalars, handlers::tensors, handlers::config,
        handlers::logdir, multirun::scalars_multirun,
        graph::graphs, graph::graph, graph::view, graph::search, graph::node
    ),
    components(schemas(answers::ScalarFormat, answers::GraphSelector)),
    tags((name = "data", description = "The dashboard data API, served under a job's service_url"))
)]
pub struct DataApiDoc;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/data/runs", get(handlers::runs))
        .route("/data/tags", get(handlers::tags))
        .route("/data/scalars", get(handlers::scalars))
        .route("/data/scalars_multirun", post(multirun::scalars_multirun))
        .route("/data/histograms", get(handlers::histograms))
        .route("/data/images", get(handlers::images))
        .route("/data/blob", get(handlers::blob))
        .route("/data/text", get(handlers::text))
        .route("/data/pr_curves", get(handlers::pr_curves))
        .route("/data/hparams", get(handlers::hparams))
        .route("/data/custom_scalars", get(handlers::custom_scalars))
        .route("/data/tensors", get(handlers::tensors))
        .route("/data/config", get(handlers::config))
        .route("/data/logdir", get(handlers::logdir))
        .route("/data/graphs", get(graph::graphs))
        .route("/data/graph", get(graph::graph))
        .route("/data/graph/view", get(graph::view))
        .route("/data/graph/search", get(graph::search))
        .route("/data/graph/node", get(graph::node))
        .layer(middleware::from_fn_with_state(shared.clone(), etag))
        .with_state(shared)
}

/// Answers 304 when the client's `If-None-Match` is the current generation; tags answers.
async fn etag(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    // Read before building the answer: if data changes meanwhile, the tag is older than the
    // content, which only costs the client one extra full answer later.
    let tag = format!("\"g{}\"", shared.generation.load(Ordering::Relaxed));
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        next.run(request).await
    };
    if (response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED)
        && let Ok(v) = HeaderValue::from_str(&tag)
    {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// An error answer of the data API: a [`DataErrorBody`](answers::DataErrorBody) with a status.
#[derive(Debug)]
pub(crate) struct DataError {
    status: StatusCode,
    message: String,
}

impl DataError {
    fn bad_request(message: impl Into<String>) -> Self {
        DataError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> Self {
        DataError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl IntoResponse for DataError {
    fn into_response(self) -> Response {
        let body = answers::DataErrorBody {
            error: self.message,
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// Query parameters, with typed accessors that turn bad input into 400s.
///
/// Every parameter is read once, so one given twice is refused: which value won would otherwise
/// depend on the order of the pairs, and an AK/SK signature sorts them.
pub(crate) struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = DataError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let mut params = HashMap::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if params.insert(key.to_string(), value.into_owned()).is_some() {
                return Err(DataError::bad_request(format!(
                    "parameter `{key}` is given more than once"
                )));
            }
        }
        Ok(Params(params))
    }
}

impl Params {
    fn required(&self, name: &str) -> Result<&str, DataError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| DataError::bad_request(format!("missing parameter `{name}`")))
    }

    fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn int<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, DataError> {
        self.optional(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    DataError::bad_request(format!("parameter `{name}` must be an integer"))
                })
            })
            .transpose()
    }

    /// The `run` and `tag` parameters, the run looked up.
    fn run_and_tag(&self, shared: &Shared) -> Result<(Arc<TrackedRun>, &str), DataError> {
        Ok((self.run(shared)?, self.required("tag")?))
    }

    fn run(&self, shared: &Shared) -> Result<Arc<TrackedRun>, DataError> {
        let name = self.required("run")?;
        shared
            .runs
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| DataError::not_found(format!("unknown run `{name}`")))
    }
}

fn unknown_tag(tag: &str) -> DataError {
    DataError::not_found(format!("unknown tag `{tag}`"))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    use utoipa::OpenApi;

    use super::answers::{DashboardConfig, HparamType, HparamValue, Num};
    use crate::{Board, EngineConfig};

    #[test]
    fn non_finite_floats_are_strings() {
        let v = [
            Num(f64::NAN),
            Num(f64::INFINITY),
            Num(f64::NEG_INFINITY),
            Num(0.5),
        ];
        let text = serde_json::to_string(&v).unwrap_or_default();
        assert_eq!(text, r#"["NaN","Infinity","-Infinity",0.5]"#);
        assert_eq!(
            HparamValue::Number(Num(f64::NAN)).wire_type(),
            HparamType::String
        );
        assert_eq!(HparamValue::Null.wire_type(), HparamType::Float64);
        assert_eq!(
            serde_json::to_string(&HparamValue::Null).unwrap_or_default(),
            "null"
        );
    }

    #[test]
    fn a_job_type_is_its_name() {
        let config = DashboardConfig {
            job_type: Some(vizjobs_api::JobType::Mindinsight),
            reload_interval_secs: 5.0,
            title: "t".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&config).unwrap_or_default(),
            r#"{"job_type":"mindinsight","reload_interval_secs":5.0,"title":"t"}"#
        );
    }

    /// Every documented path is a route (axum's fallback answers an empty 404), and a path
    /// that is not documented is not one.
    #[tokio::test]
    async fn the_document_lists_the_routes() {
        let board = Board::open(
            PathBuf::from("/nonexistent-vizjobs-logdir"),
            EngineConfig::default(),
        );
        let router = board.router();
        let doc = super::DataApiDoc::openapi();
        assert_eq!(doc.paths.paths.len(), 19);
        let routed = |path: String| {
            let router = router.clone();
            async move {
                let request = Request::get(path).body(Body::empty()).expect("request");
                let response = router.oneshot(request).await.expect("answer");
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap_or_default();
                status != 404 || !body.is_empty()
            }
        };
        for path in doc.paths.paths.keys() {
            assert!(
                routed(path.clone()).await,
                "{path} is documented but not routed"
            );
        }
        assert!(!routed("/data/nope".to_owned()).await);
        board.close();
    }
}
