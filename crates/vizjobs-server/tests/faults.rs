//! Faults, injected for real (issue 9): PostgreSQL going away behind a TCP forwarder this test
//! controls, a full disk under SQLite (a 2 MiB tmpfs), event files damaged while the dashboard
//! reads them, and the clock jumping around an auto-stop deadline.
//!
//! `kill -9` during bursts is `crates/vizjobs-cli/tests/crash.rs`; object storage going away is
//! `object_storage.rs` (`growth_new_runs_outage_and_recovery`).

mod common;
mod tfevents;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use vizjobs_server::dashboard::{EngineRunner, EngineRunnerConfig};
use vizjobs_server::dashboard::{PlaceholderRunner, Runner};
use vizjobs_store::Store;

use common::{Backend, TestServer};

// ---------------------------------------------------------------------------------------------
// A server over any store and runner

/// A [`TestServer`] over a store and runner of the test's choosing, whose calls report a
/// failure (status, body, `Retry-After`) instead of asserting success.
struct Running(TestServer);

impl std::ops::Deref for Running {
    type Target = TestServer;
    fn deref(&self) -> &TestServer {
        &self.0
    }
}

impl Running {
    async fn start(store: Arc<dyn Store>, runner: Arc<dyn Runner>) -> Self {
        Running(TestServer::start_on(store, runner).await)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value, bool) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let retry_after = resp.headers().contains_key("retry-after");
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            retry_after,
        )
    }

    async fn create(&self, name: &str) -> (u16, Value) {
        let body = json!({"job_name": name, "train_url": self.logdir()});
        let (status, answer, _) = self.call(Method::POST, &self.jobs_path(), Some(body)).await;
        (status, answer)
    }

    async fn wait_running(&self, id: i64) {
        for _ in 0..200 {
            let (_, job, _) = self
                .call(Method::GET, &format!("{}/{id}", self.jobs_path()), None)
                .await;
            if job["status"] == 8 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("job {id} never ran");
    }

    async fn stop(self) {
        self.0.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL unreachable

/// A TCP forwarder to PostgreSQL that can be cut (open connections reset, new ones closed at
/// once, as when the database is down) and restored.
struct Forwarder {
    addr: SocketAddr,
    down: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Forwarder {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let down = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = tokio::spawn({
            let (down, links) = (down.clone(), links.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let upstream = upstream.clone();
                    let link = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    links.lock().expect("links").push(link);
                }
            }
        });
        Self {
            addr,
            down,
            links,
            accept,
        }
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_answers_503_and_recovers() {
    let real = url::Url::parse(&common::postgres_url()).expect("PostgreSQL URL");
    let upstream = format!(
        "{}:{}",
        real.host_str().expect("host"),
        real.port().unwrap_or(5432)
    );
    let forwarder = Forwarder::start(upstream).await;
    let mut proxied = real.clone();
    proxied.set_port(Some(forwarder.addr.port())).expect("port");
    let schema = format!("vj_fault_{}_{}", std::process::id(), forwarder.addr.port());
    let store = Arc::new(
        vizjobs_store_sql::PostgresStore::connect_with_schema(proxied.as_str(), &schema)
            .await
            .expect("PostgreSQL must be running for these tests"),
    );
    let s = Running::start(store, Arc::new(PlaceholderRunner::default())).await;
    let (status, created) = s.create("before-outage").await;
    assert_eq!(status, 200, "{created}");
    let id = created["job_id"].as_i64().expect("job_id");
    s.wait_running(id).await;

    forwarder.cut();
    let started = Instant::now();
    let details = format!("{}/{id}", s.jobs_path());
    let jobs = s.jobs_path();
    let (readyz, get, list, create) = tokio::join!(
        s.client.get(format!("{}/readyz", s.base)).send(),
        s.call(Method::GET, &details, None),
        s.call(Method::GET, &jobs, None),
        s.create("during-outage"),
    );
    let answered_in = started.elapsed();
    assert_eq!(
        readyz.expect("readyz").status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    for (what, (status, answer, retry_after)) in [("details", get), ("list", list)] {
        assert_eq!(status, 503, "{what}: {answer}");
        assert_eq!(answer["error_code"], "ModelArts.0011", "{what}: {answer}");
        assert!(retry_after, "{what} gives Retry-After");
    }
    assert_eq!(create.0, 503, "{}", create.1);
    assert!(
        answered_in < Duration::from_secs(30),
        "answers took {answered_in:?}"
    );
    // The healthz probe does not depend on the database.
    let healthz = s.client.get(format!("{}/healthz", s.base)).send().await;
    assert_eq!(healthz.expect("healthz").status(), StatusCode::OK);

    forwarder.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = s
            .client
            .get(format!("{}/readyz", s.base))
            .send()
            .await
            .expect("readyz");
        if ready.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "never ready again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, job, _) = s.call(Method::GET, &details, None).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], 8, "the job survived the outage: {job}");
    let (status, answer) = s.create("after-outage").await;
    assert_eq!(status, 200, "{answer}");
    let (_, list, _) = s.call(Method::GET, &s.jobs_path(), None).await;
    assert_eq!(
        list["job_total_count"], 2,
        "the outage create was refused, not half-done: {list}"
    );
    s.stop().await;
}

// ---------------------------------------------------------------------------------------------
// A full disk under SQLite

/// A 2 MiB tmpfs, unmounted on drop. Mounting needs root, which this machine's CI has; the test
/// fails (rather than skips) without it so the fault is never silently untested.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "cannot mount a tmpfs at {} (this test needs root)",
            dir.path().display()
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes `path` until the file system refuses.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 16 * 1024];
    while file
        .write_all(&block)
        .and_then(|()| file.sync_all())
        .is_ok()
    {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_under_sqlite_is_a_clear_error_without_corruption() {
    let disk = SmallDisk::mount();
    let data_dir = disk.path().join("data");
    let s = TestServer::start_with(Backend::Sqlite, |config| {
        config.data_dir = data_dir.clone();
    })
    .await;
    let mut kept = Vec::new();
    for i in 0..5 {
        kept.push(s.create(&format!("before-{i}"), json!({})).await);
    }
    let filler = disk.path().join("filler");
    fill(&filler);

    // Writes fail with the database-unavailable answer; reads keep working.
    let mut refused = 0;
    for i in 0..20 {
        let body = json!({"job_name": format!("full-{i}"), "train_url": s.logdir(),
            "job_desc": "x".repeat(256)});
        let (status, answer) = s.call(Method::POST, &s.jobs_path(), Some(body)).await;
        match status.as_u16() {
            200 => {}
            503 => {
                assert_eq!(answer["error_code"], "ModelArts.0011", "{answer}");
                refused += 1;
            }
            other => panic!("create on a full disk answered {other}: {answer}"),
        }
    }
    assert!(refused > 0, "the disk never filled up");
    let (status, list) = s.call(Method::GET, &s.jobs_path(), None).await;
    assert_eq!(status, StatusCode::OK, "reads still work: {list}");

    // Space returns: writes work again and nothing acknowledged was lost.
    std::fs::remove_file(&filler).expect("remove filler");
    let mut after = Vec::new();
    for i in 0..8 {
        after.push(s.create(&format!("after-full-{i}"), json!({})).await);
    }
    for id in kept.iter().chain(&after) {
        s.details(*id).await;
    }
    s.stop().await;
    let db = disk.path().join("data/vizjobs.db");
    let output = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("PRAGMA integrity_check;")
        .output();
    match output {
        Ok(out) if out.status.success() => {
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
        }
        _ => {
            // No sqlite3 shell: reopen through the store, which runs its own checks on open.
            let store: Arc<dyn Store> = Arc::new(
                vizjobs_store_sql::SqliteStore::open(&db)
                    .await
                    .expect("the database reopens after the disk was full"),
            );
            store.ping().await.expect("ping");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Event files damaged mid-stream

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_in_a_growing_event_file_loses_only_the_damaged_part() {
    let mut config = EngineRunnerConfig::default();
    config.engine.reload_interval = Duration::from_millis(100);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        vizjobs_store_sql::SqliteStore::open(&dir.path().join("vizjobs.db"))
            .await
            .expect("sqlite"),
    );
    let s = Running::start(store, EngineRunner::new(config)).await;
    let run = Path::new(&s.logdir()).join("run");
    std::fs::create_dir_all(&run).expect("run");
    let file = run.join("events.out.tfevents.1.host");
    let append = |bytes: Vec<u8>| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
            .expect("open");
        f.write_all(&bytes).expect("append");
    };
    append(
        (0..10)
            .flat_map(|step| tfevents::scalar(step, "loss", step as f32))
            .collect(),
    );

    let (status, created) = s.create("damaged").await;
    assert_eq!(status, 200, "{created}");
    let id = created["job_id"].as_i64().expect("job_id");
    s.wait_running(id).await;
    let base = format!("/vj/{}/{id}/", s.project());
    let steps = || async {
        let (status, points, _) = s
            .call(
                Method::GET,
                &format!("{base}data/scalars?run=run&tag=loss"),
                None,
            )
            .await;
        if status != 200 {
            return Vec::new();
        }
        points
            .as_array()
            .map(|p| p.iter().filter_map(|p| p[0].as_i64()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let wait_for = |want: usize| async move {
        for _ in 0..200 {
            let seen = steps().await;
            if seen.len() >= want {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        steps().await
    };
    assert_eq!(wait_for(10).await, (0..10).collect::<Vec<_>>());

    // Garbage, a record whose payload CRC is wrong, then valid records again; and a record
    // written in two halves, as a writer caught mid-flush leaves it.
    let mut damaged = b"\x00garbage that is not a record\xff\xfe".to_vec();
    let mut bad_crc = tfevents::scalar(10, "loss", 10.0);
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 0xff;
    damaged.extend(bad_crc);
    damaged.extend((11..20).flat_map(|step| tfevents::scalar(step, "loss", step as f32)));
    append(damaged);
    let split = tfevents::scalar(20, "loss", 20.0);
    append(split[..7].to_vec());
    tokio::time::sleep(Duration::from_millis(300)).await;
    append(split[7..].to_vec());

    let seen = wait_for(20).await;
    let want: Vec<i64> = (0..10).chain(11..21).collect();
    assert_eq!(seen, want, "only the damaged record is lost");
    let (_, runs, _) = s.call(Method::GET, &format!("{base}data/runs"), None).await;
    let run = runs
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "run"))
        .cloned()
        .unwrap_or(Value::Null);
    assert!(run["data_loss"].as_i64().unwrap_or(0) >= 1, "{runs}");
    assert!(
        run["problems"].as_array().is_some_and(|p| !p.is_empty()),
        "{runs}"
    );
    s.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The clock jumping around an auto-stop deadline

async fn clock_jumps_around_the_auto_stop_deadline(s: &TestServer) {
    let schedule = json!({"schedule": {"type": "stop", "time_unit": "HOURS", "duration": 1}});
    let id = s.create("jumpy", schedule.clone()).await;
    s.wait_status(id, 8).await;

    // Backwards by three hours: the job is neither lost nor stopped, its duration not negative.
    s.clock.advance_ms(-3 * 3600 * 1000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let job = s.details(id).await;
    assert_eq!(job["status"], 8, "{job}");
    assert!(job["duration"].as_i64().unwrap_or(-1) >= 0, "{job}");
    let (_, list) = s.call(Method::GET, &s.jobs_path(), None).await;
    assert_eq!(list["job_total_count"], 1, "{list}");

    // Forward far past the deadline in one jump: the job completes.
    s.clock.advance_ms(3 * 3600 * 1000 + 2 * 3600 * 1000);
    let done = s.wait_status(id, 10).await;
    assert!(done["duration"].as_i64().unwrap_or(-1) >= 0, "{done}");

    // A job created while the clock is far ahead, then the clock falls back: still running.
    let second = s.create("jumpy2", schedule).await;
    s.wait_status(second, 8).await;
    s.clock.advance_ms(-2 * 3600 * 1000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.details(second).await["status"], 8);
    s.clock.advance_ms(2 * 3600 * 1000 + 61 * 60 * 1000);
    s.wait_status(second, 10).await;
}

on_both_backends!(clock_jumps_around_the_auto_stop_deadline);
