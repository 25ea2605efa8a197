//! Starts a real `vizjobs serve` on a free port with a fresh data directory, and stops it.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The shared TensorBoard fixtures, used as the server's log root.
pub fn fixture_logs() -> PathBuf {
    PathBuf::from(env!("VIZJOBS_SHARED"))
        .join("fixtures/events")
        .canonicalize()
        .expect("the shared event fixtures exist")
}

/// A logs folder jobs can be created over.
pub fn train_url() -> String {
    fixture_logs().join("tbx_basic").display().to_string()
}

pub struct Server {
    child: Child,
    pub data_dir: PathBuf,
    pub endpoint: String,
}

impl Server {
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    /// Starts the server with extra `serve` flags, and waits until it answers.
    pub fn start_with(extra: &[&str]) -> Server {
        Self::start_in(fresh_dir(), extra, None)
    }

    /// Starts the server on `data_dir` (kept or new), with at most `open_files` descriptors
    /// (`RLIMIT_NOFILE`) when given.
    pub fn start_in(data_dir: PathBuf, extra: &[&str], open_files: Option<u64>) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_vizjobs"));
        if let Some(limit) = open_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    let rlimit = libc::rlimit {
                        rlim_cur: limit,
                        rlim_max: limit,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        let child = command
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(&data_dir)
            .arg("--log-root")
            .arg(fixture_logs())
            .args(["--lifecycle-interval-secs", "0.2"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("vizjobs serve starts");
        let server = Server {
            child,
            data_dir,
            endpoint: format!("http://{listen}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !(server.credentials_path().exists() && TcpStream::connect(&listen).is_ok()) {
            assert!(Instant::now() < deadline, "vizjobs serve did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.data_dir.join("credentials.json")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server, keeping its data directory.
    pub fn stop_keeping_data(mut self) -> PathBuf {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::take(&mut self.data_dir)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.data_dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

pub fn fresh_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!(
        "vizjobs-test-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a data directory");
    dir
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON")
}

/// The project id and the `POST /v3/auth/tokens` body of the first-start credentials a server
/// wrote to `credentials.json`.
pub fn first_start_login(credentials: &Path) -> (String, serde_json::Value) {
    let creds = read_json(credentials);
    let field = |k: &str| creds[k].as_str().expect("a credentials field").to_owned();
    let project_id = field("project_id");
    let body = serde_json::json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": field("username"),
            "password": field("password"),
            "domain": {"name": field("account")},
        }}},
        "scope": {"project": {"id": project_id}},
    }});
    (project_id, body)
}
