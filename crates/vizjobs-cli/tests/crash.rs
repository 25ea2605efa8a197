//! Crash test of `vizjobs serve`: a burst of creates, stops and deletes from several clients, a
//! `kill -9` (SIGKILL) in the middle of it, a restart on the same data, and a check that nothing
//! the server acknowledged was lost.
//!
//! "Acknowledged" means a 200 answer with `is_success: true` reached the client. A request in
//! flight when the server died has no known outcome: its job may or may not exist, be stopped or
//! be deleted, and is only held to the lifecycle's rules.
//!
//! After the restart:
//! - every acknowledged create exists, with the name it was created with, unless its delete was
//!   acknowledged; every acknowledged delete is gone (404);
//! - every status is one a visualization job can have (1, 7, 8, 9, 10, 11, 12), and an
//!   acknowledged stop is 9 or 12 — never 8 again;
//! - within a few seconds the jobs in INIT, WAITING or KILLING move on (stopped ones to KILLED,
//!   the others to RUNNING) and every RUNNING job's dashboard answers at its `service_url`;
//! - a RUNNING job with a schedule keeps its stored auto-stop deadline, stays RUNNING, and its
//!   `duration` goes on counting from where it was.
//!
//! It runs on SQLite (the file in the data directory) and on PostgreSQL
//! (`VIZJOBS_TEST_DATABASE_URL`, by default the machine's local server) in a schema of its own,
//! chosen through libpq's `options=-csearch_path=…` and dropped afterwards. An unreachable
//! PostgreSQL fails the test; it is never skipped.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use database::Database;
use http::{Answer, Api};
use server::Server;

/// Concurrent API clients in the burst.
const CLIENTS: usize = 6;
/// The server is killed once this many creates were acknowledged...
const KILL_AFTER_CREATES: usize = 120;
/// ...or after this long, whichever comes first.
const KILL_AT_THE_LATEST: Duration = Duration::from_secs(8);
/// A bound on each client's loop, should the kill never come.
const MAX_STEPS_PER_CLIENT: usize = 2_000;
/// How long jobs in INIT, WAITING and KILLING may take to move on after the restart.
const SETTLE_WITHIN: Duration = Duration::from_secs(10);
/// RUNNING jobs whose dashboard data (not only its page) is read after the restart.
const DATA_CHECKS: usize = 5;

const INIT: i64 = 1;
const WAITING: i64 = 7;
const RUNNING: i64 = 8;
const KILLING: i64 = 9;
const KILLED: i64 = 12;
/// The statuses a visualization job can be in: INIT, WAITING, RUNNING, KILLING, COMPLETED,
/// FAILED, KILLED.
const LIFECYCLE_STATUSES: [i64; 7] = [1, 7, 8, 9, 10, 11, 12];
/// Statuses the lifecycle manager still has to move on from.
const UNSETTLED: [i64; 3] = [INIT, WAITING, KILLING];
const MS_PER_HOUR: i64 = 3_600_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_nothing_acknowledged_on_sqlite() {
    crash_and_recover(Database::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_nothing_acknowledged_on_postgres() {
    crash_and_recover(Database::postgres("crash").await).await;
}

async fn crash_and_recover(database: Database) {
    let data = tempfile::tempdir().expect("a temporary data directory");
    let data_dir = data.path();
    let train_url = lay_out_logs(data_dir);
    let mut server = Server::start(data_dir, database.url().as_deref()).await;
    let api = Api::login(&server.endpoint, data_dir).await;

    let scheduled = ScheduledJob::start(&api, &database, data_dir, &train_url).await;

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let burst_deadline = Instant::now() + KILL_AT_THE_LATEST + Duration::from_secs(5);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let api = api.fresh_connections();
            let (ledger, train_url) = (ledger.clone(), train_url.clone());
            tokio::spawn(burst_client(api, n, train_url, ledger, burst_deadline))
        })
        .collect();
    let burst_start = Instant::now();
    while ledger_len(&ledger) < KILL_AFTER_CREATES && burst_start.elapsed() < KILL_AT_THE_LATEST {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let before_kill = scheduled.observe(&api).await;
    server.kill9();
    for client in clients {
        client.await.expect("a burst client panicked");
    }
    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .expect("every client is done")
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    eprintln!("{}", ledger.summary());
    ledger.check_burst();

    let server = Server::start(data_dir, database.url().as_deref()).await;
    let api = api.at(&server.endpoint);
    let mut problems = Vec::new();

    let first = api.all_jobs().await;
    eprintln!("restart: statuses found {:?}", status_counts(&first));
    problems.extend(ledger.check_survivors(&first));
    problems.extend(check_first_statuses(&ledger, &first));
    for &id in ledger.deleted.iter().take(20) {
        if !matches!(api.details(id).await, Answer::Refused { status: 404, .. }) {
            problems.push(format!(
                "job {id}: deleted, but its details do not answer 404"
            ));
        }
    }

    let settled = wait_until_settled(&api).await;
    problems.extend(check_settled(&ledger, &settled));
    problems.extend(check_dashboards(&api, &ledger, &settled).await);
    problems.extend(
        scheduled
            .check_after_restart(&api, &database, data_dir, &before_kill)
            .await,
    );

    assert!(
        problems.is_empty(),
        "after kill -9 and restart:\n{}\n--- server log ---\n{}",
        problems.join("\n"),
        server.log_tail()
    );
}

/// A logs folder with one real TensorBoard run, under the server's default log root.
fn lay_out_logs(data_dir: &Path) -> String {
    let fixture = Path::new(env!("VIZJOBS_SHARED")).join("fixtures/events/tf2_style/run_a");
    let run = data_dir.join("logs/crash/run_a");
    std::fs::create_dir_all(&run).expect("create the logs folder");
    for entry in std::fs::read_dir(&fixture).expect("the tf2_style fixture exists") {
        let entry = entry.expect("a fixture file");
        std::fs::copy(entry.path(), run.join(entry.file_name())).expect("copy a fixture file");
    }
    data_dir
        .join("logs/crash")
        .canonicalize()
        .expect("canonical logs folder")
        .display()
        .to_string()
}

/// What the clients were told, by job id.
#[derive(Default)]
struct Ledger {
    /// Acknowledged creates, with the name sent.
    created: BTreeMap<i64, String>,
    stopped: BTreeSet<i64>,
    deleted: BTreeSet<i64>,
    /// Stops and deletes sent without an answer (the server died under them).
    stop_unknown: BTreeSet<i64>,
    delete_unknown: BTreeSet<i64>,
    /// Error answers: none is expected, every operation is allowed in the job's status.
    refusals: Vec<String>,
}

fn ledger_len(ledger: &Mutex<Ledger>) -> usize {
    ledger
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .created
        .len()
}

fn note(ledger: &Mutex<Ledger>, f: &mut dyn FnMut(&mut Ledger)) {
    f(&mut ledger.lock().unwrap_or_else(|p| p.into_inner()));
}

/// One client: create a job, then stop or delete the one it created just before (each a third
/// of the time), until the server stops answering.
async fn burst_client(
    api: Api,
    client: usize,
    train_url: String,
    ledger: Arc<Mutex<Ledger>>,
    deadline: Instant,
) {
    let record = |f: &mut dyn FnMut(&mut Ledger)| note(&ledger, f);
    let mut live: Vec<i64> = Vec::new();
    for step in 0..MAX_STEPS_PER_CLIENT {
        if Instant::now() > deadline {
            return;
        }
        let name = format!("c{client}_{step}");
        match api.create(&name, &train_url, 0).await {
            Answer::Ok(body) => match body["job_id"].as_i64() {
                Some(id) => {
                    record(&mut |l| {
                        l.created.insert(id, name.clone());
                    });
                    live.push(id);
                }
                None => record(&mut |l| l.refusals.push(format!("create answered {body}"))),
            },
            Answer::Refused { status, body } => {
                record(&mut |l| l.refusals.push(format!("create {name}: {status} {body}")));
            }
            Answer::Lost(_) => return,
        }
        let Some(&target) = live.len().checked_sub(2).and_then(|i| live.get(i)) else {
            continue;
        };
        match step % 3 {
            0 => match api.stop(target).await {
                Answer::Ok(_) => record(&mut |l| {
                    l.stopped.insert(target);
                }),
                Answer::Refused { status, body } => {
                    record(&mut |l| l.refusals.push(format!("stop {target}: {status} {body}")));
                }
                Answer::Lost(_) => {
                    record(&mut |l| {
                        l.stop_unknown.insert(target);
                    });
                    return;
                }
            },
            1 => match api.delete(target).await {
                Answer::Ok(_) => {
                    record(&mut |l| {
                        l.deleted.insert(target);
                    });
                    live.retain(|&id| id != target);
                }
                Answer::Refused { status, body } => {
                    record(&mut |l| l.refusals.push(format!("delete {target}: {status} {body}")));
                }
                Answer::Lost(_) => {
                    record(&mut |l| {
                        l.delete_unknown.insert(target);
                    });
                    return;
                }
            },
            _ => {}
        }
    }
}

impl Ledger {
    fn summary(&self) -> String {
        format!(
            "burst: {} creates, {} stops and {} deletes acknowledged; {} stops and {} deletes \
             cut off by the kill",
            self.created.len(),
            self.stopped.len(),
            self.deleted.len(),
            self.stop_unknown.len(),
            self.delete_unknown.len()
        )
    }

    /// The burst must have done all three operations, and the server refused none of them.
    fn check_burst(&self) {
        assert!(
            self.refusals.is_empty(),
            "the server refused operations the job's status allows:\n{}",
            self.refusals.join("\n")
        );
        assert!(
            self.created.len() >= KILL_AFTER_CREATES / 2,
            "too few creates before the kill: {}",
            self.summary()
        );
        assert!(
            !self.stopped.is_empty() && !self.deleted.is_empty(),
            "the burst must stop and delete jobs: {}",
            self.summary()
        );
    }

    /// Acknowledged creates exist with their names; acknowledged deletes are gone.
    fn check_survivors(&self, jobs: &BTreeMap<i64, Job>) -> Vec<String> {
        let mut problems = Vec::new();
        for (id, name) in &self.created {
            let found = jobs.get(id);
            if self.deleted.contains(id) {
                if found.is_some() {
                    problems.push(format!(
                        "job {id}: its delete was acknowledged, yet it is listed"
                    ));
                }
            } else if self.delete_unknown.contains(id) {
                // Either outcome is right for a delete cut off by the kill.
            } else {
                match found {
                    None => problems.push(format!("job {id} ({name}): acknowledged, now lost")),
                    Some(job) if job.name != *name => problems.push(format!(
                        "job {id}: created as {name}, now named {}",
                        job.name
                    )),
                    Some(_) => {}
                }
            }
        }
        problems
    }
}

/// A job as listed, with the fields checked here.
#[derive(Debug, Clone)]
struct Job {
    name: String,
    status: i64,
    duration: i64,
    service_url: String,
}

/// Right after the restart: statuses are lifecycle ones, and no acknowledged stop was undone.
fn check_first_statuses(ledger: &Ledger, jobs: &BTreeMap<i64, Job>) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, job) in jobs {
        if !LIFECYCLE_STATUSES.contains(&job.status) {
            problems.push(format!(
                "job {id}: status {} is not a lifecycle status",
                job.status
            ));
        }
    }
    for id in &ledger.stopped {
        if let Some(job) = jobs.get(id)
            && job.status != KILLING
            && job.status != KILLED
        {
            problems.push(format!(
                "job {id}: stop acknowledged, but status {}",
                job.status
            ));
        }
    }
    problems
}

/// How many jobs are in each status.
fn status_counts(jobs: &BTreeMap<i64, Job>) -> BTreeMap<i64, usize> {
    let mut counts = BTreeMap::new();
    for job in jobs.values() {
        *counts.entry(job.status).or_insert(0) += 1;
    }
    counts
}

/// Lists until no job is INIT, WAITING or KILLING; fails the test if that takes too long.
async fn wait_until_settled(api: &Api) -> BTreeMap<i64, Job> {
    let start = Instant::now();
    loop {
        let jobs = api.all_jobs().await;
        let unsettled: Vec<_> = jobs
            .iter()
            .filter(|(_, j)| UNSETTLED.contains(&j.status))
            .map(|(id, j)| format!("{id}:{}", j.status))
            .collect();
        if unsettled.is_empty() {
            eprintln!("restart: every job settled within {:?}", start.elapsed());
            return jobs;
        }
        assert!(
            start.elapsed() < SETTLE_WITHIN,
            "jobs still in INIT, WAITING or KILLING {SETTLE_WITHIN:?} after the restart: {}",
            unsettled.join(" ")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Once settled: stopped jobs are KILLED, the others RUNNING.
fn check_settled(ledger: &Ledger, jobs: &BTreeMap<i64, Job>) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, job) in jobs {
        let expected: &[i64] = if ledger.stopped.contains(id) {
            &[KILLED]
        } else if ledger.stop_unknown.contains(id) {
            &[RUNNING, KILLED]
        } else {
            &[RUNNING]
        };
        if !expected.contains(&job.status) {
            problems.push(format!(
                "job {id}: settled in status {}, expected one of {expected:?}",
                job.status
            ));
        }
    }
    problems
}

/// Every RUNNING job serves its dashboard page; a few serve their data too; a KILLED one does not.
async fn check_dashboards(api: &Api, ledger: &Ledger, jobs: &BTreeMap<i64, Job>) -> Vec<String> {
    let mut problems = Vec::new();
    let running: Vec<_> = jobs.iter().filter(|(_, j)| j.status == RUNNING).collect();
    if running.is_empty() {
        problems.push("no RUNNING job after the restart".to_owned());
    }
    for (i, (id, job)) in running.iter().enumerate() {
        let (status, _) = api.get_url(&job.service_url).await;
        if status != 200 {
            problems.push(format!(
                "job {id}: its dashboard answers {status} while RUNNING"
            ));
        }
        if i < DATA_CHECKS
            && let Err(last) = wait_for_run(api, &job.service_url).await
        {
            problems.push(format!("job {id}: data/runs never listed run_a: {last}"));
        }
    }
    if let Some(job) = ledger.stopped.iter().find_map(|id| jobs.get(id)) {
        let (status, _) = api.get_url(&job.service_url).await;
        if status == 200 {
            problems.push(format!(
                "the KILLED job {} still serves its dashboard",
                job.name
            ));
        }
    }
    problems
}

/// Polls the dashboard's `data/runs` until it lists the run (a board loads its logs lazily, on
/// the first request); the last answer on failure.
async fn wait_for_run(api: &Api, service_url: &str) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let (status, body) = api.get_url(&format!("{service_url}data/runs")).await;
        if status == 200 && body.contains("\"run_a\"") {
            return Ok(());
        }
        if start.elapsed() > SETTLE_WITHIN {
            return Err(format!("{status} {body}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A RUNNING job with a one-hour schedule, followed across the crash.
struct ScheduledJob {
    id: i64,
    /// The auto-stop deadline as stored when the job entered RUNNING.
    deadline_ms: i64,
}

/// The job's `duration` and when it was read.
struct Observation {
    duration_ms: i64,
    at: Instant,
}

impl ScheduledJob {
    async fn start(api: &Api, database: &Database, data_dir: &Path, train_url: &str) -> Self {
        let Answer::Ok(created) = api.create("scheduled", train_url, 1).await else {
            panic!("creating the scheduled job failed");
        };
        let id = created["job_id"].as_i64().expect("create answers a job_id");
        let start = Instant::now();
        while api.job(id).await.status != RUNNING {
            assert!(
                start.elapsed() < SETTLE_WITHIN,
                "the scheduled job never ran"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let deadline_ms = database
            .stop_deadline_ms(data_dir, id)
            .await
            .expect("a RUNNING job with a schedule has a stored deadline");
        let expected = now_ms() + MS_PER_HOUR;
        assert!(
            (deadline_ms - expected).abs() < 60_000,
            "the deadline {deadline_ms} is not an hour from now ({expected})"
        );
        Self { id, deadline_ms }
    }

    async fn observe(&self, api: &Api) -> Observation {
        let job = api.job(self.id).await;
        assert_eq!(
            job.status, RUNNING,
            "the scheduled job runs before the crash"
        );
        Observation {
            duration_ms: job.duration,
            at: Instant::now(),
        }
    }

    async fn check_after_restart(
        &self,
        api: &Api,
        database: &Database,
        data_dir: &Path,
        before: &Observation,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let stored = database.stop_deadline_ms(data_dir, self.id).await;
        if stored != Some(self.deadline_ms) {
            problems.push(format!(
                "scheduled job: deadline {:?} after the restart, {} before",
                stored, self.deadline_ms
            ));
        }
        let after = self.observe_any(api).await;
        if after.0 != RUNNING {
            problems.push(format!(
                "scheduled job: status {} after the restart",
                after.0
            ));
        }
        if after.1.duration_ms <= before.duration_ms {
            problems.push(format!(
                "scheduled job: duration went from {} to {} ms across the restart",
                before.duration_ms, after.1.duration_ms
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let later = self.observe_any(api).await.1;
        let counted = later.duration_ms - after.1.duration_ms;
        let elapsed = later.at.duration_since(after.1.at).as_millis() as i64;
        if counted < elapsed - 200 {
            problems.push(format!(
                "scheduled job: duration grew {counted} ms in {elapsed} ms after the restart"
            ));
        }
        problems
    }

    async fn observe_any(&self, api: &Api) -> (i64, Observation) {
        let job = api.job(self.id).await;
        (
            job.status,
            Observation {
                duration_ms: job.duration,
                at: Instant::now(),
            },
        )
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The database under the server, and a direct look at what it stored.
mod database {
    use std::path::Path;

    use sqlx::Connection;
    use sqlx::postgres::PgConnection;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

    const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

    pub enum Database {
        /// `vizjobs.db` in the data directory, the server's default.
        Sqlite,
        Postgres {
            /// The URL the server gets: the base URL pinned to `schema`.
            url: String,
            base_url: String,
            schema: String,
        },
    }

    impl Database {
        /// A fresh schema in the test PostgreSQL. Panics when PostgreSQL cannot be reached.
        pub async fn postgres(prefix: &str) -> Database {
            let base_url = std::env::var("VIZJOBS_TEST_DATABASE_URL")
                .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
            let nanos = super::now_ms();
            let schema = format!("{prefix}_{}_{nanos}", std::process::id());
            let mut conn = PgConnection::connect(&base_url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL at {base_url} is unreachable ({e}); this test needs it")
            });
            sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
                .execute(&mut conn)
                .await
                .expect("create the test schema");
            let _ = conn.close().await;
            let separator = if base_url.contains('?') { '&' } else { '?' };
            let url = format!("{base_url}{separator}options=-csearch_path%3D{schema}");
            Database::Postgres {
                url,
                base_url,
                schema,
            }
        }

        /// The `--database-url` to give the server.
        pub fn url(&self) -> Option<String> {
            match self {
                Database::Sqlite => None,
                Database::Postgres { url, .. } => Some(url.clone()),
            }
        }

        /// The auto-stop deadline stored for a job, read behind the server's back.
        pub async fn stop_deadline_ms(&self, data_dir: &Path, job_id: i64) -> Option<i64> {
            match self {
                Database::Sqlite => {
                    let options = SqliteConnectOptions::new()
                        .filename(data_dir.join("vizjobs.db"))
                        .read_only(true);
                    let mut conn = SqliteConnection::connect_with(&options)
                        .await
                        .expect("open the server's SQLite file");
                    sqlx::query_scalar("SELECT stop_deadline_ms FROM jobs WHERE id = ?")
                        .bind(job_id)
                        .fetch_one(&mut conn)
                        .await
                        .expect("the job's row")
                }
                Database::Postgres { url, .. } => {
                    let mut conn = PgConnection::connect(url)
                        .await
                        .expect("connect to PostgreSQL");
                    sqlx::query_scalar("SELECT stop_deadline_ms FROM jobs WHERE id = $1")
                        .bind(job_id)
                        .fetch_one(&mut conn)
                        .await
                        .expect("the job's row")
                }
            }
        }
    }

    /// Drops the test schema, also when the test fails (SQLite's file goes with the data
    /// directory). Runs on a thread of its own: `drop` cannot await on the test's runtime.
    impl Drop for Database {
        fn drop(&mut self) {
            let Database::Postgres {
                base_url, schema, ..
            } = self
            else {
                return;
            };
            let (base_url, name) = (base_url.clone(), schema.clone());
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(async {
                    let mut conn = PgConnection::connect(&base_url)
                        .await
                        .map_err(|e| e.to_string())?;
                    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                        .execute(&mut conn)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop the test schema {schema}: {dropped:?}");
            }
        }
    }
}

/// The `vizjobs serve` process.
mod server {
    use std::fs::File;
    use std::net::TcpListener;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    pub struct Server {
        child: Child,
        pub endpoint: String,
        log: PathBuf,
    }

    impl Server {
        /// Starts `vizjobs serve` on a free port and waits until it is ready.
        pub async fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
            let listen = listener.local_addr().expect("local address").to_string();
            drop(listener);
            let log = data_dir.join(format!("server-{}.log", listen.replace(':', "_")));
            let mut command = Command::new(env!("CARGO_BIN_EXE_vizjobs"));
            // The environment may configure another database (CI runs the suite on both).
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().starts_with("VIZJOBS_") {
                    command.env_remove(key);
                }
            }
            command
                .args(["serve", "--listen", &listen, "--data-dir"])
                .arg(data_dir)
                .args(["--lifecycle-interval-secs", "0.2", "--job-quota", "100000"])
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(File::create(&log).expect("create the server log"));
            if let Some(url) = database_url {
                command.args(["--database-url", url]);
            }
            let mut server = Server {
                child: command.spawn().expect("vizjobs serve starts"),
                endpoint: format!("http://{listen}"),
                log,
            };
            let http = reqwest::Client::new();
            let start = Instant::now();
            loop {
                if let Ok(Some(exit)) = server.child.try_wait() {
                    panic!("vizjobs serve exited ({exit}):\n{}", server.log_tail());
                }
                let ready = http
                    .get(format!("{}/readyz", server.endpoint))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ready {
                    return server;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "vizjobs serve did not get ready:\n{}",
                    server.log_tail()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }

        /// SIGKILL: no shutdown code runs.
        pub fn kill9(&mut self) {
            self.child.kill().expect("SIGKILL the server");
            let status = self.child.wait().expect("reap the server");
            assert!(!status.success(), "the server was killed, not exited");
        }

        /// The last lines of the server's log, for failure messages.
        pub fn log_tail(&self) -> String {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(40)..].join("\n")
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The jobs API over HTTP, with an IAM token.
mod http {
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::time::Duration;

    use reqwest::header::CONTENT_TYPE;
    use serde_json::{Value, json};

    use super::Job;

    /// How one request ended.
    pub enum Answer {
        /// 200 with `is_success: true`: acknowledged.
        Ok(Value),
        /// Any other HTTP answer.
        Refused { status: u16, body: String },
        /// No answer at all (the server is gone).
        Lost(String),
    }

    #[derive(Clone)]
    pub struct Api {
        http: reqwest::Client,
        endpoint: String,
        project_id: String,
        token: String,
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client")
    }

    impl Api {
        /// Logs in with the first-start credentials of `data_dir`.
        pub async fn login(endpoint: &str, data_dir: &Path) -> Api {
            let (project_id, body) =
                crate::common::first_start_login(&data_dir.join("credentials.json"));
            let http = client();
            let response = http
                .post(format!("{endpoint}/v3/auth/tokens"))
                .json(&body)
                .send()
                .await
                .expect("the token request is answered");
            assert!(
                response.status().is_success(),
                "login: {}",
                response.status()
            );
            let token = response
                .headers()
                .get("x-subject-token")
                .and_then(|v| v.to_str().ok())
                .expect("X-Subject-Token")
                .to_owned();
            Api {
                http,
                endpoint: endpoint.to_owned(),
                project_id,
                token,
            }
        }

        /// The same credential through a connection pool of its own.
        pub fn fresh_connections(&self) -> Api {
            Api {
                http: client(),
                ..self.clone()
            }
        }

        /// The same credential against a restarted server.
        pub fn at(&self, endpoint: &str) -> Api {
            Api {
                endpoint: endpoint.to_owned(),
                ..self.fresh_connections()
            }
        }

        fn jobs_url(&self, rest: &str) -> String {
            format!(
                "{}/v1/{}/visualization-jobs{rest}",
                self.endpoint, self.project_id
            )
        }

        async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
            let response = match request.header("X-Auth-Token", &self.token).send().await {
                Ok(r) => r,
                Err(e) => return Answer::Lost(e.to_string()),
            };
            let status = response.status().as_u16();
            let body = match response.text().await {
                Ok(b) => b,
                Err(e) => return Answer::Lost(e.to_string()),
            };
            match serde_json::from_str::<Value>(&body) {
                Ok(value) if status == 200 && value["is_success"] == json!(true) => {
                    Answer::Ok(value)
                }
                _ => Answer::Refused { status, body },
            }
        }

        pub async fn create(&self, name: &str, train_url: &str, schedule_hours: u32) -> Answer {
            let mut body = json!({"job_name": name, "train_url": train_url});
            if schedule_hours > 0 {
                body["schedule"] =
                    json!({"type": "stop", "time_unit": "HOURS", "duration": schedule_hours});
            }
            self.send(self.http.post(self.jobs_url("")).json(&body))
                .await
        }

        /// Stop and delete go with an empty JSON body, as the spec requires them to be accepted.
        pub async fn stop(&self, id: i64) -> Answer {
            let url = self.jobs_url(&format!("/{id}/stop"));
            self.send(self.http.post(url).header(CONTENT_TYPE, "application/json"))
                .await
        }

        pub async fn delete(&self, id: i64) -> Answer {
            let url = self.jobs_url(&format!("/{id}"));
            self.send(
                self.http
                    .delete(url)
                    .header(CONTENT_TYPE, "application/json"),
            )
            .await
        }

        pub async fn details(&self, id: i64) -> Answer {
            self.send(self.http.get(self.jobs_url(&format!("/{id}"))))
                .await
        }

        /// One job's details; panics unless they are answered.
        pub async fn job(&self, id: i64) -> Job {
            match self.details(id).await {
                Answer::Ok(value) => job_from(&value),
                Answer::Refused { status, body } => panic!("details of {id}: {status} {body}"),
                Answer::Lost(e) => panic!("details of {id}: no answer: {e}"),
            }
        }

        /// Every job of the project, page by page.
        pub async fn all_jobs(&self) -> BTreeMap<i64, Job> {
            let mut jobs = BTreeMap::new();
            for page in 1.. {
                let url = self.jobs_url(&format!("?per_page=1000&page={page}"));
                let listed = match self.send(self.http.get(url)).await {
                    Answer::Ok(value) => value,
                    Answer::Refused { status, body } => panic!("list: {status} {body}"),
                    Answer::Lost(e) => panic!("list: no answer: {e}"),
                };
                let batch = listed["jobs"].as_array().cloned().unwrap_or_default();
                for job in &batch {
                    let id = job["job_id"].as_i64().expect("a listed job_id");
                    assert!(
                        jobs.insert(id, job_from(job)).is_none(),
                        "job {id} listed twice"
                    );
                }
                if batch.len() < 1000 {
                    break;
                }
            }
            jobs
        }

        /// GET with the token; the status and body (empty when there is no answer).
        pub async fn get_url(&self, url: &str) -> (u16, String) {
            match self
                .http
                .get(url)
                .header("X-Auth-Token", &self.token)
                .send()
                .await
            {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (status, response.text().await.unwrap_or_default())
                }
                Err(e) => (0, e.to_string()),
            }
        }
    }

    fn job_from(value: &Value) -> Job {
        Job {
            name: value["job_name"].as_str().unwrap_or_default().to_owned(),
            status: value["status"].as_i64().expect("an integer status"),
            duration: value["duration"].as_i64().expect("an integer duration"),
            service_url: value["service_url"]
                .as_str()
                .expect("a service_url")
                .to_owned(),
        }
    }
}
