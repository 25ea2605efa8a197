//! The visualization-jobs API: `/v1/{project_id}/visualization-jobs`.
//!
//! Handlers never check credentials or project ids themselves: the auth middleware in front of
//! this router resolves the caller and inserts the [`Scope`](crate::auth::Scope) every handler
//! takes, which is the
//! one place where the path's project id is matched against the credential.

pub mod jobs;

use axum::Router;

use crate::state::AppState;

/// The jobs routes, relative to `/v1/{project_id}`.
pub fn routes() -> Router<AppState> {
    jobs::routes()
}
