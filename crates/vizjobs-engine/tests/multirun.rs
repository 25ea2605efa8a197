//! `POST data/scalars_multirun` over real HTTP: its JSON and binary answers equal the single-run
//! answers of `data/scalars`, downsampling keeps each run's extremes, and runs that are unknown
//! or lack the tag are reported, never dropped silently.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;
use vizjobs_engine::api::multirun;

const RELOAD: Duration = Duration::from_secs(3600);

/// Posts a form (pairs encoded as a browser does) with an optional query string.
async fn post(base: &str, query: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    reqwest::Client::new()
        .post(format!("{base}data/scalars_multirun{query}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("request")
}

async fn post_json(base: &str, pairs: &[(&str, &str)]) -> (reqwest::header::HeaderMap, Value) {
    let resp = post(base, "", pairs).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let headers = resp.headers().clone();
    (headers, resp.json().await.expect("JSON"))
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The names of a header that lists runs, decoded.
fn listed(headers: &reqwest::header::HeaderMap, name: &str) -> Vec<String> {
    header(headers, name)
        .map(|v| {
            v.split(',')
                .map(|n| {
                    url::form_urlencoded::parse(format!("n={n}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn json_and_binary_equal_the_single_run_answers_on_real_files() {
    // Written by tensorboardX: runs `train` and `eval` share `loss`; `hparams_demo` has its own.
    let (board, base) = serve(fixture("events/tbx_basic"), RELOAD).await;
    let tags = get_json(&format!("{base}data/tags")).await;
    let runs: Vec<String> = tags.as_object().expect("object").keys().cloned().collect();
    let mut all_tags: Vec<String> = tags
        .as_object()
        .expect("object")
        .values()
        .flat_map(|t| t["scalars"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    all_tags.sort();
    all_tags.dedup();
    assert!(all_tags.iter().any(|t| t == "loss"), "{tags}");
    let mut compared = 0;
    for tag in &all_tags {
        let mut pairs = vec![("tag", tag.as_str())];
        pairs.extend(runs.iter().map(|r| ("runs", r.as_str())));
        let (headers, answer) = post_json(&base, &pairs).await;
        let answered = answer.as_object().expect("an object by run");
        let having: Vec<&String> = runs
            .iter()
            .filter(|r| {
                tags[r.as_str()]["scalars"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x == tag.as_str()))
            })
            .collect();
        assert_eq!(answered.len(), having.len(), "{tag}: {answer}");
        for run in &having {
            let single =
                get_json(&format!("{base}data/scalars?run={}&tag={}", q(run), q(tag))).await;
            assert_eq!(answered[run.as_str()], single, "{run}/{tag}");
            compared += 1;
        }
        // The runs without the tag are named, with their count.
        let mut without: Vec<String> = runs
            .iter()
            .filter(|r| !having.contains(r))
            .cloned()
            .collect();
        without.sort();
        assert_eq!(listed(&headers, multirun::WITHOUT_TAG_HEADER), without);
        assert_eq!(
            header(&headers, "x-vizjobs-runs-without-tag-count").map(str::to_owned),
            (!without.is_empty()).then(|| without.len().to_string())
        );

        // The binary form holds the same runs, in name order, bit for bit what data/scalars'
        // binary form holds.
        let resp = post(&base, "?format=binary", &pairs).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], multirun::CONTENT_TYPE);
        let decoded = multirun::decode(&resp.bytes().await.expect("body")).expect("valid");
        let names: Vec<&str> = decoded.iter().map(|(n, _)| n.as_str()).collect();
        let mut want: Vec<&str> = having.iter().map(|r| r.as_str()).collect();
        want.sort();
        assert_eq!(names, want);
        for (run, points) in decoded {
            let single = scalars_binary(&base, &run, tag).await;
            let got: Vec<(i64, u64, u32)> = points
                .iter()
                .map(|p| (p.step, p.wall_time.to_bits(), p.value.to_bits()))
                .collect();
            let want: Vec<(i64, u64, u32)> = single
                .iter()
                .map(|p| (p.0, p.1.to_bits(), p.2.to_bits()))
                .collect();
            assert_eq!(got, want, "{run}/{tag}");
        }
    }
    assert!(compared >= 3, "only {compared} series compared");
    board.close();
}

/// A sweep: `lr_00` .. `lr_11` with 1,000 steps of `loss` (run `lr_07` with a spike up at step
/// 555 and down at 777), and `other` with only `acc`.
fn write_sweep(dir: &Path) {
    for i in 0..12 {
        let run = dir.join(format!("lr_{i:02}"));
        std::fs::create_dir_all(&run).expect("run dir");
        let mut bytes = Vec::new();
        for step in 0..1000 {
            let mut value = 1.0 / (1.0 + step as f32 * 0.01) + i as f32 * 0.01;
            if i == 7 && step == 555 {
                value = 99.0;
            }
            if i == 7 && step == 777 {
                value = -99.0;
            }
            bytes.extend(scalar_record(
                "loss",
                step,
                1_700_000_000.0 + step as f64 * 0.5,
                value,
            ));
        }
        std::fs::write(run.join("events.out.tfevents.1.host"), bytes).expect("write");
    }
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("run dir");
    std::fs::write(
        other.join("events.out.tfevents.1.host"),
        scalar_record("acc", 0, 1_700_000_000.0, 0.5),
    )
    .expect("write");
}

#[tokio::test]
async fn downsampling_keeps_extremes_and_ranges_match_the_single_run_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_sweep(dir.path());
    let (board, base) = serve(dir.path().to_path_buf(), RELOAD).await;

    // Every run by an empty regex, 100 points each.
    let (headers, answer) = post_json(
        &base,
        &[("tag", "loss"), ("run_regex", ""), ("points", "100")],
    )
    .await;
    let answered = answer.as_object().expect("object");
    assert_eq!(answered.len(), 12, "{:?}", answered.keys());
    assert_eq!(listed(&headers, multirun::WITHOUT_TAG_HEADER), ["other"]);
    for (run, series) in answered {
        let rows = series.as_array().expect("rows");
        assert!(
            rows.len() <= 100 && rows.len() >= 50,
            "{run}: {}",
            rows.len()
        );
        let single = get_json(&format!("{base}data/scalars?run={run}&tag=loss&points=100")).await;
        assert_eq!(series, &single, "{run}");
    }
    let spiky: Vec<f64> = answered["lr_07"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r[2].as_f64())
        .collect();
    assert!(spiky.contains(&99.0) && spiky.contains(&-99.0), "{spiky:?}");

    // A regex narrows the runs; a step range is served at full resolution, as data/scalars does.
    let (_, answer) = post_json(
        &base,
        &[
            ("tag", "loss"),
            ("run_regex", "^lr_0[3-5]$"),
            ("start_step", "500"),
            ("end_step", "520"),
        ],
    )
    .await;
    let answered = answer.as_object().expect("object");
    assert_eq!(
        answered.keys().collect::<Vec<_>>(),
        ["lr_03", "lr_04", "lr_05"]
    );
    for (run, series) in answered {
        assert_eq!(series.as_array().map(Vec::len), Some(21));
        let single = get_json(&format!(
            "{base}data/scalars?run={run}&tag=loss&start_step=500&end_step=520"
        ))
        .await;
        assert_eq!(series, &single);
    }
    let (_, answer) = post_json(
        &base,
        &[("tag", "loss"), ("runs", "lr_01"), ("since_step", "997")],
    )
    .await;
    let steps: Vec<i64> = answer["lr_01"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r[0].as_i64())
        .collect();
    assert_eq!(steps, [998, 999]);
    board.close();
}

#[tokio::test]
async fn unknown_runs_are_reported_and_bad_requests_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_sweep(dir.path());
    let (board, base) = serve(dir.path().to_path_buf(), RELOAD).await;

    let (headers, answer) = post_json(
        &base,
        &[
            ("tag", "loss"),
            ("runs", "lr_02"),
            ("runs", "no such run"),
            ("runs", "a,b/é"),
            ("runs", "other"),
        ],
    )
    .await;
    assert_eq!(
        answer
            .as_object()
            .expect("object")
            .keys()
            .collect::<Vec<_>>(),
        ["lr_02"]
    );
    assert_eq!(
        listed(&headers, multirun::UNKNOWN_RUNS_HEADER),
        ["a,b/é", "no such run"]
    );
    assert_eq!(header(&headers, "x-vizjobs-unknown-runs-count"), Some("2"));
    assert_eq!(listed(&headers, multirun::WITHOUT_TAG_HEADER), ["other"]);
    // The same in the binary form.
    let resp = post(
        &base,
        "?format=binary",
        &[("tag", "loss"), ("runs", "lr_02"), ("runs", "gone")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()[multirun::UNKNOWN_RUNS_HEADER], "gone");
    let decoded = multirun::decode(&resp.bytes().await.expect("body")).expect("valid");
    assert_eq!(decoded.len(), 1);
    assert_eq!(decoded[0].1.len(), 1000);

    for (pairs, want) in [
        (vec![("runs", "lr_01")], "tag"),
        (vec![("tag", "loss")], "runs"),
        (vec![("tag", "loss"), ("run_regex", "(")], "run_regex"),
        (
            vec![("tag", "loss"), ("runs", "x"), ("points", "many")],
            "points",
        ),
        (
            vec![("tag", "loss"), ("tag", "acc"), ("runs", "x")],
            "more than once",
        ),
    ] {
        let resp = post(&base, "", &pairs).await;
        assert_eq!(resp.status(), 400, "{pairs:?}");
        let body: Value = resp.json().await.expect("JSON error");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(want)),
            "{pairs:?}: {body}"
        );
    }
    let client = reqwest::Client::new();
    let url = format!("{base}data/scalars_multirun");
    let resp = client
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"tag":"loss","runs":["lr_01"]}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 415);
    let huge = format!("tag=loss&runs={}", "x".repeat(multirun::MAX_BODY_BYTES));
    let resp = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 413);
    // Only POST: a GET of the path is not a query of it.
    let resp = client.get(&url).send().await.expect("request");
    assert_eq!(resp.status(), 405);
    board.close();
}
