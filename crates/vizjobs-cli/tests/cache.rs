//! Two real `vizjobs serve` processes sharing one cache directory (`--cache-dir`), each with a
//! job over the same logs, loading and saving at the same time; then a third process restores
//! the job's runs from what they saved, answers as they did, and counts it in `/metrics`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Server, fresh_dir, train_url};
use serde_json::{Value, json};

struct Api {
    http: reqwest::blocking::Client,
    endpoint: String,
    project_id: String,
    token: String,
}

impl Api {
    fn login(server: &Server) -> Api {
        let (project_id, body) = common::first_start_login(&server.credentials_path());
        let http = reqwest::blocking::Client::new();
        let response = http
            .post(format!("{}/v3/auth/tokens", server.endpoint))
            .json(&body)
            .send()
            .expect("token request");
        assert!(
            response.status().is_success(),
            "login: {}",
            response.status()
        );
        let token = response.headers()["x-subject-token"]
            .to_str()
            .expect("token")
            .to_owned();
        Api {
            http,
            endpoint: server.endpoint.clone(),
            project_id,
            token,
        }
    }

    /// Creates a job over the fixture logs and returns its id.
    fn create_job(&self) -> i64 {
        let answer: Value = self
            .http
            .post(format!(
                "{}/v1/{}/visualization-jobs",
                self.endpoint, self.project_id
            ))
            .header("X-Auth-Token", &self.token)
            .json(&json!({"job_name": "cached", "train_url": train_url()}))
            .send()
            .expect("create")
            .json()
            .expect("JSON");
        answer["job_id"].as_i64().expect("a job id")
    }

    /// A data answer of the job's dashboard, waiting for the job to run.
    fn data(&self, job: i64, path: &str) -> String {
        let url = format!("{}/vj/{}/{job}/data/{path}", self.endpoint, self.project_id);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let response = self
                .http
                .get(&url)
                .header("X-Auth-Token", &self.token)
                .send()
                .expect("data request");
            if response.status().is_success() {
                return response.text().expect("body");
            }
            assert!(Instant::now() < deadline, "{url}: {}", response.status());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `data/runs`, `data/tags` and every scalar series of the job.
    fn answers(&self, job: i64) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let tags: Value = serde_json::from_str(&self.data(job, "tags")).expect("tags");
        for (run, kinds) in tags.as_object().expect("tags by run") {
            for tag in kinds["scalars"].as_array().expect("scalar tags") {
                let path = format!(
                    "scalars?run={}&tag={}",
                    urlencode(run),
                    urlencode(tag.as_str().expect("tag"))
                );
                out.push((path.clone(), self.data(job, &path)));
            }
        }
        for path in ["runs", "tags", "hparams"] {
            out.push((path.to_owned(), self.data(job, path)));
        }
        out
    }

    /// The value of one counter of `/metrics`.
    fn counter(&self, name: &str) -> u64 {
        let text = self
            .http
            .get(format!("{}/metrics", self.endpoint))
            .send()
            .expect("metrics")
            .text()
            .expect("body");
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} in /metrics"))
            .trim()
            .parse()
            .expect("a number")
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn start(cache_dir: &Path) -> Server {
    let dir = cache_dir.to_str().expect("UTF-8 path");
    Server::start_in(fresh_dir(), &["--cache-dir", dir], None)
}

#[test]
fn servers_sharing_a_cache_directory_restore_what_either_saved() {
    let cache_dir = fresh_dir();
    let (a, b) = (start(&cache_dir), start(&cache_dir));
    let (api_a, api_b) = (Api::login(&a), Api::login(&b));
    let (job_a, job_b) = (api_a.create_job(), api_b.create_job());
    // Both load the same runs at once; each saves every run as its first load ends.
    let (want, answers_b) = std::thread::scope(|s| {
        let from_a = s.spawn(|| api_a.answers(job_a));
        let from_b = s.spawn(|| api_b.answers(job_b));
        (from_a.join().expect("A"), from_b.join().expect("B"))
    });
    assert_eq!(answers_b, want);
    assert!(want.len() > 3, "{} answers", want.len());
    for api in [&api_a, &api_b] {
        assert!(api.counter("vizjobs_log_bytes_fetched_total") > 10_000);
        // A run the other had saved in time may have been restored; none was refused.
        assert_eq!(api.counter("vizjobs_cache_rejected_total"), 0);
    }
    let runs: Value = serde_json::from_str(&api_a.data(job_a, "runs")).expect("runs");
    let runs = runs.as_array().expect("a list of runs").len();
    assert!(runs >= 3, "{runs} runs");
    // Runs are saved just after the first load is announced: wait for the entries.
    let entries = || {
        std::fs::read_dir(&cache_dir)
            .expect("the cache directory")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".vjc"))
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while entries() < runs && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(entries(), runs, "one entry per run of the logs");
    drop((a, b));

    // A third server (a restart, or another replica) restores every run and reads only the
    // few bytes that check each file.
    let c = start(&cache_dir);
    let api_c = Api::login(&c);
    let job_c = api_c.create_job();
    assert_eq!(api_c.answers(job_c), want);
    assert_eq!(api_c.counter("vizjobs_cache_hits_total"), runs as u64);
    assert_eq!(api_c.counter("vizjobs_cache_misses_total"), 0);
    assert!(api_c.counter("vizjobs_cache_bytes_restored_total") > 0);
    let fetched = api_c.counter("vizjobs_log_bytes_fetched_total");
    // Each run has one file, checked by reading at most two windows of 4 KiB.
    assert!(fetched <= runs as u64 * 2 * 4096, "{fetched} bytes fetched");
    drop(c);
    let _ = std::fs::remove_dir_all(&cache_dir);
}
