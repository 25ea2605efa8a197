//! The embedded web front end: the console page, the dashboard page and their assets.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use vizjobs_web::Asset;

fn respond(asset: Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, asset.cache_control()),
        ],
        asset.bytes,
    )
        .into_response()
}

/// `GET /assets/{*path}`.
pub async fn assets(Path(path): Path<String>) -> Response {
    match vizjobs_web::asset(&format!("assets/{path}")) {
        Some(asset) => respond(asset),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The dashboard page, with a policy that allows only our own scripts: user text rendered into
/// it (run names, tags, markdown) cannot load or run anything even if it slipped through.
pub fn dashboard_page() -> Response {
    with_csp(respond(vizjobs_web::dashboard_html()))
}

/// `GET /`: the jobs console.
pub async fn console_page() -> Response {
    with_csp(respond(vizjobs_web::console_html()))
}

pub(crate) fn with_csp(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    response
}
