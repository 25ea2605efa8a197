//! How failures become answers.
//!
//! Every handler returns [`AppError`]; its `IntoResponse` writes the ModelArts failure body with
//! the status the spec ties to the code. Internal details go to the log, never to the answer.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vizjobs_api::{ApiError, ErrorCode};
use vizjobs_store::StoreError;

/// A failed request.
#[derive(Debug)]
pub struct AppError {
    pub api: ApiError,
    /// Seconds the client should wait, for 429 and 503 answers.
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            api: ApiError::new(code, message),
            retry_after: None,
        }
    }

    pub fn no_such_job(job_id: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::NoSuchJob,
            format!("The job {job_id} does not exist"),
        )
    }

    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {context}: {err}");
        Self::new(ErrorCode::Internal, "Internal server error")
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

impl From<ApiError> for AppError {
    fn from(api: ApiError) -> Self {
        Self {
            api,
            retry_after: None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::QuotaExceeded { limit } => Self::new(
                ErrorCode::QuotaExceeded,
                format!("The job quota of this project ({limit}) is used up"),
            ),
            StoreError::Unavailable(detail) => {
                tracing::warn!("database unavailable: {detail}");
                Self::new(
                    ErrorCode::Unavailable,
                    "The database is unavailable; try again shortly",
                )
                .with_retry_after(2)
            }
            other => Self::internal("store", other),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.api.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.api.body())).into_response();
        // For layers that answer people rather than clients (`dashboard::landing`).
        response.extensions_mut().insert(self.api.clone());
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
