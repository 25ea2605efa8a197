//! Shared test helpers: fixture paths and a board served over real HTTP on a loopback port.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use vizjobs_engine::{Board, EngineConfig};

pub const FIXTURES: &str = concat!(env!("VIZJOBS_SHARED"), "/fixtures");

/// Every logdir of the shared fixtures, TensorBoard's and MindSpore's.
pub const FIXTURE_LOGDIRS: [&str; 7] = [
    "events/tbx_basic",
    "events/tf2_style",
    "events/layouts",
    "events/damaged",
    "mindspore/run_a",
    "mindspore/run_b",
    "mindspore/graph_run",
];

/// One framed record of a TensorBoard event holding the scalar `tag` = `value` at `step`,
/// written at `wall_time`.
pub fn scalar_record(tag: &str, step: i64, wall_time: f64, value: f32) -> Vec<u8> {
    use prost::Message;
    use vizjobs_events::proto::tensorboard as tb;
    let event = tb::Event {
        wall_time,
        step,
        summary: Some(tb::Summary {
            value: vec![tb::Value {
                tag: tag.to_owned(),
                simple_value: Some(value),
                ..Default::default()
            }],
        }),
        ..Default::default()
    };
    let mut out = Vec::new();
    vizjobs_events::tf_record::encode_record(&event.encode_to_vec(), &mut out);
    out
}

/// Appends `bytes` to the file at `path` (created if absent), as a writer does.
pub fn append(path: &std::path::Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open");
    f.write_all(bytes).expect("append");
}

pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(FIXTURES).join(path)
}

/// MindSpore lineage files of a three-run sweep, written by MindSpore's `SummaryCollector`
/// (`tests/mindspore_lineage/write.py`), with what MindSpore's protobuf module reads from them
/// (`expected.json`).
pub fn lineage_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mindspore_lineage")
}

pub fn reads(file: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture(file)).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A board on `logdir`, loaded, and served at the returned base URL.
pub async fn serve(logdir: PathBuf, reload: Duration) -> (Arc<Board>, String) {
    let config = EngineConfig {
        reload_interval: reload,
        ..Default::default()
    };
    let board = Board::open(logdir, config);
    board.wait_first_load().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = board.router();
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (board, format!("http://{addr}/"))
}

pub async fn get_json(url: &str) -> serde_json::Value {
    let resp = reqwest::get(url).await.expect("request");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    resp.json().await.expect("json")
}

pub fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `[[step, wall_time, value], ...]` of one series.
/// A series in the binary form (`format=binary`), checked for its media type and decoded.
pub async fn scalars_binary(base: &str, run: &str, tag: &str) -> Vec<(i64, f64, f32)> {
    let url = format!(
        "{base}data/scalars?run={}&tag={}&format=binary",
        q(run),
        q(tag)
    );
    let resp = reqwest::get(url).await.expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        vizjobs_engine::api::columns::CONTENT_TYPE
    );
    let body = resp.bytes().await.expect("body");
    vizjobs_engine::api::columns::decode(&body)
        .expect("a valid binary body")
        .into_iter()
        .map(|p| (p.step, p.wall_time, p.value))
        .collect()
}

pub async fn scalars(base: &str, run: &str, tag: &str) -> Vec<(i64, f64, f32)> {
    let v = get_json(&format!("{base}data/scalars?run={}&tag={}", q(run), q(tag))).await;
    v.as_array()
        .expect("array")
        .iter()
        .map(|p| {
            let value = match &p[2] {
                serde_json::Value::String(s) if s == "NaN" => f32::NAN,
                serde_json::Value::String(s) if s == "Infinity" => f32::INFINITY,
                serde_json::Value::String(s) if s == "-Infinity" => f32::NEG_INFINITY,
                other => other.as_f64().expect("number") as f32,
            };
            (
                p[0].as_i64().expect("step"),
                p[1].as_f64().expect("wall"),
                value,
            )
        })
        .collect()
}
