//! MindSpore summaries, compared with what MindSpore's own protobuf module read
//! (`mindspore-reads.json`), through the data API over HTTP.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mindspore_runs_match_mindspore_reads() {
    let all = reads("mindspore-reads.json");
    let (_board, base) = serve(fixture("mindspore"), Duration::from_secs(60)).await;
    let runs = get_json(&format!("{base}data/runs")).await;
    for r in runs.as_array().expect("runs") {
        assert_eq!(r["format"], "mindspore", "{r}");
        assert_eq!(r["status"], "ready", "{r}");
        assert_eq!(r["data_loss"], 0, "{r}");
    }
    for (run, expected) in all["runs"].as_object().expect("runs") {
        for (tag, points) in expected["scalars"].as_object().expect("scalars") {
            let got: Vec<(i64, f32)> = scalars(&base, run, tag)
                .await
                .into_iter()
                .map(|p| (p.0, p.2))
                .collect();
            let want: Vec<(i64, f32)> = points
                .as_array()
                .expect("points")
                .iter()
                .map(|p| {
                    (
                        p[0].as_i64().expect("step"),
                        p[1].as_f64().expect("value") as f32,
                    )
                })
                .collect();
            assert_eq!(got, want, "{run}/{tag}");
        }
        for (tag, want) in expected["histograms"].as_object().expect("histograms") {
            let got = get_json(&format!("{base}data/histograms?run={run}&tag={tag}")).await;
            let totals: Vec<(i64, f64)> = got
                .as_array()
                .expect("histograms")
                .iter()
                .map(|h| {
                    let total = h[2]
                        .as_array()
                        .expect("buckets")
                        .iter()
                        .map(|b| b[2].as_f64().unwrap_or(0.0))
                        .sum();
                    (h[0].as_i64().expect("step"), total)
                })
                .collect();
            let want: Vec<(i64, f64)> = want
                .as_array()
                .expect("totals")
                .iter()
                .map(|p| (p[0].as_i64().expect("step"), p[1].as_f64().expect("total")))
                .collect();
            assert_eq!(totals, want, "{run}/{tag}");
        }
        for (tag, want) in expected["images"].as_object().expect("images") {
            let got = get_json(&format!("{base}data/images?run={run}&tag={tag}")).await;
            let sizes: Vec<(i64, u64, u64)> = got
                .as_array()
                .expect("images")
                .iter()
                .map(|i| {
                    (
                        i["step"].as_i64().unwrap_or(-1),
                        i["height"].as_u64().unwrap_or(0),
                        i["width"].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            let want: Vec<(i64, u64, u64)> = want
                .as_array()
                .expect("images")
                .iter()
                .map(|p| {
                    (
                        p[0].as_i64().unwrap_or(-2),
                        p[1].as_u64().unwrap_or(1),
                        p[2].as_u64().unwrap_or(1),
                    )
                })
                .collect();
            assert_eq!(sizes, want, "{run}/{tag}");
            assert_eq!(got[0]["content_type"], "image/png");
        }
        for (tag, want) in expected["tensors"].as_object().expect("tensors") {
            let got = get_json(&format!("{base}data/tensors?run={run}&tag={tag}")).await;
            let shapes: Vec<(i64, serde_json::Value)> = got
                .as_array()
                .expect("tensors")
                .iter()
                .map(|t| (t[0].as_i64().unwrap_or(-1), t[2]["shape"].clone()))
                .collect();
            let want: Vec<(i64, serde_json::Value)> = want
                .as_array()
                .expect("tensors")
                .iter()
                .map(|p| (p[0].as_i64().unwrap_or(-2), p[1].clone()))
                .collect();
            assert_eq!(shapes, want, "{run}/{tag}");
            assert_eq!(got[0][2]["values"].as_array().map(Vec::len), Some(6));
        }
    }
    let tags = get_json(&format!("{base}data/tags")).await;
    assert_eq!(tags["graph_run"]["graph"], true, "{tags}");
    assert_eq!(tags["run_a"]["graph"], false);
    assert!(
        tags["graph_run"]["scalars"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_logdir_and_damaged_mindspore_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ms_src = std::fs::read_dir(fixture("mindspore/run_a"))
        .expect("dir")
        .next()
        .expect("file")
        .expect("entry")
        .path();
    let mut bytes = std::fs::read(&ms_src).expect("read");
    // Flip a byte inside the second record's payload (after the 44-byte version record).
    bytes[44 + 20] ^= 0x55;
    bytes.truncate(bytes.len() - 10);
    let mixed = dir.path().join("mixed");
    std::fs::create_dir(&mixed).expect("mkdir");
    std::fs::write(mixed.join(ms_src.file_name().expect("name")), &bytes).expect("write");
    let tb_src = fixture("events/layouts/a/events.out.tfevents.1795812867.vm");
    std::fs::copy(&tb_src, mixed.join("events.out.tfevents.1795812867.vm")).expect("copy");

    let (_board, base) = serve(dir.path().to_path_buf(), Duration::from_secs(60)).await;
    let runs = get_json(&format!("{base}data/runs")).await;
    let run = &runs[0];
    assert_eq!(run["name"], "mixed");
    assert_eq!(run["format"], "mixed");
    assert_eq!(run["data_loss"], 1, "{run}");
    let loss = scalars(&base, "mixed", "loss").await;
    // Step 1's record is damaged and step 50's is cut: the 48 others remain.
    assert_eq!(loss.len(), 48, "{loss:?}");
    assert_eq!(loss[0].0, 2);
    assert_eq!(scalars(&base, "mixed", "v").await.len(), 5);
}
