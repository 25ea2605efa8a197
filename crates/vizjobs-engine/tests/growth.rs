//! Files that grow while the board is open: appended records (including a half-written one) and
//! new runs show up within one reload interval.

mod common;

use std::time::{Duration, Instant};

use common::*;
use prost::Message;
use vizjobs_events::proto::tensorboard as tb;
use vizjobs_events::tf_record::encode_record;

const RELOAD: Duration = Duration::from_millis(200);

/// A `loss` record at `step`, one second of wall time a step.
fn loss(step: i64, value: f32) -> Vec<u8> {
    scalar_record("loss", step, 1_700_000_000.0 + step as f64, value)
}

/// Polls until the series has `n` points, for at most two reload intervals (plus slack for a
/// loaded machine).
async fn wait_points(base: &str, run: &str, n: usize) -> Vec<(i64, f64, f32)> {
    let deadline = Instant::now() + RELOAD * 2 + Duration::from_secs(2);
    loop {
        let tags = get_json(&format!("{base}data/tags")).await;
        if tags[run]["scalars"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
        {
            let pts = scalars(base, run, "loss").await;
            if pts.len() >= n || Instant::now() > deadline {
                return pts;
            }
        } else if Instant::now() > deadline {
            return Vec::new();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appended_records_and_new_runs_appear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run_dir = dir.path().join("train");
    std::fs::create_dir(&run_dir).expect("mkdir");
    let file = run_dir.join("events.out.tfevents.1700000000.host");
    for step in 0..3 {
        append(&file, &loss(step, step as f32));
    }
    let (board, base) = serve(dir.path().to_path_buf(), RELOAD).await;
    assert_eq!(scalars(&base, "train", "loss").await.len(), 3);

    // Two whole records and half of a third.
    let third = loss(5, 5.0);
    append(&file, &loss(3, 3.0));
    append(&file, &loss(4, 4.0));
    append(&file, &third[..third.len() / 2]);
    let pts = wait_points(&base, "train", 5).await;
    assert_eq!(
        pts.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );

    // The writer finishes the record; a new run appears.
    append(&file, &third[third.len() / 2..]);
    let new_run = dir.path().join("eval").join("nested run ü");
    std::fs::create_dir_all(&new_run).expect("mkdir");
    append(
        &new_run.join("events.out.tfevents.1700000100.host"),
        &loss(0, 9.0),
    );
    let pts = wait_points(&base, "train", 6).await;
    assert_eq!(pts.last().map(|p| (p.0, p.2)), Some((5, 5.0)));
    let pts = wait_points(&base, "eval/nested run ü", 1).await;
    assert_eq!(pts, vec![(0, 1_700_000_000.0, 9.0)]);

    let runs = get_json(&format!("{base}data/runs")).await;
    assert!(
        runs.as_array()
            .expect("runs")
            .iter()
            .all(|r| r["data_loss"] == 0),
        "{runs}"
    );
    assert!(board.progress().bytes_read > 0);
    assert!(board.memory_bytes() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_tail_is_read_once_the_file_grows() {
    let src = fixture("events/damaged/truncated_tail/events.out.tfevents.1795812867.vm");
    let bytes = std::fs::read(&src).expect("read");
    // Where the intact records end (the cut one starts there).
    let mut reader = vizjobs_events::RecordReader::new();
    reader.extend(&bytes);
    while let vizjobs_events::Next::Record(_) = reader.next_record() {}
    let intact = reader.consumed_to() as usize;
    assert!(intact < bytes.len(), "the fixture ends in a partial record");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("events.out.tfevents.1795812867.vm");
    std::fs::write(&file, &bytes).expect("write");
    let (_board, base) = serve(dir.path().to_path_buf(), RELOAD).await;
    let before = scalars(&base, ".", "v").await;
    assert_eq!(before.len(), 19);

    // The writer rewrites nothing: it completes what it was writing. Emulate by replacing the
    // cut tail with a full record written in two steps.
    let file_len = bytes.len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .expect("open");
    f.set_len(intact as u64).expect("truncate to intact");
    drop(f);
    let mut record = Vec::new();
    let event = tb::Event {
        wall_time: 1_700_000_019.0,
        step: 19,
        summary: Some(tb::Summary {
            value: vec![tb::Value {
                tag: "v".to_owned(),
                simple_value: Some(19.0),
                ..Default::default()
            }],
        }),
        ..Default::default()
    };
    encode_record(&event.encode_to_vec(), &mut record);
    assert!(
        record.len() > file_len - intact,
        "the new tail is longer than the cut one"
    );
    append(&file, &record);
    let deadline = Instant::now() + RELOAD * 2 + Duration::from_secs(2);
    let mut after = Vec::new();
    while Instant::now() < deadline {
        after = scalars(&base, ".", "v").await;
        if after.len() == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(after.len(), 20);
    assert_eq!(after[19], (19, 1_700_000_019.0, 19.0));
}

/// Polls `path` until `check` holds, for at most a few reload intervals.
async fn wait_until(
    url: &str,
    what: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + RELOAD * 4 + Duration::from_secs(3);
    loop {
        let value = get_json(url).await;
        if check(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: still {value}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn io_errors(runs: &serde_json::Value) -> usize {
    runs.as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["problems"].as_array().into_iter().flatten())
        .filter(|p| p["kind"] == "io_error")
        .count()
}

/// A logdir that cannot be listed is reported by `data/logdir` (there is no run yet to report
/// it on); a file that cannot be read is an `io_error` of its run while it lasts, and both clear
/// when the condition ends, with the data read so far kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_logdirs_and_files_are_reported_while_they_last() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let logdir = tmp.path().join("not-yet");
    let (_board, base) = serve(logdir.clone(), RELOAD).await;
    // A board that serves no job has no job type to show.
    let config = get_json(&format!("{base}data/config")).await;
    assert!(config["job_type"].is_null(), "{config}");
    let state = get_json(&format!("{base}data/logdir")).await;
    assert_eq!(state["status"], "error", "{state}");
    assert!(
        state["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{state}"
    );
    assert_eq!(
        get_json(&format!("{base}data/runs")).await,
        serde_json::json!([])
    );

    std::fs::create_dir_all(logdir.join("a")).expect("mkdir");
    let file = logdir.join("a/events.out.tfevents.1.host");
    for step in 0..3 {
        append(&file, &loss(step, step as f32));
    }
    wait_until(&format!("{base}data/logdir"), "logdir readable", |s| {
        s["status"] == "ready" && s["error"].is_null() && s["runs"] == 1
    })
    .await;
    assert_eq!(wait_points(&base, "a", 3).await.len(), 3);

    let aside = tmp.path().join("aside");
    std::fs::rename(&file, &aside).expect("move away");
    let runs = wait_until(&format!("{base}data/runs"), "io_error reported", |r| {
        io_errors(r) == 1
    })
    .await;
    assert_eq!(runs[0]["status"], "error", "{runs}");
    assert_eq!(scalars(&base, "a", "loss").await.len(), 3, "data kept");

    std::fs::rename(&aside, &file).expect("move back");
    append(&file, &loss(3, 3.0));
    let runs = wait_until(&format!("{base}data/runs"), "io_error cleared", |r| {
        io_errors(r) == 0
    })
    .await;
    assert_eq!(runs[0]["status"], "ready", "{runs}");
    assert_eq!(wait_points(&base, "a", 4).await.len(), 4);
}
