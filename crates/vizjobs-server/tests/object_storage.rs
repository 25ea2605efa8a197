//! Jobs whose logs live in S3-compatible object storage, end to end: a real server with the
//! engine runner, a real S3 server on loopback (moto, started per test), real HTTP.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vizjobs_objstore::object_store::path::Path as Key;
use vizjobs_objstore::object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use vizjobs_objstore::testing::S3TestServer;
use vizjobs_server::App;
use vizjobs_server::auth::bootstrap::Credentials;
use vizjobs_server::clock::SystemClock;
use vizjobs_server::config::{ObjectStorageConfig, ServerConfig};
use vizjobs_server::dashboard::{EngineRunner, EngineRunnerConfig, ObjectStorage};

const BUCKET: &str = "training";

fn fixtures() -> PathBuf {
    Path::new(env!("VIZJOBS_SHARED")).join("fixtures")
}

/// Every file under `dir`, by `/`-separated path relative to it.
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, path));
            }
        }
    }
    out
}

struct Harness {
    s3: S3TestServer,
    bucket: Arc<dyn ObjectStore>,
    client: reqwest::Client,
    base: String,
    token: String,
    jobs_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Harness {
        let s3 = S3TestServer::start()
            .expect("the S3 test server must start (install it with .ci/s3.sh)");
        s3.create_bucket(BUCKET).unwrap();
        let uploads = ObjectStorage::new(s3.config()).unwrap();
        let bucket = uploads.bucket(BUCKET).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = ServerConfig::new(addr, dir.path().join("data"));
        config.lifecycle.tick = Duration::from_millis(50);
        config.object_storage = Some(ObjectStorageConfig {
            s3: s3.config(),
            allowlist: vec![format!("{BUCKET}/jobs")],
        });
        let mut runner_config = EngineRunnerConfig {
            object_storage: Some(ObjectStorage::new(s3.config()).unwrap()),
            ..EngineRunnerConfig::default()
        };
        runner_config.engine.reload_interval = Duration::from_millis(200);
        let runner = EngineRunner::new(runner_config);
        let app = App::build(config, runner, Arc::new(SystemClock))
            .await
            .unwrap();
        let creds: Credentials = serde_json::from_str(
            &std::fs::read_to_string(app.credentials_written.clone().unwrap()).unwrap(),
        )
        .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.serve(listener, async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::new();
        let base = format!("http://{addr}");
        let token = common::login(&client, &base, &creds).await;
        let jobs_url = format!("{base}/v1/{}/visualization-jobs", creds.project_id);
        Harness {
            s3,
            bucket,
            client,
            base,
            token,
            jobs_url,
            shutdown: Some(tx),
            _dir: dir,
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) {
        self.bucket
            .put(&Key::from(key), PutPayload::from(bytes))
            .await
            .expect("upload");
    }

    /// Uploads the fixture logdir `name` under `prefix`.
    async fn upload_fixture(&self, name: &str, prefix: &str) {
        for (rel, path) in files_under(&fixtures().join("events").join(name)) {
            self.put(&format!("{prefix}/{rel}"), std::fs::read(path).unwrap())
                .await;
        }
    }

    /// Creates a job; `Ok(service_url)` once it runs, or `Err((status, body))` if refused.
    async fn create_job(&self, train_url: &str) -> Result<String, (u16, Value)> {
        let resp = self
            .client
            .post(&self.jobs_url)
            .header("X-Auth-Token", &self.token)
            .json(&json!({"job_name": "s3job", "train_url": train_url}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        if status != 200 && status != 201 {
            return Err((status, body));
        }
        let id = body["job_id"].as_i64().expect("job_id");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let job: Value = self
                .client
                .get(format!("{}/{id}", self.jobs_url))
                .header("X-Auth-Token", &self.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if job["status"] == 8 {
                return Ok(job["service_url"].as_str().expect("service_url").to_owned());
            }
            assert!(Instant::now() < deadline, "job never ran: {job}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn get(&self, url: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(url)
            .header("X-Auth-Token", &self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Polls `{service_url}{path}` until `done` holds for its JSON answer.
    async fn wait_for(
        &self,
        service_url: &str,
        path: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, body) = self.get(&format!("{service_url}{path}")).await;
            if status == 200 && done(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: last answer {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls a series until it has at least `n` points (an unknown tag is a run still loading).
    async fn wait_points(&self, service_url: &str, run: &str, tag: &str, n: usize) -> usize {
        let url = reqwest::Url::parse_with_params(
            &format!("{service_url}data/scalars"),
            &[("run", run), ("tag", tag)],
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, body) = self.get(url.as_str()).await;
            let have = if status == 200 {
                points(&body).len()
            } else {
                0
            };
            if have >= n {
                return have;
            }
            assert!(
                Instant::now() < deadline,
                "{run}/{tag}: wanted {n} points, last answer {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn scalars(&self, service_url: &str, run: &str, tag: &str) -> Vec<(i64, f64, f32)> {
        let url = reqwest::Url::parse_with_params(
            &format!("{service_url}data/scalars"),
            &[("run", run), ("tag", tag)],
        )
        .unwrap();
        let (status, body) = self.get(url.as_str()).await;
        assert_eq!(status, 200, "{run}/{tag}: {body}");
        points(&body)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn points(v: &Value) -> Vec<(i64, f64, f32)> {
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

fn run_names(runs: &Value) -> Vec<String> {
    runs.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_scalars_match_tensorboard_from_object_storage() {
    let h = Harness::start().await;
    let reads: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("events-tensorboard-reads.json")).unwrap(),
    )
    .unwrap();
    for (n, logdir) in ["tbx_basic", "tf2_style", "layouts"]
        .into_iter()
        .enumerate()
    {
        let prefix = format!("jobs/fixture{n}");
        h.upload_fixture(logdir, &prefix).await;
        // The three train_url forms of the spec.
        let train_url = match n {
            0 => format!("obs://{BUCKET}/{prefix}/"),
            1 => format!("s3://{BUCKET}/{prefix}"),
            _ => format!("/{BUCKET}/{prefix}/"),
        };
        let service_url = h.create_job(&train_url).await.expect("job created");
        let expected = reads[logdir].as_object().expect("runs");
        let mut want_runs: Vec<String> = expected.keys().cloned().collect();
        want_runs.sort();
        h.wait_for(&service_url, "data/runs", "all runs loaded", |runs| {
            let mut names = run_names(runs);
            names.sort();
            names == want_runs
                && runs
                    .as_array()
                    .is_some_and(|a| a.iter().all(|r| r["status"] != "loading"))
        })
        .await;
        let mut checked = 0;
        for (run, want) in expected {
            for (tag, pts) in want["scalars"].as_object().expect("scalars") {
                let got = h.scalars(&service_url, run, tag).await;
                let want = points(pts);
                assert!(
                    same(&got, &want),
                    "{logdir}/{run}/{tag}:\n got {got:?}\nwant {want:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 0, "{logdir}: no scalar compared");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn growth_new_runs_outage_and_recovery() {
    let mut h = Harness::start().await;
    let eval = fixtures().join("events/tbx_basic/eval/events.out.tfevents.1795812867.vm.fixture");
    let bytes = std::fs::read(&eval).unwrap();
    // The first records only (a prefix ending on a record boundary is found by trying every
    // cut: a TFRecord is 12 header bytes, the payload, 4 CRC bytes).
    let cut = record_boundary_near(&bytes, bytes.len() / 2);
    let key = "jobs/live/eval/events.out.tfevents.1795812867.vm.fixture";
    h.put(key, bytes[..cut].to_vec()).await;
    let service_url = h
        .create_job(&format!("s3://{BUCKET}/jobs/live/"))
        .await
        .unwrap();
    let first = h
        .wait_for(&service_url, "data/runs", "the eval run", |runs| {
            runs.as_array().is_some_and(|a| {
                a.iter()
                    .any(|r| r["name"] == "eval" && r["status"] == "ready")
            })
        })
        .await;
    assert_eq!(run_names(&first), vec!["eval"]);
    let half = h.scalars(&service_url, "eval", "loss").await;
    assert!(!half.is_empty() && half.len() < 20, "{half:?}");

    // The writer replaces the object with a longer version of itself: the rest appears.
    h.put(key, bytes.clone()).await;
    assert_eq!(h.wait_points(&service_url, "eval", "loss", 20).await, 20);
    let full = h.scalars(&service_url, "eval", "loss").await;
    assert_eq!(full[..half.len()], half[..], "old points unchanged");

    // A new run appears.
    h.put(
        "jobs/live/second/events.out.tfevents.1795812867.vm.fixture",
        bytes.clone(),
    )
    .await;
    h.wait_for(&service_url, "data/runs", "the new run", |runs| {
        run_names(runs).contains(&"second".to_owned())
    })
    .await;
    assert_eq!(h.wait_points(&service_url, "second", "loss", 20).await, 20);

    // Storage goes away: the runs keep their data and report the error.
    h.s3.stop();
    let down = h
        .wait_for(&service_url, "data/runs", "the outage reported", |runs| {
            runs.as_array().is_some_and(|a| {
                a.iter().all(|r| {
                    r["problems"].as_array().is_some_and(|p| {
                        p.iter().any(|p| {
                            p["kind"] == "io_error"
                                && p["message"]
                                    .as_str()
                                    .is_some_and(|m| m.contains("s3://training/jobs/live/"))
                        })
                    })
                })
            })
        })
        .await;
    assert_eq!(down.as_array().map(Vec::len), Some(2), "{down}");
    assert_eq!(h.scalars(&service_url, "eval", "loss").await.len(), 20);

    // It comes back (moto restarts empty, so the writer uploads again) with one more run: the
    // board reads again, and what it had stays as it was.
    h.s3.start_again().unwrap();
    h.s3.create_bucket(BUCKET).unwrap();
    for run in ["eval", "second", "third"] {
        h.put(
            &format!("jobs/live/{run}/events.out.tfevents.1795812867.vm.fixture"),
            bytes.clone(),
        )
        .await;
    }
    h.wait_for(&service_url, "data/runs", "recovery", |runs| {
        run_names(runs).contains(&"third".to_owned())
    })
    .await;
    assert_eq!(h.wait_points(&service_url, "third", "loss", 20).await, 20);
    assert_eq!(h.scalars(&service_url, "eval", "loss").await, full);
    // The outage is over, so it is no longer reported.
    let healed = h
        .wait_for(&service_url, "data/runs", "the outage cleared", |runs| {
            runs.as_array().is_some_and(|a| {
                a.iter().all(|r| {
                    r["status"] == "ready"
                        && r["problems"]
                            .as_array()
                            .is_some_and(|p| p.iter().all(|p| p["kind"] != "io_error"))
                })
            })
        })
        .await;
    assert_eq!(healed.as_array().map(Vec::len), Some(3), "{healed}");
}

/// Storage that cannot be reached when the job starts has no run to report the error on: the
/// logdir's own state (`data/logdir`) does (endpoint down, then bucket not found), until the
/// storage answers with the logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_down_from_the_start_is_reported_then_recovers() {
    let mut h = Harness::start().await;
    h.s3.stop();
    let service_url = h
        .create_job(&format!("s3://{BUCKET}/jobs/late/"))
        .await
        .unwrap();
    let down = h
        .wait_for(&service_url, "data/logdir", "the outage reported", |s| {
            s["status"] == "error"
        })
        .await;
    let message = down["error"].as_str().unwrap_or_default();
    assert!(message.contains("s3://training/jobs/late/"), "{down}");
    let (status, runs) = h.get(&format!("{service_url}data/runs")).await;
    assert_eq!((status, runs), (200, json!([])));

    // Storage answers, but the bucket is not there (moto restarts empty): not found.
    h.s3.start_again().unwrap();
    let missing = h
        .wait_for(
            &service_url,
            "data/logdir",
            "the missing bucket reported",
            |s| {
                s["status"] == "error"
                    && s["error"]
                        .as_str()
                        .is_some_and(|e| e.contains("NoSuchBucket") || e.contains("not found"))
            },
        )
        .await;
    assert!(
        missing["error"]
            .as_str()
            .unwrap_or_default()
            .contains("s3://training/jobs/late/"),
        "{missing}"
    );
    h.s3.create_bucket(BUCKET).unwrap();
    h.upload_fixture("tbx_basic", "jobs/late").await;
    let up = h
        .wait_for(&service_url, "data/logdir", "recovery", |s| {
            s["status"] == "ready" && s["error"].is_null()
        })
        .await;
    assert!(up["runs"].as_u64().is_some_and(|n| n > 0), "{up}");
    assert_eq!(h.wait_points(&service_url, "eval", "loss", 20).await, 20);
}

/// Storage that refuses the server's credentials (403) is reported on each run as access
/// denied, while the runs keep what they loaded; once access is granted again the reports clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_is_reported_and_clears() {
    let h = Harness::start().await;
    h.upload_fixture("tbx_basic", "jobs/denied").await;
    let service_url = h
        .create_job(&format!("s3://{BUCKET}/jobs/denied/"))
        .await
        .unwrap();
    assert_eq!(h.wait_points(&service_url, "eval", "loss", 20).await, 20);
    let before = h.scalars(&service_url, "eval", "loss").await;

    h.s3.require_auth(true).unwrap();
    h.wait_for(
        &service_url,
        "data/runs",
        "access denied reported",
        |runs| {
            runs.as_array().is_some_and(|a| {
                !a.is_empty()
                    && a.iter().all(|r| {
                        r["status"] == "error"
                            && r["problems"].as_array().is_some_and(|p| {
                                p.iter().any(|p| {
                                    p["kind"] == "io_error"
                                        && p["message"].as_str().is_some_and(|m| {
                                            m.contains("s3://training/jobs/denied/")
                                                && (m.contains("access denied")
                                                    || m.contains("not authenticated")
                                                    || m.contains("403"))
                                        })
                                })
                            })
                    })
            })
        },
    )
    .await;
    assert_eq!(h.scalars(&service_url, "eval", "loss").await, before);

    h.s3.require_auth(false).unwrap();
    h.wait_for(&service_url, "data/runs", "access restored", |runs| {
        runs.as_array().is_some_and(|a| {
            a.iter().all(|r| {
                r["problems"]
                    .as_array()
                    .is_some_and(|p| p.iter().all(|p| p["kind"] != "io_error"))
            })
        })
    })
    .await;
    assert_eq!(h.scalars(&service_url, "eval", "loss").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn train_urls_outside_the_allowlist_are_refused() {
    let h = Harness::start().await;
    for bad in [
        format!("s3://{BUCKET}/other/"),
        format!("obs://{BUCKET}/jobsX/"),
        "s3://another-bucket/jobs/".to_owned(),
        format!("/{BUCKET}/"),
        format!("s3://{BUCKET}/jobs/../secret/"),
    ] {
        let (status, body) = h.create_job(&bad).await.expect_err(&bad);
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error_code"], "ModelArts.2791", "{bad}: {body}");
    }
    assert!(h.base.starts_with("http://"));
}

/// The largest cut at or below `near` that ends exactly after a whole record.
fn record_boundary_near(bytes: &[u8], near: usize) -> usize {
    let mut at = 0;
    let mut last = 0;
    while at + 12 <= bytes.len() {
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        let end = at + 12 + len + 4;
        if end > bytes.len() || end > near {
            break;
        }
        last = end;
        at = end;
    }
    assert!(last > 0, "no whole record below {near}");
    last
}
