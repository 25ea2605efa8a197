//! The visualization-jobs API: `/v1/{project_id}/visualization-jobs`.
//!
//! Handlers never check credentials or project ids themselves: the auth middleware in front of
//! this router resolves the caller and inserts the [`Scope`] every handler takes, which is the
//! one place where the path's project id is matched against the credential.

pub mod body;
pub mod jobs;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use vizjobs_api::ErrorCode;

use crate::error::AppError;
use crate::state::AppState;

/// The project a request acts in, checked against its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub project_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Scope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Scope>().cloned().ok_or_else(|| {
            // Reaching a handler without a scope means the router was assembled wrongly.
            AppError::new(ErrorCode::NoCredential, "No credential was given")
        })
    }
}

/// The jobs routes, relative to `/v1/{project_id}`.
pub fn routes() -> Router<AppState> {
    jobs::routes()
}
