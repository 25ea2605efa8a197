//! Acknowledged writes survive `kill -9`.
//!
//! The test re-runs its own binary as a child (selected by an environment variable) that writes
//! jobs through the store and prints `ACK <id>` after each write returns. The parent SIGKILLs the
//! child while it is still writing, reopens the database, and checks that every acknowledged
//! write is there and that ids keep growing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vizjobs_api::{JobStatus, ListQuery};
use vizjobs_store::{AuthStore, JobStore, NewJob, Project};
use vizjobs_store_sql::SqliteStore;

const CHILD_DB_VAR: &str = "VIZJOBS_DURABILITY_CHILD_DB";
const TEST_NAME: &str = "acknowledged_writes_survive_sigkill";
/// Acknowledgements the parent waits for before killing the child.
const ACKS_BEFORE_KILL: usize = 40;
/// The child stops by itself after this many writes, should the parent be gone.
const CHILD_MAX_WRITES: usize = 5_000;
const T0: i64 = 1_700_000_000_000;

fn job(i: usize) -> NewJob {
    NewJob {
        project_id: "p".into(),
        name: format!("job{i}"),
        desc: format!("written {i}th"),
        train_url: "/bucket/logs/".into(),
        job_type: vizjobs_api::JobType::Tensorboard,
        flavor: None,
        schedule_hours: 1,
        create_time_ms: T0 + i as i64,
    }
}

/// The child: write, acknowledge, repeat, until killed.
async fn write_until_killed(db: &Path) {
    let store = SqliteStore::open(db).await.expect("open");
    let project = Project {
        id: "p".into(),
        name: "p".into(),
        account: "acct".into(),
        job_quota: None,
        created_ms: T0,
    };
    store.create_project(&project).await.expect("project");
    for i in 0..CHILD_MAX_WRITES {
        let created = store.create_job(job(i), i64::MAX).await.expect("create");
        let start = created.change_to(JobStatus::Running, T0 + 10_000, "");
        store.change_job(created.id, &start).await.expect("start");
        println!("ACK {}", created.id);
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    if let Some(db) = std::env::var_os(CHILD_DB_VAR) {
        runtime.block_on(write_until_killed(Path::new(&db)));
        return;
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("durable.db");
    let mut child = Command::new(std::env::current_exe().expect("own binary"))
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_DB_VAR, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the writer");
    let stdout = child.stdout.take().expect("child stdout");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut acked: Vec<i64> = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read child output");
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.trim().parse().expect("job id"));
        }
        if acked.len() >= ACKS_BEFORE_KILL || Instant::now() > deadline {
            break;
        }
    }
    // std's kill is SIGKILL on Unix: no destructor, no close, no checkpoint.
    child.kill().expect("SIGKILL the writer");
    let status = child.wait().expect("reap the writer");
    assert!(!status.success(), "the writer was killed, not finished");
    assert_eq!(
        acked.len(),
        ACKS_BEFORE_KILL,
        "the writer acknowledged in time"
    );

    runtime.block_on(async {
        let store = SqliteStore::open(&db).await.expect("reopen after kill -9");
        for id in &acked {
            let job = store
                .get_job("p", *id)
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("acknowledged job {id} lost"));
            assert_eq!(job.status, JobStatus::Running, "job {id} lost its start");
            assert_eq!(job.running_since_ms, Some(T0 + 10_000));
        }
        // Ids keep growing past everything the killed process wrote, acknowledged or not.
        let query = ListQuery {
            per_page: 1000,
            ..ListQuery::default()
        };
        let (all, total) = store.list_jobs("p", &query, T0).await.expect("list");
        assert!(total >= acked.len() as i64);
        let highest = all.iter().map(|j| j.id).max().expect("jobs exist");
        let next = store
            .create_job(job(99_999), i64::MAX)
            .await
            .expect("create");
        assert!(next.id > highest);
        store.close().await;
    });
}
