//! The data API of `docs/DATA_API.md`: an axum router with relative `/data/...` paths, and
//! the encoders of its answers ([`json`], [`columns`]).
//!
//! Every answer carries an `ETag` derived from the board's data generation (bumped whenever
//! loaded data changes), so `If-None-Match` answers 304 without rebuilding anything.

pub mod columns;
mod handlers;
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
use axum::routing::get;

use crate::board::Shared;
use crate::loader::Run;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/data/runs", get(handlers::runs))
        .route("/data/tags", get(handlers::tags))
        .route("/data/scalars", get(handlers::scalars))
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

/// An error answer: `{"error": "..."}` with a status.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// Query parameters, with typed accessors that turn bad input into 400s.
///
/// Every parameter is read once, so one given twice is refused: which value won would otherwise
/// depend on the order of the pairs, and an AK/SK signature sorts them.
pub(crate) struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let mut params = HashMap::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if params.insert(key.to_string(), value.into_owned()).is_some() {
                return Err(ApiError::bad_request(format!(
                    "parameter `{key}` is given more than once"
                )));
            }
        }
        Ok(Params(params))
    }
}

impl Params {
    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::bad_request(format!("missing parameter `{name}`")))
    }

    fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn int<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.optional(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    ApiError::bad_request(format!("parameter `{name}` must be an integer"))
                })
            })
            .transpose()
    }

    /// The `run` and `tag` parameters, the run looked up.
    fn run_and_tag(&self, shared: &Shared) -> Result<(Arc<Run>, &str), ApiError> {
        Ok((self.run(shared)?, self.required("tag")?))
    }

    fn run(&self, shared: &Shared) -> Result<Arc<Run>, ApiError> {
        let name = self.required("run")?;
        shared
            .runs
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("unknown run `{name}`")))
    }
}

fn unknown_tag(tag: &str) -> ApiError {
    ApiError::not_found(format!("unknown tag `{tag}`"))
}
