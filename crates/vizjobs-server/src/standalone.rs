//! `vizjobs board`: one logdir served directly, like `tensorboard --logdir`, with no jobs and
//! no authentication (the CLI binds it to loopback unless told otherwise).

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use vizjobs_engine::Board;

use crate::static_files;

/// The dashboard at `/`, its data at `/data/…`, and the assets.
pub fn board_router(board: &Arc<Board>) -> Router {
    Router::new()
        .route("/", get(|| async { static_files::dashboard_page() }))
        .route("/assets/{*path}", get(static_files::assets))
        .route("/healthz", get(crate::health::healthz))
        .merge(board.router())
}
