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
        .env_remove("VIZJOBS_MASTER_KEY")
        .env_remove("VIZJOBS_S3_SECRET_ACCESS_KEY")
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

/// Runs `vizjobs serve` expecting it to refuse to start, and returns what it printed.
fn refused(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vizjobs"));
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("VIZJOBS_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env_remove("VIZJOBS_CONFIG")
        .env_remove("VIZJOBS_MASTER_KEY")
        .env_remove("VIZJOBS_S3_SECRET_ACCESS_KEY")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("vizjobs serve starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vizjobs serve {args:?} started, but should have refused to");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn a_secret_comes_from_the_environment_never_from_the_file_or_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("s3.toml");
    let s3 = "s3_allow = ['training/logs']\ns3_endpoint = 'http://127.0.0.1:9'\n\
              s3_allow_http = true\ns3_path_style = true\ns3_access_key_id = 'reader'\n";
    std::fs::write(&config, s3).unwrap();
    let config = config.to_str().unwrap();
    let secret = "sEcReT-in-the-environment";

    // The environment gives it, the file says nothing of it: the server starts.
    let s = start(
        &data,
        &["--config", config],
        &[("VIZJOBS_S3_SECRET_ACCESS_KEY", secret)],
    );
    drop(s);
    // Neither gives it: the key ID alone is refused.
    let out = refused(&data, &["--config", config], &[]);
    assert!(out.contains("no secret key"), "{out}");
    // A flag is refused, and its value not repeated.
    let out = refused(&data, &["--s3-secret-access-key", secret], &[]);
    assert!(out.contains("never taken from a flag"), "{out}");
    assert!(!out.contains(secret), "{out}");
    // So is the file, naming the key and the file, but not the value.
    let with_secret = dir.path().join("with-secret.toml");
    std::fs::write(
        &with_secret,
        format!("{s3}s3_secret_access_key = '{secret}'\n"),
    )
    .unwrap();
    let out = refused(
        &data,
        &["--config", with_secret.to_str().unwrap()],
        &[("VIZJOBS_S3_SECRET_ACCESS_KEY", secret)],
    );
    assert!(out.contains("with-secret.toml"), "{out}");
    assert!(out.contains("s3_secret_access_key"), "{out}");
    assert!(!out.contains(secret), "{out}");
}

#[test]
fn the_master_key_in_the_environment_beats_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("vizjobs.toml");
    std::fs::write(&config, "master_key = 'not a key'\n").unwrap();
    let config = config.to_str().unwrap();
    let out = refused(&data, &["--config", config], &[]);
    assert!(out.contains("master key"), "the file's key is used: {out}");
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let s = start(&data, &["--config", config], &[("VIZJOBS_MASTER_KEY", key)]);
    drop(s);
}

#[test]
fn help_lists_the_settings_with_their_variables_but_not_secret_values() {
    let out = Command::new(env!("CARGO_BIN_EXE_vizjobs"))
        .args(["serve", "--help"])
        .env("VIZJOBS_MASTER_KEY", "sEcReT-master")
        .env("VIZJOBS_S3_SECRET_ACCESS_KEY", "sEcReT-s3")
        .env("VIZJOBS_S3_SESSION_TOKEN", "sEcReT-token")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(!help.contains("sEcReT"), "{help}");
    for (flag, env) in [
        ("--listen", "VIZJOBS_LISTEN"),
        ("--master-key", "VIZJOBS_MASTER_KEY"),
        ("--signed-host", "VIZJOBS_SIGNED_HOSTS"),
        ("--log-isolation", "VIZJOBS_LOG_ISOLATION"),
        (
            "--max-connections-per-client",
            "VIZJOBS_MAX_CONNECTIONS_PER_CLIENT",
        ),
        ("--samples", "VIZJOBS_SAMPLES"),
        ("--s3-retry-timeout-secs", "VIZJOBS_S3_RETRY_TIMEOUT_SECS"),
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
        assert!(help.contains(&format!("[env: {env}")), "{env} in {help}");
    }
    assert!(help.contains("[default: 127.0.0.1:8080]"), "{help}");
}
