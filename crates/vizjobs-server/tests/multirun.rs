//! `POST data/scalars_multirun` through a job's `service_url` on a real server (issue 20): a
//! browser's session cookie needs no CSRF token for this read, but a request that says it comes
//! from another origin is refused; other cookie writes still need the token; AK/SK signatures and
//! tokens work, and a signature covers the form body.

mod common;
mod tfevents;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use time::OffsetDateTime;
use vizjobs_server::clock::Clock;
use vizjobs_server::dashboard::{EngineRunner, EngineRunnerConfig};
use vizjobs_signer::{SecretKey, Signer};

use common::{Backend, TestServer};

const FORM: &str = "application/x-www-form-urlencoded";

/// A running job over three runs (`a`, `b` with `loss`, `c` with only `acc`); its dashboard path.
async fn dashboard(s: &TestServer) -> String {
    let logdir = s.logdir();
    for (run, tag) in [("a", "loss"), ("b", "loss"), ("c", "acc")] {
        let dir = format!("{logdir}{run}");
        std::fs::create_dir_all(&dir).expect("run dir");
        let mut events = Vec::new();
        for step in 0..5 {
            events.extend(tfevents::scalar(step, tag, step as f32 * 0.5));
        }
        std::fs::write(format!("{dir}/events.out.tfevents.1.host"), events).expect("events");
    }
    let id = s.create("sweep", json!({})).await;
    s.wait_status(id, 8).await;
    format!("/vj/{}/{id}/", s.project())
}

async fn answer(resp: reqwest::Response) -> (StatusCode, HeaderMap, Value) {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The console's session cookie and CSRF token.
async fn console_login(s: &TestServer) -> (String, String) {
    let resp = s
        .client
        .post(format!("{}/console/login", s.base))
        .json(
            &json!({"account": s.creds.account, "username": s.creds.username,
            "password": s.creds.password}),
        )
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .expect("ASCII")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned();
    let body: Value = resp.json().await.expect("JSON");
    (
        cookie,
        body["csrf_token"].as_str().expect("csrf").to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_posts_with_its_cookie_from_its_own_origin_only() {
    let runner = EngineRunner::new(EngineRunnerConfig::default());
    let s = TestServer::start_with_runner(Backend::Sqlite, runner, |_| {}).await;
    let base = dashboard(&s).await;
    let url = format!("{}{base}data/scalars_multirun", s.base);
    let body = "tag=loss&runs=a&runs=b&runs=c&runs=gone";

    // With a token (a script): the answer, the runs without the tag and the unknown ones named.
    let mut want = Value::Null;
    for _ in 0..100 {
        let resp = s
            .client
            .post(&url)
            .header("X-Auth-Token", &s.token)
            .header("content-type", FORM)
            .body(body)
            .send()
            .await
            .expect("request");
        let (status, headers, value) = answer(resp).await;
        assert_eq!(status, StatusCode::OK, "{value}");
        if value["a"].as_array().is_some_and(|r| r.len() == 5)
            && value["b"].as_array().is_some_and(|r| r.len() == 5)
        {
            assert_eq!(headers["x-vizjobs-unknown-runs"], "gone");
            assert_eq!(headers["x-vizjobs-runs-without-tag"], "c");
            want = value;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(want.is_object(), "the runs never loaded");

    // A browser on the dashboard's own origin, with the session cookie and no CSRF token.
    let (cookie, csrf) = console_login(&s).await;
    let browser = |origin: Option<&str>, site: Option<&str>| {
        let mut req = s
            .client
            .post(&url)
            .header("cookie", &cookie)
            .header("content-type", FORM)
            .body(body);
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        req
    };
    let (status, _, value) = answer(
        browser(Some(&s.base), Some("same-origin"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(value, want);

    // Sent by a page of another origin (a form, a no-cors fetch): refused before any data is read.
    for (origin, site) in [
        (Some("http://evil.example"), None),
        (Some("http://evil.example"), Some("cross-site")),
        (None, Some("cross-site")),
        (None, Some("same-site")),
        (Some("null"), None),
    ] {
        let (status, _, value) = answer(browser(origin, site).send().await.expect("request")).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{origin:?} {site:?}: {value}"
        );
        assert_eq!(value["error_code"], "ModelArts.0212", "{value}");
        assert!(value.get("a").is_none(), "data leaked: {value}");
    }

    // Only this read is exempt from the CSRF token: any other cookie write still needs it.
    let resp = s
        .client
        .post(format!("{}{}", s.base, s.jobs_path()))
        .header("cookie", &cookie)
        .header("origin", &s.base)
        .json(&json!({"job_name": "no-csrf", "train_url": s.logdir()}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = s
        .client
        .put(&url)
        .header("cookie", &cookie)
        .header("origin", &s.base)
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "a PUT is not the read-only POST"
    );
    let resp = s
        .client
        .put(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);

    // An AK/SK signature covers the form body: signed, it answers; altered after signing, refused.
    let signed = |sent_body: &str| {
        let url = Url::parse(&format!("{url}?format=json")).expect("url");
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static(FORM),
        );
        let now =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(s.clock.now_ms()) * 1_000_000)
                .expect("time");
        Signer::new(&s.creds.access_key, SecretKey::new(&s.creds.secret_key))
            .sign("POST", &url, &mut headers, body.as_bytes(), now)
            .expect("signing");
        s.client
            .post(url)
            .headers(headers)
            .body(sent_body.to_owned())
    };
    let (status, _, value) = answer(signed(body).send().await.expect("request")).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(value, want);
    let (status, _, value) = answer(signed("tag=loss&runs=a").send().await.expect("request")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{value}");
    s.stop().await;
}
