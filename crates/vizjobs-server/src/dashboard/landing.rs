//! Pages for people who open a dashboard link that cannot show a dashboard.
//!
//! A job's `service_url` is often opened from a bookmark or a chat message long after the job
//! stopped, or in a browser that is not logged in. An API client wants the ModelArts JSON error
//! it has always had; a person wants to know what is wrong and where to go. [`html_errors`]
//! tells them apart by the request alone: a browser's top-level navigation is a `GET` that
//! accepts `text/html` (and says `Sec-Fetch-Mode: navigate` when it sends that header); `fetch`
//! from the dashboard and API clients send neither. Only error answers are rewritten, and only
//! for navigations:
//! - no credential, or an expired or unknown session: `303` to the console's login, which
//!   sends the visitor back to this path afterwards (`/?next=…`);
//! - any other failure (the job does not exist, is not RUNNING, belongs to another project):
//!   an HTML page with the same status code, the message, the job's status when known, and a
//!   link to the console.
//!
//! The error's code travels from [`crate::error::AppError`] in the response's extensions, so
//! nothing here parses JSON.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use vizjobs_api::{ApiError, ErrorCode, JobStatus};

use super::runner::html_escape;

/// Middleware around the dashboard routes (outside authentication, so that its refusals are
/// rewritten too).
pub async fn html_errors(request: Request, next: Next) -> Response {
    if !is_navigation(request.method(), request.headers()) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let Some(error) = response.extensions().get::<ApiError>().cloned() else {
        return response;
    };
    match error.code {
        ErrorCode::NoCredential | ErrorCode::InvalidToken | ErrorCode::ExpiredToken => {
            Redirect::to(&login_location(&path)).into_response()
        }
        _ => {
            let status = response.extensions().get::<JobStatus>().copied();
            let page = error_page(&error, status);
            let mut html = (response.status(), page).into_response();
            html.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
                html.headers_mut()
                    .insert(header::RETRY_AFTER, retry.clone());
            }
            crate::static_files::with_csp(html)
        }
    }
}

/// Whether a request is a person opening a page rather than a script or a client reading data.
fn is_navigation(method: &Method, headers: &HeaderMap) -> bool {
    if !matches!(*method, Method::GET | Method::HEAD) {
        return false;
    }
    if let Some(mode) = headers.get("sec-fetch-mode")
        && mode.as_bytes() != b"navigate"
    {
        return false;
    }
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html"))
        })
}

/// The console's address that logs in and comes back to `path`.
fn login_location(path: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("/?next={next}")
}

fn error_page(error: &ApiError, status: Option<JobStatus>) -> Body {
    let title = match (error.code, status) {
        (ErrorCode::NoSuchJob, _) => "This visualization job does not exist".to_owned(),
        (_, Some(JobStatus::Killed | JobStatus::Killing)) => "This job was stopped".to_owned(),
        (_, Some(s)) => format!("This job is not running ({})", s.name()),
        (ErrorCode::ProjectMismatch, _) => "This dashboard belongs to another project".to_owned(),
        _ => "This dashboard cannot be shown".to_owned(),
    };
    let status_line = status.map_or(String::new(), |s| {
        format!(
            "<p>Job status: <strong>{}</strong>. A stopped job can be restarted from the \
             console; its dashboard comes back when it is RUNNING.</p>",
            s.name()
        )
    });
    Body::from(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · vizjobs</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;\
         padding:0 1rem;color:#1d2330}}code{{background:#eef1f6;padding:0 .3em}}\
         a.button{{display:inline-block;margin-top:1rem;padding:.4rem .9rem;border-radius:4px;\
         background:#2458c6;color:#fff;text-decoration:none}}\
         @media (prefers-color-scheme:dark){{body{{background:#14171f;color:#dde3ee}}\
         code{{background:#262c3a}}}}</style></head>\
         <body><main><h1>{title}</h1><p>{message}</p>{status_line}\
         <p class=\"muted\">Error <code>{code}</code></p>\
         <a class=\"button\" href=\"/\" id=\"console-link\">Open the jobs console</a>\
         </main></body></html>\n",
        title = html_escape(&title),
        message = html_escape(&error.message),
        code = html_escape(error.code.as_str()),
    ))
}

/// The answer for a dashboard whose job is not RUNNING: the API's JSON error, carrying the
/// job's status for [`html_errors`].
pub fn not_running(job_id: i64, status: JobStatus) -> Response {
    let mut response = crate::error::AppError::new(
        ErrorCode::BadStatus,
        format!(
            "The dashboard of job {job_id} is not running. job status: {}",
            status.code()
        ),
    )
    .with_retry_after(5)
    .into_response();
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response.extensions_mut().insert(status);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn a_browser_navigation_is_told_from_fetch_and_clients() {
        let chrome = headers(&[
            (
                "accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
            ("sec-fetch-mode", "navigate"),
        ]);
        assert!(is_navigation(&Method::GET, &chrome));
        assert!(!is_navigation(&Method::POST, &chrome));
        let fetch = headers(&[("accept", "*/*"), ("sec-fetch-mode", "cors")]);
        assert!(!is_navigation(&Method::GET, &fetch));
        let fetch_html = headers(&[("accept", "text/html"), ("sec-fetch-mode", "cors")]);
        assert!(!is_navigation(&Method::GET, &fetch_html));
        let client = headers(&[("accept", "application/json")]);
        assert!(!is_navigation(&Method::GET, &client));
        assert!(!is_navigation(&Method::GET, &HeaderMap::new()));
        let old_browser = headers(&[("accept", "text/html;q=0.9")]);
        assert!(is_navigation(&Method::GET, &old_browser));
    }

    #[test]
    fn login_comes_back_to_the_path() {
        assert_eq!(login_location("/vj/p1/12/"), "/?next=%2Fvj%2Fp1%2F12%2F");
    }
}
