//! The jobs API over real HTTP, on both backends: every operation and every error row of
//! `shared/spec/visualization-jobs-api.md`.

mod common;

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use common::TestServer;

fn assert_error(status: StatusCode, body: &Value, want_status: u16, code: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["is_success"], false, "{body}");
    assert_eq!(body["error_code"], code, "{body}");
    assert!(
        body["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(body["error_msg"], body["error_message"], "{body}");
}

async fn create_answers_and_job_runs(s: &TestServer) {
    let body = json!({
        "job_name": "vj-demo", "job_desc": "demo job", "train_url": s.logdir(),
        "job_type": "tensorboard", "flavor": {"code": "modelarts.vm.cpu.2u"},
        "schedule": {"type": "stop", "time_unit": "HOURS", "duration": 4}
    });
    let (status, answer) = s.call(Method::POST, &s.jobs_path(), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["is_success"], true);
    assert_eq!(answer["job_name"], "vj-demo");
    assert_eq!(answer["status"], 1);
    let id = answer["job_id"].as_i64().expect("integer job_id");
    assert!(answer["create_time"].as_i64().unwrap() > 1_600_000_000_000);
    assert_eq!(
        answer["service_url"],
        format!("{}/vj/{}/{id}/", s.base, s.project())
    );
    let job = s.wait_status(id, 8).await;
    assert_eq!(job["is_success"], true);
    assert_eq!(job["job_desc"], "demo job");
    assert_eq!(job["train_url"], s.logdir());
    assert!(job["duration"].is_i64());
    assert!(job["resource_id"].is_string());

    // The one-element array form of the schedule, as the published sample sends it.
    let (status, answer) = s
        .call(
            Method::POST,
            &s.jobs_path(),
            Some(json!({"job_name": "arr", "train_url": s.logdir(),
                "schedule": [{"type": "stop", "time_unit": "HOURS", "duration": 0}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

async fn create_rejects_what_the_rules_forbid(s: &TestServer) {
    let path = s.jobs_path();
    let logdir = s.logdir();
    let cases = [
        (
            json!({"job_name": "a".repeat(21), "train_url": logdir}),
            400,
            "ModelArts.0104",
        ),
        (
            json!({"job_name": "", "train_url": logdir}),
            400,
            "ModelArts.0104",
        ),
        (
            json!({"job_name": "bad name", "train_url": logdir}),
            400,
            "ModelArts.0104",
        ),
        (json!({"train_url": logdir}), 400, "ModelArts.0104"),
        (
            json!({"job_name": "a", "job_desc": "d".repeat(257), "train_url": logdir}),
            400,
            "ModelArts.0104",
        ),
        (
            json!({"job_name": "a", "train_url": logdir, "job_type": "pytorch"}),
            400,
            "ModelArts.0104",
        ),
        (
            json!({"job_name": "a", "train_url": logdir,
            "schedule": {"type": "stop", "time_unit": "HOURS", "duration": 25}}),
            400,
            "ModelArts.0104",
        ),
        (
            json!({"job_name": "a", "train_url": logdir,
            "schedule": {"type": "start", "time_unit": "HOURS", "duration": 1}}),
            400,
            "ModelArts.0104",
        ),
        (
            json!({"job_name": 5, "train_url": logdir}),
            400,
            "ModelArts.0101",
        ),
        (
            json!({"job_name": "a", "train_url": logdir,
            "schedule": {"type": "stop", "time_unit": "HOURS", "duration": "4"}}),
            400,
            "ModelArts.0101",
        ),
        (
            json!({"job_name": "a", "train_url": "/etc/"}),
            400,
            "ModelArts.2791",
        ),
        (
            json!({"job_name": "a", "train_url": format!("{logdir}../../..")}),
            400,
            "ModelArts.2791",
        ),
        (
            json!({"job_name": "a", "train_url": "ftp://x/y"}),
            400,
            "ModelArts.2791",
        ),
        (
            json!({"job_name": "a", "train_url": "obs://bucket/logs/"}),
            400,
            "ModelArts.2791",
        ),
        (json!({"job_name": "a"}), 400, "ModelArts.2791"),
        (json!(["not", "an", "object"]), 400, "ModelArts.0101"),
    ];
    for (body, want, code) in cases {
        let (status, answer) = s.call(Method::POST, &path, Some(body.clone())).await;
        assert_error(status, &answer, want, code);
    }
    // Malformed JSON.
    let resp = s
        .client
        .post(format!("{}{path}", s.base))
        .header("X-Auth-Token", &s.token)
        .header("Content-Type", "application/json")
        .body("{\"job_name\": ")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert_error(status, &resp.json().await.unwrap(), 400, "ModelArts.0101");
    // Over the 1 MiB limit.
    let huge = json!({"job_name": "a", "train_url": logdir, "job_desc": "x".repeat(2 << 20)});
    let (status, answer) = s.call(Method::POST, &path, Some(huge)).await;
    assert_error(status, &answer, 413, "ModelArts.0101");
    // Nothing was created by any of these.
    let (_, list) = s.call(Method::GET, &path, None).await;
    assert_eq!(list["job_total_count"], 0, "{list}");
}

async fn details_update_and_not_found(s: &TestServer) {
    let id = s.create("upd", json!({"job_desc": "before"})).await;
    let path = format!("{}/{id}", s.jobs_path());
    let (status, answer) = s
        .call(Method::PUT, &path, Some(json!({"job_desc": "after"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"is_success": true}));
    assert_eq!(s.details(id).await["job_desc"], "after");

    let (status, answer) = s
        .call(
            Method::PUT,
            &path,
            Some(json!({"job_desc": "é".repeat(257)})),
        )
        .await;
    assert_error(status, &answer, 400, "ModelArts.0104");
    let (status, answer) = s.call(Method::PUT, &path, Some(json!({}))).await;
    assert_error(status, &answer, 400, "ModelArts.0104");
    let (status, answer) = s
        .call(Method::PUT, &path, Some(json!({"job_desc": 7})))
        .await;
    assert_error(status, &answer, 400, "ModelArts.0101");

    for missing in ["999999", "abc", "0", "-1"] {
        let p = format!("{}/{missing}", s.jobs_path());
        let (status, answer) = s.call(Method::GET, &p, None).await;
        assert_error(status, &answer, 404, "ModelArts.0103");
        let (status, answer) = s
            .call(Method::PUT, &p, Some(json!({"job_desc": "x"})))
            .await;
        assert_error(status, &answer, 404, "ModelArts.0103");
        for op in ["stop", "restart"] {
            let (status, answer) = s.call(Method::POST, &format!("{p}/{op}"), None).await;
            assert_error(status, &answer, 404, "ModelArts.0103");
        }
        let (status, answer) = s.call(Method::DELETE, &p, None).await;
        assert_error(status, &answer, 404, "ModelArts.0103");
    }
}

async fn stop_restart_delete_follow_the_lifecycle(s: &TestServer) {
    let id = s.create("life", json!({})).await;
    s.wait_status(id, 8).await;
    let path = format!("{}/{id}", s.jobs_path());

    // Restart is not allowed while running.
    let (status, answer) = s.call(Method::POST, &format!("{path}/restart"), None).await;
    assert_error(status, &answer, 400, "ModelArts.0105");
    assert_eq!(
        answer["error_msg"],
        "This job can't be restart. job status: 8"
    );

    // Stop with an empty body and a JSON content type, as the SDKs send it.
    let resp = s
        .client
        .post(format!("{}{path}/stop", s.base))
        .header("X-Auth-Token", &s.token)
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"is_success": true})
    );
    s.wait_status(id, 12).await;

    // Stopping a stopped job is refused, naming the status.
    let (status, answer) = s.call(Method::POST, &format!("{path}/stop"), None).await;
    assert_error(status, &answer, 400, "ModelArts.0105");
    assert_eq!(
        answer["error_msg"],
        "This job can't be stop. job status: 12"
    );

    let (status, answer) = s.call(Method::POST, &format!("{path}/restart"), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    s.wait_status(id, 8).await;

    let resp = s
        .client
        .delete(format!("{}{path}", s.base))
        .header("X-Auth-Token", &s.token)
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, answer) = s.call(Method::GET, &path, None).await;
    assert_error(status, &answer, 404, "ModelArts.0103");

    // Ids are never reused after a delete.
    let next = s.create("life2", json!({})).await;
    assert!(next > id);
}

async fn auto_stop_completes_and_duration_spans_restarts(s: &TestServer) {
    let id = s
        .create(
            "sched",
            json!({"schedule": {"type": "stop", "time_unit": "HOURS", "duration": 1}}),
        )
        .await;
    s.wait_status(id, 8).await;
    s.clock.advance_ms(30 * 60 * 1000);
    let job = s.details(id).await;
    assert_eq!(job["status"], 8, "half an hour in, still running");
    assert!(job["duration"].as_i64().unwrap() >= 30 * 60 * 1000);
    s.clock.advance_ms(31 * 60 * 1000);
    let done = s.wait_status(id, 10).await;
    let first = done["duration"].as_i64().unwrap();
    assert!((61 * 60 * 1000..62 * 60 * 1000).contains(&first), "{done}");

    // A stop on a COMPLETED job is refused with ModelArts.0105.
    let path = format!("{}/{id}", s.jobs_path());
    let (status, answer) = s.call(Method::POST, &format!("{path}/stop"), None).await;
    assert_error(status, &answer, 400, "ModelArts.0105");
    assert_eq!(
        answer["error_msg"],
        "This job can't be stop. job status: 10"
    );

    // Restarted, it runs a fresh hour and its duration keeps counting from where it was.
    let (status, _) = s.call(Method::POST, &format!("{path}/restart"), None).await;
    assert_eq!(status, StatusCode::OK);
    s.wait_status(id, 8).await;
    s.clock.advance_ms(10 * 60 * 1000);
    let job = s.details(id).await;
    assert_eq!(job["status"], 8);
    assert!(
        job["duration"].as_i64().unwrap() >= first + 10 * 60 * 1000,
        "{job}"
    );
}

async fn list_filters_sorts_and_pages(s: &TestServer) {
    let a = s.create("alpha", json!({"job_desc": "zz"})).await;
    let b = s.create("beta", json!({"job_desc": "aa"})).await;
    let c = s.create("Alphabet", json!({"job_desc": "mm"})).await;
    for id in [a, b, c] {
        s.wait_status(id, 8).await;
    }
    let (status, _) = s
        .call(Method::POST, &format!("{}/{b}/stop", s.jobs_path()), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    s.wait_status(b, 12).await;

    let ids = |v: &Value| -> Vec<i64> {
        v["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["job_id"].as_i64().unwrap())
            .collect()
    };
    let get = |q: &str| {
        let path = format!("{}?{q}", s.jobs_path());
        async move { s.call(Method::GET, &path, None).await }
    };
    let (status, all) = get("").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["is_success"], true);
    assert_eq!(all["job_total_count"], 3);
    assert_eq!(all["quotas"], 100);
    assert_eq!(all["job_count_limit"], 97);
    assert_eq!(ids(&all), vec![a, b, c]);
    let job = &all["jobs"][0];
    for key in [
        "job_id",
        "job_name",
        "job_desc",
        "status",
        "create_time",
        "duration",
        "service_url",
        "train_url",
        "resource_id",
    ] {
        assert!(!job[key].is_null(), "list item lacks {key}: {job}");
    }

    assert_eq!(ids(&get("sortBy=job_name").await.1), vec![c, a, b]);
    assert_eq!(
        ids(&get("sort_by=job_name&order=desc").await.1),
        vec![b, a, c]
    );
    assert_eq!(ids(&get("sortBy=job_desc").await.1), vec![b, c, a]);
    assert_eq!(ids(&get("status=12").await.1), vec![b]);
    assert_eq!(ids(&get("status=8,12&order=desc").await.1), vec![c, b, a]);
    let (_, running) = get("status=8").await;
    assert_eq!(running["job_total_count"], 2);
    assert_eq!(ids(&get("search_content=alpha").await.1), vec![a, c]);
    assert_eq!(ids(&get("search_content=%25").await.1), Vec::<i64>::new());
    assert_eq!(ids(&get("per_page=2&page=2").await.1), vec![c]);
    assert_eq!(ids(&get("per_page=2&page=9").await.1), Vec::<i64>::new());

    for bad in [
        "per_page=0",
        "per_page=1001",
        "page=0",
        "sortBy=owner",
        "order=sideways",
        "status=42",
        &format!("search_content={}", "x".repeat(101)),
    ] {
        let (status, answer) = get(bad).await;
        assert_error(status, &answer, 400, "ModelArts.0104");
    }
}

async fn paging_returns_each_job_exactly_once(s: &TestServer) {
    s.store
        .set_project_quota(s.project(), Some(1000))
        .await
        .unwrap();
    let mut created = HashSet::new();
    for i in 0..250 {
        created.insert(s.create(&format!("job-{i:03}"), json!({})).await);
    }
    for sort in ["job_id", "job_name", "create_time", "status"] {
        for order in ["asc", "desc"] {
            let mut seen = Vec::new();
            for page in 1..=6 {
                let path = format!(
                    "{}?per_page=50&page={page}&sortBy={sort}&order={order}",
                    s.jobs_path()
                );
                let (status, answer) = s.call(Method::GET, &path, None).await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(answer["job_total_count"], 250);
                seen.extend(
                    answer["jobs"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|j| j["job_id"].as_i64().unwrap()),
                );
            }
            assert_eq!(seen.len(), 250, "{sort} {order}");
            assert_eq!(
                seen.iter().copied().collect::<HashSet<_>>(),
                created,
                "{sort} {order}"
            );
        }
    }
}

async fn quota_is_enforced(s: &TestServer) {
    s.store
        .set_project_quota(s.project(), Some(2))
        .await
        .unwrap();
    s.create("q1", json!({})).await;
    s.create("q2", json!({})).await;
    let (status, answer) = s
        .call(
            Method::POST,
            &s.jobs_path(),
            Some(json!({"job_name": "q3", "train_url": s.logdir()})),
        )
        .await;
    assert_error(status, &answer, 400, "ModelArts.0118");
    let (_, list) = s.call(Method::GET, &s.jobs_path(), None).await;
    assert_eq!(list["quotas"], 2);
    assert_eq!(list["job_count_limit"], 0);
}

async fn credentials_are_required_and_scoped(s: &TestServer) {
    let id = s.create("mine", json!({})).await;
    let path = format!("{}/{id}", s.jobs_path());
    let resp = s
        .client
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert_error(status, &resp.json().await.unwrap(), 401, "ModelArts.0201");
    let (status, answer) = s.call_as("vjt_garbage", Method::GET, &path, None).await;
    assert_error(status, &answer, 401, "ModelArts.0203");

    // Another project, with its own static token.
    let other = vizjobs_store::Project {
        id: "otherproject".into(),
        name: "other".into(),
        account: "vizjobs".into(),
        job_quota: None,
        created_ms: 0,
    };
    s.store.create_project(&other).await.unwrap();
    let token = "vjs_other-project-static-token-for-tests-only";
    s.store
        .insert_token(&vizjobs_store::TokenRecord {
            token_hash: vizjobs_server::auth::secrets::token_digest(token),
            kind: vizjobs_store::TokenKind::Static,
            user_id: None,
            project_id: other.id.clone(),
            label: "test".into(),
            issued_ms: 0,
            expires_ms: None,
        })
        .await
        .unwrap();
    // Its own project works, and our job does not exist there.
    let (status, answer) = s
        .call_as(
            token,
            Method::GET,
            &format!("/v1/otherproject/visualization-jobs/{id}"),
            None,
        )
        .await;
    assert_error(status, &answer, 404, "ModelArts.0103");
    // Our project's URL with its credential: the project does not match.
    let (status, answer) = s.call_as(token, Method::GET, &path, None).await;
    assert_error(status, &answer, 403, "ModelArts.0210");
    // X-Project-Id must match the URL.
    let resp = s
        .client
        .get(format!("{}{path}", s.base))
        .header("X-Auth-Token", &s.token)
        .header("X-Project-Id", "otherproject")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert_error(status, &resp.json().await.unwrap(), 403, "ModelArts.0210");
}

async fn operations_endpoints_answer(s: &TestServer) {
    let health = s
        .client
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = s
        .client
        .get(format!("{}/readyz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    let id = s.create("metered", json!({})).await;
    s.wait_status(id, 8).await;
    let metrics = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"route="/v1/{project_id}/visualization-jobs",status="200""#),
        "{metrics}"
    );
    assert!(
        metrics.contains("vizjobs_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"vizjobs_jobs{status="RUNNING"} 1"#),
        "{metrics}"
    );

    let doc: Value = s
        .client
        .get(format!("{}/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/v1/{project_id}/visualization-jobs", vec!["get", "post"]),
        (
            "/v1/{project_id}/visualization-jobs/{job_id}",
            vec!["get", "put", "delete"],
        ),
        (
            "/v1/{project_id}/visualization-jobs/{job_id}/stop",
            vec!["post"],
        ),
        (
            "/v1/{project_id}/visualization-jobs/{job_id}/restart",
            vec!["post"],
        ),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "openapi lacks {m} {path}");
        }
    }
}

async fn dashboard_is_served_while_running(s: &TestServer) {
    let id = s.create("dash", json!({})).await;
    s.wait_status(id, 8).await;
    let url = format!("/vj/{}/{id}/", s.project());
    let resp = s
        .client
        .get(format!("{}{url}", s.base))
        .header("X-Auth-Token", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("dash"));
    // Without a credential: refused.
    let resp = s
        .client
        .get(format!("{}{url}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Stopped: not served.
    s.call(Method::POST, &format!("{}/{id}/stop", s.jobs_path()), None)
        .await;
    s.wait_status(id, 12).await;
    let resp = s
        .client
        .get(format!("{}{url}", s.base))
        .header("X-Auth-Token", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
}

on_both_backends!(
    create_answers_and_job_runs,
    create_rejects_what_the_rules_forbid,
    details_update_and_not_found,
    stop_restart_delete_follow_the_lifecycle,
    auto_stop_completes_and_duration_spans_restarts,
    list_filters_sorts_and_pages,
    paging_returns_each_job_exactly_once,
    quota_is_enforced,
    credentials_are_required_and_scoped,
    operations_endpoints_answer,
    dashboard_is_served_while_running,
);
