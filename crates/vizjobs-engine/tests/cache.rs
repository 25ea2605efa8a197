//! The persistent cache end to end on real event files: a board restored from the cache answers
//! every request of the data API exactly as a board that read the files fresh, on every fixture
//! logdir (TensorBoard and MindSpore); it reads only what the files gained; and it reads a run
//! fresh when a file was truncated, replaced or rewritten, or its entry is damaged.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::*;
use tower::ServiceExt;
use utoipa::OpenApi;
use vizjobs_engine::{Board, CacheSettings, EngineConfig, RunCache};

fn config(cache: Option<Arc<RunCache>>) -> EngineConfig {
    EngineConfig {
        // One pass per board unless a test asks for more.
        reload_interval: Duration::from_secs(3600),
        cache,
        ..EngineConfig::default()
    }
}

fn open_cache(dir: &Path) -> Arc<RunCache> {
    Arc::new(RunCache::open(dir, CacheSettings::default()).expect("cache opens"))
}

/// A board on `logdir`, after its first pass.
async fn loaded(logdir: &Path, config: EngineConfig) -> Arc<Board> {
    let board = Board::open(logdir.to_owned(), config);
    board.wait_first_load().await;
    board
}

/// Closes `board` and waits for its last saves.
async fn close(board: Arc<Board>) {
    tokio::task::spawn_blocking(move || board.close_and_wait())
        .await
        .expect("closed");
}

async fn get(router: &axum::Router, path: &str) -> (u16, String, Vec<u8>) {
    let request = Request::get(path).body(Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    (status, content_type, body)
}

/// Every GET of the data API, as its OpenAPI document lists them, for every run, every tag and
/// every graph kind, plus the other forms of a scalar series and every blob: request → answer.
/// Drawn from the document, so an endpoint added later is compared too.
async fn every_answer(board: &Arc<Board>) -> BTreeMap<String, (u16, String, Vec<u8>)> {
    let router = board.router();
    let doc = serde_json::to_value(vizjobs_engine::api::DataApiDoc::openapi()).expect("doc");
    let tags: serde_json::Value =
        serde_json::from_slice(&get(&router, "/data/tags").await.2).expect("tags JSON");
    let runs: Vec<(String, BTreeSet<String>)> = tags
        .as_object()
        .expect("tags by run")
        .iter()
        .map(|(run, kinds)| {
            let mut all = BTreeSet::new();
            for list in kinds.as_object().expect("kinds").values() {
                for tag in list.as_array().into_iter().flatten() {
                    all.insert(tag.as_str().expect("tag").to_owned());
                }
            }
            (run.clone(), all)
        })
        .collect();
    let mut paths = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(get_op) = item.get("get") else {
            continue;
        };
        let params: BTreeSet<&str> = get_op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str())
            .collect();
        let kinds: &[&str] = if params.contains("kind") {
            &["op", "keras"]
        } else {
            &[""]
        };
        if !params.contains("run") {
            paths.push(path.clone());
            continue;
        }
        for (run, run_tags) in &runs {
            for kind in kinds {
                let mut base = format!("{path}?run={}", q(run));
                if !kind.is_empty() {
                    base.push_str(&format!("&kind={kind}"));
                }
                if !params.contains("tag") {
                    paths.push(base);
                    continue;
                }
                for tag in run_tags {
                    let one = format!("{base}&tag={}", q(tag));
                    if path == "/data/scalars" {
                        for extra in ["&format=csv", "&format=binary", "&points=7"] {
                            paths.push(format!("{one}{extra}"));
                        }
                    }
                    paths.push(one);
                }
            }
        }
    }
    let mut answers = BTreeMap::new();
    for path in paths {
        let answer = get(&router, &path).await;
        if path.starts_with("/data/images?") && answer.0 == 200 {
            let entries: serde_json::Value = serde_json::from_slice(&answer.2).expect("images");
            for entry in entries.as_array().into_iter().flatten() {
                let url = format!("/{}", entry["url"].as_str().expect("blob url"));
                let blob = get(&router, &url).await;
                answers.insert(url, blob);
            }
        }
        answers.insert(path, answer);
    }
    answers
}

fn assert_same_answers(
    what: &str,
    got: &BTreeMap<String, (u16, String, Vec<u8>)>,
    want: &BTreeMap<String, (u16, String, Vec<u8>)>,
) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}: the same requests"
    );
    for (path, answer) in want {
        assert!(
            got[path] == *answer,
            "{what}: {path}: restored {} {} {:?}…, fresh {} {} {:?}…",
            got[path].0,
            got[path].1,
            String::from_utf8_lossy(&got[path].2[..got[path].2.len().min(300)]),
            answer.0,
            answer.1,
            String::from_utf8_lossy(&answer.2[..answer.2.len().min(300)]),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_board_answers_every_request_as_a_fresh_read_on_every_fixture() {
    let logdirs = FIXTURE_LOGDIRS.iter().map(|l| fixture(l));
    for logdir in logdirs.chain([lineage_fixture()]) {
        let tmp = tempfile::tempdir().unwrap();
        let fresh = loaded(&logdir, config(None)).await;
        let want = every_answer(&fresh).await;
        assert!(
            want.len() > 10,
            "{}: {} answers",
            logdir.display(),
            want.len()
        );
        if logdir.ends_with("graph_run") {
            // The run's graph (kept in the index by the graphs module) is among the answers
            // compared.
            assert!(
                want.iter()
                    .any(|(path, answer)| path.starts_with("/data/graph") && answer.0 == 200),
                "no graph answered: {:?}",
                want.keys().collect::<Vec<_>>()
            );
        }

        let cache = open_cache(tmp.path());
        let first = loaded(&logdir, config(Some(cache.clone()))).await;
        let runs = first.runs().len() as u64;
        close(first).await;
        let stats = cache.stats();
        assert_eq!(stats.hits.load(Ordering::Relaxed), 0);
        assert!(stats.bytes_saved.load(Ordering::Relaxed) > 0);

        let restore_config = config(Some(cache.clone()));
        let engine_stats = restore_config.stats.clone();
        let restored = loaded(&logdir, restore_config).await;
        let got = every_answer(&restored).await;
        assert_same_answers(&logdir.display().to_string(), &got, &want);
        // Every run with bytes read came from the cache; the only bytes read are the checks of
        // the files (at most two windows each).
        let hits = stats.hits.load(Ordering::Relaxed);
        assert!(hits >= 1 && hits <= runs, "{hits} hits of {runs} runs");
        assert_eq!(stats.rejected.load(Ordering::Relaxed), 0);
        let files = restored.progress().files as u64;
        let fetched = engine_stats.bytes_fetched.load(Ordering::Relaxed);
        assert!(
            fetched <= files * 2 * vizjobs_engine::cache::WINDOW as u64,
            "{}: {fetched} bytes read for {files} files",
            logdir.display()
        );
    }
}

/// A `loss` record at `step`, half a second of wall time a step.
fn loss(step: i64, value: f32) -> Vec<u8> {
    scalar_record("loss", step, 1_700_000_000.0 + step as f64 * 0.5, value)
}

fn records(steps: std::ops::Range<i64>, scale: f32) -> Vec<u8> {
    steps.flat_map(|s| loss(s, s as f32 * scale)).collect()
}

/// A logdir with runs `a` and `b`, one event file each of `steps` records.
fn logdir_with(root: &Path, steps: i64) -> (PathBuf, PathBuf) {
    let a = root.join("logs/a/events.out.tfevents.100.host");
    let b = root.join("logs/b/events.out.tfevents.100.host");
    for path in [&a, &b] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, records(0..steps, 1.0)).unwrap();
    }
    (a, b)
}

/// Saves the logdir to `cache` and returns once saved.
async fn save(logdir: &Path, cache: &Arc<RunCache>) {
    let board = loaded(logdir, config(Some(cache.clone()))).await;
    close(board).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restore_only_the_appended_bytes_are_read_and_growth_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b) = logdir_with(tmp.path(), 3000);
    let logdir = tmp.path().join("logs");
    let cache = open_cache(&tmp.path().join("cache"));
    save(&logdir, &cache).await;

    // Training went on while the board was closed: whole records, then half of one.
    let more = records(3000..3500, 1.0);
    let half = loss(3500, 3500.0);
    append(&a, &more);
    append(&a, &half[..half.len() / 2]);

    let restore_config = EngineConfig {
        reload_interval: Duration::from_millis(200),
        ..config(Some(cache.clone()))
    };
    let engine_stats = restore_config.stats.clone();
    let restored = loaded(&logdir, restore_config).await;
    assert_eq!(cache.stats().hits.load(Ordering::Relaxed), 2);
    let fetched = engine_stats.bytes_fetched.load(Ordering::Relaxed);
    let appended = (more.len() + half.len() / 2) as u64;
    let checks = 2 * 2 * vizjobs_engine::cache::WINDOW as u64;
    assert!(
        fetched >= appended && fetched <= appended + checks,
        "{fetched} bytes read, {appended} appended"
    );
    let fresh_config = EngineConfig {
        reload_interval: Duration::from_millis(200),
        ..config(None)
    };
    let fresh = loaded(&logdir, fresh_config).await;
    assert_same_answers(
        "after growth",
        &every_answer(&restored).await,
        &every_answer(&fresh).await,
    );

    // The writer completes its record: the restored board reads it like any board would.
    append(&a, &half[half.len() / 2..]);
    let router = restored.router();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, body) = get(&router, "/data/scalars?run=a&tag=loss").await;
        let points: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if points.as_array().unwrap().len() == 3501 {
            assert_eq!(points[3500][0], 3500);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the last record never showed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    close(restored).await;
    // And what it saved on closing restores to the same answers as a fresh read.
    let again = loaded(&logdir, config(Some(cache.clone()))).await;
    let fresh = loaded(&logdir, config(None)).await;
    assert_same_answers(
        "after growth, saved again",
        &every_answer(&again).await,
        &every_answer(&fresh).await,
    );
}

/// Saves a logdir, changes run `a`'s file with `change`, and checks that a restore reads run
/// `a` fresh (and only it), answering as a fresh board.
async fn changed_file_is_read_fresh(what: &str, change: impl FnOnce(&Path)) {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b) = logdir_with(tmp.path(), 2000);
    let logdir = tmp.path().join("logs");
    let cache = open_cache(&tmp.path().join("cache"));
    save(&logdir, &cache).await;
    change(&a);
    let restored = loaded(&logdir, config(Some(cache.clone()))).await;
    let stats = cache.stats();
    assert_eq!(
        stats.hits.load(Ordering::Relaxed),
        1,
        "{what}: run b restored"
    );
    assert_eq!(
        stats.rejected.load(Ordering::Relaxed),
        1,
        "{what}: run a rejected"
    );
    let fresh = loaded(&logdir, config(None)).await;
    let got = every_answer(&restored).await;
    assert_same_answers(what, &got, &every_answer(&fresh).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_replaced_and_rewritten_files_are_read_fresh() {
    // Truncated: shorter than what was read.
    changed_file_is_read_fresh("truncated", |a| {
        let bytes = std::fs::read(a).unwrap();
        std::fs::write(a, &bytes[..bytes.len() / 2]).unwrap();
    })
    .await;
    // Truncated and grown again past the saved offset with other records.
    changed_file_is_read_fresh("truncated and regrown", |a| {
        std::fs::write(a, records(0..2600, -3.0)).unwrap();
    })
    .await;
    // Replaced by a file of another run, longer, its start different.
    changed_file_is_read_fresh("replaced", |a| {
        let mut other = records(0..10, 7.0);
        other.extend(records(10..2600, 1.0));
        let tmp = a.with_extension("new");
        std::fs::write(&tmp, other).unwrap();
        std::fs::rename(&tmp, a).unwrap();
    })
    .await;
    // Rewritten with the same start and the same length read, but other bytes before the
    // saved offset (a writer that rewrote its last records).
    changed_file_is_read_fresh("rewritten before the offset", |a| {
        let mut bytes = records(0..1990, 1.0);
        bytes.extend(records(1990..2000, 5.0));
        bytes.extend(records(2000..2100, 1.0));
        std::fs::write(a, bytes).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_rewritten_whole_with_its_old_bytes_first_is_resumed() {
    // TensorFlow on OBS uploads the whole object again at every flush: a new file (new inode,
    // new time) whose bytes start with the old ones. Only the new bytes need reading.
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b) = logdir_with(tmp.path(), 2000);
    let logdir = tmp.path().join("logs");
    let cache = open_cache(&tmp.path().join("cache"));
    save(&logdir, &cache).await;
    let mut whole = std::fs::read(&a).unwrap();
    let more = records(2000..2300, 1.0);
    whole.extend_from_slice(&more);
    let replacement = a.with_extension("upload");
    std::fs::write(&replacement, &whole).unwrap();
    std::fs::rename(&replacement, &a).unwrap();

    let restore_config = config(Some(cache.clone()));
    let engine_stats = restore_config.stats.clone();
    let restored = loaded(&logdir, restore_config).await;
    assert_eq!(cache.stats().hits.load(Ordering::Relaxed), 2);
    let fetched = engine_stats.bytes_fetched.load(Ordering::Relaxed);
    assert!(
        fetched <= more.len() as u64 + 4 * vizjobs_engine::cache::WINDOW as u64,
        "{fetched} bytes read for {} new",
        more.len()
    );
    let fresh = loaded(&logdir, config(None)).await;
    assert_same_answers(
        "rewritten whole",
        &every_answer(&restored).await,
        &every_answer(&fresh).await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_entry_is_ignored_and_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    logdir_with(tmp.path(), 2000);
    let logdir = tmp.path().join("logs");
    let cache_dir = tmp.path().join("cache");
    let cache = open_cache(&cache_dir);
    save(&logdir, &cache).await;
    let entries: Vec<PathBuf> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    // One entry cut short (a writer killed mid-file would leave no entry at all, but a full
    // disk or a copy can), the other with one flipped byte in the middle.
    let cut = std::fs::read(&entries[0]).unwrap();
    std::fs::write(&entries[0], &cut[..cut.len() * 2 / 3]).unwrap();
    let mut flipped = std::fs::read(&entries[1]).unwrap();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    std::fs::write(&entries[1], &flipped).unwrap();

    let cache = open_cache(&cache_dir);
    let restored = loaded(&logdir, config(Some(cache.clone()))).await;
    assert_eq!(cache.stats().hits.load(Ordering::Relaxed), 0);
    assert_eq!(cache.stats().rejected.load(Ordering::Relaxed), 2);
    let fresh = loaded(&logdir, config(None)).await;
    assert_same_answers(
        "damaged entries",
        &every_answer(&restored).await,
        &every_answer(&fresh).await,
    );
    // The fresh read saved sound entries again.
    close(restored).await;
    let cache = open_cache(&cache_dir);
    let again = loaded(&logdir, config(Some(cache.clone()))).await;
    assert_eq!(cache.stats().hits.load(Ordering::Relaxed), 2);
    assert_same_answers(
        "saved again",
        &every_answer(&again).await,
        &every_answer(&fresh).await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boards_sharing_one_directory_never_see_a_partial_entry() {
    // Two caches on one directory (as two processes would have), saving and restoring the same
    // runs at once, over and over: every restore is a whole entry or none.
    let tmp = tempfile::tempdir().unwrap();
    let (a, _b) = logdir_with(tmp.path(), 1500);
    let logdir = tmp.path().join("logs");
    let cache_dir = tmp.path().join("cache");
    let caches = [open_cache(&cache_dir), open_cache(&cache_dir)];
    let mut tasks = Vec::new();
    for (i, cache) in caches.iter().enumerate() {
        let cache = cache.clone();
        let logdir = logdir.clone();
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..6 {
                if i == 0 {
                    append(&a, &records(1500 + round * 10..1510 + round * 10, 1.0));
                }
                let board = loaded(&logdir, config(Some(cache.clone()))).await;
                close(board).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for cache in &caches {
        assert_eq!(cache.stats().rejected.load(Ordering::Relaxed), 0);
        assert!(cache.stats().hits.load(Ordering::Relaxed) > 0);
    }
    let last = open_cache(&cache_dir);
    let restored = loaded(&logdir, config(Some(last.clone()))).await;
    assert_eq!(last.stats().hits.load(Ordering::Relaxed), 2);
    let fresh = loaded(&logdir, config(None)).await;
    assert_same_answers(
        "shared directory",
        &every_answer(&restored).await,
        &every_answer(&fresh).await,
    );
}
