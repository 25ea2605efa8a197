//! Where each operation goes: `{endpoint}/v1/{project_id}/visualization-jobs[/{job_id}[/{action}]]`.
//!
//! The endpoint may carry a path prefix (a gateway mount point); it is kept. Path segments and
//! query pairs are percent-encoded with only `A-Za-z0-9-_.~` bare (spaces as `%20`, never `+`),
//! the spelling the request signature canonicalises to, so a gateway decoding `+` as a space
//! cannot make the signature disagree.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What follows a job's path: nothing (details, update, delete) or an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobAction {
    Stop,
    Restart,
}

impl JobAction {
    fn segment(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Restart => "restart",
        }
    }
}

/// One path segment, encoded.
///
/// `.` and `..` cannot travel as a segment at all: URL parsers fold them (and `%2E` spellings
/// of them) into the path. No job has such an id, so they are sent with their `%` escaped,
/// which keeps the request on a (missing) job instead of landing on the collection.
fn segment(raw: &str) -> String {
    match raw {
        "." => "%252E".to_owned(),
        ".." => "%252E%252E".to_owned(),
        _ => utf8_percent_encode(raw, ENCODED).to_string(),
    }
}

/// The collection URL of a project's jobs.
pub(crate) fn jobs_url(endpoint: &Url, project_id: &str) -> Url {
    with_segments(
        endpoint,
        &["v1", &segment(project_id), "visualization-jobs"],
    )
}

/// The URL of one job, or of one of its actions.
pub(crate) fn job_url(
    endpoint: &Url,
    project_id: &str,
    job_id: &str,
    action: Option<JobAction>,
) -> Url {
    let project = segment(project_id);
    let job = segment(job_id);
    let mut segments = vec!["v1", &project, "visualization-jobs", &job];
    if let Some(action) = action {
        segments.push(action.segment());
    }
    with_segments(endpoint, &segments)
}

/// The IAM token URL.
pub(crate) fn iam_tokens_url(iam_endpoint: &Url) -> Url {
    with_segments(iam_endpoint, &["v3", "auth", "tokens"])
}

/// Sets the query from `(key, value)` pairs; none leaves the URL without `?`.
pub(crate) fn with_query(mut url: Url, pairs: &[(&str, String)]) -> Url {
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        let query = pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, ENCODED),
                    utf8_percent_encode(v, ENCODED)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        url.set_query(Some(&query));
    }
    url
}

/// Appends already-encoded segments to the endpoint's own path.
fn with_segments(endpoint: &Url, encoded_segments: &[&str]) -> Url {
    let mut url = endpoint.clone();
    let prefix = endpoint.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{}", encoded_segments.join("/")));
    url.set_query(None);
    url.set_fragment(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn builds_operation_urls() {
        let e = endpoint("http://127.0.0.1:8080");
        assert_eq!(
            jobs_url(&e, "p1").as_str(),
            "http://127.0.0.1:8080/v1/p1/visualization-jobs"
        );
        assert_eq!(
            job_url(&e, "p1", "8992", None).as_str(),
            "http://127.0.0.1:8080/v1/p1/visualization-jobs/8992"
        );
        assert_eq!(
            job_url(&e, "p1", "8992", Some(JobAction::Restart)).as_str(),
            "http://127.0.0.1:8080/v1/p1/visualization-jobs/8992/restart"
        );
        assert_eq!(
            iam_tokens_url(&endpoint("https://iam.example.com/")).as_str(),
            "https://iam.example.com/v3/auth/tokens"
        );
    }

    #[test]
    fn keeps_an_endpoint_prefix_and_drops_its_query() {
        let e = endpoint("https://gw.example.com/modelarts/?x=1#f");
        assert_eq!(
            job_url(&e, "p", "1", Some(JobAction::Stop)).as_str(),
            "https://gw.example.com/modelarts/v1/p/visualization-jobs/1/stop"
        );
    }

    #[test]
    fn odd_ids_stay_one_segment() {
        let e = endpoint("http://h");
        assert_eq!(
            job_url(&e, "p", "../../x y", None).path(),
            "/v1/p/visualization-jobs/..%2F..%2Fx%20y"
        );
        assert_eq!(
            job_url(&e, "p", "..", Some(JobAction::Stop)).path(),
            "/v1/p/visualization-jobs/%252E%252E/stop"
        );
    }

    #[test]
    fn query_uses_percent_twenty_for_spaces() {
        let url = with_query(
            jobs_url(&endpoint("http://h"), "p"),
            &[
                ("search_content", "vj job中+".to_owned()),
                ("page", "2".to_owned()),
            ],
        );
        assert_eq!(
            url.query(),
            Some("search_content=vj%20job%E4%B8%AD%2B&page=2")
        );
        assert_eq!(with_query(url, &[]).query(), None);
    }
}
