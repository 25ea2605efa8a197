//! MindSpore lineage (`*_lineage` files written by MindSpore's `SummaryCollector`) as hparams
//! sessions, compared with what MindSpore's own protobuf module read from the same files
//! (`tests/mindspore_lineage/expected.json`).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// The hparams and metrics a run's lineage records give, by the names `data/hparams` uses,
/// derived from MindSpore's reading of the records.
fn wanted(events: &[Value]) -> (BTreeMap<String, Value>, BTreeMap<String, f64>) {
    let mut params = BTreeMap::new();
    let mut metrics = BTreeMap::new();
    // `MessageToDict` writes 64-bit integers as strings.
    let number = |v: &Value| -> Value {
        let n = v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .expect("a number");
        json!(n)
    };
    for event in events {
        if let Some(train) = event.get("train_lineage") {
            for (name, v) in train["hyper_parameters"]
                .as_object()
                .expect("hyper_parameters")
            {
                let v = if v.is_string() { v.clone() } else { number(v) };
                params.insert(name.clone(), v);
            }
            params.insert("network".into(), train["algorithm"]["network"].clone());
            params.insert(
                "train_dataset_size".into(),
                number(&train["train_dataset"]["train_dataset_size"]),
            );
            params.insert("model_size".into(), number(&train["model"]["size"]));
            metrics.insert(
                "loss".into(),
                train["algorithm"]["loss"].as_f64().expect("loss"),
            );
        }
        if let Some(eval) = event.get("evaluation_lineage") {
            params.insert(
                "valid_dataset_size".into(),
                number(&eval["valid_dataset"]["valid_dataset_size"]),
            );
            let metric: BTreeMap<String, f64> =
                serde_json::from_str(eval["metric"].as_str().expect("metric JSON"))
                    .expect("metric object");
            for (name, v) in metric {
                metrics.insert(format!("metric/{name}"), v);
            }
        }
        if let Some(user) = event.get("user_defined_info") {
            for info in user["user_info"].as_array().expect("user_info") {
                for map in info.as_object().expect("one map").values() {
                    for (key, v) in map.as_object().expect("entries") {
                        params.insert(format!("[U]{key}"), v.clone());
                    }
                }
            }
        }
    }
    (params, metrics)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lineage_records_are_sessions_with_every_setting_and_metric() {
    let text = std::fs::read_to_string(lineage_fixture().join("expected.json")).expect("expected");
    let expected: BTreeMap<String, Vec<Value>> = serde_json::from_str(&text).expect("JSON");
    let (_board, base) = serve(lineage_fixture(), Duration::from_secs(60)).await;

    let runs = get_json(&format!("{base}data/runs")).await;
    for r in runs.as_array().expect("runs") {
        assert_eq!(r["format"], "mindspore", "{r}");
        assert_eq!(r["status"], "ready", "{r}");
        assert_eq!(r["data_loss"], 0, "{r}");
        // Lineage files are read, not skipped with a note.
        assert_eq!(r["problems"], json!([]), "{r}");
    }
    let tags = get_json(&format!("{base}data/tags")).await;
    for (run, t) in tags.as_object().expect("tags by run") {
        assert_eq!(t["hparams"], true, "{run}: {t}");
    }

    let hparams = get_json(&format!("{base}data/hparams")).await;
    let sessions = hparams["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), expected.len(), "{hparams}");
    let listed: Vec<&str> = hparams["hparams"]
        .as_array()
        .expect("hparams")
        .iter()
        .map(|h| h["name"].as_str().expect("name"))
        .collect();
    let metric_names: Vec<&str> = hparams["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| m["tag"].as_str().expect("tag"))
        .collect();
    for (run, events) in &expected {
        let session = sessions
            .iter()
            .find(|s| s["run"] == run.as_str())
            .unwrap_or_else(|| panic!("no session for {run}: {hparams}"));
        let (params, metrics) = wanted(events);
        assert!(params.len() >= 10, "{run}: {params:?}");
        let got = session["hparams"].as_object().expect("hparams");
        for (name, want) in &params {
            assert!(listed.contains(&name.as_str()), "{name} not listed");
            let got = got.get(name).unwrap_or_else(|| panic!("{run}: no {name}"));
            match want.as_f64() {
                // `learning_rate` is a float32 in the record: compare as float32.
                Some(w) => assert_eq!(
                    got.as_f64().map(|g| g as f32),
                    Some(w as f32),
                    "{run}/{name}"
                ),
                None => assert_eq!(got, want, "{run}/{name}"),
            }
        }
        assert_eq!(got.len(), params.len(), "{run}: extra hparams {got:?}");
        for (name, want) in &metrics {
            assert!(metric_names.contains(&name.as_str()), "{name} not a metric");
            let got = session["metrics"][name].as_f64();
            assert_eq!(got.map(|g| g as f32), Some(*want as f32), "{run}/{name}");
        }
    }
    // The typed listing: numbers as float64, words as string.
    let kind = |name: &str| {
        hparams["hparams"]
            .as_array()
            .expect("hparams")
            .iter()
            .find(|h| h["name"] == name)
            .map(|h| h["type"].clone())
    };
    assert_eq!(kind("learning_rate"), Some(json!("float64")));
    assert_eq!(kind("optimizer"), Some(json!("string")));
    assert_eq!(kind("[U]version"), Some(json!("string")));
}
