//! Hostile input over real HTTP: path traversal, markup injection, oversized and malformed
//! requests, replayed signatures and slow clients (issue 9).
//!
//! Every answer is checked for the server's secrets (admin password, secret key, the token in
//! use): whatever a request holds, no credential may come back in an answer. The cases that
//! touch the database run on both backends; those about the dashboard run a real
//! [`EngineRunner`] over event files this test writes.

mod common;
mod tfevents;

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vizjobs_server::clock::Clock;
use vizjobs_server::dashboard::{EngineRunner, EngineRunnerConfig};
use vizjobs_signer::{SecretKey, Signer};

use common::{Backend, TestServer};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Fails when one of the server's secrets shows in `text`.
fn assert_no_secret(s: &TestServer, text: &str) {
    for secret in [&s.creds.password, &s.creds.secret_key, &s.token] {
        assert!(
            !text.contains(secret),
            "a secret leaked into an answer: {text}"
        );
    }
}

/// A raw HTTP/1.1 exchange: `request` is sent as is (so it may hold bytes no client library
/// would send) and the answer read until the server closes. Returns the status and the whole
/// answer as lossy text.
async fn raw(s: &TestServer, request: &[u8]) -> (u16, String) {
    let addr = s.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .ok();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    assert_no_secret(s, &text);
    (status, text)
}

/// A `GET` of `target` (sent verbatim on the request line) with the admin's token.
fn raw_get(s: &TestServer, target: &[u8], extra_headers: &[u8]) -> Vec<u8> {
    let host = s.base.trim_start_matches("http://");
    let mut request = b"GET ".to_vec();
    request.extend_from_slice(target);
    request.extend_from_slice(
        format!(
            " HTTP/1.1\r\nHost: {host}\r\nX-Auth-Token: {}\r\nConnection: close\r\n",
            &s.token
        )
        .as_bytes(),
    );
    request.extend_from_slice(extra_headers);
    request.extend_from_slice(b"\r\n");
    request
}

/// The answer's status, headers and body, after the secret check.
async fn fetch(
    s: &TestServer,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, HeaderMap, String) {
    let mut req = s
        .client
        .request(method, format!("{}{path}", s.base))
        .header("X-Auth-Token", &s.token);
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    assert_no_secret(s, &text);
    (status, headers, text)
}

fn assert_json_answer(headers: &HeaderMap, what: &str) {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "{what}: content type {content_type:?}"
    );
    assert_eq!(
        headers.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..]),
        "{what}"
    );
}

fn assert_client_error(status: u16, what: &str, answer: &str) {
    assert!(
        (400..500).contains(&status),
        "{what}: want a 4xx, got {status}: {answer}"
    );
}

const MARKUP: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

// ---------------------------------------------------------------------------------------------
// Path traversal through train_url

async fn train_url_cannot_leave_the_log_roots(s: &TestServer) {
    let logdir = s.logdir();
    let root = logdir.trim_end_matches('/').trim_end_matches("exp");
    let outside = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(outside.path(), format!("{root}escape")).expect("symlink");
    std::os::unix::fs::symlink("/etc", format!("{root}etc")).expect("symlink");
    let attempts = [
        format!("{logdir}../../../../etc/"),
        format!("{logdir}..\\..\\..\\etc\\"),
        format!("{root}exp/./../../../etc"),
        format!("{root}escape/"),
        format!("{root}escape/deeper/not-yet/"),
        format!("{root}etc/"),
        format!("{root}exp\u{0}/../../etc"),
        "/etc/".to_owned(),
        "/".to_owned(),
        "//etc/passwd".to_owned(),
        "file:///etc/".to_owned(),
        "../etc/".to_owned(),
        "obs://bucket/../../etc/".to_owned(),
    ];
    for train_url in attempts {
        let body = json!({"job_name": "traversal", "train_url": train_url});
        let (status, headers, text) = fetch(
            s,
            Method::POST,
            &s.jobs_path(),
            Some(body.to_string().into_bytes()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{train_url:?}: {text}");
        assert_json_answer(&headers, &train_url);
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            answer["error_code"], "ModelArts.2791",
            "{train_url:?}: {answer}"
        );
    }
    // Percent escapes are not decoded in a local path: `%2e%2e` is a folder of that name, under
    // the root, and the job reads exactly there.
    let literal = format!("{logdir}%2e%2e/%2e%2e/");
    let id = s
        .create("escaped-dots", json!({"train_url": literal}))
        .await;
    let job = s.details(id).await;
    assert_eq!(job["train_url"], literal.as_str());
    // Updating a job cannot move it either: train_url is not an updatable field.
    let (status, _, text) = fetch(
        s,
        Method::PUT,
        &format!("{}/{id}", s.jobs_path()),
        Some(
            json!({"job_desc": "x", "train_url": "/etc/"})
                .to_string()
                .into_bytes(),
        ),
    )
    .await;
    assert!(status.is_success() || status.is_client_error(), "{text}");
    assert_eq!(s.details(id).await["train_url"], literal.as_str());
}

// ---------------------------------------------------------------------------------------------
// Markup injection

async fn markup_comes_back_as_inert_json(s: &TestServer) {
    // A name with markup is refused by the naming rule, without echoing the name.
    let body = json!({"job_name": MARKUP, "train_url": s.logdir()});
    let (status, headers, text) = fetch(
        s,
        Method::POST,
        &s.jobs_path(),
        Some(body.to_string().into_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_json_answer(&headers, "bad name");

    // A description may hold anything; it comes back as JSON, never as a page.
    let id = s.create("markup", json!({"job_desc": MARKUP})).await;
    let path = format!("{}/{id}", s.jobs_path());
    let (status, headers, text) = fetch(s, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_json_answer(&headers, "details");
    let job: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(job["job_desc"], MARKUP);

    let search = format!(
        "{}?search_content={}",
        s.jobs_path(),
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    );
    let (status, headers, _) = fetch(s, Method::GET, &search, None).await;
    assert!(status.is_success() || status.is_client_error());
    assert_json_answer(&headers, "list");

    // Error answers that quote the request stay JSON too.
    let body = json!({"job_name": "ok", "train_url": MARKUP});
    let (status, headers, _) = fetch(
        s,
        Method::POST,
        &s.jobs_path(),
        Some(body.to_string().into_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_json_answer(&headers, "bad train_url");
    let (status, headers, _) = fetch(s, Method::GET, "/%3Cscript%3Ealert(1)", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_json_answer(&headers, "unknown route");

    // The HTML pages carry a policy that forbids inline scripts.
    for page in ["/", &format!("/vj/{}/{id}/", s.project())] {
        s.wait_status(id, 8).await;
        let (status, headers, text) = fetch(s, Method::GET, page, None).await;
        assert_eq!(status, StatusCode::OK, "{page}: {text}");
        assert!(!text.contains("<script>alert"), "{page} reflects markup");
        if page == "/" {
            let csp = headers
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(csp.contains("script-src 'self'"), "{page}: CSP {csp:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Oversized requests

async fn oversized_requests_get_clear_client_errors(s: &TestServer) {
    let big = vec![b' '; 3 * 1024 * 1024];
    for (method, path) in [
        (Method::POST, s.jobs_path()),
        (Method::PUT, format!("{}/1", s.jobs_path())),
        (Method::POST, "/v3/auth/tokens".to_owned()),
        (Method::POST, "/console/login".to_owned()),
    ] {
        let (status, _, text) = fetch(s, method.clone(), &path, Some(big.clone())).await;
        assert_client_error(status.as_u16(), &format!("{method} {path} 3 MiB"), &text);
        if path == s.jobs_path() {
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
            assert!(text.contains("ModelArts.0101"), "{text}");
        }
    }

    // A 1 MiB header, 2000 headers and a 1 MiB query string (hyper buffers at most ~400 KiB
    // of head and allows 100 headers).
    let huge_value = "a".repeat(1024 * 1024);
    let header = format!("X-Filler: {huge_value}\r\n");
    let (status, text) = raw(s, &raw_get(s, s.jobs_path().as_bytes(), header.as_bytes())).await;
    assert_client_error(status, "huge header", &text);
    let many: String = (0..2000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let (status, text) = raw(s, &raw_get(s, s.jobs_path().as_bytes(), many.as_bytes())).await;
    assert_client_error(status, "many headers", &text);
    let target = format!("{}?search_content={huge_value}", s.jobs_path());
    let (status, text) = raw(s, &raw_get(s, target.as_bytes(), b"")).await;
    assert_client_error(status, "huge query", &text);
    let target = format!("{}?search_content={}", s.jobs_path(), "b".repeat(500));
    let (status, text) = raw(s, &raw_get(s, target.as_bytes(), b"")).await;
    assert_client_error(status, "long search", &text);

    // And the server still serves.
    let (status, _) = s.call(Method::GET, &s.jobs_path(), None).await;
    assert_eq!(status, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Malformed UTF-8

async fn malformed_utf8_is_a_client_error(s: &TestServer) {
    let jobs = s.jobs_path();
    let targets: Vec<Vec<u8>> = vec![
        format!("{jobs}/%FF%FE").into_bytes(),
        format!("{jobs}/1%C0%AF").into_bytes(),
        format!("{jobs}?status=%C0%80").into_bytes(),
        format!("/vj/{}/%FF/", s.project()).into_bytes(),
        [jobs.as_bytes(), b"/\xff\xfe"].concat(),
        [jobs.as_bytes(), b"?search_content=\xff"].concat(),
    ];
    for target in targets {
        let (status, text) = raw(s, &raw_get(s, &target, b"")).await;
        assert_client_error(status, &String::from_utf8_lossy(&target), &text);
    }
    // A query whose parameters do not decode to UTF-8 is refused, not searched for as U+FFFD.
    for query in ["search_content=%FF%FE", "status=%C0%80", "%FF=1"] {
        let target = format!("{jobs}?{query}");
        let (status, text) = raw(s, &raw_get(s, target.as_bytes(), b"")).await;
        assert_eq!(status, 400, "{query}: {text}");
        assert!(text.contains("ModelArts.0104"), "{query}: {text}");
    }
    // Headers that are not UTF-8: the token, the date of a signature, the authorization.
    let host = s.base.trim_start_matches("http://");
    for header in [
        &b"X-Auth-Token: \xff\xfe\xfd"[..],
        b"Authorization: SDK-HMAC-SHA256 Access=\xff, SignedHeaders=host, Signature=00",
        b"X-Sdk-Date: 2024\xff0101T000000Z\r\nAuthorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let mut request = format!("GET {jobs} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n")
            .into_bytes();
        request.extend_from_slice(header);
        request.extend_from_slice(b"\r\n\r\n");
        let (status, text) = raw(s, &request).await;
        assert_client_error(status, &String::from_utf8_lossy(header), &text);
    }
    // JSON bodies: invalid UTF-8, a lone surrogate escape, an over-long encoding.
    for body in [
        &b"{\"job_name\": \"a\xff\", \"train_url\": \"/x/\"}"[..],
        b"{\"job_name\": \"\\ud800\", \"train_url\": \"/x/\"}",
        b"{\"job_name\": \"\xc0\xaf\"}",
        b"\xef\xbb\xbf{\"job_name\": \"bom\"}",
    ] {
        let (status, headers, text) = fetch(s, Method::POST, &jobs, Some(body.to_vec())).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}: {text}",
            String::from_utf8_lossy(body)
        );
        assert_json_answer(&headers, "bad JSON");
        assert!(text.contains("ModelArts.01"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Replayed signatures

async fn replayed_signature_is_refused_outside_the_window(s: &TestServer) {
    let id = s.create("replayed", json!({})).await;
    let url = Url::parse(&format!("{}{}/{id}", s.base, s.jobs_path())).expect("url");
    let mut headers = HeaderMap::new();
    let signed_at =
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(s.clock.now_ms()) * 1_000_000)
            .expect("time");
    Signer::new(
        s.creds.access_key.clone(),
        SecretKey::new(s.creds.secret_key.clone()),
    )
    .sign("GET", &url, &mut headers, b"", signed_at)
    .expect("sign");
    let send = |headers: HeaderMap| {
        let url = url.clone();
        async move {
            let resp = s
                .client
                .get(url)
                .headers(headers)
                .send()
                .await
                .expect("request");
            let status = resp.status();
            let text = resp.text().await.expect("body");
            assert_no_secret(s, &text);
            (status, text)
        }
    };
    // Within the window the captured request works (and works again: replay inside the
    // window is the accepted cost of a stateless scheme, as in the spec).
    assert_eq!(send(headers.clone()).await.0, StatusCode::OK);
    s.clock.advance_ms(14 * 60 * 1000);
    assert_eq!(send(headers.clone()).await.0, StatusCode::OK);
    // Past 15 minutes it is refused, in both directions of a clock skew.
    s.clock.advance_ms(2 * 60 * 1000);
    let (status, text) = send(headers.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("ModelArts.0206"), "{text}");
    s.clock.advance_ms(-32 * 60 * 1000);
    let (status, text) = send(headers).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("ModelArts.0206"), "{text}");
    s.clock.advance_ms(16 * 60 * 1000);
}

on_both_backends!(
    train_url_cannot_leave_the_log_roots,
    markup_comes_back_as_inert_json,
    oversized_requests_get_clear_client_errors,
    malformed_utf8_is_a_client_error,
    replayed_signature_is_refused_outside_the_window,
    metrics_stay_small_whatever_the_methods,
    nul_in_free_text_is_a_client_error,
);

// ---------------------------------------------------------------------------------------------
// Issue 21: what a hostile review found

/// Made-up methods do not each become a label set of /metrics: 300 requests with 8 KB method
/// names grew it to 48.5 MB before they were counted as one `OTHER`.
async fn metrics_stay_small_whatever_the_methods(s: &TestServer) {
    for n in 0..300 {
        let method = format!("M{n}{}", "X".repeat(8 * 1024));
        let request = format!("{method} /v1/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        raw(s, request.as_bytes()).await;
    }
    let (status, _, text) = fetch(s, Method::GET, "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.len() < 64 * 1024,
        "/metrics grew to {} bytes after odd methods",
        text.len()
    );
    assert!(text.contains("method=\"OTHER\""), "odd methods are counted");
}

/// NUL in free text is refused up front with a 400 on both backends (PostgreSQL answered 500).
async fn nul_in_free_text_is_a_client_error(s: &TestServer) {
    let body = json!({"job_name": "nul", "job_desc": "a\u{0}b", "train_url": s.logdir()});
    let (status, answer) = s.call(Method::POST, &s.jobs_path(), Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error_code"], "ModelArts.0104", "{answer}");
    let id = s.create("nul-update", json!({})).await;
    let (status, answer) = s
        .call(
            Method::PUT,
            &format!("{}/{id}", s.jobs_path()),
            Some(json!({"job_desc": "\u{0}"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error_code"], "ModelArts.0104", "{answer}");
    let (status, answer) = s
        .call(
            Method::GET,
            &format!("{}?search_content=a%00b", s.jobs_path()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error_code"], "ModelArts.0104", "{answer}");
}

fn isolated_log_roots(config: &mut vizjobs_server::config::ServerConfig) {
    config.log_isolation = vizjobs_server::config::LogIsolation::Project;
}

/// With per-project isolation a project reads only `<root>/<project_id>/…`: the whole root and
/// another project's folder are refused (with shared roots, any project could read both).
async fn a_project_reads_only_its_own_folder_of_the_log_root(s: &TestServer) {
    let root = s.dir.path().join("data/logs").canonicalize().expect("root");
    let other = root.join("another-project/secret");
    std::fs::create_dir_all(&other).expect("other project's logs");
    for foreign in [
        format!("{}/", root.display()),
        format!("{}/", other.display()),
        format!("{}/exp/", root.display()),
    ] {
        let body = json!({"job_name": "foreign", "train_url": foreign});
        let (status, answer) = s.call(Method::POST, &s.jobs_path(), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{foreign}: {answer}");
        assert_eq!(
            answer["error_code"], "ModelArts.2791",
            "{foreign}: {answer}"
        );
    }
    let own = format!("{}/{}/exp/", root.display(), s.project());
    let id = s.create("own", json!({"train_url": own})).await;
    s.wait_status(id, 8).await;
}

on_both_backends_with!(
    isolated,
    isolated_log_roots,
    a_project_reads_only_its_own_folder_of_the_log_root
);

// ---------------------------------------------------------------------------------------------
// Slow clients

/// A client that sends its headers a byte at a time and then stalls must not hold a connection
/// forever: before the head is complete only the header-read timeout can end it (set to 2 s
/// here; 30 s by default). A client that sends its head promptly, and keeps its connection alive
/// between requests, is served as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_headers_are_cut_off() {
    let s = TestServer::start_with(common::Backend::Sqlite, |c| {
        c.header_read_timeout = Duration::from_secs(2);
    })
    .await;
    let addr = s.base.trim_start_matches("http://").to_owned();

    let mut prompt = TcpStream::connect(&addr).await.expect("connect");
    for _ in 0..2 {
        prompt
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buf = [0u8; 1024];
        let n = prompt.read(&mut buf).await.expect("read");
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }

    let mut slow = TcpStream::connect(&addr).await.expect("connect");
    let started = std::time::Instant::now();
    for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " {
        slow.write_all(&[*byte]).await.expect("write");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut buf = [0u8; 1024];
    let answer = tokio::time::timeout(Duration::from_secs(20), slow.read(&mut buf))
        .await
        .expect("the server still holds a connection whose headers stalled 20 s ago");
    // Closed (0 bytes, or a reset), or a 408 before closing: either way, not served.
    if let Ok(n) = answer {
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(n == 0 || text.starts_with("HTTP/1.1 408"), "{text}");
    }
    assert!(started.elapsed() >= Duration::from_secs(2));
    s.stop().await;
}

/// A body that stalls is cut by the 60 s request timeout with a 408.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes 60 s; run by scripts/soak.sh"]
async fn stalled_body_times_out() {
    let s = TestServer::start(common::Backend::Sqlite).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"job_name\"",
        s.jobs_path(),
        s.token
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(90), stream.read_to_end(&mut answer))
        .await
        .expect("the server gives up on a stalled body")
        .ok();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(started.elapsed() >= Duration::from_secs(55));
    s.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The dashboard: run and tag names, blob routes, symbolic links

/// A server whose jobs serve real dashboards (the engine runner), on SQLite.
async fn engine_server() -> TestServer {
    let runner = EngineRunner::new(EngineRunnerConfig::default());
    TestServer::start_with_runner(Backend::Sqlite, runner, |_| {}).await
}

/// Creates a job on the server's logdir, waits until it is RUNNING and returns its dashboard
/// path.
async fn running_job(s: &TestServer) -> String {
    let id = s.create("dash", json!({})).await;
    s.wait_status(id, 8).await;
    format!("/vj/{}/{id}/", s.project())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_routes_resist_traversal_and_markup() {
    let s = engine_server().await;
    let logdir = s.logdir();
    let run_dir = format!("{logdir}{MARKUP}");
    std::fs::create_dir_all(&run_dir).expect("run dir");
    let mut events = tfevents::scalar(0, MARKUP, 1.0);
    events.extend(tfevents::text(0, "notes", MARKUP));
    std::fs::write(format!("{run_dir}/events.out.tfevents.1.host"), &events).expect("events");
    let base = running_job(&s).await;

    // Runs and tags with markup come back as JSON strings only.
    let mut runs = Value::Null;
    for _ in 0..100 {
        let (status, headers, text) =
            fetch(&s, Method::GET, &format!("{base}data/runs"), None).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_json_answer(&headers, "data/runs");
        runs = serde_json::from_str(&text).expect("JSON");
        if runs
            .as_array()
            .is_some_and(|r| r.iter().any(|run| run["status"] == "ready"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        runs.as_array()
            .is_some_and(|r| r.iter().any(|run| run["name"] == MARKUP)),
        "{runs}"
    );
    let (_, headers, text) = fetch(&s, Method::GET, &format!("{base}data/tags"), None).await;
    assert_json_answer(&headers, "data/tags");
    assert!(text.contains("onerror"), "the markup tag is listed: {text}");
    let run_q = "%3Cscript%3Ealert(1)%3C%2Fscript%3E%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E";
    let (status, headers, text) = fetch(
        &s,
        Method::GET,
        &format!("{base}data/text?run={run_q}&tag=notes"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_json_answer(&headers, "data/text");
    assert!(text.contains("<script>"), "{text}");
    let (status, headers, text) = fetch(&s, Method::GET, &base, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!text.contains("alert(1)"), "the page reflects a run name");
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(csp.contains("script-src 'self'"), "dashboard CSP {csp:?}");

    // Blob and data routes with climbing run names answer 4xx and never a file's content.
    for query in [
        "data/blob?run=../../../../etc&tag=passwd&step=0",
        "data/blob?run=..%2F..%2F..%2Fetc&tag=passwd&step=0&index=0",
        "data/blob?run=%2Fetc&tag=..%2Fpasswd&step=0",
        "data/scalars?run=../../../../etc&tag=passwd",
        "data/text?run=%2e%2e%2f%2e%2e&tag=notes",
        "data/blob?run=x&tag=y&step=-1&index=99999999999999999999",
    ] {
        let (status, text) = raw(&s, &raw_get(&s, format!("{base}{query}").as_bytes(), b"")).await;
        assert_client_error(status, query, &text);
        assert!(!text.contains("root:"), "{query}: {text}");
    }
    // Dot segments in the dashboard path itself.
    for path in [
        format!("{base}../../etc/passwd"),
        format!("{base}%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
        format!("{base}assets/..%2F..%2F..%2Fetc%2Fpasswd"),
        format!(
            "{base}..%2f..%2fv1%2f{}%2fvisualization-jobs",
            s.creds.project_id
        ),
    ] {
        let (status, text) = raw(&s, &raw_get(&s, path.as_bytes(), b"")).await;
        assert!(
            status == 404 || status == 400 || status == 200 && !text.contains("root:"),
            "{path}: {status} {text}"
        );
        assert!(!text.contains("root:x:0"), "{path}: {text}");
    }
    s.stop().await;
}

/// A symbolic link inside a job's logdir must not expose event files outside its log root
/// (another project's logs, say): the engine reads a job's logdir confined to the root its
/// `train_url` resolved under.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinks_in_a_logdir_do_not_escape_the_log_roots() {
    let s = engine_server().await;
    let logdir = s.logdir();
    std::fs::create_dir_all(format!("{logdir}inside")).expect("run dir");
    std::fs::write(
        format!("{logdir}inside/events.out.tfevents.1.host"),
        tfevents::scalar(0, "inside_tag", 1.0),
    )
    .expect("events");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("events.out.tfevents.1.host"),
        tfevents::scalar(0, "outside_secret", 42.0),
    )
    .expect("outside events");
    std::os::unix::fs::symlink(outside.path(), format!("{logdir}linked")).expect("symlink");
    let base = running_job(&s).await;
    let mut tags = String::new();
    for _ in 0..100 {
        tags = fetch(&s, Method::GET, &format!("{base}data/tags"), None)
            .await
            .2;
        if tags.contains("inside_tag") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.stop().await;
    assert!(tags.contains("inside_tag"), "{tags}");
    assert!(
        !tags.contains("outside_secret"),
        "a symbolic link in the logdir exposed event files outside the log roots: {tags}"
    );
}
