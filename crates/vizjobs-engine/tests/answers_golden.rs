//! The exact bytes of every data API answer on the fixture logdirs, compared with the answers
//! recorded in `tests/golden/` (recorded before the answers became typed structs, so the typed
//! answers are proven to be the same JSON, field order and number formatting included).
//!
//! `VIZJOBS_BLESS=1 cargo test -p vizjobs-engine --test answers_golden` records them again, for
//! a change of the answers that is meant.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use sha2::{Digest, Sha256};

/// Status, content type and body of one answer, as one line of text.
async fn answer(base: &str, path: &str) -> String {
    let resp = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = resp.bytes().await.expect("body");
    // Long bodies (a histogram series is hundreds of KiB) are recorded by digest.
    let body = if body.len() > 4096 {
        format!(
            "{} bytes, sha256 {}",
            body.len(),
            hex::encode(Sha256::digest(&body))
        )
    } else {
        String::from_utf8_lossy(&body).into_owned()
    };
    format!("{status} {content_type} {body}")
}

async fn answers(logdir: &str) -> BTreeMap<String, String> {
    let (_board, base) = serve(fixture(logdir), Duration::from_secs(60)).await;
    let mut paths: Vec<String> = [
        "data/runs",
        "data/tags",
        "data/hparams",
        "data/custom_scalars",
        "data/config",
        "data/logdir",
        "data/scalars?run=nope&tag=x",
        "data/scalars",
        "data/blob?run=nope&tag=x&step=0",
    ]
    .map(str::to_owned)
    .to_vec();
    let tags = get_json(&format!("{base}data/tags")).await;
    for (run, kinds) in tags.as_object().expect("tags") {
        let r = q(run);
        paths.push(format!("data/custom_scalars?run={r}"));
        paths.push(format!("data/histograms?run={r}&tag=nope"));
        for (kind, endpoint) in [
            ("scalars", "scalars"),
            ("histograms", "histograms"),
            ("images", "images"),
            ("audio", "images"),
            ("text", "text"),
            ("pr_curves", "pr_curves"),
            ("tensors", "tensors"),
        ] {
            for tag in kinds[kind].as_array().expect("tag list") {
                let t = q(tag.as_str().expect("tag"));
                paths.push(format!("data/{endpoint}?run={r}&tag={t}"));
                if kind == "scalars" {
                    paths.push(format!("data/scalars?run={r}&tag={t}&format=csv"));
                    paths.push(format!("data/scalars?run={r}&tag={t}&points=7"));
                    paths.push(format!("data/scalars?run={r}&tag={t}&points=x"));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for path in paths {
        let text = answer(&base, &path).await;
        out.insert(path, text);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_the_recorded_json() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("VIZJOBS_BLESS").is_some();
    for logdir in FIXTURE_LOGDIRS {
        let got = answers(logdir).await;
        let file = dir.join(format!("{}.json", logdir.replace('/', "_")));
        if bless {
            std::fs::create_dir_all(&dir).expect("golden dir");
            let text = serde_json::to_string_pretty(&got).expect("json");
            std::fs::write(&file, text + "\n").expect("write golden");
            continue;
        }
        let text =
            std::fs::read_to_string(&file).expect("golden file (VIZJOBS_BLESS=1 records it)");
        let want: BTreeMap<String, String> = serde_json::from_str(&text).expect("golden JSON");
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{logdir}: the same requests"
        );
        for (path, body) in &want {
            assert_eq!(&got[path], body, "{logdir}: {path}");
        }
    }
}
