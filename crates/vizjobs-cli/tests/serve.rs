//! `vizjobs serve` as an operator runs it: settings from flags, environment and a TOML file in
//! that order of precedence, and a graceful stop on SIGTERM.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vizjobs"));
    cmd.arg("serve")
        .args(["--data-dir"])
        .arg(data_dir)
        .args(args)
        .env("VIZJOBS_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("VIZJOBS_JOB_QUOTA")
        .env_remove("VIZJOBS_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("vizjobs serve starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if reqwest::blocking::get(format!("{base}/readyz")).is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    Running { child, base }
}

/// The project's quota as the list answer reports it.
fn quota(server: &Running, data_dir: &Path) -> i64 {
    let creds: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("credentials.json")).unwrap())
            .unwrap();
    let client = reqwest::blocking::Client::new();
    let resp = client
        .post(format!("{}/v3/auth/tokens", server.base))
        .json(&serde_json::json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": creds["username"], "password": creds["password"], "domain": {"name": creds["account"]}}}},
            "scope": {"project": {"id": creds["project_id"]}}}}))
        .send()
        .unwrap();
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let list: serde_json::Value = client
        .get(format!(
            "{}/v1/{}/visualization-jobs",
            server.base,
            creds["project_id"].as_str().unwrap()
        ))
        .header("X-Auth-Token", token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    list["quotas"].as_i64().expect("quotas")
}

#[test]
fn flags_beat_environment_which_beats_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("vizjobs.toml");
    let mut f = std::fs::File::create(&config).unwrap();
    writeln!(f, "job_quota = 7\nlifecycle_interval_secs = 0.5").unwrap();
    let config = config.to_str().unwrap();

    let s = start(&data, &["--config", config], &[]);
    assert_eq!(quota(&s, &data), 7, "from the file");
    drop(s);
    let s = start(&data, &["--config", config], &[("VIZJOBS_JOB_QUOTA", "9")]);
    assert_eq!(quota(&s, &data), 9, "the environment beats the file");
    drop(s);
    let s = start(
        &data,
        &["--config", config, "--job-quota", "11"],
        &[("VIZJOBS_JOB_QUOTA", "9")],
    );
    assert_eq!(quota(&s, &data), 11, "the flag beats both");
    drop(s);
    let s = start(&data, &[], &[]);
    assert_eq!(quota(&s, &data), 100, "the default");
}

#[test]
fn a_bad_config_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "job_qouta = 7\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vizjobs"))
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("job_qouta"), "{stderr}");
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(&dir.path().join("data"), &[], &[]);
    let pid = s.child.id() as i32;
    // SAFETY: plain libc call on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    assert!(reqwest::blocking::get(format!("{}/healthz", s.base)).is_err());
}
