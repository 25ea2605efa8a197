//! A thousand RUNNING jobs in one process cost memory only for the dashboards people look at.
//!
//! Every job gets its own small logdir; all are started through the API, a few dozen are
//! viewed, and the test checks that only those hold loaded boards, that idle boards are
//! evicted, that stopping a job frees its board, and reports the process RSS at each stage.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use vizjobs_server::App;
use vizjobs_server::auth::bootstrap::Credentials;
use vizjobs_server::clock::SystemClock;
use vizjobs_server::config::ServerConfig;
use vizjobs_server::dashboard::{EngineRunner, EngineRunnerConfig};

const JOBS: usize = 1000;
const VIEWED: usize = 40;

fn fixture(rel: &str) -> std::path::PathBuf {
    Path::new(env!("VIZJOBS_SHARED"))
        .join("fixtures/events")
        .join(rel)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_running_jobs_hold_memory_only_while_viewed() {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = ServerConfig::new(addr, dir.path().join("data"));
    config.lifecycle.tick = Duration::from_millis(100);
    config.default_job_quota = 10_000;
    let logs = dir.path().join("data/logs");
    let event_file = fixture("tbx_basic/eval/events.out.tfevents.1795812867.vm.fixture");
    for i in 0..JOBS {
        let run = logs.join(format!("job{i}/eval"));
        std::fs::create_dir_all(&run).unwrap();
        let target = run.join("events.out.tfevents.1795812867.vm.fixture");
        if std::fs::hard_link(&event_file, &target).is_err() {
            std::fs::copy(&event_file, &target).unwrap();
        }
    }
    let runner = EngineRunner::new(EngineRunnerConfig {
        idle_evict: Duration::from_secs(10),
        ..EngineRunnerConfig::default()
    });
    let app = App::build(config, runner.clone(), Arc::new(SystemClock))
        .await
        .unwrap();
    let creds: Credentials = serde_json::from_str(
        &std::fs::read_to_string(app.credentials_written.clone().unwrap()).unwrap(),
    )
    .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let token = common::login(&client, &base, &creds).await;
    let jobs_url = format!("{base}/v1/{}/visualization-jobs", creds.project_id);
    let rss_start = rss_mib();

    let mut ids = Vec::new();
    for i in 0..JOBS {
        let train_url = format!("{}/job{i}/", logs.canonicalize().unwrap().display());
        let answer: Value = client
            .post(&jobs_url)
            .header("X-Auth-Token", &token)
            .json(&json!({"job_name": format!("job{i}"), "train_url": train_url}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(answer["job_id"].as_i64().expect("created"));
    }
    // Wait until all run.
    for _ in 0..600 {
        let list: Value = client
            .get(format!("{jobs_url}?status=8&per_page=1"))
            .header("X-Auth-Token", &token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if list["job_total_count"] == JOBS as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(runner.counts(), (JOBS, 0), "all registered, none loaded");
    let rss_running = rss_mib();

    // View a few dashboards: only those load.
    for id in &ids[..VIEWED] {
        let url = format!(
            "{base}/vj/{}/{id}/data/scalars?run=eval&tag=loss",
            creds.project_id
        );
        let mut points = 0;
        for _ in 0..100 {
            let resp = client
                .get(&url)
                .header("X-Auth-Token", &token)
                .send()
                .await
                .unwrap();
            if resp.status().is_success() {
                let series: Value = resp.json().await.unwrap();
                points = series.as_array().map_or(0, Vec::len);
                if points == 20 {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(points, 20, "job {id} serves its eval/loss series");
    }
    let (registered, loaded) = runner.counts();
    assert_eq!((registered, loaded), (JOBS, VIEWED));
    let loaded_bytes = runner.memory_bytes();
    assert!(loaded_bytes > 0);
    let rss_viewed = rss_mib();

    // Stopping a viewed job frees its board at once.
    let stopped = ids[0];
    client
        .post(format!("{jobs_url}/{stopped}/stop"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap();
    for _ in 0..100 {
        if runner.counts().0 == JOBS - 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(runner.counts(), (JOBS - 1, VIEWED - 1));

    // Left alone, the others are evicted.
    tokio::time::sleep(Duration::from_secs(14)).await;
    assert_eq!(runner.counts(), (JOBS - 1, 0));
    assert_eq!(runner.memory_bytes(), 0);
    let rss_evicted = rss_mib();
    println!(
        "RSS MiB: start {rss_start:.1}, {JOBS} running {rss_running:.1}, {VIEWED} viewed {rss_viewed:.1} \
         (boards hold {:.1} MiB), after eviction {rss_evicted:.1}",
        loaded_bytes as f64 / 1048576.0
    );
    // A thousand registered-but-unviewed jobs must cost little: well under 1 MiB each.
    assert!(
        rss_running - rss_start < 200.0,
        "1000 idle jobs grew RSS by {:.1} MiB",
        rss_running - rss_start
    );
    let _ = tx.send(());
    server.await.unwrap().unwrap();
}
