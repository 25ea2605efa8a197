//! Every TensorBoard fixture logdir, compared with what TensorBoard's own loader read
//! (`events-tensorboard-reads.json`), through the data API over HTTP.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use serde_json::Value;

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn expected_points(v: &Value) -> Vec<(i64, f64, f32)> {
    v.as_array()
        .expect("points")
        .iter()
        .map(|p| {
            (
                p[0].as_i64().expect("step"),
                p[1].as_f64().expect("wall"),
                p[2].as_f64().expect("value") as f32,
            )
        })
        .collect()
}

fn same(a: &[(i64, f64, f32)], b: &[(i64, f64, f32)]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.0 == y.0 && x.1.to_bits() == y.1.to_bits() && x.2.to_bits() == y.2.to_bits()
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scalars_and_tags_match_tensorboard() {
    let all = reads("events-tensorboard-reads.json");
    for logdir in ["tbx_basic", "tf2_style", "layouts"] {
        let (_board, base) = serve(
            fixture(&format!("events/{logdir}")),
            Duration::from_secs(60),
        )
        .await;
        let tags = get_json(&format!("{base}data/tags")).await;
        for (run, expected) in all[logdir].as_object().expect("runs") {
            let ours = &tags[run.as_str()];
            assert!(ours.is_object(), "{logdir}: run {run} missing; have {tags}");
            let want_scalars: BTreeSet<String> = expected["scalars"]
                .as_object()
                .expect("scalars")
                .keys()
                .cloned()
                .collect();
            assert_eq!(
                strings(&ours["scalars"]),
                want_scalars,
                "{logdir}/{run} scalar tags"
            );
            for (tag, points) in expected["scalars"].as_object().expect("scalars") {
                let got = scalars(&base, run, tag).await;
                let want = expected_points(points);
                assert!(
                    same(&got, &want),
                    "{logdir}/{run}/{tag}:\n got {got:?}\nwant {want:?}"
                );
                let binary = scalars_binary(&base, run, tag).await;
                assert!(
                    same(&binary, &want),
                    "{logdir}/{run}/{tag} (binary):\n got {binary:?}\nwant {want:?}"
                );
            }
            let by_plugin = expected["tensor_tags_by_plugin"]
                .as_object()
                .expect("plugins");
            for (plugin, want) in by_plugin {
                let want = strings(want);
                match plugin.as_str() {
                    "custom_scalars" => {
                        assert_eq!(ours["custom_scalars"], Value::Bool(true), "{run}")
                    }
                    "scalars" => assert!(want.is_subset(&strings(&ours["scalars"])), "{run}"),
                    "histograms" | "images" | "text" | "pr_curves" => {
                        assert_eq!(
                            strings(&ours[plugin.as_str()]),
                            want,
                            "{logdir}/{run} {plugin}"
                        )
                    }
                    other => panic!("plugin {other} not covered by this test"),
                }
            }
            assert!(
                strings(&expected["histogram_tags"]).is_subset(&strings(&ours["histograms"])),
                "{run}"
            );
            assert!(
                strings(&expected["image_tags"]).is_subset(&strings(&ours["images"])),
                "{run}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_payloads_decode() {
    let (_board, base) = serve(fixture("events/tbx_basic"), Duration::from_secs(60)).await;
    let hist = get_json(&format!(
        "{base}data/histograms?run=train&tag=weights%2Fdense"
    ))
    .await;
    let first = &hist[0];
    assert_eq!(first[0], 0);
    let buckets = first[2].as_array().expect("buckets");
    assert!(!buckets.is_empty());
    assert!(buckets.iter().all(|b| b[0].as_f64() <= b[1].as_f64()));

    let images = get_json(&format!("{base}data/images?run=train&tag=samples%2Finput")).await;
    assert_eq!(images[0]["width"], 8);
    assert_eq!(images[0]["height"], 8);
    assert_eq!(images[0]["content_type"], "image/png");
    let url = images[0]["url"].as_str().expect("url");
    let blob = reqwest::get(format!("{base}{url}")).await.expect("blob");
    assert_eq!(blob.headers()["content-type"], "image/png");
    assert!(blob.bytes().await.expect("bytes").starts_with(b"\x89PNG"));

    let text = get_json(&format!(
        "{base}data/text?run=train&tag=notes%2Ftext_summary"
    ))
    .await;
    assert!(text[0][2].as_str().is_some_and(|s| !s.is_empty()), "{text}");

    let pr = get_json(&format!(
        "{base}data/pr_curves?run=train&tag=pr%2Fclassifier"
    ))
    .await;
    let curve = &pr[0][2];
    let n = curve["precision"].as_array().expect("precision").len();
    assert!(n > 1);
    for col in ["recall", "thresholds", "tp", "fp", "tn", "fn"] {
        assert_eq!(curve[col].as_array().map(Vec::len), Some(n), "{col}");
    }

    let layout = get_json(&format!("{base}data/custom_scalars")).await;
    assert!(
        !layout["categories"]
            .as_array()
            .expect("categories")
            .is_empty(),
        "{layout}"
    );

    let hp = get_json(&format!("{base}data/hparams")).await;
    let sessions = hp["sessions"].as_array().expect("sessions");
    assert!(!sessions.is_empty(), "{hp}");
    assert!(
        !hp["hparams"].as_array().expect("hparams").is_empty(),
        "{hp}"
    );
    let trial = sessions
        .iter()
        .find(|s| s["run"] == "hparams_demo/trial-1")
        .expect("trial session");
    assert!(
        trial["metrics"].as_object().is_some_and(|m| !m.is_empty()),
        "{hp}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tf2_tensor_summaries_decode() {
    let (_board, base) = serve(fixture("events/tf2_style"), Duration::from_secs(60)).await;
    let hist = get_json(&format!("{base}data/histograms?run=run_a&tag=hist%2Fw")).await;
    assert!(
        hist[0][2]
            .as_array()
            .is_some_and(|b| !b.is_empty() && b[0].as_array().map(Vec::len) == Some(3))
    );
    let images = get_json(&format!("{base}data/images?run=run_a&tag=img%2Frgb")).await;
    assert!(
        images[0]["width"].as_u64().is_some_and(|w| w > 0),
        "{images}"
    );
    let text = get_json(&format!("{base}data/text?run=run_a&tag=text%2Fmd")).await;
    assert!(text[0][2].as_str().is_some_and(|s| !s.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_files_lose_only_damaged_records() {
    let (_board, base) = serve(fixture("events/damaged"), Duration::from_secs(60)).await;
    let runs = get_json(&format!("{base}data/runs")).await;
    let run = |name: &str| {
        runs.as_array()
            .expect("runs")
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .expect(name)
    };

    // 20 points (steps 0-19) were written; the record of step 4 is corrupted.
    let steps = |pts: &[(i64, f64, f32)]| pts.iter().map(|p| p.0).collect::<Vec<_>>();
    let all_but_4: Vec<i64> = (0..20).filter(|&s| s != 4).collect();
    let bad_data = scalars(&base, "bad_data_crc", "v").await;
    assert_eq!(steps(&bad_data), all_but_4);
    assert_eq!(run("bad_data_crc")["data_loss"], 1);
    assert_eq!(run("bad_data_crc")["problems"][0]["kind"], "bad_data_crc");

    let bad_length = scalars(&base, "bad_length_crc", "v").await;
    assert!(
        bad_length.len() >= 9,
        "TensorBoard keeps 9; kept {}",
        bad_length.len()
    );
    // The length checksum of step 9's record is corrupted: everything after it is recovered.
    let all_but_9: Vec<i64> = (0..20).filter(|&s| s != 9).collect();
    assert_eq!(
        steps(&bad_length),
        all_but_9,
        "re-synchronised on the record after the damaged one"
    );
    assert_eq!(
        run("bad_length_crc")["problems"][0]["kind"],
        "bad_length_crc"
    );

    assert_eq!(scalars(&base, "truncated_tail", "v").await.len(), 19);
    assert_eq!(run("truncated_tail")["data_loss"], 0);

    for name in ["garbage", "empty_file"] {
        let r = run(name);
        assert_eq!(r["status"], "error", "{r}");
        assert!(
            !r["problems"].as_array().expect("problems").is_empty(),
            "{r}"
        );
    }
    assert_eq!(run("garbage")["problems"][0]["kind"], "not_an_event_file");
    let tags = get_json(&format!("{base}data/tags")).await;
    assert_eq!(tags["garbage"]["scalars"], serde_json::json!([]));
}
